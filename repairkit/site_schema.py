"""Read a Django site's foreign keys and unique columns from its models (exact, not guessed).

This sets ``DJANGO_SETTINGS_MODULE`` and calls ``django.setup()``, which
can happen once per process: a process reads the schema of one site only.
No database is opened; only the model classes are inspected.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from repairkit.errors import PlanError
from repairkit.links import GenericLink, Link, PairTable
from repairkit.plan import RestorePlan
from repairkit.values import ValueType, value_type_of_django_field


@dataclass(frozen=True, slots=True)
class SiteSchema:
    """What a site's models say about its tables.

    ``unique`` maps a db table to the column sets that must be unique in it
    (a single unique column is a set of one); primary keys are left out.
    ``models`` maps a db table to its model's label (``auth.User_groups`` for
    an auto-created many-to-many table); ``pair_tables`` describes those
    auto-created tables, whose surrogate ``id`` is the database's to assign.
    """

    settings: str
    links: tuple[Link, ...]
    generic_links: tuple[GenericLink, ...]
    unique: dict[str, tuple[tuple[str, ...], ...]]
    # table -> column -> what its field holds (a foreign key: what its target's key holds)
    value_types: dict[str, dict[str, ValueType]] = dataclasses.field(default_factory=dict)
    use_tz: bool | None = None  # settings.USE_TZ: the site keeps datetimes aware, in UTC
    # table -> (primary key attname, every column's attname by field name)
    attnames: dict[str, tuple[str, dict[str, str]]] = dataclasses.field(default_factory=dict)
    models: dict[str, str] = dataclasses.field(default_factory=dict)
    pair_tables: Mapping[str, PairTable] = dataclasses.field(default_factory=dict)
    # table -> the columns whose field stores a fixture's null as '': NOT NULL text
    # columns, and Lino's choicelists (whose get_prep_value turns None into '')
    empty_for_null: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)


def read_site_schema(settings_module: str) -> SiteSchema:
    """Set up Django with ``settings_module`` and read every model's links and unique columns.

    :raises PlanError: if the settings cannot be loaded, or Django was set up
        already with other settings in this process.
    """
    try:
        import django
        from django.apps import apps
        from django.conf import settings
    except ImportError as err:  # Django is a dependency, but say so plainly if it is gone
        raise PlanError(f"--settings {settings_module!r} needs Django: {err}") from err
    configured = os.environ.get("DJANGO_SETTINGS_MODULE")
    if settings.configured and configured != settings_module:
        raise PlanError(
            f"cannot read settings {settings_module!r}: this process already uses {configured!r}"
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    try:
        importlib.import_module(settings_module)
        django.setup()
    except Exception as err:  # any error in the site's own code means: cannot load it
        raise PlanError(f"cannot load settings {settings_module!r}: {err!r}") from err
    links: list[Link] = []
    generic_links: list[GenericLink] = []
    unique: dict[str, tuple[tuple[str, ...], ...]] = {}
    value_types: dict[str, dict[str, ValueType]] = {}
    attnames: dict[str, tuple[str, dict[str, str]]] = {}
    models: dict[str, str] = {}
    pair_tables: dict[str, PairTable] = {}
    empty_for_null: dict[str, frozenset[str]] = {}
    # Auto-created many-to-many tables too: their rows point to both sides.
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        models.setdefault(meta.db_table, meta.label)
        if meta.auto_created:
            pair_tables[meta.db_table] = _pair_table(model)
        value_types[meta.db_table] = _value_types_of(meta)
        empty_for_null[meta.db_table] = frozenset(
            field.attname for field in meta.local_concrete_fields
            if not field.is_relation and value_types[meta.db_table][field.attname] is ValueType.TEXT
            and (not field.null or hasattr(field, "choicelist"))
        )  # fmt: skip
        fields = {field.name: field.attname for field in meta.local_concrete_fields}
        attnames[meta.db_table] = (meta.pk.attname, fields)
        links.extend(_links_of(meta))
        generic_links.extend(_generic_links_of(meta))
        sets = _unique_sets_of(meta)
        if sets:
            unique[meta.db_table] = sets
    return SiteSchema(
        settings_module, tuple(links), tuple(generic_links), unique, value_types,
        bool(settings.USE_TZ), attnames, models, pair_tables, empty_for_null,
    )  # fmt: skip


def _pair_table(through: Any) -> PairTable:
    """Describe an auto-created through model by the many-to-many field that made it."""
    owner = through._meta.auto_created
    field = next(f for f in owner._meta.local_many_to_many if f.remote_field.through is through)
    return PairTable(
        through._meta.db_table, owner._meta.db_table, field.m2m_column_name(),
        field.m2m_reverse_name(), field.name,
    )  # fmt: skip


def _value_types_of(meta: Any) -> dict[str, ValueType]:
    types = {}
    for field in meta.local_concrete_fields:
        types[field.attname] = value_type_of_django_field(_stored_field(field).get_internal_type())
    return types


def _stored_field(field: Any) -> Any:
    """Return the field whose values ``field`` holds: a foreign key holds its target's.

    The target may be a relation itself: a key to a multi-table-inheritance
    child (Lino's ``contacts.Person``) points at its parent link, which holds
    the parent's ``id``.
    """
    while field.is_relation:
        field = field.target_field
    return field


def label_plan(plan: RestorePlan, schema: SiteSchema) -> RestorePlan:
    """Return ``plan`` with each table's model label taken from the site where the source had none.

    A SQL dump or a live database names tables, not models; a fixture needs models.
    """
    tables = tuple(
        replace(table, model=schema.models[table.name])
        if not table.model and table.name in schema.models
        else table
        for table in plan.tables
    )
    return replace(plan, tables=tables)


def _links_of(meta: Any) -> list[Link]:
    links = []
    for field in meta.local_fields:
        if not field.is_relation or not field.concrete:
            continue
        target_meta = field.related_model._meta
        # A Link points to a primary key; a to_field foreign key points elsewhere.
        if field.target_field is not target_meta.pk:
            continue
        links.append(Link(meta.db_table, field.attname, target_meta.db_table))
    return links


def _generic_links_of(meta: Any) -> list[GenericLink]:
    found = []
    for field in meta.private_fields:
        ct_field = getattr(field, "ct_field", None)
        fk_field = getattr(field, "fk_field", None)
        if isinstance(ct_field, str) and isinstance(fk_field, str):
            type_column = meta.get_field(ct_field).attname
            id_column = meta.get_field(fk_field).attname
            found.append(GenericLink(meta.db_table, type_column, id_column))
    return found


def _unique_sets_of(meta: Any) -> tuple[tuple[str, ...], ...]:
    from django.db.models import UniqueConstraint

    def columns(names: Any) -> tuple[str, ...]:
        return tuple(meta.get_field(name).attname for name in names)

    sets: list[tuple[str, ...]] = [
        (field.attname,) for field in meta.local_fields if field.unique and not field.primary_key
    ]
    sets.extend(columns(names) for names in meta.unique_together)
    for constraint in meta.constraints:
        # A conditional or expression constraint cannot be checked on plain values.
        if (
            isinstance(constraint, UniqueConstraint)
            and constraint.fields
            and not constraint.condition
        ):
            sets.append(columns(constraint.fields))
    return tuple(dict.fromkeys(sets))
