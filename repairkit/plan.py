"""Backups + current state -> RestorePlan: which rows to put back, from where, in what order.

``plan_restore`` checks what is asked for and runs the closure
(``repairkit.row_closure``); the records it returns are in
``repairkit.plan_records`` and are importable from here too. The rules are
written down in docs/merge.md.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from repairkit.conflicts import ConflictKind, LeftOut
from repairkit.errors import PlanError, did_you_mean
from repairkit.links import GenericLink, Link, collect_tables, find_generic_links, infer_links
from repairkit.plan_records import (
    PlannedRow,
    PlannedTable,
    PlannedUpdate,
    Reason,
    RestorePlan,
    RowFitter,
)
from repairkit.progress import ProgressCallback, ProgressStep, report_progress
from repairkit.row_closure import RowClosure
from repairkit.schema_drift import DriftItem
from repairkit.snapshot import Pk, Snapshot, Table

__all__ = [
    "ConflictKind", "GenericLink", "LeftOut", "Link", "PlannedRow", "PlannedTable",
    "PlannedUpdate", "Reason", "RestorePlan", "RowFitter", "plan_restore",
]  # fmt: skip


_PLAN_STEPS = 4  # asked rows, closure, conflicts, choice: what the progress bar counts


def plan_restore(
    backups: Sequence[Snapshot],
    current: Snapshot,
    *,
    links: Sequence[Link] | None = None,
    generic_links: Sequence[GenericLink] | None = None,
    unique: Mapping[str, Collection[tuple[str, ...]]] | None = None,
    tables: Collection[str] | None = None,
    exclude_tables: Collection[str] = (),
    only: Mapping[str, Collection[Pk]] | None = None,
    since: int = 0,
    fit_row: RowFitter | None = None,
    drift: Sequence[DriftItem] = (),
    repaired: Mapping[str, Collection[str]] | None = None,
    progress: ProgressCallback | None = None,
) -> RestorePlan:
    """Plan which rows of ``backups`` (oldest first) to put back into ``current``.

    A row is asked for when a backup has it and the current state does not;
    ``tables`` and ``only`` (table -> primary keys) narrow that down, and
    ``exclude_tables`` keeps tables out entirely. Rows that the asked-for rows
    need (multi-table-inheritance parents and children, rows they point to)
    come along when they are missing too. ``links`` and ``generic_links``
    default to what ``repairkit.links`` reads and infers from the snapshots;
    ``unique`` (table -> unique column sets) comes from the site's models.
    With ``since``, only rows that ``backups[since]`` or a newer backup has
    are asked for: a row older backups alone have was deleted long ago.
    ``fit_row`` fits each row into today's schema; a row it refuses is left
    out as ``schema_drift`` (``repairkit.schema_drift``). ``repaired``
    (table -> columns) names the fields being repaired: a current row that
    differs from the backup only there is the same record, damaged.
    ``progress`` hears of the planner's steps, with the rows asked for, then
    the rows chosen.

    :raises PlanError: if there is no backup, or a table or primary key asked
        for is in no backup, or a table's columns differ between the backups
        that rows of it come from.
    """
    if not backups:
        raise PlanError("no backup given: need at least one snapshot to restore from")
    known = collect_tables([*reversed(backups), current])
    _check_selection(backups, known, tables, exclude_tables, only)
    if links is None:
        links = infer_links(known)
    if generic_links is None:
        generic_links = find_generic_links(known)
    planner = RowClosure(
        backups, current, known, links, generic_links, set(exclude_tables), repaired
    )
    planner.fit_row = fit_row

    def step(done: int, rows: int) -> None:
        report_progress(progress, ProgressStep("planning", done, _PLAN_STEPS, "steps", rows))

    step(0, 0)
    seeds = [key for key in planner.find_asked_rows(tables, only) if planner.seen_since(key, since)]
    step(1, len(seeds))
    planner.explore(seeds)
    step(2, len(seeds))
    planner.check_unique(unique or {})
    planner.spread_left_out()
    step(3, len(seeds))
    chosen = planner.choose(seeds)
    step(_PLAN_STEPS, len(chosen))
    return RestorePlan(
        backups=tuple(backup.label for backup in backups),
        current=current.label,
        tables=planner.planned_tables(chosen),
        left_out=planner.left_out_rows(),
        links=tuple(links),
        generic_links=tuple(generic_links),
        kept=tuple(planner.kept),
        drift=tuple(drift),
    )


def _check_selection(
    backups: Sequence[Snapshot],
    known: Mapping[str, Table],
    tables: Collection[str] | None,
    exclude_tables: Collection[str],
    only: Mapping[str, Collection[Pk]] | None,
) -> None:
    """Raise PlanError for a table or primary key that no backup has."""
    in_backups = {name for backup in backups for name in backup.tables}
    for option, names in (("--table", tables or ()), ("--exclude-table", exclude_tables)):
        for name in names:
            if name not in known:
                raise PlanError(
                    f"{option} {name!r}: no such table in the backups or the current state"
                    + did_you_mean(name, known)
                )
    for name, pks in (only or {}).items():
        if name not in in_backups:
            raise PlanError(
                f"--only {name!r}: no such table in the backups" + did_you_mean(name, in_backups)
            )
        for pk in pks:
            if not any(name in b.tables and pk in b.tables[name] for b in backups):
                raise PlanError(f"--only {name}:{pk}: no backup has primary key {pk!r} in {name}")
