"""Check a ``sqlite3 .dump`` with SQLite's own engine, so that it reads as SQLite would load it.

repairkit reads the dump's values itself (``values``, ``sqlite``),
but whether the dump would load is SQLite's call: a token such as
``X'0g'``, a misspelt ``AUTOINCREMENT``, a ``TRUNCATE`` (which SQLite does
not have), a NULL in a NOT NULL column or a COMMIT without its BEGIN makes
SQLite refuse the dump, so repairkit refuses it too instead of reading rows
that a database loaded from it would never hold.

An empty in-memory database does the checking, and nothing of the dump's
text runs in it but table definitions and tuples of plain literals:

- every statement is compiled with ``EXPLAIN``, which checks tokens,
  grammar, names, value counts and functions, and runs nothing (but for
  the INSERTs whose rows went in as text, below: inserting them compiles them);
- ``CREATE TABLE``, ``DROP TABLE`` and the unconditional ``DELETE`` that a
  dump may hold are carried out, under an authorizer that permits defining
  and emptying tables and nothing else (no ``AS SELECT``, no ``ATTACH``;
  a function in a CHECK or DEFAULT is only compiled);
- each row, **as repairkit read it**, is inserted with parameters, so that
  SQLite's own constraints (NOT NULL, UNIQUE, CHECK, an INTEGER PRIMARY KEY
  that is no integer) judge it, within SQLite's length limit and a budget
  of steps;
- except a row whose tuple the reader's pattern accepted (``insert_rows``:
  nothing but ``NULL``, numbers, plain strings and the ``replace()`` and
  ``char()`` of line breaks, as many as the table has columns) in a
  statement whose head SQLite compiled: in a *plain* table (``PlainTable``:
  an ``INTEGER PRIMARY KEY``, no other index, no CHECK, no generated
  column, no conflict clause, foreign keys off) SQLite could refuse such a
  row only for a NULL, which the pattern leaves to the slow way, or for a
  key seen twice, which hands the table's rows to SQLite first; in any
  other table the tuple's text is inserted, a few hundred rows to one
  ``INSERT`` (a batch SQLite refuses is inserted again row by row, which
  names the row). Measured at 200,075 rows, inserting tuples as text still
  cost about as much as the rest of the reading; plain tables cost nothing;
- ``CREATE INDEX`` and ``DROP INDEX`` are carried out too: ``.dump``
  writes a table's indexes after its rows, and a ``UNIQUE`` index (or one
  on expressions, or partial) judges the rows already in when it is made.
  A plain table that gets such an index hands its rows to SQLite then,
  which names a row the index refuses; an index on plain columns refuses
  nothing and leaves the table plain. Making an index is not held to the
  step budget: its steps grow with the rows, not with the dump's text;
- the transaction is followed: a dump cut off before its COMMIT loads
  nothing, and one that rolls back is no complete backup.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repairkit.errors import DumpFormatError

from .rowid_sets import RowidSet
from .sqlite import Stored
from .statements import Statement

# What defining a table asks the authorizer for, besides the bookkeeping
# rows SQLite writes into its schema and sequence tables.
_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master", "sqlite_sequence"}
_DEFINING = {
    sqlite3.SQLITE_CREATE_TABLE,
    sqlite3.SQLITE_CREATE_TEMP_TABLE,
    sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_DROP_TEMP_TABLE,
    sqlite3.SQLITE_READ,  # every table of the scratch database holds only checked rows
    sqlite3.SQLITE_DELETE,  # dropping or emptying a table
    # Named in a CHECK or DEFAULT (Django's JSONField: CHECK (JSON_VALID("value"))),
    # which a definition only compiles; a row's CHECK runs it, on parameters.
    sqlite3.SQLITE_FUNCTION,
}
_BOOKKEEPING = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE}
_INDEXING = {sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_DROP_INDEX, sqlite3.SQLITE_REINDEX}
_INDEX_STATEMENT = re.compile(r"(?:CREATE\s+(?:UNIQUE\s+)?|DROP\s+)INDEX\b", re.IGNORECASE)
_EXPRESSION_COLUMN = -2  # PRAGMA index_xinfo's cid of an indexed expression
_BEGIN = re.compile(r"BEGIN\b", re.IGNORECASE)
_COMMIT = re.compile(r"(?:COMMIT|END)\b", re.IGNORECASE)
_UNDOING = re.compile(r"(?:ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
# SQLite's default SQLITE_MAX_LENGTH; a CHECK that builds a bigger value is refused.
_MAX_LENGTH = 1_000_000_000
# Virtual machine steps per statement (a row's CHECK constraints, a DROP):
# far beyond what a dump's statement takes, short of what a hostile one could.
_STEP_BUDGET = 50_000_000
_STEPS_PER_CALL = 10_000
# Rows per INSERT of tuples handed over as text: measured, 100 to 1000 cost
# about the same, and a refused batch is retried row by row.
_BATCH_ROWS = 256
# Words of a CREATE TABLE under which a row of literals may be refused, or stored,
# otherwise than by NOT NULL and a unique rowid; any of them, even in a name, and
# the table's rows go to SQLite.
_NOT_PLAIN = re.compile(
    r"\b(?:CHECK|STRICT|GENERATED|AS|WITHOUT|DESC|CONFLICT|UNIQUE|COLLATE)\b", re.IGNORECASE
)


@dataclass(slots=True)
class PlainTable:
    """A table whose rows of plain literals SQLite refuses only for a NULL or a duplicate key.

    Its key is an ``INTEGER PRIMARY KEY`` (the rowid); it has no other
    index, no CHECK, no generated column, no conflict clause, and foreign
    keys are not enforced. ``keys`` are the rowids of the rows kept from
    SQLite so far.
    """

    key_column: int
    not_null: frozenset[int]
    keys: RowidSet = field(default_factory=RowidSet)


KeptRows = Callable[[str], Iterable[tuple[str, int]]]  # a table's rows kept from SQLite: text, line


class SqliteGrammar:
    """An empty in-memory SQLite database that checks the statements and rows of one dump.

    ``kept_rows`` gives the rows of a plain table that were kept from SQLite
    so far, for when the table stops being plain.
    """

    def __init__(self, path: Path, kept_rows: KeptRows) -> None:
        self.path = path
        self._kept_rows = kept_rows
        self._defining = False
        self._indexed: str | None = None  # the table of the index being made
        self._steps = 0
        self._step_budget = _STEP_BUDGET
        self._begun: int | None = None  # the line of an open BEGIN
        self._batch_table = ""
        self._batch: list[str] = []  # tuples as text, not yet inserted
        self._batch_lines: list[int] = []
        self.plain: dict[str, PlainTable] = {}
        self._scratch = sqlite3.connect(":memory:", isolation_level=None)
        self._scratch.set_authorizer(self._authorize)
        self._scratch.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_LENGTH)
        self._scratch.set_progress_handler(self._count_steps, _STEPS_PER_CALL)
        # Newer sqlite3 shells write text with line breaks as unistr('a\u000ab')
        # (SQLite 3.50); Python's SQLite may predate it. Only compiled, never called.
        self._scratch.create_function("unistr", 1, _never_called, deterministic=True)
        self._foreign_keys = bool(self._scratch.execute("PRAGMA foreign_keys").fetchone()[0])

    def close(self) -> None:
        self._scratch.close()

    def check(self, statement: Statement, carried_out: bool) -> None:
        """Compile ``statement`` as SQLite loads it; carry it out if it defines or empties a table.

        :raises DumpFormatError: when SQLite refuses the statement, with its words.
        """
        self.flush()
        self._follow_transaction(statement)
        if _INDEX_STATEMENT.match(statement.text):
            self._index(statement)
            return
        with self._refusal(statement.line, "this statement"):
            if carried_out:
                self._define(statement.text)
            else:
                # Preparing is where SQLite refuses; the first step only lists an opcode.
                self._scratch.execute("EXPLAIN " + statement.text)

    def _index(self, statement: Statement) -> None:
        """Make or drop an index; a plain table that it makes judge rows hands them over."""
        self._indexed = None
        with self._refusal(statement.line, "this statement", budget=None):
            self._define(statement.text)
        table = self._indexed
        if table is not None and table in self.plain and self._judges_rows(table):
            self.hand_over(table, self._kept_rows(table))
            self.flush()

    def _judges_rows(self, table: str) -> bool:
        """Tell whether an index of the table can refuse a row (unique, partial, on expressions)."""
        # (seq, name, unique, origin, partial)
        for _, name, unique, _, partial in self._scratch.execute(
            f'PRAGMA index_list("{_quoted(table)}")'
        ):
            if unique or partial:
                return True
            # (seqno, cid, name, desc, collation, key)
            columns = self._scratch.execute(f'PRAGMA index_xinfo("{_quoted(name)}")')
            if any(column[1] == _EXPRESSION_COLUMN for column in columns):
                return True
        return False

    def compiles(self, statement: Statement) -> bool:
        """Return whether SQLite compiles ``statement``; ``check`` names what it refuses."""
        try:
            with self._refusal(statement.line, "this statement"):
                self._scratch.execute("EXPLAIN " + statement.text)
        except DumpFormatError:
            return False
        return True

    def check_columns(self, table: str, columns: Sequence[str], line: int) -> None:
        """Refuse a table whose columns SQLite reads otherwise than repairkit did.

        :raises DumpFormatError: naming both readings.
        """
        self.flush()
        found = [row[1] for row in self._scratch.execute(f'PRAGMA table_info("{_quoted(table)}")')]
        if found != list(columns):
            raise DumpFormatError(
                self.path,
                line,
                f"SQLite reads the columns of {table!r} as {found[:8]!r}, repairkit as"
                f" {list(columns)[:8]!r}: a column definition not as sqlite3 writes it",
            )

    def insert(self, table: str, row: Sequence[Stored], line: int) -> None:
        """Insert one row as read, so that the table's constraints judge it.

        :raises DumpFormatError: when SQLite refuses the row, with its words.
        """
        self.flush()
        marks = ", ".join("?" * len(row))
        with self._refusal(line, "this row"):
            self._scratch.execute(f'INSERT INTO "{_quoted(table)}" VALUES ({marks})', row)

    def learn_table(self, table: str, definition: str) -> None:
        """Tell whether SQLite judges the rows of the table just created by NOT NULL and key alone.

        Such a table goes into ``plain``: rows the reader's pattern accepted
        (no NULL where SQLite forbids it) need SQLite only for a key seen twice.
        """
        self.plain.pop(table, None)
        if self._foreign_keys or _NOT_PLAIN.search(definition):
            return
        quoted = _quoted(table)
        if self._scratch.execute(f'PRAGMA index_list("{quoted}")').fetchall():
            return
        # (cid, name, type, notnull, default, pk, hidden)
        columns = self._scratch.execute(f'PRAGMA table_xinfo("{quoted}")').fetchall()
        keys = [column for column in columns if column[5]]
        if any(column[6] for column in columns) or len(keys) != 1:
            return
        if keys[0][2].upper() != "INTEGER":
            return  # not a rowid: SQLite keeps another kind of key in an index
        not_null = frozenset(column[0] for column in columns if column[3])
        self.plain[table] = PlainTable(keys[0][0], not_null | {keys[0][0]})

    def take_plain_row(
        self, table: str, key: int, row: str, line: int, kept: Iterable[tuple[str, int]]
    ) -> None:
        """Keep one row of a plain table from SQLite, unless its key came before.

        ``kept`` are the table's rows so far, text and line, which SQLite
        then receives, and this row after them, so that it names the row.

        :raises DumpFormatError: for a key seen twice, in SQLite's words.
        """
        plain = self.plain[table]
        if key not in plain.keys:
            plain.keys.add(key)
            return
        self.hand_over(table, kept)
        self.insert_text(table, row, line)
        self.flush()

    def takes_plain_values(self, table: str, row: Sequence[Stored]) -> bool:
        """Keep a row of values from SQLite if it is sure to take it, and say whether it did.

        So it is in a plain table for an integer key not seen before and no
        NULL where the table forbids one (``PlainTable``). A row read the
        slow way (a date the pattern leaves out, a literal spelt otherwise)
        then costs nothing either; before, the first such row handed every
        later row of its table to SQLite.
        """
        plain = self.plain.get(table)
        if plain is None:
            return False
        key = row[plain.key_column]
        if type(key) is not int or key in plain.keys:
            return False  # SQLite judges a key in another form, and names a repeated one
        if any(row[column] is None for column in plain.not_null):
            return False
        plain.keys.add(key)
        return True

    def hand_over(self, table: str, kept: Iterable[tuple[str, int]]) -> None:
        """Give SQLite the rows of a plain table kept from it so far; it is plain no more.

        :raises DumpFormatError: when SQLite refuses one, with its words and line.
        """
        if self.plain.pop(table, None) is None:
            return
        for row, line in kept:
            self.insert_text(table, row, line)

    def empty_table(self, table: str) -> None:
        """Follow an unconditional ``DELETE`` of the table's rows."""
        if table in self.plain:
            self.plain[table].keys.clear()

    def insert_text(self, table: str, row: str, line: int) -> None:
        """Insert one row tuple given as text, later, with others: ``(1,'a',NULL)``.

        Only for a tuple of literals that the reader's pattern accepted,
        into a table an INSERT head SQLite compiled names.

        :raises DumpFormatError: when SQLite refuses a row of the batch this
            one fills, with its words and line.
        """
        if table != self._batch_table:
            self.flush()
            self._batch_table = table
        self._batch.append(row)
        self._batch_lines.append(line)
        if len(self._batch) >= _BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Insert the rows handed over as text so far.

        :raises DumpFormatError: naming the first row SQLite refuses.
        """
        if not self._batch:
            return
        rows, lines = self._batch, self._batch_lines
        self._batch, self._batch_lines = [], []
        head = f'INSERT INTO "{_quoted(self._batch_table)}" VALUES '
        try:
            with self._refusal(lines[0], "this row"):
                self._scratch.execute(head + ",".join(rows))
            return
        except DumpFormatError:
            pass  # the statement inserted nothing; row by row names the row
        for row, line in zip(rows, lines, strict=True):
            with self._refusal(line, "this row"):
                self._scratch.execute(head + row)

    def finish(self) -> None:
        """Refuse a dump that ends inside its transaction.

        :raises DumpFormatError: naming the BEGIN without its COMMIT, or a row refused.
        """
        self.flush()
        if self._begun is not None:
            raise DumpFormatError(
                self.path,
                self._begun,
                "this transaction has no COMMIT: the dump is cut off,"
                " and SQLite would load none of it",
            )

    def _follow_transaction(self, statement: Statement) -> None:
        if _UNDOING.match(statement.text):
            raise DumpFormatError(
                self.path,
                statement.line,
                "the dump undoes its own statements (sqlite3 writes ROLLBACK after errors"
                " reading the database): it is not a complete backup",
            )
        if _BEGIN.match(statement.text):
            if self._begun is not None:
                raise DumpFormatError(
                    self.path,
                    statement.line,
                    f"a second BEGIN inside the transaction begun on line {self._begun}",
                )
            self._begun = statement.line
        elif _COMMIT.match(statement.text):
            if self._begun is None:
                raise DumpFormatError(
                    self.path, statement.line, "COMMIT without a transaction: no BEGIN before it"
                )
            self._begun = None

    def _refusal(self, line: int, what: str, budget: int | None = _STEP_BUDGET) -> _Refusal:
        self._steps = 0
        self._step_budget = budget if budget is not None else 2**62
        return _Refusal(self.path, line, what)

    def _define(self, text: str) -> None:
        self._defining = True
        try:
            self._scratch.execute(text)
        finally:
            self._defining = False

    def _count_steps(self) -> int:
        self._steps += _STEPS_PER_CALL
        return 1 if self._steps > self._step_budget else 0  # non-zero interrupts the statement

    def _authorize(
        self, action: int, first: str | None, second: str | None, database: str | None, _: object
    ) -> int:
        """Permit compiling anything and inserting rows; carrying out only table definitions."""
        if action == sqlite3.SQLITE_ATTACH:
            return sqlite3.SQLITE_DENY  # another database file, even at compile time
        if not self._defining:
            return sqlite3.SQLITE_OK
        if action in _DEFINING:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_CREATE_INDEX and (first or "").startswith("sqlite_autoindex_"):
            return sqlite3.SQLITE_OK  # the index SQLite makes itself for a UNIQUE column
        if action in _INDEXING:
            if action == sqlite3.SQLITE_CREATE_INDEX:
                self._indexed = second
            return sqlite3.SQLITE_OK
        if action in _BOOKKEEPING and first in _SCHEMA_TABLES:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY


class _Refusal:
    """Turn what SQLite raises while checking into a DumpFormatError at ``line``."""

    def __init__(self, path: Path, line: int, what: str) -> None:
        self.path, self.line, self.what = path, line, what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        if isinstance(error, sqlite3.Error):
            words = "too many steps to check" if str(error) == "interrupted" else str(error)
            raise DumpFormatError(
                self.path, self.line, f"SQLite refuses {self.what}: {words}"
            ) from error
        if isinstance(error, (ValueError, OverflowError)):  # a NUL character, over 2 GiB
            raise DumpFormatError(self.path, self.line, f"not SQL: {error}") from error


def _quoted(name: str) -> str:
    return name.replace('"', '""')


def _never_called(_: object) -> None:
    raise AssertionError("the scratch database only compiles statements")
