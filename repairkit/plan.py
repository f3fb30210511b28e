"""Backups + current state -> RestorePlan: which rows to put back, from where, in what order.

The records here are the contract between the planner (``plan_restore``)
and the writers that turn a plan into a restore script.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from repairkit.snapshot import Column, Pk, Row


class Reason(str, enum.Enum):
    """Why a row is in the plan."""

    MISSING = "missing"  # in a backup, not in the current state
    PARENT = "parent"  # multi-table-inheritance parent of a reinstated row
    REFERENCED = "referenced"  # a reinstated row points to it, and it is missing too


class ConflictKind(str, enum.Enum):
    """Why a missing row is left out of the plan."""

    REUSED_PK = "reused_pk"  # the current state uses its primary key for another record
    UNIQUE_TAKEN = "unique_taken"  # another current row has taken one of its unique values
    DANGLING = "dangling"  # it points to a row that no snapshot has
    DEPENDS_ON_LEFT_OUT = "depends_on_left_out"  # a row it needs is itself left out


@dataclass(frozen=True, slots=True)
class Link:
    """A foreign key: ``table.column`` points to the primary key of ``target``.

    ``inferred`` is True where the link was guessed from names rather than
    read from the dump or the site's models.
    """

    table: str
    column: str
    target: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """One row to reinstate, with its values from the newest backup that has it."""

    pk: Pk
    values: Row
    source: str  # label of the backup the values come from
    reason: Reason
    needed_by: tuple[str, Pk] | None = None  # (table, pk) that pulled it in, for PARENT/REFERENCED


@dataclass(frozen=True, slots=True)
class PlannedTable:
    """The rows to reinstate into one table, and that table's shape."""

    name: str
    model: str | None
    columns: tuple[Column, ...]
    pk: str
    rows: tuple[PlannedRow, ...]


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A missing row that the plan does not reinstate, and why."""

    table: str
    pk: Pk
    kind: ConflictKind
    detail: str


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What a restore script must do. Tables are in dependency order, parents first."""

    backups: tuple[str, ...]
    current: str
    tables: tuple[PlannedTable, ...]
    left_out: tuple[LeftOut, ...]
    links: tuple[Link, ...]

    @property
    def row_count(self) -> int:
        return sum(len(table.rows) for table in self.tables)
