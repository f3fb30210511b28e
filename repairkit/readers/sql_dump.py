"""Read a SQL dump (sqlite3 .dump, pg_dump, mysqldump/mariadb-dump) into a Snapshot, as data.

Nothing is executed. The dump is read line by line (gzip-compressed or
not) and split into statements (``sql_statements``); CREATE TABLE and
ALTER TABLE give the columns, types and keys (``sql_schema``); INSERT and
COPY give the rows (``sql_values``, ``sql_copy``), which are turned into the
one value model by column type (``sql_types``). Every other statement (SET,
CREATE INDEX, LOCK TABLES, ...) is skipped.

The snapshot keeps the tables a Lino ``dump2py`` dump of the same site
would hold (see ``django_tables``), and content type ids become
``ContentTypeRef`` through the dump's own ``django_content_type`` rows
(``sql_tables``).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, cast

from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.snapshot import Row, Snapshot
from repairkit.workers import MapFunction

from .django_tables import CONTENT_TYPE_TABLE, is_skipped_table
from .sql_copy import CopyLineError, read_copy_line
from .sql_schema import (
    SchemaSyntaxError,
    StatementKind,
    TableSchema,
    changed_table,
    read_alter_table,
    read_create_table,
    read_target,
    recognise_statement,
)
from .sql_statements import Dialect, Line, Statement, StatementSplitter
from .sql_tables import TableRows, build_tables
from .sql_types import make_converter
from .sql_values import RawValue, ValuesParser, ValueSyntaxError

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_LINES = 40
_SNIFF_LINE_BYTES = 1 << 16
_VALUES = re.compile(r"\bVALUES\b", re.IGNORECASE)
_FROM_STDIN = re.compile(r"\bFROM\s+stdin\b", re.IGNORECASE)
_ADDS_KEY = re.compile(r"\b(PRIMARY|FOREIGN)\s+KEY\b", re.IGNORECASE)


def sniff_dialect(source: str | Path) -> Dialect | None:
    """Return the dialect of the SQL dump at ``source``, judged from its first lines."""
    path = Path(source)
    if not path.is_file():
        return None
    try:
        with _open(path) as stream:
            # Bounded: the first "line" of a compression bomb may be all of it.
            head = [stream.readline(_SNIFF_LINE_BYTES) for _ in range(_SNIFF_LINES)]
    except (OSError, EOFError, zlib.error):
        return None  # not a readable SQL dump; the reader that claims the file says why
    lines = [line.decode("utf-8", "replace").strip() for line in head]
    for line in lines:
        if line.startswith("-- PostgreSQL database dump"):
            return Dialect.POSTGRES
        if line.startswith(("-- MySQL dump", "-- MariaDB dump")):
            return Dialect.MYSQL
    first = next((line for line in lines if line), "")
    if first in ("PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;"):
        return Dialect.SQLITE
    return None


def read_sql_dump(path: str | Path, dialect: Dialect, label: str | None = None) -> Snapshot:
    """Read the SQL dump file ``path``, written in ``dialect``, into a Snapshot.

    :raises DumpNotFoundError: if there is no file at ``path``.
    :raises DumpFormatError: if anything in it cannot be read, naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DumpNotFoundError(path, "no such SQL dump file")
    reader = _DumpReader(path, dialect)
    with _open(path) as stream:
        reader.read(StatementSplitter(path, _numbered_lines(path, stream), dialect))
    tables = build_tables(path, reader.data)
    return Snapshot(label or path.name, tables, {"dialect": dialect.value})


def is_sql_dump(dialect: Dialect) -> Callable[[str], bool]:
    """Return a ``sniff`` function for the format registry: is this a ``dialect`` dump?"""
    return lambda source: sniff_dialect(source) is dialect


def sql_dump_reader(dialect: Dialect) -> Callable[[str, MapFunction], Snapshot]:
    """Return a ``read`` function for the format registry (one file: nothing to map)."""
    return lambda source, map_files: read_sql_dump(source, dialect)


def _open(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, through gzip if it is compressed."""
    stream = path.open("rb")
    if stream.read(2) == _GZIP_MAGIC:
        stream.close()
        return cast(BinaryIO, gzip.open(path, "rb"))
    stream.seek(0)
    return stream


def _numbered_lines(path: Path, stream: BinaryIO) -> Iterator[Line]:
    """Yield ``(number, text)`` per line, split at ``\\n`` only (a ``\\r`` may be data).

    :raises DumpFormatError: for a line that is not UTF-8, or a broken or
        cut-off gzip file.
    """
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DumpFormatError(path, number, f"not UTF-8: {err}") from err
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.removesuffix("\n")
    except (OSError, EOFError, zlib.error) as err:
        raise DumpFormatError(path, number + 1, f"cannot decompress: {err}") from err


class _DumpReader:
    """Collect the schema and rows of a dump, statement by statement."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        self.path = path
        self.dialect = dialect
        self.values = ValuesParser(dialect)
        self.data: dict[str, TableRows] = {}

    def read(self, statements: Iterator[Statement] | StatementSplitter) -> None:
        for statement in statements:
            kind = recognise_statement(statement.text)
            try:
                if kind is StatementKind.CREATE_TABLE:
                    self._create_table(statement)
                elif kind is StatementKind.ALTER_TABLE and _ADDS_KEY.search(statement.text):
                    self._alter_table(statement)
                elif kind is StatementKind.INSERT:
                    self._insert(statement)
                elif kind is StatementKind.COPY:
                    self._copy(statement)
                elif kind is StatementKind.CHANGE:
                    self._check_change(statement)
                elif kind is StatementKind.UNKNOWN:
                    raise DumpFormatError(
                        self.path,
                        statement.line,
                        f"not SQL that a dump holds: {statement.text[:40]!r}",
                    )
            except SchemaSyntaxError as err:
                raise DumpFormatError(self.path, statement.line, str(err)) from err

    def _create_table(self, statement: Statement) -> None:
        schema = read_create_table(statement.text, statement.line)
        if schema.name in self.data:
            raise DumpFormatError(
                self.path,
                statement.line,
                f"table {schema.name!r} created twice"
                f" (first on line {self.data[schema.name].schema.line})",
            )
        converters = [make_converter(declared, self.dialect) for declared in schema.types]
        self.data[schema.name] = TableRows(schema, converters)

    def _alter_table(self, statement: Statement) -> None:
        constraints = read_alter_table(statement.text)
        table = self.data.get(constraints.table)
        if table is not None:
            table.schema.pk.extend(constraints.pk)
            table.schema.references.update(constraints.references)

    def _insert(self, statement: Statement) -> None:
        text = statement.text
        values = _VALUES.search(text)
        if values is None:
            raise DumpFormatError(self.path, statement.line, "INSERT without VALUES")
        name, columns = read_target(text[: values.start()], "INSERT")
        table = self._target(name, statement)
        rows = self.values.rows(text, values.end())
        try:
            for offset, raw in rows:
                if table is not None:
                    self._add_row(table, columns, raw, statement.line_at(offset))
        except ValueSyntaxError as err:
            raise DumpFormatError(self.path, statement.line_at(err.offset), err.problem) from err

    def _copy(self, statement: Statement) -> None:
        source = _FROM_STDIN.search(statement.text)
        if source is None or statement.copy_data is None:
            return  # COPY to or from a file: no rows in the dump
        name, columns = read_target(statement.text[: source.start()], "COPY")
        table = self._target(name, statement)
        width = len(columns) if columns is not None else None
        for number, line in statement.copy_data:
            if table is None:
                continue
            try:
                raw = read_copy_line(line, width or len(table.schema.columns))
            except CopyLineError as err:
                raise DumpFormatError(self.path, number, f"COPY {name}: {err}") from err
            self._add_row(table, columns, raw, number)

    def _check_change(self, statement: Statement) -> None:
        """Allow UPDATE, DELETE and TRUNCATE only on skipped tables.

        ``sqlite3 .dump`` writes ``DELETE FROM sqlite_sequence;``; a change to
        any other table would be lost on a reader of rows, so it is an error.

        :raises DumpFormatError: for one that changes rows the snapshot keeps.
        """
        table = changed_table(statement.text)
        if table is None or not is_skipped_table(table):
            raise DumpFormatError(
                self.path,
                statement.line,
                f"{statement.text[:40]!r} changes rows in place; only rows of INSERT and COPY"
                " are read",
            )

    def _target(self, name: str, statement: Statement) -> TableRows | None:
        """Return the table rows go to, or None for rows to skip.

        :raises DumpFormatError: for a table the dump does not create.
        """
        table = self.data.get(name)
        if table is None and not is_skipped_table(name):
            raise DumpFormatError(
                self.path,
                statement.line,
                f"rows for table {name!r}, which the dump does not create",
            )
        if table is not None and is_skipped_table(name) and name != CONTENT_TYPE_TABLE:
            return None
        return table

    def _add_row(
        self, table: TableRows, columns: list[str] | None, raw: Sequence[RawValue], line: int
    ) -> None:
        schema = table.schema
        if columns is not None and columns != schema.columns:
            raw = self._reorder(schema, columns, raw, line)
        if len(raw) != len(schema.columns):
            raise DumpFormatError(
                self.path,
                line,
                f"{schema.name} has {len(schema.columns)} columns, the row has {len(raw)} values",
            )
        try:
            row = tuple(
                convert(value) for convert, value in zip(table.converters, raw, strict=True)
            )
        except ValueError:
            row = self._raise_bad_value(table, raw, line)
        table.rows.append(row)
        table.lines.append(line)

    def _reorder(
        self, schema: TableSchema, columns: list[str], raw: Sequence[RawValue], line: int
    ) -> Sequence[RawValue]:
        if len(columns) != len(raw):
            raise DumpFormatError(
                self.path, line, f"{len(columns)} columns named but {len(raw)} values given"
            )
        unknown = [column for column in columns if column not in schema.columns]
        missing = [column for column in schema.columns if column not in columns]
        if unknown or missing:
            raise DumpFormatError(
                self.path,
                line,
                f"columns of {schema.name} differ from CREATE TABLE:"
                f" unknown {unknown}, missing {missing}",
            )
        by_name = dict(zip(columns, raw, strict=True))
        return [by_name[column] for column in schema.columns]

    def _raise_bad_value(self, table: TableRows, raw: Sequence[RawValue], line: int) -> Row:
        for column, sql_type, convert, value in zip(
            table.schema.columns, table.schema.types, table.converters, raw, strict=True
        ):
            try:
                convert(value)
            except ValueError as err:
                raise DumpFormatError(
                    self.path, line, f"{table.schema.name}.{column} ({sql_type}): {err}"
                ) from err
        raise AssertionError("a converter failed once but not twice")
