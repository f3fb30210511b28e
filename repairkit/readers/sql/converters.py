"""Turn a SQL dump's raw values into the one value model, by declared column type.

The declared type from CREATE TABLE picks the ``ValueType``
(``values.value_type_of_sql``: ``bool``/``boolean``/``tinyint(1)`` are
booleans, ``numeric``/``decimal`` Decimals, ``timestamp``/``datetime``
datetimes, ...), and every value goes through ``values.convert_value``, as
the values of every other source do. What the engine itself would store
comes first:

- SQLite converts a literal by the column's type affinity (``sqlite``);
  the stored value then takes the same conversion as in a live SQLite
  database (``readers.live.tables.convert_stored``). SQLite keeps a Django
  DecimalField as a REAL, which ``.dump`` writes with 20 significant
  digits (``7.8200000000000002842``): it is stored as the float it is,
  whose shortest text is the value (``7.82``), as a live database gives it;
- PostgreSQL rounds a number literal with a fraction into an integer column
  (``1.5`` is 2), and refuses text that is not an integer (``'1.9'``) and
  numbers out of the column's range; ``bytea``, ``uuid`` and ``interval``
  are read from the server's text (``pg_values``);
- MySQL binary columns (``blob``, ``varbinary``...) hold bytes, whatever
  the literal (``_binary '...'``, ``0x...``, a raw string); a text column
  must hold UTF-8. A number with a fraction into an integer column is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from repairkit.snapshot import Value
from repairkit.values import ValueType, value_type_of_sql

from ..live.tables import convert_stored
from .pg_values import read_bytea, read_interval, read_uuid
from .sqlite import Affinity, affinity_of, decimal_places, store
from .statements import Dialect
from .values import RawValue

Converter = Callable[[RawValue], Value]

_INTEGER_TEXT = re.compile(r"[ \t\n\r\f\v]*[-+]?[0-9]+[ \t\n\r\f\v]*")
POSTGRES_RANGES = {
    "smallint": 16, "int2": 16, "smallserial": 16, "integer": 32, "int": 32, "int4": 32,
    "serial": 32, "bigint": 64, "int8": 64, "bigserial": 64,
}  # fmt: skip
MYSQL_BINARY = re.compile(r"(?:var)?binary(?:\(\d+\))?|(?:tiny|medium|long)?blob")
POSTGRES_TEXT_TYPES: dict[str, Callable[[str], Value]] = {
    "bytea": read_bytea,
    "uuid": read_uuid,
    "interval": read_interval,
}


def make_converter(declared: str, dialect: Dialect) -> Converter:
    """Return the function that turns a raw value of a column declared ``declared`` into a Value.

    The function raises ValueError for a value that does not fit the type.
    """
    if dialect is Dialect.SQLITE:
        return _sqlite_converter(declared)
    value_type = value_type_of_sql(declared)
    base = declared.strip().lower()
    if dialect is Dialect.POSTGRES and base in POSTGRES_TEXT_TYPES:
        return _from_text(POSTGRES_TEXT_TYPES[base])
    if dialect is Dialect.MYSQL and MYSQL_BINARY.fullmatch(base):
        return _mysql_bytes
    if value_type is ValueType.INTEGER:
        return _integer_converter(base, dialect)
    if value_type is ValueType.TEXT:
        return _mysql_text if dialect is Dialect.MYSQL else _postgres_text
    # Most raw values already have the type the value model wants; skip the call for them.
    ready = _READY.get(value_type, ())

    def convert(raw: RawValue) -> Value:
        if type(raw) in ready:
            return raw
        if isinstance(raw, bytes):
            raise ValueError(f"binary literal {raw[:20]!r} in a {declared} column")
        return convert_stored(raw, value_type)

    return convert


# What these value types' conversion returns is never an int (``values.convert_value``).
_NEVER_INTEGER = frozenset({
    ValueType.FLOAT, ValueType.DECIMAL, ValueType.BOOLEAN, ValueType.DATE, ValueType.DATETIME,
    ValueType.TIME, ValueType.JSON, ValueType.DURATION, ValueType.UUID,
})  # fmt: skip


def may_give_integer(declared: str, dialect: Dialect) -> bool:
    """Tell whether the converter of a column declared ``declared`` may return an int.

    As ``make_converter`` chooses the converter: a text column of SQLite
    keeps an integer written into it (type affinity), PostgreSQL's and
    MySQL's text and binary columns never do.
    """
    value_type = value_type_of_sql(declared)
    if dialect is not Dialect.SQLITE:
        base = declared.strip().lower()
        if (
            value_type is ValueType.TEXT
            or (dialect is Dialect.POSTGRES and base in POSTGRES_TEXT_TYPES)
            or (dialect is Dialect.MYSQL and MYSQL_BINARY.fullmatch(base))
        ):
            return False
    return value_type not in _NEVER_INTEGER


class ColumnConverters(tuple[Converter, ...]):
    """The converters of a table's columns, made from their declared types.

    Pickled as the types and the dialect, made again when unpickled: a
    converter is a closure, which pickle cannot carry, and a snapshot
    read in a worker process (``readers.read_snapshots``) is sent back
    to the parent with the converters its rows are decoded by.
    """

    types: tuple[str, ...]
    dialect: Dialect

    def __new__(cls, types: Sequence[str], dialect: Dialect) -> ColumnConverters:
        made = super().__new__(cls, (make_converter(declared, dialect) for declared in types))
        made.types, made.dialect = tuple(types), dialect
        return made

    def __reduce__(self) -> tuple[type[ColumnConverters], tuple[tuple[str, ...], Dialect]]:
        return ColumnConverters, (self.types, self.dialect)


_READY: dict[ValueType, tuple[type, ...]] = {
    ValueType.DECIMAL: (type(None),),
    ValueType.BOOLEAN: (bool, type(None)),
}


def _sqlite_converter(declared: str) -> Converter:
    affinity = affinity_of(declared)
    value_type = value_type_of_sql(declared)
    scale = decimal_places(declared)
    # The common case, a value already of the stored and wanted type, skips the calls.
    keeps_text = value_type is ValueType.TEXT and affinity in (Affinity.TEXT, Affinity.BLOB)
    ready: tuple[type, ...] = (str, type(None)) if keeps_text else (type(None),)

    def convert(raw: RawValue) -> Value:
        if type(raw) in ready:
            return raw
        return convert_stored(store(raw, affinity), value_type, scale)

    return convert


def _integer_converter(declared: str, dialect: Dialect) -> Converter:
    bits = POSTGRES_RANGES.get(declared, 64) if dialect is Dialect.POSTGRES else 64
    unsigned = declared.endswith(" unsigned")
    low, high = (0, (1 << 64) - 1) if unsigned else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)

    def convert(raw: RawValue) -> Value:
        if raw is None:
            return None
        if type(raw) is int:
            number = raw
        elif isinstance(raw, str):
            if not _INTEGER_TEXT.fullmatch(raw) or len(raw) > 40:
                raise ValueError(f"not an integer: {raw[:40]!r}")
            number = int(raw)
        elif isinstance(raw, Decimal) and dialect is Dialect.POSTGRES:
            number = _round_like_postgres(raw, declared)
        else:
            raise ValueError(f"{_shown(raw)} into an integer column is not read")
        if not low <= number <= high:
            raise ValueError(f"{number} is out of range for {declared}")
        return number

    return convert


def _round_like_postgres(number: Decimal, declared: str) -> int:
    """Return the integer PostgreSQL stores for a numeric literal: rounded half away from zero."""
    exponent = number.as_tuple().exponent
    # Beyond 1000 decimal places PostgreSQL refuses the numeric literal itself.
    if not isinstance(exponent, int) or abs(exponent) > 1000 or number.adjusted() > 20:
        raise ValueError(f"{_shown(number)} is out of range for {declared}")
    return int(number.to_integral_value(ROUND_HALF_UP))


def _from_text(read: Callable[[str], Value]) -> Converter:
    def convert(raw: RawValue) -> Value:
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise ValueError(f"{_shown(raw)} is not text")
        return read(raw)

    return convert


def _mysql_bytes(raw: RawValue) -> Value:
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if raw is None or isinstance(raw, bytes):
        return raw
    raise ValueError(f"{_shown(raw)} in a binary column")


def _mysql_text(raw: RawValue) -> Value:
    try:
        if isinstance(raw, bytes):
            return raw.decode("utf-8")
        if isinstance(raw, str) and not raw.isascii():
            raw.encode("utf-8")  # raises on bytes the dump held that are not UTF-8
    except UnicodeError as err:
        raise ValueError(f"text that is not UTF-8: {_shown(raw)}") from err
    return _number_as_text(raw)


def _postgres_text(raw: RawValue) -> Value:
    if isinstance(raw, bytes):
        raise ValueError(f"binary literal {_shown(raw)} in a text column")
    return _number_as_text(raw)


def _number_as_text(raw: RawValue) -> Value:
    """Return an integer literal in a text column as its digits, the way both servers store it.

    A boolean or a number with a fraction is refused: the servers spell them
    differently (``true``, ``1``; ``1E+3``, ``1000``), and a guess would be
    a wrong value.
    """
    if raw is None or isinstance(raw, str):
        return raw
    if type(raw) is int:
        return str(raw)
    raise ValueError(f"{_shown(raw)} into a text column is not read")


def _shown(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
