"""Say "no choice" the way the database does, in sources that follow the models.

A Lino choicelist field is a ``NOT NULL`` text column that stores ``''`` for
"no choice". The one value model keeps that ``''`` (docs/values.md): the
Lino dump reader and the ``django:`` reader know choicelist columns
(``ColumnKind.CHOICE``) and give ``''``. A dumpdata fixture says ``None``
and does not say which columns are choicelists; against a source that
knows, ``readers.fixture.align`` converts by the column kind. Against a raw
database (a URL, a SQL dump), which does not know either, the shape of
the values decides: a column holding ``None`` and never ``''`` in the
fixtures, and ``''`` and never ``None`` in the raw sources, is taken to be
such a field, and the fixtures' ``None`` becomes ``''``.

Lino's other text-stored fields (durations, quantities) turn a stored ``''``
into ``None``, which dump2py then writes; it does not say which columns
those are either, so a Lino dump is judged by the same shape as a fixture.

A nullable column is never touched: the raw sources hold ``None`` in it too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from repairkit.snapshot import MemoryRowStore, Snapshot, Table

from ..fixture.dump import FixtureSnapshot

_RAW_FORMATS = ("database",)
# Sources that write what the models make of a value, not what the column holds.
_MODEL_FORMATS = ("django-fixture", "dump2py")


def is_raw_database_source(snapshot: Snapshot) -> bool:
    """Tell whether ``snapshot`` was read from the raw database (a URL or a SQL dump)."""
    return snapshot.info.get("format") in _RAW_FORMATS or "dialect" in snapshot.info


def align_empty_choices(snapshots: Sequence[Snapshot]) -> list[Snapshot]:
    """Return ``snapshots`` with the fixtures' ``None`` as ``''`` where the raw database says so."""
    raw = [snapshot for snapshot in snapshots if is_raw_database_source(snapshot)]
    followers = [snapshot for snapshot in snapshots if _follows_models(snapshot)]
    if not raw or not followers:
        return list(snapshots)
    # The raw side first: a follower's table is decoded only where that can matter.
    candidates = _columns_holding(raw, none=False)
    tables = {name for name, _ in candidates}
    if not candidates:
        return list(snapshots)
    # Each follower by itself: a Lino dump knows its choicelists, a fixture does not.
    return [
        _with_empty_text(
            snapshot, candidates & _columns_holding([snapshot], none=True, tables=tables)
        )
        if _follows_models(snapshot)
        else snapshot
        for snapshot in snapshots
    ]


def _follows_models(snapshot: Snapshot) -> bool:
    return snapshot.info.get("format") in _MODEL_FORMATS


def _columns_holding(
    snapshots: Sequence[Snapshot], none: bool, tables: Collection[str] | None = None
) -> set[tuple[str, str]]:
    """Return the (table, column) pairs holding None, never ''; with ``none=False`` the reverse.

    Only ``tables`` are looked at, where given.
    """
    nones: set[tuple[str, str]] = set()
    empties: set[tuple[str, str]] = set()
    for snapshot in snapshots:
        for name, table in snapshot.tables.items():
            if tables is not None and name not in tables:
                continue
            names = table.column_names
            for row in table.decode().values():
                for column, value in zip(names, row, strict=True):
                    if value is None:
                        nones.add((name, column))
                    elif isinstance(value, str) and value == "":
                        empties.add((name, column))
    return nones - empties if none else empties - nones


def _with_empty_text(snapshot: Snapshot, wanted: set[tuple[str, str]]) -> Snapshot:
    tables = []
    for name, table in snapshot.tables.items():
        indices = {i for i, column in enumerate(table.column_names) if (name, column) in wanted}
        if not indices:
            tables.append(table)
            continue
        rows = {
            pk: tuple(
                "" if i in indices and value is None else value for i, value in enumerate(row)
            )
            for pk, row in table.decode().items()
        }
        store = MemoryRowStore(rows)
        tables.append(
            Table(
                name,
                table.columns,
                table.pk,
                store,
                model=table.model,
                parent=table.parent,
                key=table.key,
            )
        )
    if isinstance(snapshot, FixtureSnapshot):
        return FixtureSnapshot(snapshot.label, tables, snapshot.content_types, snapshot.info)
    return Snapshot(snapshot.label, tables, snapshot.info)
