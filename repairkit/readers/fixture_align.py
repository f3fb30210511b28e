"""Correct a fixture's guessed column names against a source that knows the schema.

A fixture does not say which field is a foreign key (``category: 4`` is an
id, ``qty: 4`` a number), what the primary key column is called
(``isocode``, ``partner_ptr_id``), or that an empty table exists. A Lino
dump, a SQL dump and a live database do. When a fixture is compared with
such a source, its tables take the names from there:

- the guessed primary key column ``id`` takes the other table's pk name;
- a field ``f`` becomes ``f_id`` where the other table has ``f_id`` and no ``f``;
- the target column of a many-to-many table takes the one column left over;
- a content type pointer given as an id becomes a ContentTypeRef, through
  the fixture's own content type rows;
- a DECIMAL column's numbers become Decimals, a CHOICE column's None ``''``;
- text becomes a datetime, date, time, duration, UUID or bytes, and a value
  a JSON document, where the other source holds such values in the column
  (``column_types``);
- a table that is empty there and absent from the fixture is added, empty:
  dumpdata writes nothing for an empty table;
- a natural key (``natural:('alice')``) becomes the real key of the row
  that a source which is no fixture has (``natural_keys``).

Only names, keys and representations change; no row is added or dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from repairkit.snapshot import Column, ColumnKind, MemoryRowStore, Pk, Row, Snapshot, Table, Value
from repairkit.values import ValueType, to_decimal

from .column_types import apply_column_types, learn_column_types
from .fixture_dump import FixtureSnapshot
from .live_align import align_empty_choices
from .natural_keys import find_real_keys, resolve_natural_keys


def align_snapshots(snapshots: Sequence[Snapshot]) -> list[Snapshot]:
    """Return ``snapshots`` with every fixture's names aligned to the other sources' schema.

    The first non-fixture snapshot that has a table gives its schema; where
    only fixtures have it, the fixture that names most foreign keys. Then the
    fixtures say "no choice" as the raw database does (``live_align``).
    """
    reference: dict[str, Table] = {}
    fixture_led: set[str] = set()
    for snapshot in snapshots:
        if not isinstance(snapshot, FixtureSnapshot):
            for name, table in snapshot.tables.items():
                reference.setdefault(name, table)
    # Among fixtures, the one that knows most foreign keys (XML names them all) leads.
    for snapshot in snapshots:
        if isinstance(snapshot, FixtureSnapshot):
            for name, table in snapshot.tables.items():
                if name not in reference or (
                    name in fixture_led and _known_keys(table) > _known_keys(reference[name])
                ):
                    reference[name] = table
                    fixture_led.add(name)
    # Only a source that is no fixture knows the real keys behind natural ones.
    real = {name: table for name, table in reference.items() if name not in fixture_led}
    aligned = [
        align_fixture(snapshot, reference, real)
        if reference and isinstance(snapshot, FixtureSnapshot) else snapshot
        for snapshot in snapshots
    ]  # fmt: skip
    # A fixture's text becomes a datetime, a UUID, ... where another source (a database,
    # an XML fixture, YAML's own timestamps) holds one in that column.
    # Only tables a fixture has are sampled: other sources' rows stay undecoded.
    wanted = {
        name for snapshot in aligned if isinstance(snapshot, FixtureSnapshot)
        for name in snapshot.tables
    }  # fmt: skip
    learned: dict[str, dict[str, ValueType]] = {}
    for snapshot in aligned:
        for name, table in snapshot.tables.items():
            if name not in wanted:
                continue
            for column, kind in learn_column_types(table).items():
                learned.setdefault(name, {}).setdefault(column, kind)
    aligned = [
        apply_column_types(snapshot, learned, from_fixture=True)
        if isinstance(snapshot, FixtureSnapshot) else snapshot
        for snapshot in aligned
    ]  # fmt: skip
    return align_empty_choices(aligned)


def _known_keys(table: Table) -> int:
    return sum(name.endswith("_id") for name in table.column_names)


def align_fixture(
    snapshot: FixtureSnapshot,
    reference: Mapping[str, Table],
    real: Mapping[str, Table] | None = None,
) -> FixtureSnapshot:
    """Return ``snapshot`` with its tables named and typed after ``reference`` (see module doc).

    Natural keys become the real keys of the tables of ``real`` that have
    those rows (``natural_keys``).
    """
    tables = [
        _align_table(table, reference[name], snapshot) if name in reference else table
        for name, table in snapshot.tables.items()
    ]
    real_keys = find_real_keys({table.name: table for table in tables}, real or {})
    tables = [resolve_natural_keys(table, real_keys) for table in tables]
    for name, other in reference.items():
        if name not in snapshot.tables and len(other) == 0:
            store = MemoryRowStore({})
            tables.append(
                Table(
                    name,
                    other.columns,
                    other.pk,
                    store,
                    model=other.model,
                    parent=other.parent,
                    key=other.key,
                )
            )
    info = {**snapshot.info, "column_names": "aligned"}
    return FixtureSnapshot(snapshot.label, tables, snapshot.content_types, info)


def _align_table(table: Table, other: Table, snapshot: FixtureSnapshot) -> Table:
    renames = _column_renames(table, other)
    other_columns = {column.name: column for column in other.columns}
    columns = []
    converters = []
    for column in table.columns:
        name = renames.get(column.name, column.name)
        known = other_columns.get(name)
        columns.append(known if known is not None else Column(name, column.kind, column.references))
        kind = known.kind if known is not None else column.kind
        converters.append(_converter(kind, snapshot) if kind is not column.kind else None)
    rows: dict[Pk, Row] = table.decode()
    if any(converters):
        rows = {
            pk: tuple(
                value if convert is None else convert(value)
                for value, convert in zip(row, converters, strict=True)
            )
            for pk, row in rows.items()
        }
    return Table(
        table.name, columns, renames.get(table.pk, table.pk), MemoryRowStore(rows),
        model=table.model or other.model, parent=other.parent,
        key=[renames.get(name, name) for name in table.key],
    )  # fmt: skip


def _column_renames(table: Table, other: Table) -> dict[str, str]:
    names, other_names = set(table.column_names), set(other.column_names)
    renames: dict[str, str] = {}
    if table.pk not in other_names and other.pk not in names:
        renames[table.pk] = other.pk
    for name in table.column_names:
        if name not in renames and name not in other_names:
            if f"{name}_id" in other_names and f"{name}_id" not in names:
                renames[name] = f"{name}_id"
    unmatched = [name for name in table.column_names if renames.get(name, name) not in other_names]
    taken = {renames.get(name, name) for name in table.column_names}
    free = [name for name in other.column_names if name not in taken]
    # A many-to-many table's target column is the one guess that can be wrong
    # on both sides ("user_permissions" -> "permission_id").
    if table.model is None and len(unmatched) == 1 and len(free) == 1:
        renames[unmatched[0]] = free[0]
    return renames


def _converter(kind: ColumnKind, snapshot: FixtureSnapshot) -> Callable[[Value], Value] | None:
    if kind is ColumnKind.CONTENT_TYPE and snapshot.content_types:
        content_types = snapshot.content_types
        return lambda value: (
            content_types.get(value, value) if isinstance(value, (int, str)) else value
        )
    if kind is ColumnKind.CHOICE:
        # dumpdata says None for an empty choicelist value; the database holds ''.
        return lambda value: "" if value is None else value
    if kind is ColumnKind.DECIMAL:
        return lambda value: (
            value if value is None or isinstance(value, bool) else to_decimal(value)
        )
    return None
