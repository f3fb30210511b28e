"""What a live database's catalog says: its tables, their columns and keys, its content types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef
from repairkit.values import value_type_of_sql

from ..django_tables import map_content_types
from .tables import ColumnSpec, TableSpec

# Catalog rows: (table, column, declared type, decimal places), and
# (table, column, "p" for primary or "f" for foreign key, referenced table, position).
ColumnRow = tuple[str, str, str, Any]
KeyRow = tuple[str, str, str, Any, Any]


class CatalogEngine(Protocol):
    """What reading needs from one kind of database connection."""

    def catalog(self) -> tuple[list[ColumnRow], list[KeyRow]]: ...
    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]: ...
    def close(self) -> None: ...


def table_specs(columns: list[ColumnRow], keys: list[KeyRow]) -> dict[str, TableSpec]:
    """Return the spec of every table the catalog rows describe, by table name."""
    primary: dict[str, list[tuple[Any, str]]] = {}
    references: dict[tuple[str, str], str] = {}
    for table, column, kind, referenced, position in keys:
        if kind == "p":
            primary.setdefault(table, []).append((position, column))
        elif referenced:
            references[(table, column)] = referenced
    by_table: dict[str, list[ColumnSpec]] = {}
    for table, column, declared, scale in columns:
        by_table.setdefault(table, []).append(ColumnSpec(
            column, value_type_of_sql(declared), int(scale) if scale is not None else None,
            references.get((table, column)), declared=declared,
        ))  # fmt: skip
    specs = {}
    for table, specs_of_columns in sorted(by_table.items()):
        # A table without a primary key is keyed by its first column; Django always makes one.
        key = tuple(column for _, column in sorted(primary.get(table, []))) or (
            specs_of_columns[0].name,
        )
        specs[table] = TableSpec(table, tuple(specs_of_columns), key)
    return specs


def read_content_types(
    engine: CatalogEngine, specs: dict[str, TableSpec]
) -> dict[object, ContentTypeRef]:
    """Return the database's content types by id (none without ``django_content_type``)."""
    spec = specs.get(CONTENT_TYPE_TABLE)
    if spec is None:
        return {}
    names = [column.name for column in spec.columns]
    wanted = TableSpec(
        spec.name,
        tuple(spec.columns[names.index(n)] for n in ("id", "app_label", "model")),
        ("id",),
    )
    return map_content_types((row[0], row[1], row[2]) for row in engine.rows(wanted))
