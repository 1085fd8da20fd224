"""Validation gates on a step's outputs, as the pipeline file declares them under `checks:` (the
format's schema, server/src/core/pipeline/schema.ts, defines the keys). Each result names the output,
the column and the numbers: "customers: tenure: 137 nulls (2.7%), allowed 0"."""

import datetime
import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _frame(value):
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame()
    return None


def _type_ok(series, wanted):
    import pandas.api.types as t

    return {
        "int": t.is_integer_dtype,
        "float": t.is_float_dtype,
        "number": t.is_numeric_dtype,
        "str": lambda s: t.is_string_dtype(s) or t.is_object_dtype(s),
        "bool": t.is_bool_dtype,
        "datetime": t.is_datetime64_any_dtype,
        "category": lambda s: isinstance(s.dtype, __import__("pandas").CategoricalDtype),
    }[wanted](series)


def _share(n, total):
    return f"{(100.0 * n / total) if total else 0:.1f}%"


def evaluate(output, value, spec):
    """Every check of one output: a list of {"check", "ok", "message"}."""
    results = []

    def record(check, ok, message):
        results.append({"output": output, "check": check, "ok": bool(ok), "message": f"{output}: {message}"})

    frame = _frame(value)
    if frame is None:
        record("type", False, f"is a {type(value).__name__}, not a table: rows and columns cannot be checked")
        return results
    rows = spec.get("rows") or {}
    n = len(frame)
    if "min" in rows:
        record("rows.min", n >= rows["min"], f"{n} rows, at least {rows['min']} expected")
    if "max" in rows:
        record("rows.max", n <= rows["max"], f"{n} rows, at most {rows['max']} allowed")
    for column, checks in (spec.get("columns") or {}).items():
        if column not in frame.columns:
            record(f"columns.{column}", False, f"has no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
            continue
        try:
            _column(record, frame[column], column, checks, n)
        except (TypeError, ValueError) as err:
            # Values that cannot be compared (mixed types, text against a number): a failed check, named.
            record(f"columns.{column}", False, f"{column}: cannot be checked as declared ({type(err).__name__}: {err}; type {frame[column].dtype})")
    fresh = spec.get("fresh")
    if fresh:
        _fresh(record, frame, fresh)
    return results


def _column(record, s, column, checks, n):
    if "type" in checks:
        record(f"{column}.type", _type_ok(s, checks["type"]), f"{column}: type {s.dtype}, {checks['type']} expected")
    if "nulls" in checks:
        nulls = int(s.isna().sum())
        allowed = checks["nulls"]
        if isinstance(allowed, str):
            limit = float(allowed.rstrip("%")) / 100.0 * n
            record(f"{column}.nulls", nulls <= limit, f"{column}: {nulls} nulls ({_share(nulls, n)}), allowed {allowed}")
        else:
            record(f"{column}.nulls", nulls <= allowed, f"{column}: {nulls} nulls ({_share(nulls, n)}), allowed {allowed}")
    present = s.dropna()
    if "min" in checks and len(present):
        low = present.min()
        record(f"{column}.min", low >= checks["min"], f"{column}: smallest value {low}, at least {checks['min']} allowed")
    if "max" in checks and len(present):
        high = present.max()
        record(f"{column}.max", high <= checks["max"], f"{column}: largest value {high}, at most {checks['max']} allowed")
    if "values" in checks:
        allowed = set(checks["values"])
        unexpected = sorted({str(v) for v in present.unique() if v not in allowed})
        shown = ", ".join(unexpected[:5]) + (f" and {len(unexpected) - 5} more" if len(unexpected) > 5 else "")
        record(f"{column}.values", not unexpected, f"{column}: values outside {sorted(map(str, allowed))}: {shown}" if unexpected else f"{column}: every value allowed")
    if checks.get("unique"):
        dupes = int(present.duplicated().sum())
        record(f"{column}.unique", dupes == 0, f"{column}: {dupes} repeated values, none allowed")


def _fresh(record, frame, fresh):
    import pandas as pd

    column = fresh["column"]
    m = re.fullmatch(r"(\d+)([smhd])", fresh["max_age"])
    limit = datetime.timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    if column not in frame.columns:
        record("fresh", False, f"has no column {column!r} to check freshness by")
        return
    newest = pd.to_datetime(frame[column], errors="coerce").max()
    if pd.isna(newest):
        record("fresh", False, f"{column}: no dates to check freshness by")
        return
    now = pd.Timestamp.now(tz=newest.tz) if newest.tz is not None else pd.Timestamp.now()
    age = now - newest
    record("fresh", age <= limit, f"{column}: newest value {newest} is {age} old, at most {fresh['max_age']} allowed")
