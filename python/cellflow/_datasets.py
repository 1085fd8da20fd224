"""Datasets a run read: a digest of their content, their columns and their row count."""

import csv
import hashlib
import io
import json
import os

from ._connection import now
from ._errors import CellflowError
from ._files import hash_file, open_workspace_file
from ._schema import DATASET_ID, DATASET_INSERT, DATASET_LINEAGE_INSERT, RUN_INPUT_UPSERT

_SCHEMA_SAMPLE_ROWS = 10000
# The longest CSV line read, in characters. csv would read any line whole, so that one 2 GB line took
# 4 GB; lines are read up to this cap instead (a module constant so that a test can lower it).
MAX_LINE_CHARS = 16 * 1024 * 1024


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


def _lines(text, shown):
    """The lines of a text file, each read up to MAX_LINE_CHARS: a longer one is refused, with its number."""
    number = 0
    while True:
        line = text.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise CellflowError(f"{shown}: line {number} is longer than {MAX_LINE_CHARS:,} characters; Cellflow reads CSV lines up to that length")
        yield line


def _describe_csv(f, shown):
    """Digest, column types (from the first rows) and row count of a CSV, read once, in memory bounded by
    MAX_LINE_CHARS (and csv's field size limit) whatever the file's size."""
    raw = _HashingReader(f)
    # utf-8-sig: a byte order mark (Excel writes one) is not part of the first column's name.
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(_lines(text, shown))
    try:
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


def describe_dataset(store, data, name):
    """Digest, schema and row count of a CSV or other workspace file, or of a pandas DataFrame."""
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        f, rel = open_workspace_file(store, path)
        with f:
            if rel.lower().endswith(".csv"):
                digest, schema, rows = _describe_csv(f, path)
            else:
                digest, _size = hash_file(f)
                schema = rows = None
        return {"name": name or rel, "digest": "sha256:" + digest, "schema": schema, "rows": rows, "source": rel}
    if hasattr(data, "columns") and hasattr(data, "dtypes") and hasattr(data, "items"):
        schema = json.dumps([[str(c), str(t)] for c, t in data.dtypes.items()])
        return {"name": name, "digest": "sha256:" + _dataframe_digest(data), "schema": schema, "rows": int(len(data)), "source": None}
    raise CellflowError(f"log_input takes a file path or a pandas DataFrame, not {type(data).__name__}")


def log_input(store, rid, run_id, data, name, context):
    """Records a dataset once per digest across the store, as an input of the run; returns the digest."""
    dataset = describe_dataset(store, data, name)

    def insert(c):
        c.execute(DATASET_INSERT, (dataset["name"], dataset["digest"], dataset["schema"], dataset["rows"], dataset["source"]))
        dataset_id = c.execute(DATASET_ID, (dataset["digest"],)).fetchone()[0]
        c.execute(RUN_INPUT_UPSERT, (rid, dataset_id, context))
        c.execute(DATASET_LINEAGE_INSERT, (dataset["digest"], run_id, now()))

    store.write(insert)
    return dataset["digest"]
