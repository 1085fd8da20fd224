"""Runs: the active run, the MLflow-style calls that log to it, and finishing what is open at exit."""

import atexit
import math
import numbers
import os
import socket
import uuid
import warnings

from ._connection import get_store, now
from . import _relay
from ._datasets import describe_dataset, log_input as _log_input
from ._errors import CellflowError, describe, text
from ._files import artifact, workspace_path
from ._git import git_commit
from ._metrics import MetricBatch
from ._schema import (
    ARTIFACT_UPSERT, EXPERIMENT_ID, EXPERIMENT_INSERT, PARAM_UPSERT, RUN_END, RUN_INSERT, RUN_LINEAGE_INSERT, RUN_RID, TAG_UPSERT, UNWRITTEN_METRICS_TAG,
)


class ActiveRun(MetricBatch):
    """A run being logged; a context manager that ends it FINISHED, or FAILED on an exception."""

    def __init__(self, store, run_id, rid):
        super().__init__(store, rid)
        self.id = run_id
        self.info = self
        self._ended = False

    @property
    def run_id(self):
        return self.id

    def _upsert_text(self, sql, values, what):
        # Row by row, so that a value the store refuses is named in the message.
        rows = [(self._rid, text(f"a {what} key", str(k)), text(f"the value of {what} {describe(str(k))}", str(v))) for k, v in values.items()]

        def upsert(c):
            for row in rows:
                c.execute(sql, row, fields={"key": row[1], "value": row[2]})

        self._store.write(upsert)

    def log_params(self, params):
        self._upsert_text(PARAM_UPSERT, params, "param")

    def set_tags(self, tags):
        self._upsert_text(TAG_UPSERT, tags, "tag")

    def log_artifact(self, path):
        rel, digest, size = artifact(self._store, path)
        self._store.write(lambda c: c.execute(ARTIFACT_UPSERT, (self._rid, rel, digest, size), fields={"path": rel}))
        return rel

    def log_input(self, data, name=None, context="training"):
        return _log_input(self._store, self._rid, self.id, data, name, context)

    def end(self, status="FINISHED"):
        """Writes what is pending and ends the run. A run whose metrics cannot all be written ends FAILED,
        tagged with how many were not, and a CellflowError says so: it never ends FINISHED without them."""
        if self._ended:
            return
        try:
            self.flush()
        except CellflowError as err:
            self._end_unwritten(err)
        self._store.write(lambda c: c.execute(RUN_END, (status, now(), self.id)))
        self._ended = True

    def _end_unwritten(self, err):
        n = self.unwritten
        lost = f"run {self.id}: {n} metric{'' if n == 1 else 's'} could not be written ({err})"

        def fail(c):
            c.execute(TAG_UPSERT, (self._rid, UNWRITTEN_METRICS_TAG, str(n)))
            c.execute(RUN_END, ("FAILED", now(), self.id))

        self._ended = True
        try:
            self._store.write(fail)
        except CellflowError as again:
            raise CellflowError(f"{lost}; nor could the run be marked FAILED ({again}): it shows as KILLED once this process is gone") from None
        raise CellflowError(f"{lost}; the run ended FAILED, tagged {UNWRITTEN_METRICS_TAG}={n}") from None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            _end(self, "FINISHED")
            return False
        # The block's own exception is the one to see; a store problem on top of it is a warning.
        try:
            _end(self, "FAILED")
        except CellflowError as err:
            warnings.warn(str(err), RuntimeWarning, stacklevel=2)
        return False


ActiveRun.__module__ = "cellflow"

_active = []


def start_run(experiment=None, run_name=None, **kwargs):
    """Starts a run (in `experiment`, default "Default") and makes it the active run."""
    if _relay.relayed():
        raise CellflowError("start_run: this step runs on a Dask worker, where only the run Cellflow made for it is reachable (log to cellflow.active_run()); the store stays on the machine running Cellflow")
    store = get_store()
    run_id = uuid.uuid4().hex
    commit = git_commit(store.root)
    name = experiment or os.environ.get("CELLFLOW_EXPERIMENT") or "Default"
    pipeline = kwargs.get("pipeline") or os.environ.get("CELLFLOW_PIPELINE")
    step_id = kwargs.get("step_id") or os.environ.get("CELLFLOW_STEP")
    step_version = _step_version(kwargs.get("step_version") or os.environ.get("CELLFLOW_STEP_VERSION"), bool(kwargs.get("step_version")))
    cell_hash = kwargs.get("cell_hash") or os.environ.get("CELLFLOW_CELL_HASH")
    # Names and ids from the environment may hold lone surrogates: Python decodes bytes that are not UTF-8 so.
    for what, value in (("an experiment name", name), ("a run name", run_name), ("a pipeline", pipeline), ("a step id", step_id), ("a cell hash", cell_hash)):
        if isinstance(value, str):
            text(what, value)

    def insert(c):
        started = now()
        c.execute(EXPERIMENT_INSERT, (name, started), fields={"name": name})
        exp = c.execute(EXPERIMENT_ID, (name,)).fetchone()[0]
        rid = c.execute(
            RUN_INSERT, (run_id, exp, run_name, started, os.getpid(), socket.gethostname(), pipeline, step_id, step_version, cell_hash, commit),
            fields={"name": run_name, "git_commit": commit}).lastrowid
        # The lineage chain, keyed by the statement as the editor keys it: cell hash -> step version -> run.
        c.execute(RUN_LINEAGE_INSERT, (run_id, started, started))
        return rid

    rid = store.write(insert)
    run = ActiveRun(store, run_id, rid)
    _active.append(run)
    return run


def _step_version(value, from_call):
    """A step version as an int, from start_run(step_version=...) or CELLFLOW_STEP_VERSION, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    source = "step_version" if from_call else "CELLFLOW_STEP_VERSION"
    raise CellflowError(f"{source} is a step version, a whole number such as 3, not {describe(value)}")


class StepRun(ActiveRun):
    """The run Cellflow's pipeline runner made for the step this process runs (CELLFLOW_RUN_ID): what
    the step logs goes to it, not to a run of its own. The runner ends it; ending here only writes."""

    def end(self, status="FINISHED"):
        if self._ended:
            return
        self.flush()
        self._ended = True


StepRun.__module__ = "cellflow"


class RelayedStepRun(StepRun):
    """The step's run when the step runs on a Dask worker: every write is a request to Cellflow's store,
    on the machine running Cellflow (_relay), checked there as a local write is checked here."""

    def __init__(self, run_id):
        super().__init__(_relay.where(), run_id, None)

    def log_params(self, params):
        _relay.request("params", runId=self.id, values={text("a param key", str(k)): str(v) for k, v in params.items()})

    def set_tags(self, tags):
        _relay.request("tags", runId=self.id, values={text("a tag key", str(k)): str(v) for k, v in tags.items()})

    def log_artifact(self, path):
        rel = workspace_path(self._store, path)
        return _relay.request("artifact", runId=self.id, path=rel)

    def log_input(self, data, name=None, context="training"):
        dataset = describe_dataset(self._store, data, name)
        _relay.request("input", runId=self.id, context=context, **dataset)
        return dataset["digest"]

    def _write(self, rows, latest):
        _relay.request("metrics", runId=self.id, metrics=[{"key": r[1], "value": _finite(r[2]), "step": r[3], "timestamp": r[4]} for r in rows])


def _finite(value):
    # JSON has no infinity; the store keeps it, so it travels as text, as JavaScript's JSON would name it.
    return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")


RelayedStepRun.__module__ = "cellflow"


def _step_run():
    run_id = os.environ.get("CELLFLOW_RUN_ID")
    if not run_id:
        return None
    if _relay.relayed():
        run = RelayedStepRun(run_id)
        _active.append(run)
        return run
    store = get_store()
    rows = store.read(RUN_RID, (run_id,))
    if not rows:
        raise CellflowError(f"CELLFLOW_RUN_ID names run {run_id!r}, which is not in {store.path}")
    run = StepRun(store, run_id, rows[0][0])
    _active.append(run)
    return run


def active_run():
    if not _active and os.environ.get("CELLFLOW_RUN_ID"):
        _step_run()
    return _active[-1] if _active else None


def _require_run():
    run = active_run()
    if run is None:
        raise CellflowError("no active run: call cellflow.start_run() first")
    return run


def _end(run, status):
    try:
        run.end(status)
    finally:
        if run in _active:
            _active.remove(run)


def end_run(status="FINISHED"):
    if _active:
        _end(_active[-1], status)


def log_param(key, value):
    _require_run().log_params({key: value})


def log_params(params):
    _require_run().log_params(params)


def log_metric(key, value, step=None):
    (_active[-1] if _active else _require_run()).log_metric(key, value, step)


def log_metrics(metrics, step=None):
    _require_run().log_metrics(metrics, step=step)


def set_tag(key, value):
    _require_run().set_tags({key: value})


def set_tags(tags):
    _require_run().set_tags(tags)


def log_artifact(path):
    return _require_run().log_artifact(path)


def log_input(data, name=None, context="training"):
    """Records a dataset the active run read (a CSV or other file in the workspace, or a pandas
    DataFrame) by a digest of its content, with its schema and row count; returns the digest."""
    return _require_run().log_input(data, name=name, context=context)


@atexit.register
def _finish():
    # A run still open when the interpreter exits normally is finished, with its metrics flushed; one
    # whose metrics cannot be written says so on stderr (an exception here would only be printed anyway).
    while _active:
        try:
            _end(_active[-1], "FINISHED")
        except CellflowError as err:
            warnings.warn(str(err), RuntimeWarning, stacklevel=1)
