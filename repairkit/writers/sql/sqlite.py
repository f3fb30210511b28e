"""SQLite: a script for the ``sqlite3`` command-line shell."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from repairkit.snapshot import Value

from .dialect import Dialect

# SQLite keeps a value of a column with NUMERIC affinity (Django's ``decimal``)
# as an 8-byte float when it is not an integer, which holds 15 significant digits.
SIGNIFICANT_DIGITS = 15


class SQLiteDialect(Dialect):
    """SQLite 3.24 or newer (for ``ON CONFLICT ... DO NOTHING``), UTF-8 database encoding."""

    name = "sqlite"
    title = "SQLite"
    apply_command = "sqlite3 site.db < repair.sql"
    # Django stores booleans as integers in SQLite.
    true = "1"
    false = "0"

    def render_text_from_hex(self, hex_utf8: str) -> str:
        # A blob cast to text takes the bytes as they are, in the database's encoding.
        return f"CAST(X'{hex_utf8}' AS TEXT)"

    def render_decimal(self, value: Decimal) -> str:
        # As Django binds it: text, which the column's NUMERIC affinity converts.
        return "'" + super().render_decimal(value) + "'"

    def problem_with(self, value: Value) -> str | None:
        if isinstance(value, Decimal) and value.is_finite() and not value.is_zero():
            digits = len(value.normalize().as_tuple().digits)
            exponent = value.normalize().as_tuple().exponent
            is_integral = isinstance(exponent, int) and exponent >= 0
            if digits > SIGNIFICANT_DIGITS and not (is_integral and abs(value) < 2**63):
                return (
                    f"Decimal {value} has {digits} significant digits; SQLite stores it"
                    f" as a float with {SIGNIFICANT_DIGITS}"
                )
        return super().problem_with(value)

    def render_same(self, column: str, value: Value) -> str:
        # SQLite's IS is its NULL-safe equality.
        return f"{self.quote_name(column)} IS {self.render_value(value)}"

    def shell_lines(self) -> list[str]:
        # Without it the shell goes on after a failed statement and COMMITs the rest.
        return [".bail on"]

    def render_before(self) -> list[str]:
        return [
            # Only outside a transaction does this take effect; it makes COMMIT
            # fail when the transaction leaves a reference dangling.
            "PRAGMA foreign_keys = ON;",
            "BEGIN;",
            "PRAGMA defer_foreign_keys = ON;",
            self.render_check_table(),
        ]

    def header_notes(self) -> Sequence[str]:
        return [
            "Written for the sqlite3 shell: '.bail on' stops it at the first error,",
            "and the open transaction is then rolled back. Foreign keys are checked",
            "at COMMIT (foreign_keys=ON, deferred): COMMIT fails if a reinstated row",
            "points to a row that does not exist.",
        ]
