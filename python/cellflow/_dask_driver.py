"""The Dask driver: Cellflow's runner (Node) cannot speak the scheduler's protocol (msgpack and pickle),
so this script, run on the machine running Cellflow, connects with distributed.Client and submits one
task per step. It talks JSON lines: commands on stdin, events on stdout.

  stdin:  {"op": "connect", "scheduler" | "schedulerFile", "tls": {ca, cert, key} | null, "package", "marks", "timeout"}
          {"op": "step", "id", "request", "env", "cwd", "dependsOn": [ids]}
          {"op": "cancel", "id"}      {"op": "reply", "id", "reply": {"value"} | {"error"}}
  stdout: {"event": "connected", "scheduler", "workers": [{address, nthreads, python, version}]}
          {"event": "started", "id", "worker", "pid" (the worker's)}   {"event": "log", "id", "stream", "text"}
          {"event": "harness", "id", "data"}  (the harness's own events: checks, finished, failed)
          {"event": "store", "id", "request"}  (a write the step logs; answered with a reply)
          {"event": "done", "id", "exit" and "signal" | "cancelled" | "error"}   {"event": "fatal", "message"}

Each step runs on a worker as a subprocess of the worker (its own process group), so cancel (sent
to that worker with client.run) stops running Python code. A step runs at most once: a task
marks its attempt in the shared workspace (an exclusive create) before it starts the step, so a
second attempt finds the mark. A scheduler that retries the tasks of a lost worker (allowed-failures
> 0) gets a refusal; one that recomputes a finished step whose (tiny) result was lost with its worker
gets that result back without the step running again. The store stays here: the step's writes come
back through the event stream (cellflow._relay) and the runner makes them. A task stops its step when
it is dropped (its driver gone), and the driver removes its event topic and queues from the scheduler
as it closes, so a long-lived shared scheduler keeps nothing of a run.

Standard library plus distributed; the task functions travel by value (cloudpickle), so workers need
only distributed and what the steps import.
"""

import hashlib
import io
import json
import os
import sys
import threading
import uuid
import zipfile

_out = threading.Lock()


def emit(**event):
    line = json.dumps(event)
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


# ---- on the worker ----------------------------------------------------------------------------

def _unpack(package, digest, folder):
    """The cellflow package (harness and client), unpacked once per worker folder and version."""
    target = os.path.join(folder, f"cellflow-python-{digest[:16]}")
    if not os.path.isdir(target):
        partial = f"{target}.{uuid.uuid4().hex}"
        with zipfile.ZipFile(io.BytesIO(package)) as z:
            z.extractall(partial)
        try:
            os.rename(partial, target)
        except OSError:  # another task unpacked it first
            import shutil
            shutil.rmtree(partial, ignore_errors=True)
    return target


def _claim(marks, key, worker):
    """The attempt mark: None for the first attempt (the mark is made), else what the mark says
    ("started <worker>" or "finished"). An exclusive create is atomic on a local disk and on NFS."""
    os.makedirs(marks, exist_ok=True)
    mark = os.path.join(marks, key)
    try:
        fd = os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            with open(mark, encoding="utf-8") as f:
                return f.read() or "started"
        except OSError:
            return "started"
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"started {worker}")
    return None


def _mark_finished(marks, key):
    partial = os.path.join(marks, f".{key}.{uuid.uuid4().hex}")
    with open(partial, "w", encoding="utf-8") as f:
        f.write("finished")
    os.replace(partial, os.path.join(marks, key))


def run_step_task(session, key, request, env, cwd, package, digest, marks, *upstream):
    """A Dask task: runs one step through the harness in a subprocess and relays what it says."""
    import codecs
    import selectors
    import signal
    import subprocess
    import time
    from distributed import Queue, get_worker

    worker = get_worker()
    steps = _steps_on(worker)
    replies = None

    def cancelled_here():
        return key in steps["cancelled"]

    def put(**event):
        # The worker's batched stream to the scheduler, which pushes it to the driver's subscription:
        # in order, and without a round trip for each event.
        worker.log_event(f"cellflow-{session}", {"id": key, **event})

    try:
        before = _claim(marks, key, worker.address)
    except OSError as err:
        put(event="done", error=f"worker {worker.address} cannot mark the step's attempt in {marks}: {err}")
        return "failed"
    if before == "finished":
        # A recompute of a finished step whose result was lost with its worker: the outputs are in the
        # shared artifact folder already, and the dependents need only this task's (tiny) result.
        return "finished"
    if before:
        where = before.split(" ", 1)[1] if " " in before else "a worker"
        put(event="done", error=f"not run again: it started on worker {where}, which was lost while it ran")
        return "refused"
    put(event="started", worker=worker.address, pid=os.getpid())
    if cancelled_here():
        steps["cancelled"].discard(key)
        put(event="done", cancelled=True)
        return "cancelled"

    try:
        pythonpath = _unpack(package, digest, worker.local_directory)
    except Exception as err:  # noqa: BLE001 - the step's failure, named
        put(event="done", error=f"worker {worker.address} cannot unpack Cellflow's Python package: {err}")
        return "failed"
    # Three pipes beside stdout and stderr: the harness's events, the step's store requests (its own
    # writer, so a background metrics flush never interleaves with an event), and their replies.
    events_r, events_w = os.pipe()
    requests_r, requests_w = os.pipe()
    replies_r, replies_w = os.pipe()
    child_env = dict(os.environ)
    # The nanny pins BLAS and OpenMP to one thread for the worker's own tasks; a step is a process of
    # its own, as it is locally, and with another thread count its floats (a fitted model) would differ.
    import dask
    for name, value in (dask.config.get("distributed.nanny.pre-spawn-environ", None) or {}).items():
        if child_env.get(name) == str(value):
            del child_env[name]
    child_env.update(env)
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, child_env.get("PYTHONPATH")) if p)
    child_env.update(CELLFLOW_RELAY="1", CELLFLOW_EVENTS_FD=str(events_w), CELLFLOW_REQUESTS_FD=str(requests_w), CELLFLOW_REPLIES_FD=str(replies_r))
    try:
        child = subprocess.Popen(
            [sys.executable, os.path.join(pythonpath, "cellflow", "_harness.py")],
            cwd=cwd, env=child_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(events_w, requests_w, replies_r), start_new_session=True)
    except OSError as err:
        for fd in (events_r, requests_r, replies_w):
            os.close(fd)
        put(event="done", error=f"worker {worker.address} cannot start the step in {cwd}: {err}")
        return "failed"
    finally:
        for fd in (events_w, requests_w, replies_r):
            os.close(fd)
    steps["children"][key] = child.pid

    def kill():
        # SIGTERM to the group, then SIGKILL to whatever is left of it: a process the step started
        # may outlive the harness and ignore SIGTERM.
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 0.3
        while child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            pass

    task_key = f"cellflow-step-{key}"

    def stop_asked():
        # A cancel, or the task dropped: its client (the driver) gone or the scheduler releasing it.
        if cancelled_here():
            return True
        tasks = getattr(getattr(worker, "state", None), "tasks", None)
        if tasks is None:
            return False  # a distributed without the worker state machine (before 2022.8): no such check
        ts = tasks.get(task_key)
        return ts is None or ts.state == "cancelled"

    sel = selectors.DefaultSelector()
    decoders = {}
    pending = {"events": "", "requests": ""}
    cancelled = False
    exited_at = None
    try:
        try:
            child.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            child.stdin.close()
        except BrokenPipeError:
            pass  # the harness died at once: its exit code and stderr say why
        for name, stream in (("stdout", child.stdout.fileno()), ("stderr", child.stderr.fileno()), ("events", events_r), ("requests", requests_r)):
            os.set_blocking(stream, False)
            sel.register(stream, selectors.EVENT_READ, name)
            decoders[name] = codecs.getincrementaldecoder("utf-8")("replace")
        open_streams = 4
        while open_streams:
            now = time.monotonic()
            if stop_asked():
                cancelled = True
                kill()
                break
            # A step may leave a process behind holding its pipes: once the harness has exited, its
            # group gets half a second, then is killed, as the local executor does.
            if exited_at is None and child.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 0.5:
                kill()
                break
            for sk, _ in sel.select(timeout=0.1):
                try:
                    chunk = os.read(sk.fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(sk.fd)
                    open_streams -= 1
                    continue
                text = decoders[sk.data].decode(chunk)
                if sk.data in ("stdout", "stderr"):
                    put(event="log", stream=sk.data, text=text)
                    continue
                pending[sk.data] += text
                while "\n" in pending[sk.data]:
                    line, pending[sk.data] = pending[sk.data].split("\n", 1)
                    try:
                        data = json.loads(line)
                    except ValueError:
                        put(event="log", stream="stderr", text=f"cellflow: an unreadable {sk.data} line from the step was dropped: {line[:200]}\n")
                        continue
                    if sk.data == "events":
                        put(event="harness", data=data)
                        continue
                    put(event="store", request=data)
                    if replies is None:
                        replies = Queue(f"cellflow-replies-{key}")
                    answer = None
                    while answer is None and not stop_asked():
                        try:
                            answer = replies.get(timeout=0.2)
                        except Exception:  # noqa: BLE001 - a timeout: look at cancel, wait again
                            answer = None
                    if answer is not None:
                        try:
                            os.write(replies_w, (json.dumps(answer) + "\n").encode("utf-8"))
                        except BrokenPipeError:
                            pass  # the step died while it waited: its exit says how
        # Cancel's SIGTERM may end the step before the loop looks at the mark: it was still cancelled.
        cancelled = cancelled or cancelled_here()
        if not cancelled:
            child.wait()
    finally:
        steps["children"].pop(key, None)
        steps["cancelled"].discard(key)
        if child.poll() is None:
            kill()
        sel.close()
        for fd in (events_r, requests_r, replies_w):
            os.close(fd)
        child.stdout.close()
        child.stderr.close()
        if replies is not None:
            replies.close()
    if cancelled:
        put(event="done", cancelled=True)
        return "cancelled"
    code = child.returncode
    try:
        _mark_finished(marks, key)
    except OSError:
        pass  # only a recompute would miss it, and would be refused rather than run twice
    put(event="done", exit=code if code >= 0 else None, signal=signal.Signals(-code).name if code < 0 else None)
    return "finished"


def _steps_on(worker):
    """The steps running on this worker and those cancelled, kept on the worker object: tasks and
    client.run calls of one driver share it, and a cancel needs no round trip to the scheduler."""
    steps = getattr(worker, "_cellflow_steps", None)
    if steps is None:
        steps = {"cancelled": set(), "children": {}}
        worker._cellflow_steps = steps
    return steps


def cancel_on_worker(key, dask_worker=None):
    """Run on the worker (client.run): marks the step cancelled and sends its process group SIGTERM;
    its task sees the mark within 0.1 s (0.2 s while it waits for a store reply) and sends SIGKILL
    after a grace."""
    import signal

    steps = _steps_on(dask_worker)
    steps["cancelled"].add(key)
    pid = steps["children"].get(key)
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass


def _forget_topic(topic, dask_scheduler=None):
    """Run on the scheduler as the driver closes: the run's events (its steps' output among them)
    would stay in the scheduler's event log, up to 100,000 a topic, for as long as it runs."""
    for table in ("events", "event_counts", "event_subscriber"):
        getattr(dask_scheduler, table, {}).pop(topic, None)


def describe_worker():
    import platform
    return {"python": sys.executable, "version": f"{platform.python_version()} {sys.prefix}"}


# ---- on Cellflow's machine --------------------------------------------------------------------

def _zip(folder):
    """The cellflow package folder as zip bytes, and their digest."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(os.path.join(folder, "cellflow"))):
            if name.endswith(".py"):
                z.write(os.path.join(folder, "cellflow", name), f"cellflow/{name}")
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()


class Driver:
    def __init__(self, client, package, marks):
        self.client = client
        self.session = uuid.uuid4().hex
        self.marks = os.path.join(marks, self.session)
        client.subscribe_topic(f"cellflow-{self.session}", lambda event: self._forward(event[1]))
        # By value in each task (30 kB), not scattered: scattered data lost with its only worker
        # cannot be recomputed, and the scheduler would drop every task that needs it.
        self.package, self.digest = _zip(package)
        # One task before the first step: a client's first submit costs the scheduler and a worker
        # 50-90 ms (measured on 2 cores) that would otherwise fall on the first step.
        client.submit(len, b"", pure=False, key=f"cellflow-warm-{self.session}").result()
        self.cancelled = set()
        self.futures = {}
        self.started = {}
        self.ended = set()
        self.lock = threading.Lock()
        self.cancels = []
        self.replies = {}

    def _forward(self, event):
        key = event.get("id")
        with self.lock:
            if key in self.ended:
                return
            if event.get("event") == "started":
                self.started[key] = event.get("worker")
            if event.get("event") == "done":
                self.ended.add(key)
        emit(**event)

    def _finished(self, key, future):
        replies = self.replies.pop(key, None)
        if replies is not None:
            try:
                replies.close()
            except Exception:  # noqa: BLE001 - the client closing
                pass
        # A task that ended normally said "done" itself, through its events; an erred or cancelled one
        # cannot: a worker lost while it ran (KilledWorker) and the like are reported here, once.
        if future.status == "finished":
            return
        if future.status == "cancelled":
            if key in self.cancelled:
                return self._forward({"id": key, "event": "done", "cancelled": True})
            return self._forward({"id": key, "event": "done", "error": "the Dask scheduler dropped the task (data it needed was lost with a worker); run again to redo it"})
        try:
            err = future.exception(timeout=5)
        except Exception as e:  # noqa: BLE001
            err = e
        name = type(err).__name__
        if name == "KilledWorker":
            worker = getattr(err, "last_worker", None)
            where = getattr(worker, "address", None) or (str(err.args[1]) if len(getattr(err, "args", ())) > 1 else "a worker")
            with self.lock:
                began = key in self.started
            if began:
                message = f"worker {where} was lost while it ran the step; not retried, so it ran at most once (run again to redo it)"
            else:
                message = f"worker {where} was lost before the step started on it; not retried (run again to run it)"
        else:
            message = f"the Dask task failed: {name}: {err}"
        self._forward({"id": key, "event": "done", "error": message})

    def step(self, op):
        key = op["id"]
        upstream = [self.futures[d] for d in op.get("dependsOn", []) if d in self.futures]
        future = self.client.submit(
            run_step_task, self.session, key, op["request"], op["env"], op["cwd"], self.package, self.digest, self.marks, *upstream,
            key=f"cellflow-step-{key}", pure=False, retries=0)
        self.futures[key] = future
        future.add_done_callback(lambda f: threading.Thread(target=self._finished, args=(key, f), daemon=True).start())

    def cancel(self, key):
        self.cancelled.add(key)
        future = self.futures.get(key)
        with self.lock:
            worker = self.started.get(key)
        # Straight to the worker running it (to all while it has not started: a task starting right
        # now finds the mark and stops); no Event polled, so a running step costs the scheduler no
        # round trips.
        # client.run waits for the workers' answers (distributed refuses wait=False for a plain
        # function), so it runs beside the command loop, which must keep reading.
        def send():
            try:
                self.client.run(cancel_on_worker, key, workers=[worker] if worker else None, on_error="return")
            except Exception:  # noqa: BLE001 - a worker gone: its task ends anyway
                pass

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        self.cancels.append(thread)
        if future is not None and not worker:
            future.cancel()

    def reply(self, key, reply):
        from distributed import Queue

        queue = self.replies.get(key)
        if queue is None:
            queue = self.replies[key] = Queue(f"cellflow-replies-{key}", client=self.client)
        queue.put(reply)

    def close(self):
        import shutil
        import time

        for key in list(self.futures):
            with self.lock:
                done = key in self.ended
            if not done:
                self.cancel(key)
        # The cancels reach the workers before the client closes under them (3 s in all: the runner
        # kills this process 10 s after it asked it to end).
        deadline = time.monotonic() + 3
        for thread in self.cancels:
            thread.join(timeout=max(0, deadline - time.monotonic()))
        topic = f"cellflow-{self.session}"
        try:
            self.client.unsubscribe_topic(topic)
            self.client.run_on_scheduler(_forget_topic, topic)
        except Exception:  # noqa: BLE001 - a scheduler gone, or one that runs no functions of ours
            pass
        for queue in self.replies.values():
            try:
                queue.close()
            except Exception:  # noqa: BLE001
                pass
        shutil.rmtree(self.marks, ignore_errors=True)


def connect(op):
    try:
        from distributed import Client
        from distributed.security import Security
    except ImportError as err:
        raise SystemExit(_fatal(f"{sys.executable} cannot import distributed ({err}): install it (Debian: python3-distributed; else pip install distributed) or pass --python"))

    tls = op.get("tls")
    security = None
    if tls:
        security = Security(tls_ca_file=tls["ca"], tls_client_cert=tls["cert"], tls_client_key=tls["key"], require_encryption=True)
    target = op.get("scheduler")
    kwargs = {"security": security} if security else {}
    if op.get("schedulerFile"):
        kwargs["scheduler_file"] = op["schedulerFile"]
        target = None
    where = op.get("scheduler") or op.get("schedulerFile")
    try:
        client = Client(target, timeout=op.get("timeout", 10), set_as_default=False, **kwargs)
    except Exception as err:  # noqa: BLE001 - the message is the point
        raise SystemExit(_fatal(f"cannot connect to the Dask scheduler at {where}: {type(err).__name__}: {err}"))
    try:
        client.wait_for_workers(1, timeout=op.get("timeout", 10))
    except Exception as err:  # noqa: BLE001
        raise SystemExit(_fatal(f"the Dask scheduler at {where} has no workers ({type(err).__name__}: {err})"))
    info = client.scheduler_info()["workers"]
    about = client.run(describe_worker)
    workers = [{"address": a, "nthreads": w.get("nthreads", 1), **about.get(a, {})} for a, w in sorted(info.items())]
    return client, {"event": "connected", "scheduler": client.scheduler.address, "workers": workers}


def _fatal(message):
    emit(event="fatal", message=message)
    return 2


def main():
    import signal

    # Ctrl+C in a terminal reaches the whole process group: the runner turns it into cancels, sent
    # here on stdin, and this process must live to pass them on and report the steps cancelled.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Run as a script, Python put this file's folder first on sys.path: the client's private modules
    # (_files, _git, ...) must not shadow anything distributed imports.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path.pop(0)
    first = sys.stdin.readline()
    if not first:
        return 0
    connect_op = json.loads(first)
    client, connected = connect(connect_op)
    # Ready before the runner hears "connected": the steps it sends next are submitted at once.
    driver = Driver(client, connect_op["package"], connect_op["marks"])
    emit(**connected)
    try:
        for line in sys.stdin:
            op = json.loads(line)
            kind = op.get("op")
            if kind == "step":
                driver.step(op)
            elif kind == "cancel":
                driver.cancel(op["id"])
            elif kind == "reply":
                driver.reply(op["id"], op["reply"])
    finally:
        driver.close()
        client.close(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
