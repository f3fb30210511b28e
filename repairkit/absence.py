"""How long has each planned row been gone? Backups (oldest first) + RestorePlan -> absences.

A row the newest backup still has was lost in the last step, between that
backup and the current state: today's accident, as a rule. A row that an
older backup has and every newer one lacks went missing long before: it is
marked *gone since* the first backup that lacked it, a hint that it may have
been deleted on purpose. ``merge --since BACKUP`` leaves such rows out (see
``plan_restore(since=...)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from repairkit.errors import PlanError
from repairkit.plan import RestorePlan
from repairkit.snapshot import Pk, Snapshot


@dataclass(frozen=True, slots=True)
class Absence:
    """When a planned row was last seen, and the first snapshot that lacked it.

    ``gone_since`` is that first snapshot where it is a backup (so every
    newer backup lacks the row), and None where only the current state
    lacks it.
    """

    table: str
    pk: Pk
    last_seen: str
    first_missing: str
    gone_since: str | None


def find_absences(plan: RestorePlan, backups: Sequence[Snapshot]) -> tuple[Absence, ...]:
    """Return the absence of every row of ``plan``, in the plan's order."""
    labels = [backup.label for backup in backups]
    absences = []
    for table in plan.tables:
        for row in table.rows:
            index = labels.index(row.source)  # the newest backup that has the row
            if index + 1 < len(labels):
                first_missing, gone_since = labels[index + 1], labels[index + 1]
            else:
                first_missing, gone_since = plan.current, None
            absences.append(Absence(table.name, row.pk, row.source, first_missing, gone_since))
    return tuple(absences)


def add_absences(plan: RestorePlan, backups: Sequence[Snapshot]) -> RestorePlan:
    """Return ``plan`` with the absences of its rows (see ``find_absences``)."""
    return dataclasses.replace(plan, absences=find_absences(plan, backups))


def since_index(backups: Sequence[Snapshot], name: str, given: Sequence[str] = ()) -> int:
    """Return the index of the backup called ``name`` (its label, or its path as given).

    :raises PlanError: if no backup is called that.
    """
    for index, backup in enumerate(backups):
        if name == backup.label or (index < len(given) and name == given[index]):
            return index
    labels = ", ".join(backup.label for backup in backups)
    raise PlanError(f"--since {name!r}: no such backup (the backups are {labels})")
