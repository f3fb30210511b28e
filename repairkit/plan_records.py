"""The records of a restore plan: the contract between the planner and the writers.

``repairkit.plan.plan_restore`` makes a ``RestorePlan``; the writers turn it
into a restore script. The rules are written down in docs/merge.md.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from repairkit.conflicts import LeftOut
from repairkit.links import GenericLink, Link
from repairkit.schema_drift import DriftItem
from repairkit.snapshot import Column, Pk, Row, Table, Value

if TYPE_CHECKING:
    from repairkit.absence import Absence
# Fits a backup row into today's schema: the row as it goes back, or why it cannot.
RowFitter = Callable[[Table, Pk, Row], Row | str]


class Reason(str, enum.Enum):
    """Why a row is in the plan."""

    MISSING = "missing"  # in a backup, not in the current state
    PARENT = "parent"  # multi-table-inheritance parent of a reinstated row
    REFERENCED = "referenced"  # a reinstated row points to it, and it is missing too
    CHILD = "child"  # multi-table-inheritance child of a reinstated row: the record's other part


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
    # The columns that identify a row where more than pk: a composite primary key,
    # or a many-to-many pair (see snapshot.Table.key). Writers match rows on these.
    key: tuple[str, ...] = ()

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Return the columns that identify a row: ``key``, or the primary key alone."""
        return self.key or (self.pk,)


@dataclass(frozen=True, slots=True)
class PlannedUpdate:
    """A field repair: put ``restored`` back where the current row holds ``corrupted``.

    The update applies at run time only if the current value still equals
    ``corrupted``, the value the plan saw, so that a later legitimate edit is
    never overwritten.
    """

    table: str
    pk: Pk
    column: str
    corrupted: Value  # the current state's value when the plan was made
    restored: Value  # the value of the newest backup that has the row
    source: str  # label of that backup
    reason: str  # "requested" (--repair TABLE.FIELD) or the finding kind, e.g. "blanked"


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What a restore script must do. Tables are in dependency order, parents first."""

    backups: tuple[str, ...]
    current: str
    tables: tuple[PlannedTable, ...]
    left_out: tuple[LeftOut, ...]
    links: tuple[Link, ...]
    generic_links: tuple[GenericLink, ...] = ()
    # Rows named with --only that the current state has: kept as they are, not reinstated.
    kept: tuple[tuple[str, Pk], ...] = ()
    # Field repairs of rows that the current state has, in table order, then by pk.
    updates: tuple[PlannedUpdate, ...] = ()
    # When each planned row was last seen (repairkit.absence.add_absences), in row order.
    absences: tuple[Absence, ...] = ()
    # How the backups differ from today's schema (repairkit.schema_drift), and the mapping used.
    drift: tuple[DriftItem, ...] = ()
    mapping: tuple[str, ...] = ()

    @property
    def row_count(self) -> int:
        return sum(len(table.rows) for table in self.tables)
