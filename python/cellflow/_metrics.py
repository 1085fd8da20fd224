"""Metrics of a run: checked as they are logged (as the Node writer checks them), written in batches."""

import numbers
import threading
import time

from ._errors import refusal, text
from ._schema import (
    KEY_MAX, LATEST_METRIC_UPSERT, METRIC_INSERT, METRIC_KEY_REFUSAL, METRIC_STEP_REFUSAL, METRIC_VALUE_RANGE_REFUSAL, METRIC_VALUE_REFUSAL,
    STEP_BITS,
)

BATCH = 1000
FLUSH_SECONDS = 2.0
_STEP_END = 2 ** (STEP_BITS - 1)
_STEP_START = -_STEP_END
# Keys already checked, per run; past this many distinct keys the set starts over rather than grow.
_KNOWN_KEYS_MAX = 10000


def _key(key):
    """A metric key as a str: text of 1 to KEY_MAX characters (the store's rule for latest_metrics, checked here so
    that a batch written later is not refused as a whole) that SQLite can store."""
    if not isinstance(key, str) or not key or len(key) > KEY_MAX:
        raise refusal(METRIC_KEY_REFUSAL, key=key)
    return text("a metric key", str(key))


def _value(key, value):
    """A metric value as a float: Python and NumPy numbers are; bools, text, NaN and integers past a float's range are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise refusal(METRIC_VALUE_REFUSAL, key=key, value=value)
    try:
        value = float(value)
    except OverflowError:
        raise refusal(METRIC_VALUE_RANGE_REFUSAL, key=key, digits=len(str(abs(int(value))))) from None
    if value != value:
        raise refusal(METRIC_VALUE_REFUSAL, key=key, value=value)
    return value


def _step(key, step):
    """A step as an int: whole numbers (NumPy's too, and floats such as 3.0, which JavaScript cannot tell from 3) that fit SQLite's INTEGER."""
    if step is None:
        return 0
    if isinstance(step, bool) or not isinstance(step, numbers.Real):
        raise refusal(METRIC_STEP_REFUSAL, key=key, step=step)
    if isinstance(step, numbers.Integral):
        whole = int(step)
    else:
        f = float(step)
        whole = int(f) if f.is_integer() else None
    if whole is None or not _STEP_START <= whole < _STEP_END:
        raise refusal(METRIC_STEP_REFUSAL, key=key, step=step)
    return whole


class MetricBatch:
    """The metric side of a run: points wait in memory and are written every BATCH points or FLUSH_SECONDS.
    A point leaves memory only once its batch is committed: a write that fails (a lock held too long, a
    full disk) keeps the batch for the next flush."""

    def __init__(self, store, rid):
        self._store = store
        self._rid = rid
        self._pending = []
        # The size at which the next flush is due: BATCH, or BATCH more after a failed flush, so that a
        # store that cannot be written is not retried on every call.
        self._flush_at = BATCH
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._keys = set()

    def _checked_key(self, key):
        key = _key(key)
        if len(self._keys) >= _KNOWN_KEYS_MAX:
            self._keys.clear()
        self._keys.add(key)
        return key

    @property
    def unwritten(self):
        """How many logged points are not in the store yet."""
        return len(self._pending)

    def log_metric(self, key, value, step=None):
        # The hot path of a training loop: a key seen before, a float and an int pass a few type checks,
        # one tuple is appended, and the batch is written when full or old. Anything else takes the checks above.
        if type(key) is not str or key not in self._keys:
            key = self._checked_key(key)
        if type(value) is not float or value != value:
            value = _value(key, value)
        if step is None:
            step = 0
        elif type(step) is not int or not _STEP_START <= step < _STEP_END:
            step = _step(key, step)
        row = (self._rid, key, value, step, int(time.time() * 1000))
        with self._lock:
            self._pending.append(row)
            due = len(self._pending) >= self._flush_at or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        if due:
            self.flush()

    def log_metrics(self, metrics, step=None):
        now = int(time.time() * 1000)
        rows = []
        for key, value in metrics.items():
            key = self._checked_key(key)
            rows.append((self._rid, key, _value(key, value), _step(key, step), now))
        with self._lock:
            self._pending.extend(rows)
            due = len(self._pending) >= self._flush_at or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self):
        """Writes the pending points in one transaction; if that fails they stay pending, and the error is raised."""
        with self._writing:
            with self._lock:
                rows = self._pending[:]
                self._last_flush = time.monotonic()
            if not rows:
                return
            # Each key's newest value in the batch (highest step, then last logged) updates latest_metrics once.
            latest = {}
            for row in rows:
                seen = latest.get(row[1])
                if seen is None or row[3] > seen[3] or (row[3] == seen[3] and row[4] >= seen[4]):
                    latest[row[1]] = row

            try:
                self._write(rows, latest)
            except BaseException:
                with self._lock:
                    self._flush_at = len(self._pending) + BATCH
                raise
            # Only flush takes rows out, one flush at a time: the first len(rows) are the ones written.
            with self._lock:
                del self._pending[: len(rows)]
                self._flush_at = BATCH

    def _write(self, rows, latest):
        """Writes a batch in one transaction: the points, and each key's newest value."""

        def insert(c):
            c.executemany(METRIC_INSERT, rows)
            for row in latest.values():
                c.execute(LATEST_METRIC_UPSERT, row, fields={"key": row[1]})

        self._store.write(insert)
