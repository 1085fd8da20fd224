"""CellflowError, and refusals worded as the Node writer words them (server/src/core/store/refusals.ts)."""

import json
import numbers
import re

from ._schema import QUOTED_MAX, RULE_SUBJECTS, TEXT_REFUSAL

# A str holds a lone surrogate as one code point of its own (a pair would be one astral character).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class CellflowError(Exception):
    """A problem with the store or a call, with a message that says what to do."""


CellflowError.__module__ = "cellflow"


def describe(value):
    """A value as a message shows it, character for character as refusals.ts's describe writes it."""
    if isinstance(value, str):
        # JSON.stringify escapes a lone surrogate as \udxxx; so does this, which also keeps the message printable.
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(_clip(value), ensure_ascii=False))
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _number_text(float(value))
    try:
        return _clip(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
    except (TypeError, ValueError):
        return f"a {type(value).__name__}"


def _clip(text):
    return text if len(text) <= QUOTED_MAX else text[:QUOTED_MAX] + "\u2026"


def _number_text(x):
    """A float as JavaScript's String(x) writes it (whole numbers exactly, as a Python int)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_integer():
        return str(int(x))
    text = repr(x)  # the shortest digits that read back, as in JavaScript; only the notation differs
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    exponent = int(exponent)
    if exponent >= -6:  # JavaScript writes 1e-6 and above in full (a non-whole float is below 1e16)
        sign, digits = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
        return f"{sign}0.{'0' * (-exponent - 1)}{digits.replace('.', '')}"
    return f"{mantissa}e{exponent}"


def refusal(template, **values):
    """A CellflowError from a shared message template, its {placeholders} filled with described values."""
    return CellflowError(template.format(**{k: describe(v) for k, v in values.items()}))


def rule_refusal(message, fields):
    """The message a trigger's refusal becomes (its message, then the value it was about), or None."""
    subject = RULE_SUBJECTS.get(message)
    if subject is None:
        return None
    column, label = subject
    if column not in fields:
        return message
    return f"{message}: {label + ' ' if label else ''}{describe(fields[column])}"


def text(what, value):
    """`value` (a str) when SQLite can store it as UTF-8; a lone surrogate such as U+D800 has no UTF-8 form."""
    if _LONE_SURROGATE.search(value):
        raise refusal(TEXT_REFUSAL.replace("{what}", what), value=value)
    return value


def file_problem(path, detail):
    """A file the client will not record, worded as Node's FileProblem: the path as given, then why."""
    return CellflowError(f"{path}: {detail}")
