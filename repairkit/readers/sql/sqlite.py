"""Store a literal of a ``sqlite3 .dump`` the way SQLite itself stores it: type affinity.

SQLite keeps a value in one of five storage classes (NULL, INTEGER, REAL,
TEXT, BLOB) and converts it on the way into a column by the column's
*affinity*, which the declared type gives (https://www.sqlite.org/datatype3.html,
section 3): ``1.9`` into a ``varchar`` column is stored as the text
``'1.9'``, ``'12'`` into an ``integer`` column as the integer 12, ``1.9`` into
an ``integer`` column stays the real 1.9, and a blob is never converted.

``store`` applies those rules to a raw literal, so that reading a dump gives
the values a database loaded from it holds; then the dump and the live
database go through the same conversion into the value model
(``readers.live.tables.convert_stored``).
"""

from __future__ import annotations

import enum
import math
import re
from decimal import ROUND_FLOOR, Decimal

from .values import RawValue

Stored = None | int | float | str | bytes  # SQLite's five storage classes

# Where SQLite 3.40's 15-digit rendering of a REAL was measured to equal Python's
# (tests/test_read_sql_sqlite.py); beyond it, long double scaling drifts.
_PRINTED_EXACTLY = (1e-250, 1e100)
_SMALLEST = -(1 << 63)
_LARGEST = (1 << 63) - 1
# A text that SQLite reads as a number under NUMERIC affinity (sqlite3AtoF): its
# own blanks only, a sign, digits with an optional point, an optional exponent.
_NUMERIC_TEXT = re.compile(
    r"[ \t\n\v\f\r]*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)[ \t\n\v\f\r]*"
)


class Affinity(str, enum.Enum):
    """The type affinity of a SQLite column."""

    TEXT = "text"
    NUMERIC = "numeric"
    INTEGER = "integer"
    REAL = "real"
    BLOB = "blob"  # "none" in newer documentation: no conversion at all


def affinity_of(declared: str) -> Affinity:
    """Return the affinity of a column declared ``declared``, by SQLite's rules in their order."""
    upper = declared.upper()
    if "INT" in upper:
        return Affinity.INTEGER
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return Affinity.TEXT
    if "BLOB" in upper or not upper.strip():
        return Affinity.BLOB
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return Affinity.REAL
    return Affinity.NUMERIC


def decimal_places(declared: str) -> int | None:
    """Return the scale of ``decimal(10, 2)``; Django's SQLite tables say only ``decimal``."""
    inside = declared.partition("(")[2].rstrip(") ")
    parts = [part.strip() for part in inside.split(",")]
    return int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None


def literal(raw: RawValue) -> Stored:
    """Return the value SQLite's parser makes of a literal, before any affinity.

    ``TRUE`` and ``FALSE`` are the integers 1 and 0; an integer literal
    beyond 64 bits and any literal with a point or exponent is a REAL.
    """
    if raw is None or isinstance(raw, (str, bytes)):
        return raw
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw if _SMALLEST <= raw <= _LARGEST else float(raw)
    if isinstance(raw, Decimal):
        return _decimal_as_real(raw)
    raise TypeError(f"unexpected literal {raw!r}")


def store(raw: RawValue, affinity: Affinity) -> Stored:
    """Return what SQLite stores for the literal ``raw`` in a column of ``affinity``."""
    value = literal(raw)
    if value is None or isinstance(value, bytes) or affinity is Affinity.BLOB:
        return value
    if affinity is Affinity.TEXT:
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, int) else real_as_text(value)
    if isinstance(value, str):
        number = _text_as_number(value)
        if number is None:
            return value
        value = number
    if isinstance(value, float):
        value = _real_as_integer(value)
    if affinity is Affinity.REAL:
        return float(value)
    return value


def real_as_text(value: float) -> str:
    """Return a REAL as SQLite turns it into TEXT: 15 significant digits, always a point.

    SQLite writes ``%!.15g``: ``1.9``, ``1.0e+20``, ``9.22337203685478e+18``.
    """
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0.0"  # SQLite's printf gives no sign to -0.0
    if not _PRINTED_EXACTLY[0] <= abs(value) < _PRINTED_EXACTLY[1] or _near_a_tie(value):
        raise ValueError(
            f"the real {value!r} into a text column: SQLite computes its 15 digits in"
            " long double, which is not reproduced for this value"
        )
    mantissa, _, exponent = f"{value:.15g}".partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _near_a_tie(value: float) -> bool:
    """Tell whether the 16th digit and beyond are so near 5000... that rounding errors matter."""
    exact = abs(Decimal(value))
    scaled = exact.scaleb(14 - exact.adjusted())
    rest = scaled - scaled.to_integral_value(ROUND_FLOOR)
    return abs(rest - Decimal("0.5")) < Decimal("0.001")


def _text_as_number(text: str) -> int | float | None:
    """Return the number a text is under NUMERIC affinity, or None if it stays text."""
    match = _NUMERIC_TEXT.fullmatch(text)
    if match is None:
        return None
    token = match.group(1)
    if token.lstrip("+-").isdigit():
        number = int(token)
        if _SMALLEST <= number <= _LARGEST:
            return number
    return _decimal_as_real(Decimal(token))


def _decimal_as_real(number: Decimal) -> float:
    """Return the double nearest to ``number``.

    SQLite 3.40 keeps only 18 or 19 digits of a literal and scales it in
    ``long double``, which now and then lands one unit in the last place
    away (measured: about one in a thousand of the 20-digit literals
    ``.dump`` writes, mostly near the ends of the exponent range). The
    nearest double is the one the dumped database held, since 17 digits
    name a double exactly; so a dump compares equal to its own database.
    """
    return float(number)  # a huge exponent gives inf or 0.0 at once; no digits are expanded


def _real_as_integer(value: float) -> int | float:
    """Return a REAL as the INTEGER SQLite keeps it as, if that loses nothing."""
    if math.isfinite(value) and value.is_integer() and _SMALLEST < value < _LARGEST:
        return int(value)
    return value
