"""Metrics of a run: checked as they are logged, written in batches."""

import numbers
import threading
import time

from ._errors import CellflowError
from ._schema import LATEST_METRIC_UPSERT, METRIC_INSERT

BATCH = 1000
FLUSH_SECONDS = 2.0


def _value(key, value):
    """A metric value as a float: Python and NumPy numbers are; bools, text and NaN are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CellflowError(f"metric {key!r}: value must be a number, not {value!r}")
    value = float(value)
    if value != value:
        raise CellflowError(f"metric {key!r}: value must be a number, not NaN")
    return value


class MetricBatch:
    """The metric side of a run: points wait in memory and are written every BATCH points or FLUSH_SECONDS."""

    def __init__(self, store, rid):
        self._store = store
        self._rid = rid
        self._pending = []
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()

    def log_metric(self, key, value, step=None):
        # The hot path of a training loop: one tuple appended, the batch written when full or old.
        if type(value) is not float or value != value:
            value = _value(key, value)
        row = (self._rid, key if type(key) is str else str(key), value, int(step) if step else 0, int(time.time() * 1000))
        with self._lock:
            self._pending.append(row)
            due = len(self._pending) >= BATCH or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        if due:
            self.flush()

    def log_metrics(self, metrics, step=None):
        now = int(time.time() * 1000)
        step = int(step) if step else 0
        rows = [(self._rid, str(key), _value(key, value), step, now) for key, value in metrics.items()]
        with self._lock:
            self._pending.extend(rows)
            due = len(self._pending) >= BATCH or time.monotonic() - self._last_flush >= FLUSH_SECONDS
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
