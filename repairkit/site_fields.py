"""Read what a site's models say about each column: type, length, NULL, choices, default.

The schema check (``repairkit.schema_drift``) compares backups with these
specs. Django must be set up already (``repairkit.site_schema`` does it);
no database is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from repairkit.snapshot import Value

# Django's integer fields and the values their columns hold on every backend.
INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "PositiveIntegerField": (0, 2147483647),
    "BigIntegerField": (-9223372036854775808, 9223372036854775807),
    "PositiveBigIntegerField": (0, 9223372036854775807),
    "AutoField": (1, 2147483647),
    "SmallAutoField": (1, 32767),
    "BigAutoField": (1, 9223372036854775807),
}
NO_DEFAULT = object()  # the field has no default, or one computed at run time


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of today's schema, as the site's model field declares it."""

    table: str
    column: str  # the attname, as snapshots name columns (``country_id``)
    internal_type: str  # Django's ``get_internal_type()``, of the target for a foreign key
    null: bool
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    choices: tuple[Value, ...] | None = None
    unique: bool = False
    default: object = NO_DEFAULT  # a constant default, or NO_DEFAULT
    is_relation: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


@dataclass(frozen=True, slots=True)
class SiteFields:
    """Today's schema according to the site: columns by db table, and the site's version."""

    tables: dict[str, dict[str, FieldSpec]]
    models: dict[str, str]  # db table -> "app_label.ModelName"
    version: str | None  # Lino's ``SITE.version``; None for a plain Django site
    migrators: tuple[str, ...]  # Lino ``migrate_from_X_Y`` methods the site has


def read_site_fields() -> SiteFields:
    """Return the field specs of every concrete model of the site Django was set up with."""
    from django.apps import apps
    from django.conf import settings

    tables: dict[str, dict[str, FieldSpec]] = {}
    models: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        models[meta.db_table] = f"{meta.app_label}.{meta.object_name}"
        columns = tables.setdefault(meta.db_table, {})
        for field in meta.local_concrete_fields:
            columns[field.attname] = _spec_of(meta.db_table, field)
    site = getattr(settings, "SITE", None)
    version = getattr(site, "version", None)
    return SiteFields(tables, models, None if version is None else str(version), _migrators(site))


def _spec_of(table: str, field: Any) -> FieldSpec:
    typed = field.target_field if field.is_relation else field
    internal = typed.get_internal_type()
    if internal in ("AutoField", "BigAutoField", "SmallAutoField") and field.is_relation:
        internal = {"AutoField": "IntegerField", "SmallAutoField": "SmallIntegerField"}.get(
            internal, "BigIntegerField"
        )
    choices = None
    if field.choices and not field.is_relation:
        choices = tuple(_choice_values(field.choices))
    default: object = NO_DEFAULT
    if field.has_default() and not callable(field.default):
        default = field.default
    return FieldSpec(
        table=table, column=field.attname, internal_type=internal, null=field.null,
        max_length=getattr(typed, "max_length", None),
        max_digits=getattr(typed, "max_digits", None),
        decimal_places=getattr(typed, "decimal_places", None),
        choices=choices, unique=bool(field.unique), default=default,
        is_relation=bool(field.is_relation),
    )  # fmt: skip


def _choice_values(choices: Any) -> list[Value]:
    values: list[Value] = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # a named group of choices
            values.extend(inner for inner, _ in label)
        else:
            values.append(value)
    return values


def _migrators(site: Any) -> tuple[str, ...]:
    """Name the ``migrate_from_…`` methods of a Lino site's migration class."""
    name = getattr(site, "migration_class", None)
    if not name:
        return ()
    from django.utils.module_loading import import_string

    try:
        migrator = import_string(name)
    except ImportError:
        return ()
    return tuple(sorted(n for n in dir(migrator) if n.startswith("migrate_from_")))
