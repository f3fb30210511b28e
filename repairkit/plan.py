"""Backups + current state -> RestorePlan: which rows to put back, from where, in what order.

The records here are the contract between the planner (``plan_restore``)
and the writers that turn a plan into a restore script. The rules are
written down in docs/merge.md.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from repairkit.conflicts import (
    ConflictKind,
    Key,
    LeftOut,
    find_reused_pks,
    find_taken_unique,
    find_unresolved_key,
)
from repairkit.diff import sort_pks
from repairkit.errors import PlanError, did_you_mean
from repairkit.links import (
    GenericLink,
    Link,
    collect_tables,
    content_type_table,
    find_generic_links,
    infer_links,
    order_tables,
    tables_by_model,
)
from repairkit.progress import ProgressCallback, ProgressStep, report_progress
from repairkit.schema_drift import DriftItem
from repairkit.snapshot import Column, Pk, Row, Snapshot, Table, Value

if TYPE_CHECKING:
    from repairkit.absence import Absence
# Fits a backup row into today's schema: the row as it goes back, or why it cannot.
RowFitter = Callable[[Table, Pk, Row], Row | str]

__all__ = [
    "ConflictKind", "GenericLink", "LeftOut", "Link", "PlannedRow", "PlannedTable",
    "PlannedUpdate", "Reason", "RestorePlan", "plan_restore",
]  # fmt: skip


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


Need = tuple[Key, Reason]  # a row that another row needs, and why
_NEED_WORDS = {
    Reason.PARENT: "needs its parent",
    Reason.CHILD: "needs its other part",
    Reason.REFERENCED: "points to",
    Reason.MISSING: "needs",
}


_PLAN_STEPS = 4  # find the rows asked for, follow their links, check unique values, choose


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
    out as ``schema_drift`` (``repairkit.schema_drift``). ``progress`` hears
    of the planner's steps, with the rows asked for, then the rows chosen.

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
    planner = _Planner(backups, current, known, links, generic_links, set(exclude_tables))
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


class _Planner:
    """The state of one planning run: rows explored, what they need, what is left out."""

    def __init__(
        self,
        backups: Sequence[Snapshot],
        current: Snapshot,
        known: dict[str, Table],
        links: Sequence[Link],
        generic_links: Sequence[GenericLink],
        excluded: set[str],
    ) -> None:
        self.backups = backups
        self.current = current
        self.known = known  # every table, in the newest backup's order
        self.excluded = excluded
        self.model_tables = tables_by_model(known)
        self.links: dict[str, list[Link]] = {}
        for link in links:
            table = known.get(link.table)
            # A parent link is followed as the PARENT dependency, not as a reference.
            if table is not None and not (link.column == table.pk and link.target == table.parent):
                self.links.setdefault(link.table, []).append(link)
        self.generic_links: dict[str, list[GenericLink]] = {}
        for generic in generic_links:
            self.generic_links.setdefault(generic.table, []).append(generic)
        self.children: dict[str, list[str]] = {}
        for name, table in known.items():
            if table.parent:
                self.children.setdefault(table.parent, []).append(name)
        self.reused = find_reused_pks(backups, current)
        self.rows: dict[Key, tuple[int, Row]] = {}  # explored rows: backup index, values
        self.needs: dict[Key, list[Need]] = {}
        self.problems: dict[Key, LeftOut] = {}
        self.asked_reused: list[Key] = []
        self.kept: list[Key] = []
        self.fit_row: RowFitter | None = None

    def source_of(self, key: Key) -> int | None:
        """Return the index of the newest backup that has ``key``."""
        name, pk = key
        for index in range(len(self.backups) - 1, -1, -1):
            table = self.backups[index].tables.get(name)
            if table is not None and pk in table:
                return index
        return None

    def seen_since(self, key: Key, since: int) -> bool:
        """Tell whether ``backups[since]`` or a newer backup has ``key``."""
        source = self.source_of(key)
        return source is not None and source >= since

    def in_current(self, key: Key) -> bool:
        table = self.current.tables.get(key[0])
        return table is not None and key[1] in table

    def find_asked_rows(
        self, tables: Collection[str] | None, only: Mapping[str, Collection[Pk]] | None
    ) -> list[Key]:
        """Return the missing rows the user asked for, and note asked-for keys now reused."""
        whole = tables if tables is not None else (() if only else self.known)
        candidates: list[Key] = []
        for name in self.known:
            if name in self.excluded:
                continue
            if name in whole:
                pks = {pk for b in self.backups if name in b.tables for pk in b.tables[name].pks}
            else:
                pks = set((only or {}).get(name, ()))
            candidates.extend((name, pk) for pk in sort_pks(pks))
        # A key in both is never reinstated (the current state wins); where the record
        # changed hands it is reported, once per record: at its root table if asked for.
        asked_tables = {name for name, _ in candidates}
        for key in candidates:
            root = self.root_of(key)
            if self.in_current(key) and root in self.reused:
                if root == key or root[0] not in asked_tables:
                    self.asked_reused.append(key)
            elif self.in_current(key) and key[0] not in whole:
                self.kept.append(key)
        return [key for key in candidates if not self.in_current(key)]

    def root_of(self, key: Key) -> Key:
        """Return the key of the multi-table-inheritance root row of ``key``."""
        name, pk = key
        while self.known[name].parent in self.known:
            name = self.known[name].parent  # type: ignore[assignment]
        return (name, pk)

    def explore(self, seeds: Sequence[Key]) -> None:
        """Decode ``seeds`` and, transitively, the missing rows they need."""
        wave = list(seeds)
        seen = set(wave)
        while wave:
            found = self._decode(wave)
            next_wave: list[Key] = []
            for key in wave:
                self.rows[key] = found[key]
                # A key known only by its natural key says more than any drift it causes.
                table = self.backups[found[key][0]].tables[key[0]]
                unresolved = find_unresolved_key(table, key[1], found[key][1])
                if unresolved is not None:
                    self.problems.setdefault(key, unresolved)
                if self.fit_row is not None:
                    self._fit(key)
                for dep, reason in self._dependencies(key, found[key][1]):
                    problem = self._problem_with(key, dep, reason)
                    if problem is not None:
                        self.problems.setdefault(key, problem)
                    elif not self.in_current(dep) and dep[0] in self.known:
                        self.needs.setdefault(key, []).append((dep, reason))
                        if dep not in seen:
                            seen.add(dep)
                            next_wave.append(dep)
            wave = next_wave

    def _fit(self, key: Key) -> None:
        """Put the row of ``key`` into today's shape, or leave it out as schema drift."""
        assert self.fit_row is not None
        source, row = self.rows[key]
        fitted = self.fit_row(self.backups[source].tables[key[0]], key[1], row)
        if isinstance(fitted, str):
            self.problems.setdefault(key, LeftOut(*key, ConflictKind.SCHEMA_DRIFT, fitted))
        else:
            self.rows[key] = (source, fitted)

    def _decode(self, keys: Sequence[Key]) -> dict[Key, tuple[int, Row]]:
        wanted: dict[tuple[int, str], list[Pk]] = {}
        for key in keys:
            source = self.source_of(key)
            assert source is not None  # only keys found in a backup are explored
            wanted.setdefault((source, key[0]), []).append(key[1])
        found: dict[Key, tuple[int, Row]] = {}
        for (source, name), pks in wanted.items():
            for pk, row in self.backups[source].tables[name].decode(pks).items():
                found[(name, pk)] = (source, row)
        return found

    def _dependencies(self, key: Key, row: Row) -> Iterator[Need]:
        name, pk = key
        table = self.backups[self.rows[key][0]].tables[name]
        if table.parent:
            yield (table.parent, pk), Reason.PARENT
        for child in self.children.get(name, ()):
            if self.source_of((child, pk)) is not None:
                yield (child, pk), Reason.CHILD
        columns = table.column_names
        for link in self.links.get(name, ()):
            if link.column in columns:
                value = row[columns.index(link.column)]
                if isinstance(value, (int, str)) and (link.target, value) != key:
                    yield (link.target, value), Reason.REFERENCED
        for generic in self.generic_links.get(name, ()):
            if generic.type_column in columns and generic.id_column in columns:
                target = content_type_table(
                    row[columns.index(generic.type_column)], self.model_tables
                )
                value = row[columns.index(generic.id_column)]
                if target and isinstance(value, (int, str)) and (target, value) != key:
                    yield (target, value), Reason.REFERENCED

    def _problem_with(self, key: Key, dep: Key, reason: Reason) -> LeftOut | None:
        """Tell why ``key`` cannot be reinstated with ``dep``, or None if it can."""
        name, pk = dep
        if name not in self.known:
            return None  # a table no dump has (content types, sessions): cannot check
        if self.in_current(dep):
            root = self.root_of(dep)
            if root in self.reused:
                kind = (
                    ConflictKind.REUSED_PK
                    if reason is Reason.PARENT
                    else ConflictKind.DEPENDS_ON_LEFT_OUT
                )
                return LeftOut(*key, kind, f"needs {name} {pk!r}, and {self.reused[root]}")
            if reason is Reason.PARENT:
                return LeftOut(*key, ConflictKind.REUSED_PK, (
                    f"{name} {pk!r} is in {self.current.label} without its {key[0]} part"
                    " (its type changed since); the current row is kept as it is"
                ))  # fmt: skip
            return None
        if self.source_of(dep) is None:
            return LeftOut(*key, ConflictKind.DANGLING, (
                f"points to {name} {pk!r}, which neither {self.current.label} nor a backup has"
            ))  # fmt: skip
        if name in self.excluded:
            return LeftOut(*key, ConflictKind.DEPENDS_ON_LEFT_OUT, (
                f"needs {name} {pk!r}, and --exclude-table keeps {name} out"
            ))  # fmt: skip
        return None

    def check_unique(self, unique: Mapping[str, Collection[tuple[str, ...]]]) -> None:
        """Leave out explored rows whose unique values a current row has taken."""
        by_table: dict[str, dict[Pk, Row]] = {}
        for (name, pk), (_, row) in self.rows.items():
            by_table.setdefault(name, {})[pk] = row
        for name, rows in by_table.items():
            if name in unique and name in self.current.tables:
                table = self._shape(name)
                taken = find_taken_unique(table, rows, self.current.tables[name], unique[name])
                for pk, detail in taken.items():
                    self.problems.setdefault(
                        (name, pk), LeftOut(name, pk, ConflictKind.UNIQUE_TAKEN, detail)
                    )

    def spread_left_out(self) -> None:
        """Leave out every row that needs a left-out row, transitively."""
        needed_by: dict[Key, list[Need]] = {}
        for key, needs in self.needs.items():
            for dep, reason in needs:
                needed_by.setdefault(dep, []).append((key, reason))
        wave = list(self.problems)
        while wave:
            next_wave = []
            for dep in wave:
                for key, reason in needed_by.get(dep, ()):
                    if key in self.problems:
                        continue
                    self.problems[key] = LeftOut(*key, ConflictKind.DEPENDS_ON_LEFT_OUT, (
                        f"{_NEED_WORDS[reason]} {dep[0]} {dep[1]!r}, which is left out"
                    ))  # fmt: skip
                    next_wave.append(key)
            wave = next_wave

    def choose(self, seeds: Sequence[Key]) -> dict[Key, tuple[Reason, Key | None]]:
        """Return the rows to reinstate: asked-for rows and what they need, none left out."""
        chosen: dict[Key, tuple[Reason, Key | None]] = {
            key: (Reason.MISSING, None) for key in seeds if key not in self.problems
        }
        wave = list(chosen)
        while wave:
            next_wave = []
            for key in wave:
                for dep, reason in self.needs.get(key, ()):
                    if dep not in chosen:
                        chosen[dep] = (reason, key)
                        next_wave.append(dep)
            wave = next_wave
        return chosen

    def planned_tables(
        self, chosen: Mapping[Key, tuple[Reason, Key | None]]
    ) -> tuple[PlannedTable, ...]:
        """Group the chosen rows by table, tables in dependency order, rows by primary key."""
        by_table: dict[str, list[Pk]] = {}
        edges: set[tuple[str, str, bool]] = set()
        for key in chosen:
            by_table.setdefault(key[0], []).append(key[1])
            for dep, reason in self.needs.get(key, ()):
                if reason is not Reason.CHILD and dep[0] != key[0]:
                    edges.add((key[0], dep[0], reason is Reason.PARENT))
        tables = []
        for name in order_tables([n for n in self.known if n in by_table], edges):
            shape = self._shape(name)
            rows = []
            for pk in sort_pks(by_table[name]):
                source, values = self.rows[(name, pk)]
                reason, needed_by = chosen[(name, pk)]
                rows.append(PlannedRow(pk, values, self.backups[source].label, reason, needed_by))
            multiple = shape.key if len(shape.key) > 1 else ()
            tables.append(
                PlannedTable(name, shape.model, shape.columns, shape.pk, tuple(rows), multiple)
            )
        return tuple(tables)

    def _shape(self, name: str) -> Table:
        """Return the table of the newest backup that rows of ``name`` come from.

        :raises PlanError: if those backups disagree on the table's columns.
        """
        # Rows left out for schema drift do not go back: their shape does not count.
        sources = sorted(
            {source for key, (source, _) in self.rows.items() if key[0] == name
             and not _drifted(self.problems.get(key))}
            or {source for (table, _), (source, _) in self.rows.items() if table == name}
        )  # fmt: skip
        shapes = [self.backups[source].tables[name] for source in sources]
        newest = self.backups[sources[-1]].label
        for source, shape in zip(sources, shapes[:-1], strict=False):
            if shape.column_names != shapes[-1].column_names:
                older = self.backups[source].label
                only_old = [c for c in shape.column_names if c not in shapes[-1].column_names]
                only_new = [c for c in shapes[-1].column_names if c not in shape.column_names]
                what = (
                    f"only in {older}: {', '.join(only_old) or '-'};"
                    f" only in {newest}: {', '.join(only_new) or '-'}"
                    if only_old or only_new
                    else f"in another order in {older} and {newest}"
                )
                raise PlanError(
                    f"{name}: rows come from backups with different columns ({what});"
                    " map the older backup to today's schema (--rename-column, --drop-column,"
                    " --set-column: docs/upgrades.md), or restore from one of them at a time"
                )
        return shapes[-1]

    def left_out_rows(self) -> tuple[LeftOut, ...]:
        """Return what is left out, in table order, then by primary key."""
        reported = dict(self.problems)
        for key in self.asked_reused:
            reused = self.reused[self.root_of(key)]
            reported.setdefault(key, LeftOut(*key, ConflictKind.REUSED_PK, (
                f"the current state uses this key for another record: {reused}; it is kept as it is"
            )))  # fmt: skip
        position = {name: index for index, name in enumerate(self.known)}
        return tuple(
            reported[key]
            for key in sorted(reported, key=lambda k: (position[k[0]], isinstance(k[1], str), k[1]))
        )


def _drifted(problem: LeftOut | None) -> bool:
    return problem is not None and problem.kind is ConflictKind.SCHEMA_DRIFT
