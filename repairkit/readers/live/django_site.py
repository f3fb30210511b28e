"""Read a Django site's live database through Django: ``django:mysite.settings[#alias]``.

With the models at hand, nothing is guessed: tables, columns (attnames, so
``country_id``), primary keys, foreign keys, content type pointers,
babel columns (plain columns here), and what a field's value means: a
field's own ``from_db_value`` runs (except that a stored value it reads as
``None``, a Lino choicelist's ``''``, stays as stored: docs/values.md).

``django.setup()`` is global to the process: one process reads one site.
The reading runs in one transaction that the database is told is read
only, and is rolled back.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef, Snapshot, Table
from repairkit.values import ValueType, value_type_of_django_field

from ..django_tables import is_skipped_table, map_content_types
from .tables import (
    SKIPPED_MODELS,
    ColumnSpec,
    TableSpec,
    as_many_to_many,
    build_table,
    parent_table,
)

PREFIX = "django:"
SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"
_BATCH = 2000
_PLAIN = (
    str,
    int,
    float,
    bool,
    Decimal,
    datetime.date,
    datetime.time,
    dict,
    list,
    bytes,
    memoryview,
)


def is_django_source(source: str) -> bool:
    """Tell whether ``source`` names a Django site: ``django:mysite.settings[#alias]``."""
    return source.startswith(PREFIX) and len(source) > len(PREFIX)


def read_django_database(source: str, label: str | None = None) -> Snapshot:
    """Read the database of the Django site named by ``source`` into a Snapshot.

    :raises DumpNotFoundError: if the settings cannot be loaded or name no such alias.
    :raises DumpFormatError: if a value does not fit its field.
    """
    settings_module, _, alias = source[len(PREFIX) :].partition("#")
    alias = alias or "default"
    _set_up_django(source, settings_module)
    from django.db import DEFAULT_DB_ALIAS, connections, transaction
    from django.utils.connection import ConnectionDoesNotExist

    try:
        connection = connections[alias or DEFAULT_DB_ALIAS]
    except ConnectionDoesNotExist as err:
        raise DumpNotFoundError(
            source, f"no database alias {alias!r} in {settings_module}"
        ) from err
    tables: list[Table] = []
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            _make_read_only(connection.vendor, cursor)
            try:
                content_types = _content_types(cursor, connection)
                for spec, fields in _table_specs():
                    rows = _read_rows(cursor, connection, spec, fields)
                    try:
                        tables.append(build_table(spec, rows, content_types, parent_table(spec)))
                    except ValueError as err:
                        raise DumpFormatError(source, None, str(err)) from err
            finally:
                # The connection outlives this read (the site may write next),
                # also when a value does not fit.
                if connection.vendor == "sqlite":
                    cursor.execute("PRAGMA query_only = OFF")
        transaction.set_rollback(True, using=alias)
    info = {"format": "django", "settings": settings_module, "alias": alias}
    return Snapshot(label or source, tables, info)


def _set_up_django(source: str, settings_module: str) -> None:
    import django
    from django.conf import settings

    if settings.configured:
        if os.environ.get("DJANGO_SETTINGS_MODULE") != settings_module:
            raise DumpNotFoundError(
                source,
                f"this process already runs Django with {os.environ.get(SETTINGS_VARIABLE)!r}",
            )
        return
    # Like manage.py: the site's package is found from the working directory.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    # A site may write to stdout while it starts (Lino's log handler does, e.g.
    # about the locale); that must not end up in the output of whoever reads
    # the site, such as a JSON report.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            importlib.import_module(settings_module)
        except ImportError as err:
            raise DumpNotFoundError(
                source, f"cannot import settings {settings_module!r}: {err}"
            ) from err
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        django.setup()


def _make_read_only(vendor: str, cursor: Any) -> None:
    if vendor == "postgresql":
        cursor.execute("SET TRANSACTION READ ONLY")
    elif vendor == "mysql":
        # Applies to the transaction that the next statement starts.
        cursor.execute("SET TRANSACTION READ ONLY")
    elif vendor == "sqlite":
        cursor.execute("PRAGMA query_only = ON")


def _content_types(cursor: Any, connection: Any) -> dict[object, ContentTypeRef]:
    if CONTENT_TYPE_TABLE not in connection.introspection.table_names(cursor):
        return {}
    cursor.execute(
        f"SELECT id, app_label, model FROM {connection.ops.quote_name(CONTENT_TYPE_TABLE)}"
    )
    return map_content_types((row[0], row[1], row[2]) for row in cursor.fetchall())


def _table_specs() -> Iterator[tuple[TableSpec, list[Any]]]:
    """Yield each model's table (and each auto-created many-to-many table) with its fields."""
    from django.apps import apps

    for model in apps.get_models():
        meta = model._meta
        if (
            meta.proxy
            or not meta.managed
            or meta.label_lower in SKIPPED_MODELS
            or is_skipped_table(meta.db_table)
        ):
            continue
        yield _spec_of(model), list(meta.local_concrete_fields)
        for field in meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                spec = as_many_to_many(_spec_of(through, with_model=False))
                fields = [
                    f
                    for f in through._meta.local_concrete_fields
                    if f.attname in {c.name for c in spec.columns}
                ]
                yield spec, fields


def _spec_of(model: Any, with_model: bool = True) -> TableSpec:
    meta = model._meta
    columns = tuple(_column_of(field) for field in meta.local_concrete_fields)
    # A CompositePrimaryKey (Django 5.2) is no column: it names the fields that are.
    key_fields = getattr(meta.pk, "fields", None) or (meta.pk,)
    key = tuple(field.attname for field in key_fields)
    return TableSpec(meta.db_table, columns, key, meta.label if with_model else None)


def _column_of(field: Any) -> ColumnSpec:
    references = None
    if field.is_relation and field.related_model is not None:
        references = field.related_model._meta.db_table
        value_type = value_type_of_django_field(field.target_field.get_internal_type())
    else:
        value_type = value_type_of_django_field(field.get_internal_type())
    scale = field.decimal_places if value_type is ValueType.DECIMAL else None
    # Lino's ChoiceListField; its empty value is '' in the database and in a Snapshot.
    choice = hasattr(field, "choicelist")
    return ColumnSpec(field.attname, value_type, scale, references, choice)


def _read_rows(
    cursor: Any, connection: Any, spec: TableSpec, fields: list[Any]
) -> Iterator[tuple[Any, ...]]:
    quote = connection.ops.quote_name
    by_attname = {field.attname: field for field in fields}
    ordered = [by_attname[column.name] for column in spec.columns]
    key = ", ".join(quote(by_attname[name].column) for name in spec.key)
    columns = ", ".join(quote(field.column) for field in ordered)
    cursor.execute(f"SELECT {columns} FROM {quote(spec.name)} ORDER BY {key}")
    converters = [_orm_converter(field, connection) for field in ordered]
    while batch := cursor.fetchmany(_BATCH):
        for row in batch:
            yield tuple(
                value if convert is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            )


def _orm_converter(field: Any, connection: Any) -> Any:
    """Return the field's own conversion from the database, where it has one, else None."""
    from_db_value = getattr(field, "from_db_value", None)
    if from_db_value is None or field.get_internal_type() == "JSONField":
        # A JSONField's from_db_value reads JSON null and SQL NULL both as None, and
        # hands a JSON string over as a str: the stored text itself says which.
        return None

    def convert(value: object) -> object:
        if value is None:
            return None
        converted = from_db_value(value, None, connection)
        if converted is None:
            return value  # a stored value the field reads as None: Lino's empty choice ''
        if isinstance(converted, _PLAIN):
            return converted
        # A field's own Python object (a Lino Choice): back to what it stores.
        return field.get_prep_value(converted)

    return convert
