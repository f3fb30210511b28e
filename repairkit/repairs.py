"""Field repairs: values the current state holds damaged -> PlannedUpdate records (no I/O).

A site can lose data without losing rows: a script blanks a column, an
import garbles an encoding. ``plan_repairs`` plans putting the old values
back, either for columns the user names (``merge --repair TABLE.FIELD``) or
for what the findings call damage (``merge --repair-findings blanked``).
Each update carries the value the plan saw, so that a restore script changes
a field only while it still holds that value. The rules are in docs/merge.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence

from repairkit.diff import diff_snapshots
from repairkit.errors import PlanError, did_you_mean
from repairkit.findings import FindingKind, find_findings
from repairkit.findings.kinds import REPAIRABLE_KINDS, kind_spec, repairable_kind_names
from repairkit.plan import PlannedUpdate, RestorePlan
from repairkit.snapshot import Pk, Row, Snapshot, Table
from repairkit.values import same_value, sort_pks

__all__ = ["REPAIRABLE_KINDS", "REQUESTED", "add_updates", "plan_repairs", "repairable_kinds"]

REQUESTED = "requested"  # the reason of an update asked for with --repair TABLE.FIELD

Cell = tuple[str, Pk, str]  # table, primary key, column


def repairable_kinds(names: Iterable[str]) -> list[FindingKind]:
    """Return the finding kinds called ``names``, which must be repairable.

    :raises PlanError: for an unknown kind, or one that is not a field repair (``dangling``).
    """
    known = repairable_kind_names()
    kinds = []
    for name in names:
        if name == FindingKind.DANGLING.value:
            raise PlanError(
                "--repair-findings dangling: a dangling link is a missing row, not a damaged"
                " value; merge without --repair-findings puts missing rows back"
                f" (repairable kinds: {known})"
            )
        try:
            kind = FindingKind(name)
        except ValueError as err:
            raise PlanError(
                f"--repair-findings {name!r}: no such finding kind; repairable kinds: {known}"
            ) from err
        if not kind_spec(kind).repairable:
            raise PlanError(
                f"--repair-findings {name}: findings of this kind are no damaged values;"
                f" repairable kinds: {known}"
            )
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def plan_repairs(
    backups: Sequence[Snapshot],
    current: Snapshot,
    *,
    fields: Mapping[str, Collection[str]] | None = None,
    finding_kinds: Collection[FindingKind] = (),
) -> tuple[PlannedUpdate, ...]:
    """Plan putting back damaged values of rows that ``current`` has.

    ``fields`` (table -> columns) asks for every value of these columns that
    differs from the newest backup (of ``backups``, oldest first) that has
    the row: whatever the cause, an edit too. ``finding_kinds`` asks for the
    values that the findings of these kinds point at, between the newest
    backup and ``current``, where the value does differ. Updates come in the
    current state's table order, then by primary key and column.

    :raises PlanError: if there is no backup, or a table, column or kind is
        unknown, or a column is the primary key.
    """
    if not backups:
        raise PlanError("no backup given: need at least one snapshot to repair from")
    found: dict[Cell, PlannedUpdate] = {}
    newest = backups[-1]
    if finding_kinds:
        repairable_kinds(kind.value for kind in finding_kinds)  # refuses dangling
        changeset = diff_snapshots(newest, current)
        for finding in find_findings(changeset, newest, current):
            if finding.kind in finding_kinds:
                cells = {finding.table: {field: finding.pks for field in finding.fields}}
                _add_changed(found, [newest], current, cells, finding.kind.value)
    for table, columns in (fields or {}).items():
        _check_columns(backups, current, table, columns)
        cells = {table: {column: sort_pks(current.tables[table].pks) for column in columns}}
        _add_changed(found, backups, current, cells, REQUESTED)
    position = {name: index for index, name in enumerate(current.tables)}

    def order(cell: Cell) -> tuple[int, bool, Pk, int]:
        name, pk, column = cell
        columns = current.tables[name].column_names
        return position[name], isinstance(pk, str), pk, columns.index(column)

    return tuple(found[cell] for cell in sorted(found, key=order))


def add_updates(plan: RestorePlan, updates: Sequence[PlannedUpdate]) -> RestorePlan:
    """Return ``plan`` with ``updates`` as its field repairs."""
    return dataclasses.replace(plan, updates=tuple(updates))


def _check_columns(
    backups: Sequence[Snapshot], current: Snapshot, name: str, columns: Collection[str]
) -> None:
    """Raise PlanError for a table or column that cannot be repaired as asked."""
    table = current.tables.get(name)
    if table is None:
        raise PlanError(
            f"--repair {name!r}: no such table in {current.label}"
            + did_you_mean(name, current.tables)
        )
    if not any(name in backup.tables for backup in backups):
        raise PlanError(f"--repair {name!r}: no backup has this table")
    for column in columns:
        if column not in table.column_names:
            raise PlanError(
                f"--repair {name}.{column}: {name} has no column {column!r} in {current.label}"
                f"{did_you_mean(column, table.column_names)}; its columns:"
                f" {', '.join(table.column_names)}"
            )
        if column == table.pk:
            raise PlanError(
                f"--repair {name}.{column}: {column!r} is the primary key; a row's key"
                " identifies it and is never repaired"
            )


def _add_changed(
    found: dict[Cell, PlannedUpdate],
    backups: Sequence[Snapshot],
    current: Snapshot,
    cells: Mapping[str, Mapping[str, Sequence[Pk]]],
    reason: str,
) -> None:
    """Add an update for each cell whose value differs from the newest backup that has its row.

    A cell planned already keeps its first reason: a finding says more than "requested".
    """
    for name, by_column in cells.items():
        now = current.tables[name]
        pks = sort_pks({pk for column_pks in by_column.values() for pk in column_pks})
        current_rows = now.decode([pk for pk in pks if pk in now])
        for label, source, rows in _backup_rows(backups, name, list(current_rows)):
            for column, column_pks in by_column.items():
                if column not in source.column_names:
                    continue  # the column is newer than this backup: nothing to restore from
                old_index = source.column_names.index(column)
                new_index = now.column_names.index(column)
                for pk in column_pks:
                    if pk not in rows or (name, pk, column) in found:
                        continue
                    restored = rows[pk][old_index]
                    corrupted = current_rows[pk][new_index]
                    if not same_value(restored, corrupted):
                        update = PlannedUpdate(name, pk, column, corrupted, restored, label, reason)
                        found[(name, pk, column)] = update


def _backup_rows(
    backups: Sequence[Snapshot], name: str, pks: list[Pk]
) -> list[tuple[str, Table, dict[Pk, Row]]]:
    """Return, newest backup first, each backup's label, table and rows of ``pks``.

    Only rows that no newer backup has: a value comes from the newest backup with its row.
    """
    wanted = set(pks)
    found = []
    for backup in reversed(backups):
        table = backup.tables.get(name)
        if table is None or not wanted:
            continue
        mine = [pk for pk in pks if pk in wanted and pk in table]
        if mine:
            found.append((backup.label, table, table.decode(mine)))
            wanted.difference_update(mine)
    return found
