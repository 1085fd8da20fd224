"""Cellflow's Python logging client.

Runs, params, metrics, tags, artifacts and registered models go into the workspace's Cellflow store
(``.cellflow/cellflow.db``, or ``$CELLFLOW_STORE``), the same SQLite file the editor and the
``cellflow`` CLI read. The names follow MLflow's, so code ports::

    import cellflow
    with cellflow.start_run(experiment="churn", run_name="baseline"):
        cellflow.log_params({"C": 1.0})
        for step, loss in enumerate(losses):
            cellflow.log_metric("loss", loss, step=step)
        cellflow.log_artifact("models/model.pkl")
        cellflow.register_model("models/model.pkl", "churn")

Standard library only. Metric writes are batched; every write is a short transaction that waits for
other writers (WAL, busy timeout, retries), so several processes can log at once.
"""

import atexit
import csv
import hashlib
import io
import json
import numbers
import os
import socket
import sqlite3
import threading
import time
import uuid

from ._schema import (
    ALIAS_UPSERT, ARTIFACT_UPSERT, DATASET_ID, DATASET_INSERT, DATASET_LINEAGE_INSERT, EXPERIMENT_ID, EXPERIMENT_INSERT, FOREIGN_CHECK,
    LATEST_METRIC_UPSERT, METRIC_INSERT, MIGRATIONS, MODEL_INSERT, MODEL_VERSION_EXISTS, MODEL_VERSION_INSERT, MODEL_VERSION_LINEAGE_INSERT,
    PARAM_UPSERT, RUN_END, RUN_INPUT_UPSERT, RUN_INSERT, RUN_LINEAGE_INSERT, RUN_RID, SCHEMA_VERSION, TAG_UPSERT,
)

__all__ = [
    "start_run", "end_run", "active_run", "log_param", "log_params", "log_metric", "log_metrics",
    "set_tag", "set_tags", "log_artifact", "log_input", "register_model", "set_alias", "CellflowError",
]

_SQLITE_HEADER = b"SQLite format 3\x00"
_METRIC_BATCH = 1000
_FLUSH_SECONDS = 2.0
_BUSY_SECONDS = 60.0


class CellflowError(Exception):
    """A problem with the store or a call, with a message that says what to do."""


def _workspace_root():
    root = os.environ.get("CELLFLOW_WORKSPACE")
    if root:
        return os.path.abspath(root)
    d = os.getcwd()
    while True:
        if os.path.isdir(os.path.join(d, ".cellflow")) or os.path.exists(os.path.join(d, ".git")):
            return d
        up = os.path.dirname(d)
        if up == d:
            return os.getcwd()
        d = up


def _store_path(root):
    env = os.environ.get("CELLFLOW_STORE")
    return os.path.join(root, env) if env else os.path.join(root, ".cellflow", "cellflow.db")


def _git_commit(root):
    d = root
    while True:
        git = os.path.join(d, ".git")
        if os.path.exists(git):
            break
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up
    try:
        if os.path.isfile(git):
            with open(git) as f:
                line = f.read().strip()
            if line.startswith("gitdir:"):
                git = os.path.join(d, line[len("gitdir:"):].strip())
        with open(os.path.join(git, "HEAD")) as f:
            head = f.read().strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head[4:].strip()
        loose = os.path.join(git, ref)
        if os.path.exists(loose):
            with open(loose) as f:
                return f.read().strip() or None
        packed = os.path.join(git, "packed-refs")
        if os.path.exists(packed):
            with open(packed) as f:
                for line in f:
                    parts = line.strip().split(" ")
                    if len(parts) == 2 and parts[1] == ref:
                        return parts[0]
    except OSError:
        return None
    return None


class _Store:
    """One connection to the store, with the same checks and schema as the editor's."""

    def __init__(self, path, root):
        self.path = path
        self.root = root
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, "rb") as f:
                if f.read(16) != _SQLITE_HEADER[: min(16, os.path.getsize(path))]:
                    raise CellflowError(f"{path} is not a Cellflow store (not an SQLite database); Cellflow will not touch it")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Autocommit mode: transactions are explicit, BEGIN IMMEDIATE, so writers queue instead of failing.
        self.conn = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_SECONDS * 1000)}")
            # Refusals come before anything that writes (switching to WAL rewrites the header).
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._refuse_foreign()
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA trusted_schema = OFF")
            self._migrate()
        except CellflowError:
            self.conn.close()
            raise
        except sqlite3.DatabaseError as err:
            self.conn.close()
            raise CellflowError(f"{path} cannot be used: {err}") from None

    def _refuse_foreign(self):
        # One statement, one snapshot: a store that another process is creating right now is not
        # mistaken for someone else's database between two reads.
        current, tables, ours = self.conn.execute(FOREIGN_CHECK).fetchone()
        if current > SCHEMA_VERSION:
            raise CellflowError(f"{self.path} was written by a newer Cellflow (store schema v{current}; this client knows v{SCHEMA_VERSION}); update the cellflow package")
        if (current == 0 and tables > 0) or (current > 0 and ours < 2):
            raise CellflowError(f"{self.path} is an SQLite database of something else (it has tables, but no Cellflow schema); Cellflow will not touch it")

    def _migrate(self):
        if self.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return

        def upgrade(cur):
            at = cur.execute("PRAGMA user_version").fetchone()[0]
            for migration in MIGRATIONS:
                if migration["version"] > at:
                    cur.executescript_statements(migration["sql"])
                    cur.execute(f"PRAGMA user_version = {migration['version']}")

        self.write(upgrade)

    def write(self, fn):
        """Runs fn(cursor) in one immediate transaction, retrying while another writer holds the lock."""
        deadline = time.monotonic() + _BUSY_SECONDS
        delay = 0.005
        with self.lock:
            while True:
                cur = _Cursor(self.conn)
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(cur)
                        self.conn.execute("COMMIT")
                        return result
                    except BaseException:
                        self.conn.execute("ROLLBACK")
                        raise
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) and "busy" not in str(err):
                        raise
                    if time.monotonic() > deadline:
                        raise CellflowError(f"{self.path} stayed locked by another writer for {_BUSY_SECONDS:.0f} s") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)

    def read(self, sql, args=()):
        with self.lock:
            return self.conn.execute(sql, args).fetchall()


class _Cursor:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, args=()):
        return self.conn.execute(sql, args)

    def executemany(self, sql, rows):
        return self.conn.executemany(sql, rows)

    def executescript_statements(self, script):
        # executescript would COMMIT the open transaction: run the statements one by one instead.
        buffer = ""
        for line in script.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                self.conn.execute(buffer)
                buffer = ""
        if buffer.strip():
            self.conn.execute(buffer)


_store = None
_store_lock = threading.Lock()


def _get_store():
    global _store
    with _store_lock:
        if _store is None:
            root = _workspace_root()
            _store = _Store(_store_path(root), root)
        return _store


def _now():
    return int(time.time() * 1000)


class ActiveRun:
    """A run being logged; a context manager that ends it FINISHED, or FAILED on an exception."""

    def __init__(self, store, run_id, rid):
        self._store = store
        self.id = run_id
        self._rid = rid
        self.info = self
        self._pending = []
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._ended = False

    @property
    def run_id(self):
        return self.id

    def log_params(self, params):
        rows = [(self._rid, str(k), str(v)) for k, v in params.items()]
        self._store.write(lambda c: c.executemany(PARAM_UPSERT, rows))

    def set_tags(self, tags):
        rows = [(self._rid, str(k), str(v)) for k, v in tags.items()]
        self._store.write(lambda c: c.executemany(TAG_UPSERT, rows))

    def log_metric(self, key, value, step=None):
        # The hot path of a training loop: one tuple appended, the batch written when full or old.
        if type(value) is not float or value != value:
            value = _metric_value(key, value)
        row = (self._rid, key if type(key) is str else str(key), value, int(step) if step else 0, int(time.time() * 1000))
        with self._lock:
            self._pending.append(row)
            due = len(self._pending) >= _METRIC_BATCH or time.monotonic() - self._last_flush >= _FLUSH_SECONDS
        if due:
            self.flush()

    def log_metrics(self, metrics, step=None):
        now = _now()
        step = int(step) if step else 0
        rows = [(self._rid, str(key), _metric_value(key, value), step, now) for key, value in metrics.items()]
        with self._lock:
            self._pending.extend(rows)
            due = len(self._pending) >= _METRIC_BATCH or time.monotonic() - self._last_flush >= _FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self):
        with self._lock:
            rows, self._pending = self._pending, []
            self._last_flush = time.monotonic()
        if not rows:
            return
        # Each key's newest value in the batch (highest step, then last logged) updates latest_metrics once.
        latest = {}
        for row in rows:
            seen = latest.get(row[1])
            if seen is None or row[3] > seen[3] or (row[3] == seen[3] and row[4] >= seen[4]):
                latest[row[1]] = row

        def insert(c):
            c.executemany(METRIC_INSERT, rows)
            c.executemany(LATEST_METRIC_UPSERT, list(latest.values()))

        self._store.write(insert)

    def log_artifact(self, path):
        rel, digest, size = _artifact(self._store, path)
        self._store.write(lambda c: c.execute(ARTIFACT_UPSERT, (self._rid, rel, digest, size)))
        return rel

    def log_input(self, data, name=None, context="training"):
        dataset = _describe_dataset(self._store, data, name)
        now = _now()

        def insert(c):
            c.execute(DATASET_INSERT, (dataset["name"], dataset["digest"], dataset["schema"], dataset["rows"], dataset["source"]))
            dataset_id = c.execute(DATASET_ID, (dataset["digest"],)).fetchone()[0]
            c.execute(RUN_INPUT_UPSERT, (self._rid, dataset_id, context))
            c.execute(DATASET_LINEAGE_INSERT, (dataset["digest"], self.id, now))

        self._store.write(insert)
        return dataset["digest"]

    def end(self, status="FINISHED"):
        if self._ended:
            return
        self.flush()
        self._ended = True
        self._store.write(lambda c: c.execute(RUN_END, (status, _now(), self.id)))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        _end(self, "FAILED" if exc_type is not None else "FINISHED")
        return False


def _metric_value(key, value):
    """A metric value as a float: Python and NumPy numbers are; bools, text and NaN are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CellflowError(f"metric {key!r}: value must be a number, not {value!r}")
    value = float(value)
    if value != value:
        raise CellflowError(f"metric {key!r}: value must be a number, not NaN")
    return value


def _workspace_file(store, path):
    """(real path, root-relative path) of a file inside the workspace, or a CellflowError."""
    # A relative path is the caller's, as open() reads it: from the working directory, which may be a
    # folder below the workspace root. What is recorded is relative to the root.
    root = os.path.realpath(store.root)
    real = os.path.realpath(os.path.abspath(path))
    rel = os.path.relpath(real, root)
    if rel == "." or rel.startswith("..") or os.path.isabs(rel):
        raise CellflowError(f"{path} is outside the workspace ({store.root}); Cellflow records artifacts inside it only")
    if not os.path.isfile(real):
        raise CellflowError(f"{path} does not exist")
    return real, rel.replace(os.sep, "/")


def _artifact(store, path):
    real, rel = _workspace_file(store, path)
    h = hashlib.sha256()
    with open(real, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return rel, h.hexdigest(), os.path.getsize(real)


_SCHEMA_SAMPLE_ROWS = 10000


def _widen(kind, value):
    """The narrowest of integer, number, string that holds both `kind` (None: nothing seen) and `value`."""
    if kind in (None, "integer"):
        try:
            int(value)
            return "integer"
        except ValueError:
            pass
    try:
        float(value)
        return "number"
    except ValueError:
        return "string"


class _HashingReader(io.RawIOBase):
    """A binary file that hashes what is read through it: a CSV is hashed and parsed in one pass."""

    def __init__(self, f):
        self._f = f
        self.hash = hashlib.sha256()

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self._f.readinto(buffer)
        if n:
            self.hash.update(memoryview(buffer)[:n])
        return n


def _describe_csv(real, shown):
    """Digest, column types (from the first rows) and row count of a CSV, read once."""
    with open(real, "rb") as f:
        raw = _HashingReader(f)
        # utf-8-sig: a byte order mark (Excel writes one) is not part of the first column's name.
        text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding="utf-8-sig", errors="replace", newline="")
        try:
            reader = csv.reader(text)
            header = next(reader, [])
            kinds = [None] * len(header)
            rows = 0
            for row in reader:
                rows += 1
                if rows <= _SCHEMA_SAMPLE_ROWS:
                    for i, value in enumerate(row[: len(header)]):
                        if value != "" and kinds[i] != "string":
                            kinds[i] = _widen(kinds[i], value)
            while raw.read(1 << 20):
                pass
        except csv.Error as err:
            raise CellflowError(f"{shown}: not a CSV file Cellflow can read (line {reader.line_num}: {err})") from None
    # Pairs, not a mapping: a CSV may repeat a column name.
    return raw.hash.hexdigest(), json.dumps([[c, k or "empty"] for c, k in zip(header, kinds)]), rows


def _dataframe_digest(data):
    """A digest of a DataFrame's values, index, column names and dtypes."""
    h = hashlib.sha256()
    h.update(json.dumps([[repr(c), str(t)] for c, t in data.dtypes.items()]).encode("utf-8"))
    try:
        from pandas.util import hash_pandas_object
        h.update(hash_pandas_object(data, index=True).values.tobytes())
    except TypeError:
        # Cells pandas cannot hash (lists, arrays: embeddings): their pickled bytes, column by column.
        import pickle
        for _, column in data.items():
            h.update(pickle.dumps(column.tolist(), protocol=4))
        h.update(pickle.dumps(data.index.tolist(), protocol=4))
    return h.hexdigest()


def _describe_dataset(store, data, name):
    """Digest, schema and row count of a CSV or other workspace file, or of a pandas DataFrame."""
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        real, rel = _workspace_file(store, path)
        if rel.lower().endswith(".csv"):
            digest, schema, rows = _describe_csv(real, path)
        else:
            rel, digest, _size = _artifact(store, path)
            schema = rows = None
        return {"name": name or rel, "digest": "sha256:" + digest, "schema": schema, "rows": rows, "source": rel}
    if hasattr(data, "columns") and hasattr(data, "dtypes") and hasattr(data, "items"):
        schema = json.dumps([[str(c), str(t)] for c, t in data.dtypes.items()])
        return {"name": name, "digest": "sha256:" + _dataframe_digest(data), "schema": schema, "rows": int(len(data)), "source": None}
    raise CellflowError(f"log_input takes a file path or a pandas DataFrame, not {type(data).__name__}")


_active = []


def start_run(experiment=None, run_name=None, **kwargs):
    """Starts a run (in `experiment`, default "Default") and makes it the active run."""
    store = _get_store()
    run_id = uuid.uuid4().hex
    commit = _git_commit(store.root)
    name = experiment or os.environ.get("CELLFLOW_EXPERIMENT") or "Default"
    pipeline = kwargs.get("pipeline") or os.environ.get("CELLFLOW_PIPELINE")
    step_id = kwargs.get("step_id") or os.environ.get("CELLFLOW_STEP")
    step_version = kwargs.get("step_version") or os.environ.get("CELLFLOW_STEP_VERSION")
    step_version = int(step_version) if step_version else None
    cell_hash = kwargs.get("cell_hash") or os.environ.get("CELLFLOW_CELL_HASH")

    def insert(c):
        now = _now()
        c.execute(EXPERIMENT_INSERT, (name, now))
        exp = c.execute(EXPERIMENT_ID, (name,)).fetchone()[0]
        rid = c.execute(RUN_INSERT, (run_id, exp, run_name, now, os.getpid(), socket.gethostname(), pipeline, step_id, step_version, cell_hash, commit)).lastrowid
        # The lineage chain, keyed by the statement as the editor keys it: cell hash -> step version -> run.
        c.execute(RUN_LINEAGE_INSERT, (run_id, now, now))
        return rid

    rid = store.write(insert)
    run = ActiveRun(store, run_id, rid)
    _active.append(run)
    return run


def active_run():
    return _active[-1] if _active else None


def _require_run():
    if not _active:
        raise CellflowError("no active run: call cellflow.start_run() first")
    return _active[-1]


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


def register_model(artifact_path, name, run_id=None):
    """Registers `artifact_path` as the next version of model `name`; returns the version number."""
    store = _get_store()
    if run_id is None and _active:
        run_id = _active[-1].id
    rel, digest, _size = _artifact(store, artifact_path)

    def insert(c):
        rid = None
        if run_id:
            found = c.execute(RUN_RID, (run_id,)).fetchone()
            if not found:
                raise CellflowError(f"no run {run_id!r}")
            rid = found[0]
        c.execute(MODEL_INSERT, (name, _now()))
        created = _now()
        version = c.execute(MODEL_VERSION_INSERT, (name, rid, rel, digest, created)).fetchall()[0][0]
        c.execute(MODEL_VERSION_LINEAGE_INSERT, (created, name, version))
        return version

    return store.write(insert)


def set_alias(name, version, alias):
    """Points `alias` (such as "staging") at a version of a model, moving it if it pointed elsewhere."""
    store = _get_store()

    def upsert(c):
        if not c.execute(MODEL_VERSION_EXISTS, (name, version)).fetchone():
            raise CellflowError(f"no version {version} of model {name!r}")
        c.execute(ALIAS_UPSERT, (name, alias, version))

    store.write(upsert)


@atexit.register
def _finish():
    # A run still open when the interpreter exits normally is finished, with its metrics flushed.
    while _active:
        _end(_active[-1], "FINISHED")
