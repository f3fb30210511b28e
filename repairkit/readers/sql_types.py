"""Turn a SQL dump's raw values into the one value model, by declared column type.

The declared type from CREATE TABLE picks the ``ValueType``
(``values.value_type_of_sql``: ``bool``/``boolean``/``tinyint(1)`` are
booleans, ``numeric``/``decimal`` Decimals, ``timestamp``/``datetime``
datetimes, ...), and every value goes through ``values.convert_value``, as
the values of every other source do.

One rule is the dump's own: SQLite stores a Django DecimalField as a REAL,
which ``sqlite3 .dump`` writes with 20 significant digits
(``7.8200000000000002842``), and its CREATE TABLE says only ``decimal``,
without the field's decimal places. Such a number is taken as the float it
is, which the value model turns into its shortest text (``7.82``), the way a
live SQLite database hands it over.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from repairkit.snapshot import Value
from repairkit.values import ValueType, convert_value, value_type_of_sql

from .sql_statements import Dialect
from .sql_values import RawValue

Converter = Callable[[RawValue], Value]


def make_converter(declared: str, dialect: Dialect) -> Converter:
    """Return the function that turns a raw value of a column declared ``declared`` into a Value.

    The function raises ValueError for a value that does not fit the type.
    """
    value_type = value_type_of_sql(declared)
    if value_type is ValueType.DECIMAL and dialect is Dialect.SQLITE:
        return _convert_sqlite_decimal
    if value_type is ValueType.TEXT:
        return _keep
    # Most raw values already have the type the value model wants; skip the call for them.
    ready = _READY.get(value_type, ())

    def convert(raw: RawValue) -> Value:
        if type(raw) in ready:
            return raw
        return convert_value(raw, value_type)

    return convert


_READY: dict[ValueType, tuple[type, ...]] = {
    ValueType.INTEGER: (int, type(None)),
    ValueType.DECIMAL: (Decimal, type(None)),
    ValueType.BOOLEAN: (bool, type(None)),
}


def _convert_sqlite_decimal(raw: RawValue) -> Value:
    if isinstance(raw, Decimal):
        return convert_value(float(raw), ValueType.DECIMAL)
    return convert_value(raw, ValueType.DECIMAL)


def _keep(raw: RawValue) -> Value:
    return raw
