"""Turn the rows of one live database table into a snapshot Table.

Both live readers (``sql`` from a database URL, ``django_site``
through a Django site) describe each table as a ``TableSpec`` (columns,
their value types, the key, what they point to) and stream its rows here.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from repairkit.snapshot import (
    CONTENT_TYPE_TABLE,
    Column,
    ColumnKind,
    ContentTypeRef,
    MemoryRowStore,
    Pk,
    Row,
    RowStore,
    Table,
    Value,
)
from repairkit.values import ValueType, convert_value, key_of, render_key

# dump2py's skip_models, by model label, for readers that know the models; the
# same by table name is in django_tables, shared with the SQL dump readers.
SKIPPED_MODELS = frozenset({"contenttypes.contenttype", "sessions.session", "checkdata.message"})


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a live table: its name, value type and the table it points to."""

    name: str
    value_type: ValueType
    scale: int | None = None  # decimal places of a DECIMAL column
    references: str | None = None  # the table of a foreign key
    choice: bool = False  # a Lino choicelist field (known only through the models)
    declared: str = ""  # the type the database catalog declares, where read from one


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One live table: columns in reading order and the columns that make the key.

    A key of several columns (a composite primary key, the pair of a
    many-to-many table) is rendered as one text, ``(3, 5)``.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    model: str | None = None

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        missing = [name for name in self.key if name not in names]
        if missing or not self.key:
            raise ValueError(
                f"key {self.key!r} of {self.name!r} is not among its columns {names!r}"
            )


def as_many_to_many(spec: TableSpec) -> TableSpec:
    """Return the spec keyed by its pair if ``spec`` is an auto-created many-to-many table.

    Django creates ``<table>_<field>`` with columns ``id``, a key to
    ``<table>`` and a key to the target. A fixture lists memberships
    without that ``id``, so the pair is what identifies a row everywhere.
    """
    others = [column for column in spec.columns if column.name != "id"]
    if (
        spec.key != ("id",)
        or len(spec.columns) != 3
        or len(others) != 2
        or not all(column.references for column in others)
        or not spec.name.startswith(f"{others[0].references}_")
    ):
        return spec
    return TableSpec(spec.name, tuple(others), (others[0].name, others[1].name), spec.model)


class RowConverter:
    """Turns a live table's rows, as the driver gives them, into Snapshot keys and rows."""

    def __init__(self, spec: TableSpec, content_types: Mapping[object, ContentTypeRef]) -> None:
        self.spec = spec
        self.content_types = content_types
        names = [column.name for column in spec.columns]
        self._key_index = [names.index(name) for name in spec.key]
        self._converters = [_converter(column, content_types) for column in spec.columns]
        self._key_converters = [self._converters[i] for i in self._key_index]

    def row(self, raw: Sequence[object]) -> tuple[Pk, Row]:
        """Return the key and the values of one row (values in ``spec.columns`` order).

        :raises ValueError: if a value does not fit its column's type.
        """
        try:
            row = tuple(
                convert(value) for convert, value in zip(self._converters, raw, strict=True)
            )
        except ValueError as err:
            raise ValueError(f"{self.spec.name}: {err}") from err
        return self._key([row[i] for i in self._key_index]), row

    def key(self, raw: Sequence[object]) -> Pk:
        """Return the Snapshot key of a row from its key columns' values (``spec.key`` order).

        :raises ValueError: if a value does not fit its column's type.
        """
        try:
            values = [
                convert(value) for convert, value in zip(self._key_converters, raw, strict=True)
            ]
        except ValueError as err:
            raise ValueError(f"{self.spec.name}: {err}") from err
        return self._key(values)

    @staticmethod
    def _key(values: Sequence[Value]) -> Pk:
        key = key_of(values[0]) if len(values) == 1 else render_key(values)
        if not isinstance(key, (int, str)) or isinstance(key, bool):
            key = render_key([key])
        return key


def build_table(
    spec: TableSpec,
    rows: Iterable[Sequence[object]],
    content_types: Mapping[object, ContentTypeRef],
    parent: str | None = None,
) -> Table:
    """Convert ``rows`` (values in ``spec.columns`` order, as the driver gives them) into a Table.

    :raises ValueError: if a value does not fit its column's type.
    """
    converter = RowConverter(spec, content_types)
    decoded = dict(converter.row(raw) for raw in rows)
    return table_of(spec, MemoryRowStore(decoded), parent)


def table_of(spec: TableSpec, store: RowStore, parent: str | None = None) -> Table:
    """Return the snapshot Table of ``spec`` whose rows ``store`` holds."""
    columns = [_column(column, spec, parent) for column in spec.columns]
    return Table(
        spec.name, columns, spec.key[0], store, model=spec.model, parent=parent, key=spec.key
    )


def _column(column: ColumnSpec, spec: TableSpec, parent: str | None) -> Column:
    if column.references == CONTENT_TYPE_TABLE:
        return Column(column.name, ColumnKind.CONTENT_TYPE, CONTENT_TYPE_TABLE)
    if parent is not None and spec.key == (column.name,):
        return Column(column.name, ColumnKind.PARENT_LINK, parent)
    # A foreign key the catalog names is a link, as a SQL dump's constraint makes one.
    if column.value_type is ValueType.DECIMAL:
        return Column(column.name, ColumnKind.DECIMAL, column.references)
    if column.choice:
        return Column(column.name, ColumnKind.CHOICE, column.references)
    return Column(column.name, references=column.references)


def _converter(
    column: ColumnSpec, content_types: Mapping[object, ContentTypeRef]
) -> Callable[[object], Value]:
    if column.references == CONTENT_TYPE_TABLE and content_types:

        def convert_content_type(value: object) -> Value:
            if value is None:
                return None
            if value not in content_types:
                raise ValueError(f"{column.name} = {value!r} is no row of {CONTENT_TYPE_TABLE}")
            return content_types[value]

        return convert_content_type
    value_type, scale = column.value_type, column.scale
    return lambda value: convert_stored(value, value_type, scale)


_NUMBER_TEXT = re.compile(
    r"\s*(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|NaN|[-+]?Infinity)\s*"
)


def convert_stored(value: object, value_type: ValueType, scale: int | None = None) -> Value:
    """Return a value as a database stores it (a driver's value) in the one value model.

    Bytes stay bytes, in any column; a UUID and a timedelta stay themselves.
    A NaN (which SQLite keeps as the text ``'NaN'``, and PostgreSQL as a
    numeric or float NaN) stays the text it is, because a NaN would not
    equal itself and every diff would show it.
    A text in a number column is read only when it is a plain number
    (``int('1_000')`` would make a number of a text SQLite keeps as text).

    :raises ValueError: if ``value`` cannot be read as ``value_type``.
    """
    if isinstance(value, (bytes, memoryview)):
        return bytes(value)
    if isinstance(value, (uuid.UUID, datetime.timedelta)) and value_type is ValueType.TEXT:
        return value  # a uuid or interval column, which the value model holds as it is
    if (
        isinstance(value, str)
        and value_type in (ValueType.INTEGER, ValueType.FLOAT)
        and not (_NUMBER_TEXT.fullmatch(value) and value.isascii())
    ):
        raise ValueError(f"text {value[:40]!r} in a {value_type.value} column")
    converted = convert_value(value, value_type, scale)
    if (
        isinstance(converted, Decimal)
        and converted.is_nan()
        or (isinstance(converted, float) and math.isnan(converted))
    ):
        return value if isinstance(value, str) else "NaN"
    return converted


def parent_table(spec: TableSpec) -> str | None:
    """Return the table an MTI child's key points to: a single-column key that is a foreign key."""
    if len(spec.key) != 1:
        return None
    for column in spec.columns:
        if column.name == spec.key[0]:
            return column.references
    return None
