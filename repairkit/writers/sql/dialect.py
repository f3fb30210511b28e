"""What the SQL dialects share: rendering values as literals, and the shape of a restore script.

Each engine's module subclasses ``Dialect`` for what differs: identifier
quoting, how text that needs escapes is spelt, how a row is inserted only
where its primary key is free, and what a script must set before and check
after its inserts.

Text is written as a plain ``'...'`` literal only when it holds no backslash
and no control character other than newline and tab. Anything else is
spelt from its UTF-8 bytes in hexadecimal, because a plain literal would be
changed on its way in: the ``sqlite3`` and ``mariadb`` shells turn CR LF into
LF, and whether a backslash escapes depends on server settings and on the
client's own parser (sqlparse, too, reads ``\\'`` as an escaped quote).
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from repairkit.plan import Link, PlannedRow, PlannedTable, PlannedUpdate, RestorePlan
from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef, JsonValue, Value

CHECK_TABLE = "repairkit_check"
_NEEDS_HEX = re.compile(r"[\\\x00-\x08\x0b-\x1f\x7f]")
_INT64 = 2**63


@dataclass(frozen=True, slots=True)
class TableInserts:
    """The statements that insert one table's rows, and the ones sqlparse checks whole.

    Every statement not in ``shapes`` differs from one of them only in its
    values, which are checked one by one instead.
    """

    statements: list[str]
    shapes: list[str]


class Dialect:
    """How one engine spells a restore script. Subclasses fill in the engine's ways."""

    name: ClassVar[str]  # as in ``--dialect``
    title: ClassVar[str]  # for messages
    apply_command: ClassVar[str]  # how a DBA runs the script, for its header
    true: ClassVar[str] = "TRUE"
    false: ClassVar[str] = "FALSE"

    def __init__(self, primary_keys: dict[str, str] | None = None) -> None:
        # Primary key columns of tables outside the plan (link targets); "id" otherwise.
        self.primary_keys = dict(primary_keys or {})

    # -- identifiers and literals ------------------------------------------

    def quote_name(self, name: str) -> str:
        """Return ``name`` as a quoted identifier (standard SQL double quotes)."""
        return '"' + name.replace('"', '""') + '"'

    def render_text(self, text: str) -> str:
        """Return ``text`` as a literal that reaches the engine unchanged."""
        if _NEEDS_HEX.search(text):
            return self.render_text_from_hex(text.encode("utf-8").hex().upper())
        return "'" + text.replace("'", "''") + "'"

    def render_text_from_hex(self, hex_utf8: str) -> str:
        """Return an expression for the text whose UTF-8 bytes are ``hex_utf8``."""
        raise NotImplementedError

    def render_decimal(self, value: Decimal) -> str:
        """Return a finite Decimal as an exact fixed-point literal (never with an exponent)."""
        # Negative zero equals zero, and no engine keeps its sign: write what they store.
        return format(abs(value) if value.is_zero() else value, "f")

    def render_date(self, value: datetime.date) -> str:
        return self.render_text(value.isoformat())

    def render_datetime(self, value: datetime.datetime) -> str:
        return self.render_text(value.isoformat(sep=" "))

    def render_time(self, value: datetime.time) -> str:
        return self.render_text(value.isoformat())

    def render_bytes(self, value: bytes) -> str:
        """Return binary data as the engine's binary literal (standard SQL ``X'..'``)."""
        return f"X'{value.hex().upper()}'"

    def render_duration(self, value: datetime.timedelta) -> str:
        """Return a duration as Django stores it without a native type: bigint microseconds."""
        return str(_microseconds(value))

    def render_uuid(self, value: uuid.UUID) -> str:
        """Return a UUID as Django stores it without a native type: 32 hex digits."""
        return self.render_text(value.hex)

    def render_json(self, value: JsonValue) -> str:
        """Return a JSON document as its text, which is what a JSONField column holds."""
        return self.render_text(value.stored_text)

    def render_content_type(self, value: ContentTypeRef) -> str:
        """Look the content type's id up by natural key where the script runs."""
        q = self.quote_name
        return (
            f"(SELECT {q('id')} FROM {q(CONTENT_TYPE_TABLE)}"
            f" WHERE {q('app_label')} = {self.render_text(value.app_label)}"
            f" AND {q('model')} = {self.render_text(value.model)})"
        )

    def render_value(self, value: Value) -> str:
        """Return ``value`` as an SQL expression of this dialect.

        Call ``problem_with`` first: values it objects to have no exact form.
        """
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return self.true if value else self.false
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, Decimal):
            return self.render_decimal(value)
        if isinstance(value, str):
            return self.render_text(value)
        if isinstance(value, bytes):
            return self.render_bytes(value)
        if isinstance(value, datetime.timedelta):
            return self.render_duration(value)
        if isinstance(value, uuid.UUID):
            return self.render_uuid(value)
        if isinstance(value, JsonValue):
            return self.render_json(value)
        if isinstance(value, datetime.datetime):  # before date: a datetime is a date
            return self.render_datetime(value)
        if isinstance(value, datetime.date):
            return self.render_date(value)
        if isinstance(value, datetime.time):
            return self.render_time(value)
        if isinstance(value, ContentTypeRef):
            return self.render_content_type(value)
        raise TypeError(f"no SQL form for {value!r}")

    # -- what cannot be stored ----------------------------------------------

    def problem_with(self, value: Value) -> str | None:
        """Name the reason if this engine cannot store ``value`` exactly, else None."""
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int) and not -_INT64 <= value < _INT64:
            return f"integer {value} does not fit in 64 bits"
        if isinstance(value, float) and not math.isfinite(value):
            return f"float {value!r} has no SQL literal"
        if isinstance(value, Decimal) and not value.is_finite():
            return f"Decimal {value!r} is not a finite number"
        if isinstance(value, (datetime.datetime, datetime.time)) and value.tzinfo is not None:
            return f"{value!r} is not naive UTC, as snapshot values are"
        if isinstance(value, JsonValue):
            return problem_in_text(value.stored_text)
        if not isinstance(value, (int, float, Decimal, str, bytes, datetime.date, datetime.time,
                                  datetime.timedelta, uuid.UUID, ContentTypeRef)):  # fmt: skip
            return f"no SQL form for {type(value).__name__} {value!r}"
        return None

    def warning_for(self, value: Value) -> str | None:
        """Name a doubt about ``value`` that only the live database can settle, else None."""
        return None

    # -- the script's parts --------------------------------------------------

    def render_check(self, problem: str, failing_condition: str) -> str:
        """Return a statement that fails, naming ``problem``, when ``failing_condition`` holds.

        Plain SQL has no portable RAISE outside procedures, so the statement
        inserts NULL into a NOT NULL column of a temporary table: every
        engine rejects that, in strict or loose mode alike.
        """
        q = self.quote_name
        return (
            f"INSERT INTO {q(CHECK_TABLE)} ({q('problem')}, {q('passed')})\n"
            f"VALUES ({self.render_text(problem)},"
            f" CASE WHEN {failing_condition} THEN NULL ELSE 1 END);"
        )

    def render_check_table(self) -> str:
        """Return the statement that creates the temporary table behind ``render_check``."""
        q = self.quote_name
        return (
            f"CREATE TEMPORARY TABLE {q(CHECK_TABLE)}"
            f" ({q('problem')} VARCHAR(1000) NOT NULL, {q('passed')} INTEGER NOT NULL);"
        )

    def render_inserts(self, table: PlannedTable) -> TableInserts:
        """Return the INSERTs of ``table``'s rows, each doing nothing where a row's key is taken.

        The key is the primary key, a composite one, or a many-to-many
        table's pair, which Django makes unique; a pair's surrogate ``id`` is
        not in the plan's columns, so the database assigns it. Rows go
        ``INSERT_BATCH_ROWS`` to a statement (one row per line): a server
        parses and plans each statement once, which made 100,000 rows go in
        about seven times faster on PostgreSQL than one statement per row.
        """
        q = self.quote_name
        key = ", ".join(q(name) for name in table.key_columns)
        tail = f"\nON CONFLICT ({key}) DO NOTHING;"
        batches = [text + tail for text in self.render_row_batches(table, table.name)]
        return TableInserts(batches, batches[:1])

    def render_row_batches(self, table: PlannedTable, into: str) -> list[str]:
        """Return the batched ``INSERT INTO into (...) VALUES ...`` of the rows, without ';'."""
        q = self.quote_name
        columns = ", ".join(q(column.name) for column in table.columns)
        head = f"INSERT INTO {q(into)} ({columns})\nVALUES\n"
        rows = ("  (" + ", ".join(map(self.render_value, row.values)) + ")" for row in table.rows)
        return [head + ",\n".join(batch) for batch in _batches(rows)]

    def render_key_match(self, table: PlannedTable, row: PlannedRow, alias: str = "") -> str:
        """Return a condition that a row of ``table`` has the key of ``row``."""
        names = [column.name for column in table.columns]
        prefix = f"{alias}." if alias else ""
        return " AND ".join(
            f"{prefix}{self.quote_name(name)} = {self.render_value(row.values[names.index(name)])}"
            for name in table.key_columns
        )

    def render_same(self, column: str, value: Value) -> str:
        """Return a condition that ``column`` holds ``value``, NULL matching NULL."""
        return f"{self.quote_name(column)} IS NOT DISTINCT FROM {self.render_value(value)}"

    def render_update(self, update: PlannedUpdate, pk_column: str) -> str:
        """Return one UPDATE that repairs a field only where it still holds the damaged value."""
        q = self.quote_name
        restored = self.render_value(update.restored)
        return (
            f"UPDATE {q(update.table)} SET {q(update.column)} = {restored}\n"
            f"WHERE {q(pk_column)} = {self.render_value(update.pk)}"
            f" AND {self.render_same(update.column, update.corrupted)};"
        )

    def render_skipped_report(self, updates: Sequence[PlannedUpdate], plan: RestorePlan) -> str:
        """Return a SELECT that lists the repaired fields not holding the restored value.

        Run after the updates, it names the fields skipped because they
        changed since the plan (or whose row is gone): they are kept as they are.
        """
        q = self.quote_name
        branches = [
            f"SELECT {self.render_text(u.table)} AS {q('skipped_table')},"
            f" {self.render_text(str(u.pk))} AS {q('pk')}, {self.render_text(u.column)} AS"
            f" {q('column_changed_since')} FROM {q(u.table)}"
            f" WHERE {q(self.target_pk(plan, u.table))} = {self.render_value(u.pk)}"
            f" AND NOT ({self.render_same(u.column, u.restored)})"
            for u in updates
        ]
        return "\nUNION ALL ".join(branches) + ";"

    def render_content_type_check(self, value: ContentTypeRef) -> str:
        """Return a statement that fails when the content type is missing from the target."""
        q = self.quote_name
        missing = (
            f"NOT EXISTS (SELECT 1 FROM {q(CONTENT_TYPE_TABLE)}"
            f" WHERE {q('app_label')} = {self.render_text(value.app_label)}"
            f" AND {q('model')} = {self.render_text(value.model)})"
        )
        return self.render_check(f"content type {value} must exist", missing)

    def render_dangling_check(self, link: Link, table: PlannedTable, target_pk: str) -> str:
        """Return a statement that fails when a reinstated row of ``table`` points nowhere."""
        q = self.quote_name
        if table.key:
            reinstated = " OR ".join(
                f"({self.render_key_match(table, row, 'child')})" for row in table.rows
            )
        else:
            pks = ", ".join(self.render_value(row.pk) for row in table.rows)
            reinstated = f"child.{q(table.pk)} IN ({pks})"
        dangling = (
            f"EXISTS (SELECT 1 FROM {q(link.table)} AS child"
            f" WHERE ({reinstated}) AND child.{q(link.column)} IS NOT NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {q(link.target)} AS target"
            f" WHERE target.{q(target_pk)} = child.{q(link.column)}))"
        )
        return self.render_check(f"every reinstated {link} must point to a row", dangling)

    def render_before(self) -> list[str]:
        """Return the statements that open the transaction and fix the session's settings."""
        raise NotImplementedError

    def render_after(self, plan: RestorePlan) -> list[str]:
        """Return the statements between the last insert and COMMIT."""
        return []

    def render_end(self) -> list[str]:
        return ["COMMIT;"]

    def shell_lines(self) -> list[str]:
        """Return lines for the engine's command-line shell that come before any SQL."""
        return []

    def header_notes(self) -> Sequence[str]:
        """Return comment lines that explain this dialect's choices to the reader."""
        return []

    def target_pk(self, plan: RestorePlan, target: str) -> str:
        """Return the primary key column of a link's target table."""
        for table in plan.tables:
            if table.name == target:
                return table.pk
        return self.primary_keys.get(target, "id")


def _microseconds(value: datetime.timedelta) -> int:
    # Exact integer arithmetic: total_seconds() is a float.
    return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds


def problem_in_text(text: str) -> str | None:
    """Name the problem if ``text`` has a lone surrogate, which no engine's UTF-8 holds."""
    match = re.search("[\ud800-\udfff]", text)
    if match:
        return f"lone surrogate {match.group()!r} at offset {match.start()} is not valid UTF-8"
    return None


def content_types_used(plan: RestorePlan) -> list[ContentTypeRef]:
    """Return the distinct content types that planned rows and updates point to, sorted."""
    found = {
        value
        for table in plan.tables
        for row in table.rows
        for value in row.values
        if isinstance(value, ContentTypeRef)
    }
    found.update(u.restored for u in plan.updates if isinstance(u.restored, ContentTypeRef))
    return sorted(found)


def integer_pk(table: PlannedTable) -> bool:
    """Tell whether every planned key of ``table`` is an integer, which a sequence may serve."""
    return bool(table.rows) and all(
        isinstance(row.pk, int) and not isinstance(row.pk, bool) for row in table.rows
    )


# Rows per INSERT, and a bound on its text so that big values do not make a
# statement that a server's packet limit (MySQL's max_allowed_packet) refuses.
INSERT_BATCH_ROWS = 500
INSERT_BATCH_CHARS = 1_000_000


def _batches(rendered: Iterable[str]) -> Iterator[list[str]]:
    """Group rendered rows by INSERT_BATCH_ROWS, fewer where they pass INSERT_BATCH_CHARS.

    A single row longer than that is a batch of its own.
    """
    batch: list[str] = []
    size = 0
    for text in rendered:
        if batch and (len(batch) == INSERT_BATCH_ROWS or size + len(text) > INSERT_BATCH_CHARS):
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch
