"""Read the INSERT statements of a SQL dump: rows kept as tuples, or decoded where they must be.

Part of the dump reader (``dump._DumpReader``). An INSERT's tuples are
checked against their table's pattern and kept undecoded (``insert_rows``),
by their place in the file (``kept_texts``, ``line_places``), where the
table and the statement allow, else read value by value. A run of
one-line INSERTs of one table (``insert_runs``) is taken in one step
(``take_run``), checked at once (``insert_blocks``); what that step does
not take is read statement by statement, the same way as before, so that
every message names the same line and fault. A first-column integer key
is found as the tuples are read (``first_integer_keys``), so that keying
a table reads none of them again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from repairkit.errors import DumpFormatError

from ..django_tables import is_skipped_table
from .insert_blocks import (
    accepted_statements,
    first_integer_key,
    first_integer_keys,
    split_tuples,
    tuples_match,
)
from .insert_rows import TupleCheck, tuple_check
from .line_places import LinePlace
from .schema import SchemaSyntaxError, read_target
from .sqlite_grammar import SqliteGrammar
from .statements import Dialect, Statement
from .tables import TableRows
from .values import RawValue, ValuesParser, ValueSyntaxError

_VALUES = re.compile(r"\bVALUES\b", re.IGNORECASE)

# The head sqlite3 .dump writes, whose tuples SQLite may be handed as text once it
# compiled one statement with it (an unquoted keyword as a name would not compile).
_SQLITE_HEAD = re.compile(r'INSERT INTO (?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*) VALUES')


@functools.lru_cache(maxsize=1024)
def _insert_target(head: str) -> tuple[str, list[str] | None]:
    """Read an INSERT's table and columns once per distinct head.

    ``sqlite3 .dump`` and ``--skip-extended-insert`` repeat the same head on
    every row, and lexing it with sqlparse each time was most of the reading.
    The column list is shared between calls and never changed.
    """
    return read_target(head, "INSERT")


class InsertStatements:
    """The dump reader's reading of INSERT statements and runs of them.

    The attributes and the two methods below are the dump reader's
    (``dump._DumpReader``, which derives from this class).
    """

    path: Path
    dialect: Dialect
    values: ValuesParser
    data: dict[str, TableRows]
    kept: frozenset[str]
    sqlite: SqliteGrammar | None
    sqlite_heads: set[str]
    place: LinePlace  # where the lines read are in the file, for keeping tuples by place

    def _target(self, name: str, statement: Statement) -> TableRows | None:
        raise NotImplementedError

    def _add_row(
        self,
        table: TableRows,
        columns: list[str] | None,
        raw: Sequence[RawValue],
        line: int,
        keep: bool = True,
    ) -> None:
        raise NotImplementedError

    def _insert(self, statement: Statement) -> None:
        text = statement.text
        values = _VALUES.search(text)
        if values is None:
            raise DumpFormatError(self.path, statement.line, "INSERT without VALUES")
        name, columns = _insert_target(text[: values.start()])
        table = self._target(name, statement)
        head = text[: values.end()]
        checked = False  # whether SQLite took every row as text, so the statement compiles
        keeps = table is not None and self._keeps_tuples(table, columns)
        if (
            keeps
            and self.sqlite is not None
            and head not in self.sqlite_heads
            and _SQLITE_HEAD.fullmatch(head)
            and self.sqlite.compiles(statement)
        ):
            # Its rows can then be checked the fast way; one it refuses is read the slow
            # way, so that repairkit's messages come first, as for every statement.
            self.sqlite_heads.add(head)
        try:
            if keeps and table is not None:
                checked = self._insert_tuples(table, statement, values.end(), head)
            else:
                for offset, raw in self.values.rows(text, values.end()):
                    if table is not None:
                        self._add_row(table, columns, raw, statement.line_at(offset))
        except ValueSyntaxError as err:
            raise DumpFormatError(self.path, statement.line_at(err.offset), err.problem) from err
        if self.sqlite is not None and not checked:
            self.sqlite.check(statement, False)
            if _SQLITE_HEAD.fullmatch(head):
                self.sqlite_heads.add(head)

    def _keeps_tuples(self, table: TableRows, columns: list[str] | None) -> bool:
        """Return whether an INSERT's tuples can be kept as text, to be decoded when asked.

        Not for the tables read whole (content types, ``read_dump_table``),
        nor for an INSERT whose columns are not the CREATE TABLE's, in order,
        nor under another ``standard_conforming_strings`` than the table's
        tuples so far.
        """
        standard = table.inserted.standard_strings
        return (
            table.schema.name not in self.kept
            and (columns is None or columns == table.schema.columns)
            and (standard is None or standard is self.values.standard_strings)
        )

    def _insert_tuples(
        self, table: TableRows, statement: Statement, position: int, head: str
    ) -> bool:
        """Check each tuple of an INSERT and keep it by its place in the file (``kept_texts``).

        Return whether SQLite took every tuple as text (a SQLite dump whose
        head SQLite compiled before), so that the statement needs no check.

        :raises DumpFormatError: for a tuple that is not a row of the table.
        :raises ValueSyntaxError: for text that is no tuple.
        """
        schema, converters, values = table.schema, table.converters, self.values
        inserted = table.inserted
        sqlite = self.sqlite
        if inserted.check is None:
            plain = sqlite.plain.get(schema.name) if sqlite is not None else None
            not_null = plain.not_null if plain is not None else frozenset()
            inserted.check = tuple_check(schema, self.dialect, values.standard_strings, not_null)
            inserted.standard_strings = values.standard_strings
            if plain is not None:
                inserted.rowid = inserted.check.keyed([plain.key_column])
        check = inserted.check
        # SQLite judges a row by its values unless it compiled this head already.
        as_text = sqlite is not None and head in self.sqlite_heads
        fast = sqlite is None or as_text
        text, kept = statement.text, inserted.kept
        places = self.place.places_in(text, statement.line)
        every_row_as_text = as_text
        while True:
            start = values.row_start(text, position)
            end = check.end_of(text, start, converters, values) if fast else -1
            line = statement.line_at(start)
            if end < 0:
                # The slow way names the fault, or accepts what the pattern is too narrow for.
                raw, end = values.row(text, start)
                self._add_row(table, None, raw, line, keep=False)
                every_row_as_text = False
                row_text = text[start:end]
            else:
                row_text = text[start:end]
                if (
                    sqlite is not None
                    and inserted.rowid is not None
                    and schema.name in sqlite.plain
                ):
                    rowid = inserted.rowid.match(text, start)
                    key = int(rowid.group(1))  # type: ignore[union-attr]
                    sqlite.take_plain_row(schema.name, key, row_text, line, kept.texts_and_lines())
                elif sqlite is not None:
                    sqlite.insert_text(schema.name, row_text, line)
            offset, size = places.of(start, end) if places is not None else (-1, 0)
            first = first_integer_key(row_text, check) if kept.first_keys is not None else None
            kept.keep(row_text, line, offset, size, first)
            after = values.next_row(text, end)
            if after is None:
                return every_row_as_text
            position = after

    def takes_head(self, head: str) -> bool:
        """Tell whether a run of one-line INSERTs with ``head`` may be taken in one step now."""
        return self._run_table(head) is not None

    def take_run(self, head: str, statements: list[str], numbers: Sequence[int]) -> int:
        """Keep the tuples of as many of ``statements`` from the start as are checked at once.

        Return how many were taken; the splitter reads the others as
        statements, the first of them (a tuple the pattern refuses, or no
        whole INSERT) the slow way. Each starts with ``head`` and ends with
        ``;``, on the line in ``numbers``.

        :raises DumpFormatError: for a key SQLite sees twice in a plain table.
        """
        table = self._run_table(head)
        if table is None or table.inserted.check is None:
            return 0
        check, start = table.inserted.check, len(head)
        if statements[0] == head:
            # A head line, then a tuple per line, each but the last ended by ','.
            tuples = [line[:-1] for line in statements[1:]]
            if not tuples_match(check, tuples):
                return 0
            places = self.place.cut_places(statements[1:], numbers[1:], "")
            self._keep_checked(table, tuples, numbers[1:], places)
            return len(statements)
        if self.dialect is Dialect.MYSQL:
            return self._take_listed(table, check, head, statements, numbers)
        taken = accepted_statements(head, check, statements)
        tuples = [statement[start:-1] for statement in statements[:taken]]
        places = self.place.cut_places(statements[:taken], numbers[:taken], head)
        self._keep_checked(table, tuples, numbers[:taken], places)
        return taken

    def _take_listed(
        self,
        table: TableRows,
        check: TupleCheck,
        head: str,
        statements: list[str],
        numbers: Sequence[int],
    ) -> int:
        """Keep the tuples of each statement's list, up to the first not known to be all fine.

        Not a statement over several lines, whose tuples' lines differ.
        """
        start = len(head)
        for taken, (statement, number) in enumerate(zip(statements, numbers, strict=True)):
            tuples = split_tuples(check, statement[start:-1]) if "\n" not in statement else None
            if tuples is None:
                return taken
            places = self.place.listed_places(statement, number, head, tuples)
            self._keep_checked(table, tuples, [number] * len(tuples), places)
        return len(statements)

    def _run_table(self, head: str) -> TableRows | None:
        """Return the table a run with ``head`` fills, if its tuples may be taken in one step.

        As ``_insert`` would keep them as text, checked by the pattern
        alone (in a SQLite dump: a head SQLite compiled before); any other
        table, head or setting leaves the run to ``_insert``.
        """
        values = _VALUES.search(head)
        if values is None or head[values.end() :].strip(" "):
            return None
        try:
            name, columns = _insert_target(head[: values.start()])
        except SchemaSyntaxError:
            return None  # _insert names the fault
        table = self.data.get(name)
        if table is None or is_skipped_table(name) or not self._keeps_tuples(table, columns):
            return None
        check = table.inserted.check
        if check is None or check.unchecked:
            return None
        if self.sqlite is not None and head[: values.end()] not in self.sqlite_heads:
            return None
        return table

    def _keep_checked(
        self,
        table: TableRows,
        tuples: list[str],
        numbers: Sequence[int],
        places: tuple[list[int], list[int]],
    ) -> None:
        """Keep tuples the table's pattern accepted, as ``_insert_tuples`` keeps each one.

        ``places`` are the file offset (-1: not known) and byte size of each.

        :raises DumpFormatError: for a key SQLite sees twice in a plain table.
        """
        inserted, sqlite, name = table.inserted, self.sqlite, table.schema.name
        if sqlite is not None and inserted.rowid is not None and name in sqlite.plain:
            rowid = inserted.rowid.match
            keys = [int(rowid(text).group(1)) for text in tuples]  # type: ignore[union-attr]
            # No key twice: SQLite would take every row.
            if not sqlite.plain[name].keys.add_new(keys):
                self._keep_one_by_one(table, tuples, numbers, places, keys)
                return
        elif sqlite is not None:
            for text, line in zip(tuples, numbers, strict=True):
                sqlite.insert_text(name, text, line)
        kept, check = inserted.kept, inserted.check
        # Found now, while the texts are at hand, so that keying the table reads none again.
        first_keys = (
            first_integer_keys(tuples, check)
            if kept.first_keys is not None and check is not None
            else None
        )
        kept.keep_many(tuples, numbers, *places, first_keys)

    def _keep_one_by_one(
        self,
        table: TableRows,
        tuples: list[str],
        numbers: Sequence[int],
        places: tuple[list[int], list[int]],
        keys: list[int],
    ) -> None:
        """Keep the tuples of a plain SQLite table one by one: a key comes twice among them."""
        inserted, name = table.inserted, table.schema.name
        sqlite, kept, check = self.sqlite, inserted.kept, inserted.check
        assert sqlite is not None and check is not None
        starts, sizes = places
        for index, (text, line, key) in enumerate(zip(tuples, numbers, keys, strict=True)):
            if name in sqlite.plain:
                sqlite.take_plain_row(name, key, text, line, kept.texts_and_lines())
            else:
                sqlite.insert_text(name, text, line)
            first = first_integer_key(text, check) if kept.first_keys is not None else None
            kept.keep(text, line, starts[index], sizes[index], first)
