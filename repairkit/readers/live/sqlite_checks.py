"""Tell, in SQL, which rows of a SQLite table surely convert into the value model.

SQLite keeps any value in any column: a text in an ``integer`` column, a
``2024-02-30`` in a ``date`` one. Reading a table fingerprint first
converts only the rows a diff asks for, yet a database must still be
refused while reading, with the message a full read gives. So SQLite
evaluates, for every row, an expression that is true only where each
value is one that ``tables.RowConverter`` converts without fault; the rows
where it is false (rare in a Django database) are converted while reading,
in key order, which refuses the first faulty row exactly as converting
every row did.

Each column's test is sufficient, never necessary: a value it is unsure
of (a 29 February, a datetime with an offset, any JSON) only costs a
conversion. The tests look at the storage class (``typeof``) and, for
texts that a date, datetime or time column converts, at the exact form
Django writes, with days and hours that every such date and time has.
"""

from __future__ import annotations

from collections.abc import Mapping

from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef
from repairkit.values import ValueType

from .tables import ColumnSpec, TableSpec

_FRACTION = "." + "[0-9]" * 6  # Django writes microseconds as six digits, or none
# Every MM-DD of a year that is not a leap year; a 29 February is converted to be sure.
_MONTH_DAYS = ", ".join(
    f"'{month:02}-{day:02}'"
    for month, days in enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), start=1)
    for day in range(1, days + 1)
)
# Decimal places plus integer digits that the default decimal context (28 digits)
# quantizes without fault; one less, for a rounding that adds a digit.
_DECIMAL_DIGITS = 27


def readable_rows_check(
    spec: TableSpec, content_types: Mapping[object, ContentTypeRef]
) -> str | None:
    """Return an expression that is 1 for a row whose every value surely converts, else 0.

    None when every value of every column converts (text columns, for instance).
    """
    checks = [
        check
        for column in spec.columns
        if (check := _column_check(column, content_types)) is not None
    ]
    if not checks:
        return None
    return f"CASE WHEN {' AND '.join(checks)} THEN 1 ELSE 0 END"


def _column_check(column: ColumnSpec, content_types: Mapping[object, ContentTypeRef]) -> str | None:
    name = '"' + column.name.replace('"', '""') + '"'
    kind = f"typeof({name})"
    if column.references == CONTENT_TYPE_TABLE and content_types:
        ids = sorted(key for key in content_types if type(key) is int)
        if not ids:
            return f"{name} IS NULL"
        listed = ", ".join(str(key) for key in ids)
        return f"({name} IS NULL OR ({kind} = 'integer' AND {name} IN ({listed})))"
    value_type = column.value_type
    # NULL converts to None and a BLOB stays bytes, in a column of any type.
    stored_as_is = f"{kind} IN ('null', 'blob')"
    if value_type is ValueType.TEXT:
        return None
    if value_type in (ValueType.INTEGER, ValueType.FLOAT):
        return f"{kind} <> 'text'"
    if value_type is ValueType.BOOLEAN:
        return f"({stored_as_is} OR ({kind} = 'integer' AND {name} IN (0, 1)))"
    if value_type is ValueType.DECIMAL:
        if column.scale is None:
            return f"{kind} <> 'text'"
        if column.scale >= _DECIMAL_DIGITS:
            return f"{kind} IN ('null', 'blob', 'integer')"
        bound = f"1e{_DECIMAL_DIGITS - column.scale}"
        return (
            f"({kind} IN ('null', 'blob', 'integer')"
            f" OR ({kind} = 'real' AND abs({name}) < {bound}))"
        )
    if value_type is ValueType.BINARY:
        # Only PostgreSQL's \x hex text is converted; any other value stays as stored.
        return f"({kind} <> 'text' OR substr({name}, 1, 2) <> '\\x')"
    if value_type is ValueType.DATE:
        return f"({stored_as_is} OR {kind} = 'text' AND {_dated(name, 'date', 10)})"
    if value_type is ValueType.DATETIME:
        return (
            f"({stored_as_is} OR {kind} = 'text' AND {_dated(name, 'datetime', 19)}"
            f" AND substr({name}, 12, 2) < '24')"
        )
    if value_type is ValueType.TIME:
        return (
            f"({stored_as_is} OR {kind} = 'text' AND {_fractioned(name, 'time', 8)}"
            f" AND substr({name}, 1, 2) < '24')"
        )
    # JSON, durations, UUIDs: only as stored; Django declares none of them on SQLite.
    return stored_as_is


def _dated(name: str, function: str, length: int) -> str:
    """Return the test that ``name`` is a date, or a datetime, that every year has.

    The year is from 0001 to 9999, the month and day one that every year has.
    Texts are compared as ``substr``'s results, which have no affinity: the
    column's would make ``'0001'`` the number 1. Equal to what SQLite's
    function writes, the month is 01 to 12 and the day 01 to 31, so a day
    before the 29th is in every month: the list of days is looked up only
    for the others (half the time of the check's dates, 1M rows).
    """
    return (
        f"{_fractioned(name, function, length)} AND substr({name}, 1, 4) BETWEEN '0001' AND '9999'"
        f" AND (substr({name}, 9, 2) < '29' OR substr({name}, 6, 5) IN ({_MONTH_DAYS}))"
    )


def _fractioned(name: str, function: str, length: int) -> str:
    """Return the test that ``name`` is the text SQLite's ``function`` writes for it.

    A datetime or time may go on with six digits of microseconds.
    SQLite's date and time functions write digits, ``-``, ``:`` and a space
    at fixed places, and refuse a month past 12, a day past 31, a minute or
    second past 59; equal to their output, the text has that form.
    """
    whole = f"{function}({name}) = {name} COLLATE BINARY"
    if function == "date":
        return whole
    # length() and GLOB stop at a NUL, which a text may hold; the length in bytes does not.
    fraction = (
        f"length(CAST({name} AS BLOB)) = {length + 7}"
        f" AND substr({name}, {length + 1}) GLOB '{_FRACTION}'"
        f" AND {function}({name}) = substr({name}, 1, {length})"
    )
    return f"(length({name}) = {length} AND {whole} OR {fraction})"
