"""PostgreSQL: a script for ``psql``."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Sequence

from repairkit.plan import RestorePlan
from repairkit.snapshot import ColumnKind, JsonValue, Value
from repairkit.writers.storable import find_nul

from .dialect import Dialect, integer_pk

# \u0000 in JSON text, not preceded by an escaped backslash.
_JSON_NUL = re.compile(r"(?<!\\)(\\\\)*\\u0000")


class PostgreSQLDialect(Dialect):
    """PostgreSQL 10 or newer, any server encoding that holds the text (UTF8 in practice)."""

    name = "postgresql"
    title = "PostgreSQL"
    apply_command = "psql -1 -v ON_ERROR_STOP=1 -d DBNAME -f repair.sql"

    def render_text_from_hex(self, hex_utf8: str) -> str:
        return f"convert_from(decode('{hex_utf8}', 'hex'), 'UTF8')"

    def render_bytes(self, value: bytes) -> str:
        return f"decode('{value.hex()}', 'hex')"

    def render_duration(self, value: datetime.timedelta) -> str:
        # Django's DurationField is an interval here; days and microseconds, both exact integers.
        microseconds = value.seconds * 1_000_000 + value.microseconds
        return f"CAST('{value.days} days {microseconds} microseconds' AS interval)"

    def render_uuid(self, value: uuid.UUID) -> str:
        return f"CAST('{value}' AS uuid)"

    def render_json(self, value: JsonValue) -> str:
        # Django's JSONField is jsonb here; the text goes in as it is and is parsed there.
        return f"CAST({self.render_text(value.stored_text)} AS jsonb)"

    def problem_with(self, value: Value) -> str | None:
        offset = find_nul(value)
        if offset is not None:
            return f"NUL character at offset {offset}: PostgreSQL text cannot hold it"
        if isinstance(value, JsonValue) and _JSON_NUL.search(value.stored_text):
            return "JSON text with \\u0000: PostgreSQL jsonb cannot hold it"
        return super().problem_with(value)

    def render_before(self) -> list[str]:
        return [
            # The literals below are written for these settings, whatever the server's are.
            "SET client_encoding = 'UTF8';",
            "SET standard_conforming_strings = on;",
            "BEGIN;",
            # Snapshot datetimes are naive UTC; timestamptz columns read them in this zone.
            "SET LOCAL TIME ZONE 'UTC';",
            # Django creates foreign keys DEFERRABLE: they are checked at COMMIT.
            "SET CONSTRAINTS ALL DEFERRED;",
            self.render_check_table().replace(";", " ON COMMIT DROP;"),
        ]

    def render_check_table(self) -> str:
        q = self.quote_name
        return (
            f"CREATE TEMPORARY TABLE {q('repairkit_check')}"
            f" ({q('problem')} text NOT NULL, {q('passed')} integer NOT NULL);"
        )

    def render_after(self, plan: RestorePlan) -> list[str]:
        """Move each sequence past the highest key, never back (``setval`` to the greater)."""
        q = self.quote_name
        # setval is not undone by a rollback: check the deferred foreign keys
        # now, so that a sequence moves only when nothing but COMMIT is left.
        statements = ["SET CONSTRAINTS ALL IMMEDIATE;"]
        for table in plan.tables:
            pk_column = next(column for column in table.columns if column.name == table.pk)
            if not integer_pk(table) or pk_column.kind is ColumnKind.PARENT_LINK or table.key:
                # A child's key comes from its parent; text keys have no sequence;
                # a composite key none of its own, a pair's surrogate id is the database's.
                continue
            # pg_get_serial_sequence parses its first argument as a (quoted) name,
            # and takes the second as the column name as it is.
            table_name = self.render_text(q(table.name))
            statements.append(
                "SELECT setval(seq, GREATEST(max_pk, COALESCE(pg_sequence_last_value(seq), 0)))\n"
                f"FROM (SELECT CAST(pg_get_serial_sequence({table_name},"
                f" {self.render_text(table.pk)}) AS regclass) AS seq,\n"
                f"             (SELECT max({q(table.pk)}) FROM {q(table.name)}) AS max_pk) AS s\n"
                "WHERE seq IS NOT NULL AND max_pk IS NOT NULL;"
            )
        return statements

    def header_notes(self) -> Sequence[str]:
        return [
            "Stops at the first error (ON_ERROR_STOP); the transaction is then rolled",
            "back. Foreign keys are checked at COMMIT. Sequences are moved past the",
            "highest key of each table they serve, never lowered.",
        ]
