"""Build a SQL dump's snapshot tables from the schema and rows read from it.

Done once the whole dump is read, because what a table's rows mean may be
said after them: pg_dump adds primary and foreign keys at the end, and
``django_content_type`` may come after the tables that point to it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import (
    CONTENT_TYPE_TABLE,
    Column,
    ColumnKind,
    ContentTypeRef,
    MemoryRowStore,
    Pk,
    Row,
    Table,
    Value,
)
from repairkit.values import ValueType, key_of, render_key, value_type_of_sql

from ..django_tables import is_skipped_table, map_content_types
from ..live.tables import ColumnSpec, TableSpec, as_many_to_many
from .content_type_columns import ContentTypeColumns
from .converters import Converter
from .copy_lines import read_field
from .copy_rows import CopyRowStore, decode_copy_line
from .insert_rows import InsertedTuples, InsertRowStore, TupleDecoder
from .kept_texts import KeptTexts, KeyedTexts, keyed_texts
from .line_places import DumpFile
from .schema import TableSchema
from .statements import Dialect

ContentTypes = Mapping[Value, ContentTypeRef]


@dataclass(slots=True)
class TableRows:
    """One table while the dump is read: its schema, how to read values, the rows so far.

    ``lines`` holds the dump line of each row, for errors found later.
    ``copied`` holds the COPY lines and ``inserted`` the INSERT tuples that
    were checked but not decoded (``copy_rows``, ``insert_rows``), kept by
    their place in ``source`` (``kept_texts``), which ``build_tables``
    decodes only where it must.
    """

    schema: TableSchema
    converters: Sequence[Converter]
    source: DumpFile
    rows: list[Row] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    copied: KeptTexts = field(init=False)
    inserted: InsertedTuples = field(init=False)

    def __post_init__(self) -> None:
        self.copied = KeptTexts(self.source)
        self.inserted = InsertedTuples(KeptTexts(self.source))

    def __len__(self) -> int:
        return len(self.rows) + len(self.copied) + len(self.inserted.kept)

    def clear(self) -> None:
        self.rows.clear()
        self.lines.clear()
        self.copied.clear()
        self.inserted.clear()

    def tuple_decoder(self, path: Path, dialect: Dialect) -> TupleDecoder:
        """Return the decoder of this table's kept INSERT tuples."""
        standard = self.inserted.standard_strings
        return TupleDecoder(path, self.schema, self.converters, dialect, standard is not False)

    def decode_kept(self, path: Path, dialect: Dialect) -> None:
        """Decode the COPY lines and INSERT tuples kept as text into ``rows``, in dump order."""
        copied, inserted = self.copied, self.inserted
        from_copy = [
            (number, decode_copy_line(path, self.schema, self.converters, text, number))
            for _, text, number in copied.read()
        ]
        decoder = self.tuple_decoder(path, dialect)
        from_insert = [
            (number, decoder.decode(text, number)) for _, text, number in inserted.kept.read()
        ]
        # By line only: one line may hold many tuples, kept in their order.
        merged = list(
            heapq.merge(
                zip(self.lines, self.rows, strict=True),
                from_copy,
                from_insert,
                key=lambda item: item[0],
            )
        )
        self.lines = [number for number, _ in merged]
        self.rows = [row for _, row in merged]
        copied.clear()
        inserted.clear()


def build_tables(path: Path, read: Mapping[str, TableRows], dialect: Dialect) -> list[Table]:
    """Return the snapshot's tables, in the dump's order, without the skipped ones.

    :raises DumpFormatError: for a table without a primary key, a duplicate
        key, or a content type id that ``django_content_type`` lacks.
    """
    content_types = _content_types(path, read.get(CONTENT_TYPE_TABLE), dialect)
    return [
        _build(path, table, content_types, dialect)
        for name, table in read.items()
        if not is_skipped_table(name)
    ]


def _content_types(path: Path, table: TableRows | None, dialect: Dialect) -> ContentTypes:
    if table is None:
        return {}
    names = table.schema.columns
    try:
        id_, app_label, model = (names.index(name) for name in ("id", "app_label", "model"))
    except ValueError as err:
        raise DumpFormatError(
            path, table.schema.line, f"{CONTENT_TYPE_TABLE} lacks a column: {err}"
        ) from err
    table.decode_kept(path, dialect)
    return map_content_types((row[id_], row[app_label], row[model]) for row in table.rows)


def _build(path: Path, table: TableRows, content_types: ContentTypes, dialect: Dialect) -> Table:
    schema = table.schema
    if not schema.pk:
        raise DumpFormatError(path, schema.line, f"table {schema.name!r} has no primary key")
    unknown = [name for name in schema.pk if name not in schema.columns]
    if unknown:
        raise DumpFormatError(
            path,
            schema.line,
            f"the primary key of {schema.name!r} names {unknown}, which its CREATE TABLE lacks",
        )
    key = _key(schema)
    names = [spec.name for spec in key.columns]
    index_of = {name: i for i, name in enumerate(schema.columns)}
    kept = [index_of[name] for name in names]
    key_index = [names.index(name) for name in key.key]
    columns = [_column(schema, name, schema.types[i]) for name, i in zip(names, kept, strict=True)]
    pointers = [i for i, column in enumerate(columns) if column.kind is ColumnKind.CONTENT_TYPE]
    parent = schema.references.get(key.key[0]) if len(key.key) == 1 else None
    copied, inserted = len(table.copied), len(table.inserted.kept)
    # Content type ids are checked now and resolved when a row is decoded, so that a
    # generic foreign key's table stays text too; a key that holds one is keyed by the
    # reference it names, and is decoded now.
    names = [columns[i].name for i in pointers]
    pointed = None
    if pointers and not set(pointers) & set(key_index):
        pointed = ContentTypeColumns(
            path, schema.name, names, [kept[i] for i in pointers], content_types
        )
    if copied and (pointed is not None or not pointers) and not table.rows and not inserted:
        # Only the key of each line is read: the rows are decoded when asked for.
        lines = _copied_keys(table, [kept[i] for i in key_index])
        if pointed is not None:
            for _, text, line in table.copied.read():
                pointed.check(_copied_values(table, text, pointed.indices), line)
        store = CopyRowStore(path, schema, table.converters, kept, lines, pointed)
        return Table(schema.name, columns, key.key[0], store, parent=parent, key=key.key)
    if inserted and (pointed is not None or not pointers) and not table.rows and not copied:
        decoder = table.tuple_decoder(path, dialect)
        tuples = decoder.keys(table.inserted, [kept[i] for i in key_index])
        if pointed is not None:
            ids_of = decoder.values_reader(table.inserted, list(pointed.indices))
            for _, text, line in table.inserted.kept.read():
                pointed.check(ids_of(text, line), line)
        insert_store = InsertRowStore(decoder, kept, table.inserted, tuples, dialect, pointed)
        return Table(schema.name, columns, key.key[0], insert_store, parent=parent, key=key.key)
    # Content type ids are resolved, and checked, row by row.
    table.decode_kept(path, dialect)
    in_rows = ContentTypeColumns(path, schema.name, names, pointers, content_types)
    rows: dict[Pk, Row] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        if len(kept) != len(row):
            row = tuple(row[i] for i in kept)
        if pointers:
            row = in_rows.resolve(row, line)
        if len(key_index) == 1:
            pk = key_of(row[key_index[0]])
        else:
            pk = render_key([row[i] for i in key_index])
        if not isinstance(pk, (int, str)) or isinstance(pk, bool):
            raise DumpFormatError(path, line, f"primary key of {schema.name} is {pk!r}")
        if pk in rows:
            raise DumpFormatError(path, line, f"duplicate primary key {pk!r} in {schema.name}")
        rows[pk] = row
    return Table(schema.name, columns, key.key[0], MemoryRowStore(rows), parent=parent, key=key.key)


def _copied_keys(table: TableRows, key_columns: list[int]) -> KeyedTexts:
    """Return the COPY lines kept with the row's primary key of each.

    A key of the first column alone was found when the lines were read
    (``first_field_keys``); another is read from the lines, read again.

    :raises DumpFormatError: for a key that is not an integer or text, or a duplicate.
    """
    name, converters = table.schema.name, table.converters
    if key_columns == [0] and table.copied.first_keys is not None:
        return keyed_texts(table.copied, name, None)
    splits = max(key_columns) + 1  # the fields after the key are not looked at

    def key_of_line(text: str, line: int) -> Value:
        fields = text.split("\t", splits)
        if len(key_columns) == 1:
            column = key_columns[0]
            return key_of(converters[column](read_field(fields[column])))
        return render_key([converters[i](read_field(fields[i])) for i in key_columns])

    return keyed_texts(table.copied, name, key_of_line)


def _copied_values(table: TableRows, text: str, columns: Sequence[int]) -> list[Value]:
    """Return the values of ``columns`` in one COPY line, which was checked when read."""
    fields = text.split("\t", max(columns) + 1)  # the fields after them are not looked at
    return [table.converters[i](read_field(fields[i])) for i in columns]


def _key(schema: TableSchema) -> TableSpec:
    """Return the table's columns and key as the live readers see them.

    An auto-created many-to-many table is keyed by its pair, without its
    ``id`` (``readers.live.tables.as_many_to_many``), so that a SQL dump, a live
    database and a fixture agree on its rows.
    """
    spec = TableSpec(
        schema.name,
        tuple(
            ColumnSpec(name, value_type_of_sql(declared), None, schema.references.get(name))
            for name, declared in zip(schema.columns, schema.types, strict=True)
        ),
        tuple(schema.pk),
    )
    return as_many_to_many(spec)


def _column(schema: TableSchema, name: str, declared: str) -> Column:
    references = schema.references.get(name)
    if references == CONTENT_TYPE_TABLE:
        kind = ColumnKind.CONTENT_TYPE
    elif references is not None and schema.pk == [name]:
        kind = ColumnKind.PARENT_LINK  # a key that is also a foreign key: an MTI child
    elif value_type_of_sql(declared) is ValueType.DECIMAL:
        kind = ColumnKind.DECIMAL
    else:
        kind = ColumnKind.PLAIN
    return Column(name, kind, references)
