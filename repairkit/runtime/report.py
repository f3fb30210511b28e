"""What a restore did, or why it stopped: the records the runtime hands to its command."""

from __future__ import annotations

from dataclasses import dataclass

from repairkit.errors import RepairkitError
from repairkit.snapshot import Pk


class RestoreError(RepairkitError):
    """A restore stopped; says which row (table, pk, data file line) and why.

    Raised inside the transaction, so by the time a caller sees it the
    database is as it was before.
    """

    def __init__(
        self, problem: str, table: str | None = None, pk: Pk | None = None, where: str | None = None
    ) -> None:
        self.problem = problem
        self.table = table
        self.pk = pk
        self.where = where
        row = ""
        if table is not None:
            row = table if pk is None else f"{table} pk {pk!r}"
            row += f" ({where}): " if where else ": "
        super().__init__(row + problem)

    def __reduce__(self) -> tuple[type, tuple[str, str | None, Pk | None, str | None]]:
        return (type(self), (self.problem, self.table, self.pk, self.where))


@dataclass(frozen=True, slots=True)
class TableOutcome:
    """What happened to one table's rows."""

    name: str
    rows: int  # rows in its data files
    inserted: int
    skipped: int  # the primary key exists already
    defaulted: tuple[str, ...] = ()  # site columns missing from the data file

    def __repr__(self) -> str:
        return f"<TableOutcome {self.name} +{self.inserted} skipped={self.skipped}>"


@dataclass(frozen=True, slots=True)
class SkippedUpdate:
    """A field repair not applied: the field no longer holds the value the plan saw."""

    pk: Pk
    reason: str  # "changed since the plan, now 'x@y.org'" or "the row is gone"
    where: str  # the entry of updates.json


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    """What happened to the repairs of one table's column."""

    table: str
    column: str
    planned: int
    updated: int
    already: int  # held the restored value already (an earlier run repaired it)
    skipped: tuple[SkippedUpdate, ...]  # changed since the plan: kept as they are

    def __repr__(self) -> str:
        skipped = len(self.skipped)
        return f"<FieldOutcome {self.table}.{self.column} ~{self.updated} skipped={skipped}>"


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """The outcome of one run; ``applied`` is False for a dry run (rolled back)."""

    tables: tuple[TableOutcome, ...]
    applied: bool
    database: str  # vendor and alias, e.g. "postgresql 'default'"
    fields: tuple[FieldOutcome, ...] = ()  # field repairs, per table and column

    @property
    def updated(self) -> int:
        return sum(outcome.updated for outcome in self.fields)

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)

    @property
    def inserted(self) -> int:
        return sum(table.inserted for table in self.tables)

    @property
    def skipped(self) -> int:
        return sum(table.skipped for table in self.tables)
