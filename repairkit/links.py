"""Foreign keys between tables: read from a dump where it tells, else inferred from names.

A Lino dump names the target of two kinds of column only: the parent link of
a multi-table-inheritance child, and a content type pointer. Every other
foreign key is inferred from Django's naming: the column of a foreign key
``country`` is ``country_id``, and it points to the table whose model is
called ``Country``. Inferred links are marked ``inferred=True`` so that a
plan can show them; ``repairkit.site_schema`` reads the exact links from the
site's models instead.

A generic foreign key (a content type column and an object id column) has
no single target: each row names its target model in its content type.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from repairkit.snapshot import ColumnKind, ContentTypeRef, Snapshot, Table, Value

# A column named like this with no model of that name points into its own table
# (Django code calls a tree's foreign key ``parent``).
SELF_REFERENCE_STEM = "parent"


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

    def __str__(self) -> str:
        return f"{self.table}.{self.column} -> {self.target}"


@dataclass(frozen=True, slots=True)
class GenericLink:
    """A generic foreign key: ``type_column`` holds a content type, ``id_column`` a primary key.

    The row points to the row of that primary key in the table of that
    content type's model.
    """

    table: str
    type_column: str
    id_column: str

    def __str__(self) -> str:
        return f"{self.table}.({self.type_column}, {self.id_column}) -> any table"


@dataclass(frozen=True, slots=True)
class PairTable:
    """An auto-created many-to-many table: pairs of ``owner_column`` and ``target_column``.

    ``field`` is the many-to-many field of the owner's model (``tags`` of an
    article, whose rows are in ``owner_table``); Django's serializers write
    the links as that field's list on the owner's object.
    """

    table: str
    owner_table: str
    owner_column: str
    target_column: str
    field: str


def collect_tables(snapshots: Iterable[Snapshot]) -> dict[str, Table]:
    """Return every table of ``snapshots`` by name, the first snapshot's version winning."""
    tables: dict[str, Table] = {}
    for snapshot in snapshots:
        for name, table in snapshot.tables.items():
            tables.setdefault(name, table)
    return tables


def infer_links(tables: Mapping[str, Table]) -> tuple[Link, ...]:
    """Return the foreign keys of ``tables``: those the dump names, and those guessed from names.

    A column ``<stem>_id`` points to the table whose model class, lower-cased,
    equals ``<stem>`` without underscores (``order_item_id`` -> ``OrderItem``),
    preferring a model of the same app; ``parent_id`` with no ``Parent`` model
    points to its own table. Object id columns of generic foreign keys are
    left to ``find_generic_links``.
    """
    tables_by_class: dict[str, list[Table]] = {}
    for table in tables.values():
        if table.model:
            tables_by_class.setdefault(_class_name(table.model).lower(), []).append(table)
    object_ids = {(link.table, link.id_column) for link in find_generic_links(tables)}
    links: list[Link] = []
    for name, table in tables.items():
        for column in table.columns:
            if column.references:
                links.append(Link(name, column.name, column.references))
            elif (
                # A key may be a UUID, which a restore directory marks as one.
                column.kind in (ColumnKind.PLAIN, ColumnKind.UUID)
                and column.name.endswith("_id")
                and (name, column.name) not in object_ids
            ):
                target = _guess_target(table, column.name[: -len("_id")], tables_by_class)
                if target:
                    links.append(Link(name, column.name, target, inferred=True))
    return tuple(links)


def find_generic_links(tables: Mapping[str, Table]) -> tuple[GenericLink, ...]:
    """Return the generic foreign keys of ``tables``, found by their column names.

    A content type column ``<prefix>_type_id`` pairs with ``<prefix>_id``
    (Lino's ``owner_type``/``owner_id``), and ``content_type_id`` with
    ``object_id`` (Django's documented names).
    """
    found: list[GenericLink] = []
    for name, table in tables.items():
        names = set(table.column_names)
        for column in table.columns:
            if column.kind is not ColumnKind.CONTENT_TYPE:
                continue
            if column.name.endswith("_type_id"):
                id_column = column.name[: -len("_type_id")] + "_id"
            elif column.name == "content_type_id":
                id_column = "object_id"
            else:
                continue
            if id_column in names:
                found.append(GenericLink(name, column.name, id_column))
    return tuple(found)


def tables_by_model(tables: Mapping[str, Table]) -> dict[str, str]:
    """Map each lower-case model label (``repairdemo.person``) to its db table.

    Content types name models in lower case, so this is what resolves them.
    """
    return {table.model.lower(): name for name, table in tables.items() if table.model}


def content_type_table(value: Value, model_tables: Mapping[str, str]) -> str | None:
    """Return the db table of the model a content type value names, if it was dumped."""
    if isinstance(value, ContentTypeRef):
        return model_tables.get(str(value).lower())
    return None


def _class_name(model: str) -> str:
    return model.rpartition(".")[2]


def _app_label(table: Table) -> str | None:
    return table.model.partition(".")[0] if table.model else None


def _guess_target(
    table: Table, stem: str, tables_by_class: Mapping[str, list[Table]]
) -> str | None:
    candidates = tables_by_class.get(stem.replace("_", "").lower(), [])
    same_app = [other for other in candidates if _app_label(other) == _app_label(table)]
    if len(same_app) == 1:
        return same_app[0].name
    if len(candidates) == 1:
        return candidates[0].name
    if not candidates and stem == SELF_REFERENCE_STEM:
        return table.name
    return None  # no model of that name, or several in other apps: too unsure to guess


def order_tables(names: Sequence[str], edges: Collection[tuple[str, str, bool]]) -> list[str]:
    """Order tables so that every table comes after the tables it points to.

    ``edges`` are ``(table, target, is_parent_link)``. Ties keep the order of
    ``names`` (a dump's own load order). A cycle is broken at the first table
    whose multi-table-inheritance parents are placed: a restore script defers
    foreign key checks, but a child row cannot be created before its parent.
    """
    needs: dict[str, set[str]] = {name: set() for name in names}
    parents: dict[str, set[str]] = {name: set() for name in names}
    for table, target, is_parent in edges:
        if table in needs and target in needs and table != target:
            needs[table].add(target)
            if is_parent:
                parents[table].add(target)
    placed: list[str] = []
    remaining = list(names)
    while remaining:
        done = set(placed)
        ready = next((name for name in remaining if needs[name] <= done), None)
        if ready is None:
            ready = next((name for name in remaining if parents[name] <= done), remaining[0])
        placed.append(ready)
        remaining.remove(ready)
    return placed
