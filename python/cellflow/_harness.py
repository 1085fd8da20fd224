"""Runs one pipeline step for Cellflow's runner: loads its inputs from content-addressed artifacts, calls
the step's run(), writes each output as an artifact named by the sha256 of its bytes, and reports on
file descriptor 3 as JSON lines (the step's own stdout and stderr stay its log).

    python .../cellflow/_harness.py < request.json

It runs as a script, not as `-m cellflow._harness`: importing the `cellflow` package (the logging
client, sqlite3) costs 35 ms a step, and a step that logs imports it itself.

The request: {"code", "step", "inputs": {name: {"path", "format"}}, "params", "outputs": [names],
"artifacts": folder, "checks": {output: spec}}. Events: {"event": "started"}, {"event": "checks",
"results"} when it has checks, then {"event": "finished", "outputs": {name: {"digest", "format",
"size", "file"}}} or {"event": "failed", "error", "traceback"}.

The jupyter executor loads this file in a kernel once per pipeline run and calls run_in_kernel() for
each step; there the request also carries "env", "cwd" and "workspace", and events are display data.
"""

import hashlib
import importlib.util
import json
import os
import pickle
import sys
import traceback

_PICKLE_PROTOCOL = 4


def _events():
    try:
        # fd 3, or the one a Dask task passed (CELLFLOW_EVENTS_FD): a worker's own fd 3 is a socket.
        return os.fdopen(int(os.environ.get("CELLFLOW_EVENTS_FD") or 3), "w", buffering=1, encoding="utf-8", closefd=False)
    except OSError:
        return sys.stderr  # run by hand: events go to stderr


def _load_step(code, step):
    folder = os.path.dirname(os.path.abspath(code))
    if folder not in sys.path:
        sys.path.insert(0, folder)  # shared definitions (cellflow_defs/) import from beside the step
    spec = importlib.util.spec_from_file_location(f"cellflow_step_{step.replace('-', '_')}", code)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load_input(spec):
    if spec["format"] == "npy":
        import numpy

        return numpy.load(spec["path"], allow_pickle=False)
    with open(spec["path"], "rb") as f:
        return pickle.load(f)


def _is_plain_array(value):
    mod = type(value).__module__
    if mod != "numpy" or type(value).__name__ != "ndarray":
        return False
    return value.dtype.kind != "O"


def _save_output(value, folder):
    """Writes a value as an artifact named by the sha256 of its bytes: a NumPy array as .npy, anything
    else as a pickle. Returns its record."""
    os.makedirs(folder, exist_ok=True)
    fmt = "npy" if _is_plain_array(value) else "pickle"
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{id(value)}")
    with open(tmp, "wb") as f:
        if fmt == "npy":
            import numpy

            numpy.save(f, value, allow_pickle=False)
        else:
            pickle.dump(value, f, protocol=_PICKLE_PROTOCOL)
    digest = hashlib.sha256()
    with open(tmp, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    name = f"{digest.hexdigest()}.{'npy' if fmt == 'npy' else 'pkl'}"
    final = os.path.join(folder, name)
    size = os.path.getsize(tmp)
    if os.path.exists(final):
        os.remove(tmp)  # the same bytes are already there
    else:
        os.replace(tmp, final)
    record = {"digest": f"sha256:{digest.hexdigest()}", "format": fmt, "size": size, "file": name}
    if type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas"):
        # The table's columns and types, for completing column names under `checks:` in the editor.
        try:
            record["columns"] = [[str(c), str(t)] for c, t in list(value.dtypes.items())[:500]]
        except Exception:  # noqa: BLE001 - a hint for the editor; the output itself is written
            pass
    return record


def _sibling(name):
    """A module beside this file, loaded by path: the harness runs as a script, outside its package."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"cellflow_harness{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _ChecksFailed(Exception):
    """A validation gate failed: the step ran, its output is not what the pipeline requires."""


def _die_with_parent():
    """The runner may be killed outright (SIGKILL): a step must not outlive it, writing artifacts nobody
    records. Checked five times a second on a daemon thread."""
    import threading
    import time

    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent:
                os._exit(137)

    threading.Thread(target=watch, daemon=True, name="cellflow-parent-watch").start()


def _emitter(events):
    def emit(**event):
        events.write(json.dumps(event) + "\n")
        events.flush()

    return emit


def run_step(request, emit):
    """Runs the step a request names, reporting through emit; True when it finished and its outputs are
    written. Whatever the step raises is its failure, reported, never raised."""
    try:
        module = _load_step(request["code"], request["step"])
        inputs = {name: _load_input(spec) for name, spec in request["inputs"].items()}
        emit(event="started")
        outputs = module.run(**inputs, **request.get("params", {}))
        missing = [n for n in request["outputs"] if n not in outputs]
        if missing:
            raise RuntimeError(f"the step did not produce {', '.join(missing)}: its cells no longer bind {'it' if len(missing) == 1 else 'them'}")
        checks = request.get("checks") or {}
        if checks:
            evaluate = _sibling("_checks").evaluate

            results = [r for name, spec in checks.items() if name in outputs for r in evaluate(name, outputs[name], spec)]
            emit(event="checks", results=results)
            failed = [r["message"] for r in results if not r["ok"]]
            if failed:
                raise _ChecksFailed(f"check failed: {'; '.join(failed)}")
        saved = {}
        for n in request["outputs"]:
            try:
                saved[n] = _save_output(outputs[n], request["artifacts"])
            except Exception as err:  # noqa: BLE001 - which output could not be written is the message
                raise RuntimeError(f"output {n!r} cannot be saved for the next steps: {type(err).__name__}: {err}") from err
        sys.stdout.flush()
        sys.stderr.flush()
        emit(event="finished", outputs=saved)
        return True
    except _ChecksFailed as err:
        sys.stderr.write(f"{err}\n")
        sys.stderr.flush()
        emit(event="failed", error=str(err))
        return False
    except BaseException as err:  # noqa: BLE001 - everything the step raises is its failure, reported
        trace = traceback.format_exc()
        sys.stderr.write(trace)
        sys.stderr.flush()
        last = f"{type(err).__name__}: {err}".strip()
        emit(event="failed", error=last.splitlines()[-1] if last else type(err).__name__, traceback=trace)
        return False


# Events from a kernel travel as display data of this type on IOPub (a kernel has no fd 3).
KERNEL_EVENT_MIME = "application/vnd.cellflow.event+json"


def _inside(path, folder):
    try:
        return os.path.commonpath([os.path.abspath(path), folder]) == folder
    except ValueError:
        return False


def run_in_kernel(request):
    """Runs one step in a Jupyter kernel that outlives it: the kernel's imports stay warm, but the step
    gets a fresh module, its own environment, working folder and sys.path, and the workspace modules it
    imported are forgotten after it, so nothing one step leaves behind reaches the next."""
    from IPython.display import publish_display_data

    def emit(**event):
        publish_display_data({KERNEL_EVENT_MIME: event})

    env = request.get("env", {})
    saved_env = {k: os.environ.get(k) for k in env}
    saved_cwd = os.getcwd()
    saved_path = list(sys.path)
    before = set(sys.modules)
    os.environ.update(env)
    os.chdir(request["cwd"])
    if request.get("pythonPath") and request["pythonPath"] not in sys.path:
        sys.path.insert(0, request["pythonPath"])  # `import cellflow` in a step, on a server the user started
    try:
        return run_step(request, emit)
    finally:
        runs = sys.modules.get("cellflow._runs")
        if runs is not None:
            runs._finish()  # the step's run gets its metrics now, as a process of its own would at exit
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        workspace = os.path.abspath(request.get("workspace") or request["cwd"])
        for name in set(sys.modules) - before:
            file = getattr(sys.modules.get(name), "__file__", None)
            if name.startswith("cellflow_step_") or (file and _inside(file, workspace)):
                del sys.modules[name]


def main():
    # Run as a script, Python put this file's folder first on sys.path: the step must not import the
    # client's private modules (_files, _git, ...) by those names.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path.pop(0)
    _die_with_parent()
    if os.environ.get("CELLFLOW_RELAY") == "1":
        # The relay's pipes are this process's: a subprocess of the step inherits the variables only.
        os.environ["CELLFLOW_RELAY_PID"] = str(os.getpid())
    emit = _emitter(_events())
    try:
        request = json.loads(sys.stdin.readline())
    except ValueError as err:
        emit(event="failed", error=f"the runner sent a request that is not JSON: {err}")
        sys.exit(1)
    sys.exit(0 if run_step(request, emit) else 1)


if __name__ == "__main__":
    main()
