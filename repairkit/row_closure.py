"""The closure of a restore plan: which rows come along, which are left out, in what order.

The rows asked for pull in what they need (multi-table-inheritance parents
and children, rows they point to) when it is missing too; a row whose key
or unique values the current state uses for something else, or that needs
a row left out, is left out with the reason (``repairkit.conflicts``).
``repairkit.plan.plan_restore`` runs one ``RowClosure``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from repairkit.conflicts import (
    ConflictKind,
    Key,
    LeftOut,
    find_reused_pks,
    find_taken_unique,
    find_unresolved_key,
)
from repairkit.errors import PlanError
from repairkit.links import GenericLink, Link, content_type_table, order_tables, tables_by_model
from repairkit.plan_records import PlannedRow, PlannedTable, Reason, RowFitter
from repairkit.snapshot import Pk, Row, Snapshot, Table
from repairkit.values import sort_pks

Need = tuple[Key, Reason]  # a row that another row needs, and why
_NEED_WORDS = {
    Reason.PARENT: "needs its parent",
    Reason.CHILD: "needs its other part",
    Reason.REFERENCED: "points to",
    Reason.MISSING: "needs",
}


class RowClosure:
    """The state of one planning run: rows explored, what they need, what is left out."""

    def __init__(
        self,
        backups: Sequence[Snapshot],
        current: Snapshot,
        known: dict[str, Table],
        links: Sequence[Link],
        generic_links: Sequence[GenericLink],
        excluded: set[str],
        repaired: Mapping[str, Collection[str]] | None = None,
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
        self.reused = find_reused_pks(backups, current, repaired)
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
        asked: dict[str, set[Pk]] = {}
        for name in self.known:
            if name in self.excluded:
                continue
            if name in whole:
                asked[name] = set().union(
                    *(b.tables[name].pks for b in self.backups if name in b.tables)
                )
            else:
                asked[name] = set((only or {}).get(name, ()))
        asked = {name: pks for name, pks in asked.items() if pks}
        # Set operations, not a lookup per key: a 1M-row backup asks for every row.
        present: dict[str, set[Pk]] = {}
        for name, pks in asked.items():
            current = self.current.tables.get(name)
            present[name] = pks.intersection(current.pks) if current is not None else set()
        # A key in both is never reinstated (the current state wins); where the record
        # changed hands it is reported, once per record: at its root table if asked for.
        for name, pks in present.items():
            if not self.reused and name in whole:
                continue  # nothing to report for these keys
            for pk in sort_pks(pks):
                key = (name, pk)
                root = self.root_of(key)
                if root in self.reused:
                    if root == key or root[0] not in asked:
                        self.asked_reused.append(key)
                elif name not in whole:
                    self.kept.append(key)
        return [(name, pk) for name, pks in asked.items() for pk in sort_pks(pks - present[name])]

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
