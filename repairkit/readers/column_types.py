"""Give a snapshot's columns the kinds of value their fields hold, where a source alone cannot tell.

A JSON or YAML fixture writes a DateField, a DurationField and a CharField
holding ``2024-05-06`` alike, as text; SQLite and MySQL store a UUIDField
as 32 hex digits and a DurationField as a bigint of microseconds. The
reader keeps such values as written. Where the site's models are known
(``merge --settings``), or the other side of a diff holds typed values in
the same column, these functions convert them to the one value model
(docs/values.md). Nothing is ever guessed from a value's own shape.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal

from repairkit.snapshot import (
    Column,
    JsonValue,
    MemoryRowStore,
    Pk,
    Row,
    Snapshot,
    Table,
    Value,
)
from repairkit.values import (
    ValueType,
    json_document,
    key_of,
    render_key,
    to_bool,
    to_bytes,
    to_date,
    to_datetime,
    to_decimal,
    to_duration,
    to_json_value,
    to_time,
    to_uuid,
)

ColumnTypes = Mapping[str, Mapping[str, ValueType]]  # table -> column -> kind of value

# The kinds a value's Python type shows; others (int, str, ...) say nothing a reader missed.
_KIND_OF_TYPE: tuple[tuple[type, ValueType], ...] = (
    (datetime.datetime, ValueType.DATETIME),
    (datetime.date, ValueType.DATE),
    (datetime.time, ValueType.TIME),
    (datetime.timedelta, ValueType.DURATION),
    (Decimal, ValueType.DECIMAL),
    (uuid.UUID, ValueType.UUID),
    (bytes, ValueType.BINARY),
    (JsonValue, ValueType.JSON),
)
_SAMPLE = 50  # rows looked at to learn a column's kind from a typed source


def learn_column_types(table: Table) -> dict[str, ValueType]:
    """Return the kinds that ``table``'s values show (datetimes, UUIDs, JSON, ...), by column."""
    pks = list(table.pks)[:_SAMPLE]
    learned: dict[str, ValueType] = {}
    for row in table.decode(pks).values():
        for name, value in zip(table.column_names, row, strict=True):
            if name in learned or value is None:
                continue
            for python_type, kind in _KIND_OF_TYPE:
                if isinstance(value, python_type):
                    learned[name] = kind
                    break
    return learned


ModelColumns = Mapping[str, tuple[str, Mapping[str, str]]]  # table -> (pk, field -> attname)


def name_columns_by_models(snapshot: Snapshot, models: ModelColumns) -> Snapshot:
    """Return a fixture's snapshot with its columns named as the models name them.

    A fixture names fields, not columns: ``owner`` holding a UUID or text key
    is the column ``owner_id``, and the primary key is the model's, not the
    ``id`` a reader has to guess (``code``, ``place_ptr_id``).
    """
    tables = []
    for name, table in snapshot.tables.items():
        pk, attnames = models.get(name, (table.pk, {}))
        known = set(attnames.values())
        renames = {column: attnames[column] for column in table.column_names if column in attnames}
        if table.pk not in known and pk not in table.column_names:
            renames[table.pk] = pk
        renames = {old: new for old, new in renames.items() if old != new}
        if renames:
            columns = [
                Column(renames.get(c.name, c.name), c.kind, c.references) for c in table.columns
            ]
            table = Table(
                name, columns, renames.get(table.pk, table.pk), table.store,
                model=table.model, parent=table.parent,
                key=[renames.get(column, column) for column in table.key],
            )  # fmt: skip
        tables.append(table)
    return _with_tables(snapshot, tables)


def label_tables_by_models(snapshot: Snapshot, labels: Mapping[str, str]) -> Snapshot:
    """Return ``snapshot`` with each table's model label where the models name it.

    A SQL dump or a database URL knows tables, not models; ``--emit fixture``
    needs the label (``app.Model``) of every table it writes.
    """
    if all(table.model or name not in labels for name, table in snapshot.tables.items()):
        return snapshot
    tables = [
        table if table.model or name not in labels else Table(
            name, table.columns, table.pk, table.store, model=labels[name], parent=table.parent,
            key=table.key,
        )
        for name, table in snapshot.tables.items()
    ]  # fmt: skip
    return _with_tables(snapshot, tables)


def _with_tables(snapshot: Snapshot, tables: list[Table]) -> Snapshot:
    # The same kind of snapshot (a FixtureSnapshot keeps its content types), other tables.
    copy = snapshot.__class__.__new__(snapshot.__class__)
    copy.__dict__.update(snapshot.__dict__)
    copy.tables = {table.name: table for table in tables}
    return copy


def apply_column_types(snapshot: Snapshot, types: ColumnTypes, *, from_fixture: bool) -> Snapshot:
    """Return ``snapshot`` with the values of the typed columns converted to their kind.

    ``from_fixture`` says how a JSON document is given: parsed (a JSON or
    YAML fixture, where ``"abc"`` is the JSON string) or as JSON text (a
    database column). A value that does not fit its kind stays as written.
    """
    changed = False
    tables = []
    for name, table in snapshot.tables.items():
        converters = _converters(table, types.get(name, {}), from_fixture)
        if converters:
            table = _convert_table(table, converters)
            changed = True
        tables.append(table)
    return _with_tables(snapshot, tables) if changed else snapshot


Converter = Callable[[Value], Value]


def _converters(
    table: Table, kinds: Mapping[str, ValueType], from_fixture: bool
) -> dict[int, Converter]:
    found: dict[int, Converter] = {}
    for index, name in enumerate(table.column_names):
        kind = kinds.get(name)
        convert = _CONVERTERS.get(kind) if kind is not None else None
        if kind is ValueType.JSON:
            convert = _fixture_json if from_fixture else _text_json
        if kind is ValueType.TEXT and from_fixture:
            convert = _xml_text  # an XML fixture's pk "42" of a CharField came out as 42
        if convert is not None:
            found[index] = convert
    return found


def _convert_table(table: Table, converters: Mapping[int, Converter]) -> Table:
    key_index = [table.column_names.index(name) for name in table.key]
    rekey = any(index in converters for index in key_index)
    rows: dict[Pk, Row] = {}
    for pk, row in table.decode().items():
        values = tuple(
            _lenient(converters[i], value) if i in converters else value
            for i, value in enumerate(row)
        )
        if not rekey:
            rows[pk] = values
        elif len(key_index) == 1:
            rows[_key_of(values[key_index[0]])] = values
        else:  # a pair or a composite key: rendered from all its columns, as readers do
            rows[render_key([key_of(values[index]) for index in key_index])] = values
    return Table(
        table.name, table.columns, table.pk, MemoryRowStore(rows),
        model=table.model, parent=table.parent, key=table.key,
    )  # fmt: skip


def _key_of(value: Value) -> Pk:
    key = key_of(value)  # a UUID key is its dashed text
    if isinstance(key, (int, str)) and not isinstance(key, bool):
        return key
    return str(key)


def _lenient(convert: Converter, value: Value) -> Value:
    if value is None:
        return None
    try:
        return convert(value)
    except (ValueError, TypeError):
        return value  # kept as written; the diff shows it, nothing is altered


def _fixture_json(value: Value) -> Value:
    return value if isinstance(value, JsonValue) else json_document(value)


def _text_json(value: Value) -> Value:
    return to_json_value(value)


def _xml_text(value: Value) -> Value:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _typed(convert: Callable[[object], Value], *already: type) -> Converter:
    def converter(value: Value) -> Value:
        return value if isinstance(value, already) else convert(value)

    return converter


_CONVERTERS: dict[ValueType, Converter] = {
    ValueType.DATETIME: _typed(to_datetime),
    ValueType.DATE: _typed(to_date, datetime.date),
    ValueType.TIME: _typed(to_time),
    ValueType.DECIMAL: _typed(to_decimal, Decimal),
    ValueType.DURATION: _typed(to_duration),
    ValueType.UUID: _typed(to_uuid),
    ValueType.BINARY: _typed(to_bytes),
    ValueType.BOOLEAN: _typed(to_bool),
}
