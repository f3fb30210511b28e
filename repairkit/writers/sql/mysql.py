"""MySQL and MariaDB: a script for the ``mysql`` / ``mariadb`` client."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from repairkit.plan import Link, PlannedTable, RestorePlan
from repairkit.snapshot import Value
from repairkit.writers.storable import find_astral

from .dialect import Dialect, TableInserts

# NO_BACKSLASH_ESCAPES: a backslash in a literal is just a backslash.
# STRICT_ALL_TABLES: a value that does not fit (too long, a 4-byte character in
#   a utf8mb3 column, a bad date) is an error, never a warning and a changed value.
# NO_AUTO_VALUE_ON_ZERO: a primary key 0 is inserted as 0, not as the next number.
# NO_ZERO_DATE, NO_ZERO_IN_DATE, ERROR_FOR_DIVISION_BY_ZERO: no silent stand-ins.
# NO_ENGINE_SUBSTITUTION: as Django and the server defaults have it.
# ANSI_QUOTES is deliberately absent: identifiers are quoted with backticks.
# The temporary copy of a table that its rows go through (render_inserts).
STAGING_TABLE = "repairkit_rows"
SQL_MODE = (
    "STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES,NO_AUTO_VALUE_ON_ZERO,NO_ZERO_DATE,"
    "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)
# Longer decimal literals are read as floating point numbers.
MAX_DECIMAL_DIGITS = 65


class MySQLDialect(Dialect):
    """MySQL 5.7+ / MariaDB 10.3+ with InnoDB tables (MyISAM cannot roll back)."""

    name = "mysql"
    title = "MySQL/MariaDB"
    apply_command = "mariadb DBNAME < repair.sql   (or: mysql DBNAME < repair.sql)"

    def __init__(
        self, primary_keys: dict[str, str] | None = None, *, utf8mb4: bool = False
    ) -> None:
        super().__init__(primary_keys)
        self.utf8mb4 = utf8mb4  # the user says every text column is utf8mb4

    def quote_name(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def render_text_from_hex(self, hex_utf8: str) -> str:
        return f"CONVERT(X'{hex_utf8}' USING utf8mb4)"

    def problem_with(self, value: Value) -> str | None:
        if isinstance(value, Decimal) and value.is_finite():
            digits = len(value.as_tuple().digits)
            if digits > MAX_DECIMAL_DIGITS:
                return f"Decimal {value} has more than {MAX_DECIMAL_DIGITS} digits"
        return super().problem_with(value)

    def warning_for(self, value: Value) -> str | None:
        if self.utf8mb4:
            return None
        character = find_astral(value)
        if character is None:
            return None
        return (
            f"{character!r} takes 4 bytes in UTF-8: a utf8 (utf8mb3) column cannot hold it"
            " and the script will then fail; if every column is utf8mb4, say so with --utf8mb4"
        )

    def render_same(self, column: str, value: Value) -> str:
        # <=> is MySQL's NULL-safe equality. Like =, it compares text by the
        # column's collation: with a case- or accent-insensitive one, a field
        # whose case alone changed since the plan still counts as unchanged.
        return f"{self.quote_name(column)} <=> {self.render_value(value)}"

    def render_inserts(self, table: PlannedTable) -> TableInserts:
        # Not INSERT IGNORE, which turns every error into a warning, and not
        # ON DUPLICATE KEY, which fires on any unique key: only a taken key skips.
        # MySQL has no ON CONFLICT for a batch of rows, so they go into a temporary
        # copy of the table (LIKE: the same column types, so the same conversions
        # and refusals), from which the rows whose key is free are copied in one
        # statement: 100,000 rows went in some ten times faster than one
        # INSERT ... WHERE NOT EXISTS per row. Temporary tables do not end the
        # transaction.
        q = self.quote_name
        columns = ", ".join(q(column.name) for column in table.columns)
        match = " AND ".join(
            f"{q(table.name)}.{q(name)} = {q(STAGING_TABLE)}.{q(name)}"
            for name in table.key_columns
        )
        create = f"CREATE TEMPORARY TABLE {q(STAGING_TABLE)} LIKE {q(table.name)};"
        batches = [text + ";" for text in self.render_row_batches(table, STAGING_TABLE)]
        copy = (
            f"INSERT INTO {q(table.name)} ({columns})\n"
            f"SELECT {columns} FROM {q(STAGING_TABLE)}\n"
            f"WHERE NOT EXISTS (SELECT 1 FROM {q(table.name)} WHERE {match});"
        )
        drop = f"DROP TEMPORARY TABLE {q(STAGING_TABLE)};"
        return TableInserts([create, *batches, copy, drop], [create, batches[0], copy, drop])

    def render_before(self) -> list[str]:
        return [
            "SET NAMES utf8mb4;",
            f"SET SESSION sql_mode = '{SQL_MODE}';",
            "SET time_zone = '+00:00';",
            # Rows come parents first, but a table may point to itself; the
            # references are checked explicitly below, since MySQL does not
            # re-check them when the checks are turned back on.
            "SET FOREIGN_KEY_CHECKS = 0;",
            self.render_check_table(),
            "START TRANSACTION;",
        ]

    def render_after(self, plan: RestorePlan) -> list[str]:
        tables = {table.name: table for table in plan.tables if table.rows}
        return [
            self.render_dangling_check(link, tables[link.table], self.target_pk(plan, link.target))
            for link in links_to_check(plan)
            if link.table in tables
        ]

    def render_end(self) -> list[str]:
        return ["COMMIT;", "SET FOREIGN_KEY_CHECKS = 1;"]

    def header_notes(self) -> Sequence[str]:
        return [
            "The client stops at the first error; the transaction is then rolled back.",
            f"sql_mode = {SQL_MODE}:",
            "strict, so that no value is changed to fit; backslashes are plain characters.",
            "Foreign key checks are off during the inserts and every reference of the",
            "reinstated rows is checked explicitly before COMMIT.",
        ]


def links_to_check(plan: RestorePlan) -> list[Link]:
    """Return the plan's links plus the links its columns name, without repeats."""
    found: dict[tuple[str, str], Link] = {}
    for link in plan.links:
        found.setdefault((link.table, link.column), link)
    for table in plan.tables:
        for column in table.columns:
            if column.references:
                link = Link(table.name, column.name, column.references)
                found.setdefault((table.name, column.name), link)
    return list(found.values())
