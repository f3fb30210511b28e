"""Read a SQL dump (sqlite3 .dump, pg_dump, mysqldump/mariadb-dump) into a Snapshot, as data.

Nothing is executed. The dump is read line by line (gzip-compressed or
not) and split into statements (``statements``); CREATE TABLE and
ALTER TABLE give the columns, types and keys (``schema``); INSERT and
COPY give the rows (``insert_statements``, ``values``, ``copy_lines``), which are turned into the
one value model by column type (``converters``); pg_dump's COPY lines and
the row tuples of INSERTs are checked when read and kept by their place
in the file, read again and decoded only when asked (``copy_rows``,
``insert_rows``, ``kept_texts``; the line reader tells ``line_places``
where each line is). Statements that change rows
are applied as the engine would load the dump where that is certain
(``TRUNCATE``, ``DELETE FROM t`` without a condition, ``DROP TABLE``) and
refused by name otherwise (``UPDATE``, ``DELETE ... WHERE``, an ALTER TABLE
that renames or drops columns). PostgreSQL's ``SET
standard_conforming_strings`` is followed. Every other statement (SET,
CREATE INDEX, LOCK TABLES, ...) is skipped.

The snapshot keeps the tables a Lino ``dump2py`` dump of the same site
would hold (see ``django_tables``), and content type ids become
``ContentTypeRef`` through the dump's own ``django_content_type`` rows
(``tables``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.snapshot import CONTENT_TYPE_TABLE, Snapshot, Value
from repairkit.workers import MapFunction

from ..django_tables import is_skipped_table
from .converters import ColumnConverters
from .copy_lines import CopyLineError, read_copy_line
from .copy_rows import CopyLineCheck, convert_row, copy_line_check, first_field_keys
from .dump_lines import decoding_errors, dump_file, numbered_lines, open_dump
from .insert_blocks import lines_match
from .insert_statements import InsertStatements
from .line_places import DumpFile, LinePlace
from .schema import (
    SchemaSyntaxError,
    StatementKind,
    TableSchema,
    read_alter_table,
    read_change,
    read_create_table,
    read_drop_table,
    read_target,
    recognise_statement,
    row_changing_clause,
)
from .sqlite import literal
from .sqlite_grammar import SqliteGrammar
from .statements import Dialect, Line, Statement, StatementSplitter
from .tables import TableRows, build_tables
from .values import RawValue, ValuesParser

_SNIFF_LINES = 40
_SNIFF_LINE_BYTES = 1 << 16
# COPY lines checked in one RE2 call: enough to make the call's cost vanish per line,
# and far fewer than the lines whose places the line reader remembers (RECENT_LINES).
_COPY_BLOCK = 4096
_FROM_STDIN = re.compile(r"\bFROM\s+stdin\b", re.IGNORECASE)
_ADDS_KEY = re.compile(r"\b(PRIMARY|FOREIGN)\s+KEY\b", re.IGNORECASE)
_STANDARD_STRINGS = re.compile(
    r"(?:SET\s+(?:SESSION\s+|LOCAL\s+)?standard_conforming_strings\s*(?:=|\bTO\b)\s*'?(\w+)'?"
    r"|SELECT\s+(?:pg_catalog\.)?set_config\s*\(\s*'standard_conforming_strings'\s*,"
    r"\s*'(\w+)'\s*,\s*\w+\s*\))\s*",
    re.IGNORECASE,
)
_MENTIONS_STANDARD_STRINGS = re.compile(r"standard_conforming_strings", re.IGNORECASE)
_SETTING_WORDS = {"on": True, "true": True, "off": False, "false": False}
# The engines' own limits on the columns of a table (SQLite's SQLITE_MAX_COLUMN default).
_MAX_COLUMNS = {Dialect.SQLITE: 2000, Dialect.POSTGRES: 1600, Dialect.MYSQL: 4096}
_SURROGATE = re.compile("[\udc80-\udcff]")
# What the SQLite check carries out besides inserting rows: a DELETE that
# reaches it is one the reader applied (it refuses the others first).
_CARRIED_OUT = {StatementKind.CREATE_TABLE, StatementKind.DROP_TABLE, StatementKind.CHANGE}
# After these, an INSERT head that compiled before may no longer compile.
_REDEFINING = {StatementKind.CREATE_TABLE, StatementKind.DROP_TABLE, StatementKind.ALTER_TABLE}


def sniff_dialect(source: str | Path) -> Dialect | None:
    """Return the dialect of the SQL dump at ``source``, judged from its first lines."""
    path = Path(source)
    if not path.is_file():
        return None
    try:
        with open_dump(path) as stream:
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
    with open_dump(path) as stream:
        reader = _DumpReader(path, dialect, source=dump_file(path, stream, dialect))
        lines = numbered_lines(path, stream, dialect, reader.place)
        reader.read(StatementSplitter(path, lines, dialect, runs=reader))
    tables = build_tables(path, reader.data, dialect)
    return Snapshot(label or path.name, tables, {"dialect": dialect.value})


def read_dump_table(path: str | Path, dialect: Dialect, name: str) -> list[dict[str, Value]] | None:
    """Return the rows of the dump's table ``name`` by column, or None if it has no such table.

    Also for a table that a snapshot leaves out (``django_migrations``, which
    ``repairkit upgrade`` reads for the migration state the dump was made at).

    :raises DumpNotFoundError, DumpFormatError: as ``read_sql_dump``.
    """
    path = Path(path)
    if not path.is_file():
        raise DumpNotFoundError(path, "no such SQL dump file")
    with open_dump(path) as stream:
        source = dump_file(path, stream, dialect)
        reader = _DumpReader(path, dialect, kept=frozenset({name}), source=source)
        lines = numbered_lines(path, stream, dialect, reader.place)
        reader.read(StatementSplitter(path, lines, dialect, runs=reader))
    table = reader.data.get(name)
    if table is None:
        return None
    columns = table.schema.columns
    return [dict(zip(columns, row, strict=True)) for row in table.rows]


def is_sql_dump(dialect: Dialect) -> Callable[[str], bool]:
    """Return a ``sniff`` function for the format registry: is this a ``dialect`` dump?"""
    return lambda source: sniff_dialect(source) is dialect


def sql_dump_reader(dialect: Dialect) -> Callable[[str, MapFunction], Snapshot]:
    """Return a ``read`` function for the format registry (one file: nothing to map)."""
    return lambda source, map_files: read_sql_dump(source, dialect)


class _DumpReader(InsertStatements):
    """Collect the schema and rows of a dump, statement by statement."""

    def __init__(
        self,
        path: Path,
        dialect: Dialect,
        kept: frozenset[str] = frozenset(),
        source: DumpFile | None = None,
    ) -> None:
        self.path = path
        # Without a source told where each line is, every row text is held as a string.
        self.source = source or DumpFile(path, 0, decoding_errors(dialect), seekable=False)
        # Where the line last read is, so that row texts are kept by their place in the file.
        self.place = LinePlace(self.source)
        # Skipped tables whose rows are still read: content type ids are resolved through them.
        self.kept = kept | {CONTENT_TYPE_TABLE}
        self.dialect = dialect
        self.values = ValuesParser(dialect)
        self.data: dict[str, TableRows] = {}
        self.sqlite: SqliteGrammar | None = None  # SQLite's own judgement, for its dumps
        # INSERT heads SQLite compiled (as _SQLITE_HEAD), whose tuples it may take as text.
        self.sqlite_heads: set[str] = set()
        self.copy_checks: dict[str, CopyLineCheck] = {}

    def read(self, statements: StatementSplitter) -> None:
        try:
            self._read_checked(statements)
        finally:
            self.place.close()

    def _read_checked(self, statements: StatementSplitter) -> None:
        if self.dialect is not Dialect.SQLITE:
            self._read(statements)
            return
        self.sqlite = SqliteGrammar(self.path, self._kept_rows)
        try:
            self._read(statements)
            self.sqlite.finish()
        except DumpFormatError:
            # Rows handed to SQLite in a batch come before the fault: its refusal comes first.
            self.sqlite.flush()
            raise
        finally:
            self.sqlite.close()

    def _read(self, statements: StatementSplitter) -> None:
        for statement in statements:
            kind = recognise_statement(statement.text)
            if kind is not StatementKind.INSERT and _SURROGATE.search(statement.text):
                raise DumpFormatError(self.path, statement.line, "not UTF-8 outside a value")
            try:
                if kind is StatementKind.CREATE_TABLE:
                    self._create_table(statement)
                elif kind is StatementKind.ALTER_TABLE:
                    self._alter_table(statement)
                elif kind is StatementKind.INSERT:
                    self._insert(statement)
                elif kind is StatementKind.COPY:
                    self._copy(statement)
                elif kind is StatementKind.CHANGE:
                    self._change(statement)
                elif kind is StatementKind.DROP_TABLE:
                    for name in read_drop_table(statement.text):
                        self.data.pop(name, None)
                        if self.sqlite is not None:
                            self.sqlite.plain.pop(name, None)
                elif kind is StatementKind.OTHER and _MENTIONS_STANDARD_STRINGS.search(
                    statement.text
                ):
                    self._standard_strings(statement, statements)
                elif kind is StatementKind.UNKNOWN:
                    raise DumpFormatError(
                        self.path,
                        statement.line,
                        f"not SQL that a dump holds: {statement.text[:40]!r}",
                    )
            except SchemaSyntaxError as err:
                raise DumpFormatError(self.path, statement.line, str(err)) from err
            # After repairkit's own reading, so that its messages come first;
            # SQLite's parser then refuses what SQLite would not load (INSERTs: in _insert).
            if self.sqlite is not None and kind is not StatementKind.INSERT:
                if kind in _REDEFINING:
                    self.sqlite_heads.clear()
                self.sqlite.check(statement, kind in _CARRIED_OUT)
                if kind is StatementKind.CREATE_TABLE:
                    schema = self.created.schema
                    self.sqlite.check_columns(schema.name, schema.columns, statement.line)
                    self.sqlite.learn_table(schema.name, statement.text)

    def _create_table(self, statement: Statement) -> None:
        schema = read_create_table(statement.text, statement.line)
        limit = _MAX_COLUMNS[self.dialect]
        if len(schema.columns) > limit:
            raise DumpFormatError(
                self.path,
                statement.line,
                f"table {schema.name!r} has {len(schema.columns)} columns;"
                f" {self.dialect.value} allows at most {limit}",
            )
        if schema.name in self.data:
            raise DumpFormatError(
                self.path,
                statement.line,
                f"table {schema.name!r} created twice"
                f" (first on line {self.data[schema.name].schema.line})",
            )
        converters = ColumnConverters(schema.types, self.dialect)
        self.data[schema.name] = self.created = TableRows(schema, converters, self.source)

    def _standard_strings(self, statement: Statement, splitter: StatementSplitter) -> None:
        """Follow ``SET standard_conforming_strings``, which decides what a backslash means.

        :raises DumpFormatError: for a setting that cannot be read.
        """
        match = _STANDARD_STRINGS.fullmatch(statement.text)
        word = (match.group(1) or match.group(2) or "").lower() if match else ""
        if word not in _SETTING_WORDS:
            raise DumpFormatError(
                self.path,
                statement.line,
                f"standard_conforming_strings set in a way not read: {statement.text[:60]!r}",
            )
        splitter.set_standard_strings(_SETTING_WORDS[word])
        self.values.standard_strings = _SETTING_WORDS[word]

    def _alter_table(self, statement: Statement) -> None:
        clause = row_changing_clause(statement.text)
        if clause is not None:
            raise DumpFormatError(
                self.path,
                statement.line,
                f"{statement.text[:40]!r} changes the table's columns or name ({clause});"
                " such a dump is not read",
            )
        if not _ADDS_KEY.search(statement.text):
            return
        constraints = read_alter_table(statement.text)
        table = self.data.get(constraints.table)
        if table is not None:
            table.schema.pk.extend(constraints.pk)
            table.schema.references.update(constraints.references)

    def _copy(self, statement: Statement) -> None:
        source = _FROM_STDIN.search(statement.text)
        if source is None or statement.copy_data is None:
            return  # COPY to or from a file: no rows in the dump
        name, columns = read_target(statement.text[: source.start()], "COPY")
        table = self._target(name, statement)
        if table is None:
            return
        if self._keeps_lines(table, columns):
            self._copy_lines(table, statement.copy_data)
            return
        width = len(columns) if columns is not None else len(table.schema.columns)
        for number, line in statement.copy_data:
            self._add_row(table, columns, self._split_copy_line(name, line, width, number), number)

    def _keeps_lines(self, table: TableRows, columns: list[str] | None) -> bool:
        """Return whether a COPY block's lines can be kept as text, to be decoded when asked.

        Not for the tables read whole (content types, ``read_dump_table``)
        nor for a block whose columns are not the CREATE TABLE's, in order.
        """
        return (
            self.dialect is Dialect.POSTGRES
            and table.schema.name not in self.kept
            and (columns is None or columns == table.schema.columns)
        )

    def _copy_lines(self, table: TableRows, lines: Iterator[Line]) -> None:
        """Check each COPY line and keep it as text (``copy_rows``).

        :raises DumpFormatError: for a line that is not a row of the table.
        """
        schema, converters = table.schema, table.converters
        check = self.copy_checks.get(schema.name)
        if check is None:
            check = self.copy_checks[schema.name] = copy_line_check(schema)
        kept, place = table.copied, self.place
        first, keyed = (converters[0], True) if converters else (str, False)  # str: never called
        width = len(schema.columns)
        # RE2 checks a block of lines in one call; a block it does not vouch for
        # is checked line by line, which names the first fault.
        for block in iter(lambda: list(islice(lines, _COPY_BLOCK)), []):
            texts = [line for _, line in block]
            numbers = [number for number, _ in block]
            matched = not check.unchecked and lines_match(check.pattern, texts)
            if not matched:
                for number, line in block:
                    if not check.accepts(line, converters):
                        # The slow way names the fault, or takes what the pattern is too narrow for.
                        raw = self._split_copy_line(schema.name, line, width, number)
                        convert_row(self.path, schema, converters, raw, number)
            keys = (
                first_field_keys(texts, first, matched and check.integer_first) if keyed else None
            )
            # The block's lines were the lines read last: the reader knows where they are.
            starts, sizes = place.line_ranges(numbers)
            kept.keep_many(texts, numbers, starts, sizes, keys)

    def _split_copy_line(self, name: str, line: str, width: int, number: int) -> list[str | None]:
        try:
            return read_copy_line(line, width)
        except CopyLineError as err:
            raise DumpFormatError(self.path, number, f"COPY {name}: {err}") from err

    def _change(self, statement: Statement) -> None:
        """Apply a statement that empties tables; refuse any other change to rows that are kept.

        ``sqlite3 .dump`` writes ``DELETE FROM sqlite_sequence;``. Emptying
        a table is applied only where no foreign key can cascade: in SQLite
        (``.dump`` turns them off) or where no table read so far points to it.

        :raises DumpFormatError: for a change that is not read.
        """
        change = read_change(statement.text)
        kept = [name for name in change.tables if not is_skipped_table(name)]
        if not kept:
            return
        if change.every_row:
            blocked = [name for name in kept if self._referenced(name)]
            if not blocked:
                for name in kept:
                    if name in self.data:
                        self.data[name].clear()
                    if self.sqlite is not None:
                        self.sqlite.empty_table(name)
                return
            reason = f"rows of other tables point to {blocked}, and a cascade is not read"
        else:
            reason = "only rows of INSERT and COPY are read, and tables emptied as a whole"
        raise DumpFormatError(
            self.path,
            statement.line,
            f"{statement.text[:40]!r} changes rows of {kept} in place; {reason}",
        )

    def _referenced(self, name: str) -> bool:
        if self.dialect is Dialect.SQLITE:
            return False
        return any(
            len(table) and name in table.schema.references.values()
            for other, table in self.data.items()
            if other != name
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
        if table is not None and is_skipped_table(name) and name not in self.kept:
            return None
        return table

    def _add_row(
        self,
        table: TableRows,
        columns: list[str] | None,
        raw: Sequence[RawValue],
        line: int,
        keep: bool = True,
    ) -> None:
        """Check one row of raw values, hand it to SQLite, and keep it decoded if ``keep``.

        :raises DumpFormatError: for a row that does not fit the table.
        """
        schema = table.schema
        if columns is not None and columns != schema.columns:
            raw = self._reorder(schema, columns, raw, line)
        if len(raw) != len(schema.columns):
            raise DumpFormatError(
                self.path,
                line,
                f"{schema.name} has {len(schema.columns)} columns, the row has {len(raw)} values",
            )
        row = convert_row(self.path, schema, table.converters, raw, line)
        if self.sqlite is not None:
            stored = [literal(value) for value in raw]
            # A row not kept decoded is kept as text: SQLite gets it if the table is handed over.
            if keep or not self.sqlite.takes_plain_values(schema.name, stored):
                # A row SQLite judges by its values: the rows kept from it come first.
                self.sqlite.hand_over(schema.name, table.inserted.kept.texts_and_lines())
                self.sqlite.insert(schema.name, stored, line)
        if keep:
            table.rows.append(row)
            table.lines.append(line)

    def _kept_rows(self, name: str) -> Iterable[tuple[str, int]]:
        """Return the rows of a table kept from SQLite so far (a plain table's): text, line.

        :raises DumpFormatError: as they are read again, if the file changed.
        """
        return self.data[name].inserted.kept.texts_and_lines()

    def _reorder(
        self, schema: TableSchema, columns: list[str], raw: Sequence[RawValue], line: int
    ) -> Sequence[RawValue]:
        if len(columns) != len(raw):
            raise DumpFormatError(
                self.path, line, f"{len(columns)} columns named but {len(raw)} values given"
            )
        known, named = set(schema.columns), set(columns)
        unknown = [column for column in columns if column not in known]
        missing = [column for column in schema.columns if column not in named]
        if unknown or missing or len(named) != len(columns):
            raise DumpFormatError(
                self.path,
                line,
                f"columns of {schema.name} differ from CREATE TABLE:"
                f" unknown {unknown}, missing {missing}",
            )
        by_name = dict(zip(columns, raw, strict=True))
        return [by_name[column] for column in schema.columns]
