"""The schema check: compare each backup with today's schema, and fit rows into it exactly.

Today's schema is the current state's tables and columns and, with
``--settings``, the site's models (types, max_length, NULL, choices,
defaults, version). Differences are *drift items*; a table whose rows
cannot be written exactly into today's schema is *blocked*, and each of
its rows that a plan needs is left out (``schema_drift``) with what would
fix it: a mapping (``repairkit.mapping``) or an upgrade of the backup.
Values are fitted by ``repairkit.conversions``: converted only where exact.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from repairkit.conversions import NotExactError, fit_value
from repairkit.mapping import SchemaMapping, apply_mapping
from repairkit.site_fields import FieldSpec, SiteFields
from repairkit.snapshot import ColumnKind, Pk, Row, Snapshot, Table

__all__ = ["DriftItem", "DriftKind", "SchemaCheck", "check_schema", "prepare_backups"]

# Readers that list every table of the database, also the empty ones: a table
# they lack is not in today's schema. A fixture leaves out a table without rows.
_PARTIAL_FORMATS = ("django-fixture",)


class DriftKind(str, enum.Enum):
    """What differs between a backup and today's schema."""

    VERSION = "version"  # the backup was made by another version of the application
    TABLE_GONE = "table_gone"  # the backup has a table that today's schema does not
    TABLE_NEW = "table_new"  # today's schema has a table that the backup does not
    COLUMN_GONE = "column_gone"  # the backup has a column that today's table does not
    COLUMN_NEW = "column_new"  # today's table has a column that the backup does not
    TYPE_CHANGED = "type_changed"  # the column holds another kind of value today


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One difference between a backup and today's schema; ``blocking`` if rows cannot go back."""

    backup: str
    kind: DriftKind
    table: str | None
    column: str | None
    detail: str
    fix: str | None = None
    blocking: bool = False

    def __str__(self) -> str:
        where = ".".join(n for n in (self.table, self.column) if n) or "site"
        fix = f"; fix: {self.fix}" if self.fix else ""
        return f"{self.backup}: {where}: {self.detail}{fix}"


@dataclass(slots=True)
class SchemaCheck:
    """The drift items of every backup, and the fitting of its rows into today's schema."""

    items: list[DriftItem]
    blocked: dict[tuple[str, str], DriftItem]  # (backup label, table) -> the first blocking item
    specs: dict[str, dict[str, FieldSpec]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # id(table) -> backup label

    def fit_row(self, table: Table, pk: Pk, row: Row) -> Row | str:
        """Return ``row`` fitted into today's table, or why it cannot be written exactly."""
        label = self.labels.get(id(table), "")
        item = self.blocked.get((label, table.name))
        if item is not None:
            fix = f"; fix: {item.fix}" if item.fix else ""
            return f"{item.detail} (in {label}){fix}"
        specs = self.specs.get(table.name)
        if not specs:
            return row
        fitted = list(row)
        problems = []
        for index, column in enumerate(table.column_names):
            spec = specs.get(column)
            if spec is None or (spec.is_relation and isinstance(row[index], (int, str))):
                continue  # a link keeps its key; the plan checks where it points
            try:
                fitted[index] = fit_value(row[index], spec)
            except NotExactError as err:
                problems.append(f"column {column!r} value {row[index]!r}: {err}")
        if problems:
            return (
                f"cannot be written exactly into today's {table.name} ({label}): "
                + "; ".join(problems)
                + "; fix: upgrade the backup with the site's own migrations (repairkit upgrade),"
                " or leave these rows out"
            )
        return tuple(fitted)


def check_schema(
    backups: Sequence[Snapshot], current: Snapshot, site: SiteFields | None = None
) -> SchemaCheck:
    """Compare every backup with today's schema: ``current`` and, if given, the site's models."""
    today = today_columns(current, site)
    complete = site is not None or current.info.get("format") not in _PARTIAL_FORMATS
    items: list[DriftItem] = []
    labels: dict[int, str] = {}
    for backup in backups:
        items.extend(_version_items(backup, current, site))
        new_tables = [n for n in today if n not in backup.tables]
        for name, table in backup.tables.items():
            labels[id(table)] = backup.label
            if name not in today:
                if complete:
                    items.append(_gone_table(backup, table, new_tables, today))
                continue
            items.extend(_column_items(backup, table, today[name], current, site))
    blocked: dict[tuple[str, str], DriftItem] = {}
    for item in items:
        if item.blocking and item.table:
            blocked.setdefault((item.backup, item.table), item)
    return SchemaCheck(items, blocked, dict(site.tables) if site else {}, labels)


def today_columns(current: Snapshot, site: SiteFields | None) -> dict[str, list[str]]:
    """Return today's tables and their columns: the site's where known, else the current state's."""
    today = {name: list(table.column_names) for name, table in current.tables.items()}
    if site is not None:
        today.update((name, list(columns)) for name, columns in site.tables.items())
    return today


def _version_items(backup: Snapshot, current: Snapshot, site: SiteFields | None) -> list[DriftItem]:
    made_by = backup.info.get("source_version")
    today = site.version if site is not None else current.info.get("source_version")
    if made_by is None or today is None or made_by == today:
        return []
    if site is None:
        unchecked = DriftItem(
            backup.label, DriftKind.VERSION, None, None,
            "without the site's models, types, max_length, NULL and choices are not checked",
            "pass --settings",
        )  # fmt: skip
        return [_version_item(backup, made_by, today, current.label, ()), unchecked]
    return [_version_item(backup, made_by, today, "the site", site.migrators)]


def _version_item(
    backup: Snapshot, made_by: str, today: str, where: str, migrators: Sequence[str]
) -> DriftItem:
    detail = f"made by version {made_by}, {where} is version {today}"
    step = "migrate_from_" + made_by.replace(".", "_")
    if step in migrators:
        detail += (
            f"; the site's migrator {step}() adapts such rows when Lino loads the backup,"
            " and merge does not run it"
        )
    fix = "repairkit upgrade BACKUP --settings SITE -o UPGRADED/, then merge UPGRADED"
    return DriftItem(backup.label, DriftKind.VERSION, None, None, detail, fix)


def _gone_table(
    backup: Snapshot, table: Table, new_tables: list[str], today: Mapping[str, list[str]]
) -> DriftItem:
    # The most likely new name: a table only today has, with most columns in common.
    columns = set(table.column_names)
    scored = sorted(((len(columns & set(today[name])), name) for name in new_tables), reverse=True)
    fix = f"--rename-table {table.name}=NEW_TABLE"
    if scored and scored[0][0] >= max(2, len(columns) // 2):
        fix = f"--rename-table {table.name}={scored[0][1]}"
    return DriftItem(
        backup.label, DriftKind.TABLE_GONE, table.name, None,
        f"table {table.name} is not in today's schema", fix, blocking=True,
    )  # fmt: skip


def _column_items(
    backup: Snapshot,
    table: Table,
    today: list[str],
    current: Snapshot,
    site: SiteFields | None,
) -> list[DriftItem]:
    items = []
    name = table.name
    gone = [c for c in table.column_names if c not in today]
    new = [c for c in today if c not in table.column_names]
    for gone_column in gone:
        guess = new[0] if len(new) == 1 else "NEW"
        items.append(DriftItem(
            backup.label, DriftKind.COLUMN_GONE, name, gone_column,
            f"column {gone_column!r} is not in today's table",
            f"--rename-column {name}.{gone_column}={guess} or --drop-column {name}.{gone_column}",
            blocking=True,
        ))  # fmt: skip
    specs = site.tables.get(name, {}) if site is not None else {}
    for new_column in new:
        spec = specs.get(new_column)
        if spec and spec.internal_type.endswith("AutoField") and new_column not in table.key:
            # The surrogate id of a table keyed by other columns (a many-to-many pair):
            # the database assigns it, and no restore writes it.
            continue
        fix = f"--set-column {name}.{new_column}=VALUE (JSON), or upgrade the backup"
        if len(gone) == 1 and len(new) == 1:
            fix = f"--rename-column {name}.{gone[0]}={new_column}, " + fix
        default = f" (the model's default is {spec.default!r})" if spec and spec.has_default else ""
        items.append(DriftItem(
            backup.label, DriftKind.COLUMN_NEW, name, new_column,
            f"today's table has column {new_column!r}, which the backup lacks{default}: an upgrade"
            " may have given old rows another value than the default",
            fix,
            blocking=True,
        ))  # fmt: skip
    now = current.tables.get(name)
    if now is not None and backup.info.get("format") == current.info.get("format"):
        for column in table.columns:
            kinds = {column.kind}
            if column.name in now.column_names:
                kinds.add(now.column(column.name).kind)
            if kinds == {ColumnKind.DECIMAL, ColumnKind.PLAIN} and column.name not in specs:
                items.append(DriftItem(
                    backup.label, DriftKind.TYPE_CHANGED, name, column.name,
                    f"column {column.name!r} holds {column.kind.value} values in the backup and"
                    f" {now.column(column.name).kind.value} values in {current.label}",
                    "upgrade the backup (repairkit upgrade), or --drop-column"
                    f" {name}.{column.name}", blocking=True,
                ))  # fmt: skip
    for column in table.columns:
        spec = specs.get(column.name)
        if spec is not None and column.kind is ColumnKind.DECIMAL:
            if spec.internal_type != "DecimalField":
                items.append(DriftItem(
                    backup.label, DriftKind.TYPE_CHANGED, name, column.name,
                    f"column {column.name!r} holds decimals in the backup and is an"
                    f" {spec.internal_type} today: each value is checked, none converted",
                    "upgrade the backup with the site's migrators (repairkit upgrade)",
                ))  # fmt: skip
    return items


def prepare_backups(
    backups: Sequence[Snapshot],
    current: Snapshot,
    mapping: SchemaMapping,
    site: SiteFields | None = None,
) -> tuple[list[Snapshot], SchemaCheck]:
    """Map ``backups`` into today's names and check them against today's schema.

    :raises MappingError: if the mapping names a table or column that does not exist.
    """
    mapped = list(backups)
    if mapping:
        today = today_columns(current, site)
        models = {name: table.model for name, table in current.tables.items()}
        if site is not None:
            models.update(site.models)
        mapped = apply_mapping(backups, mapping, today, models)
    return mapped, check_schema(mapped, current, site)
