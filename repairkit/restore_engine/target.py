"""Map the data onto the site: tables to models, columns to fields, values to SQL.

Only Django is used here, never Lino: the engine must work on any Django
project whose models have the tables of the data.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from .records import ContentTypeName, JsonText, RestoreFailed, SourceTable, Target


def site_models() -> dict[str, Any]:
    """Return the site's concrete models by db table."""
    from django.apps import apps

    models: dict[str, Any] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy:
            models.setdefault(model._meta.db_table, model)
    return models


def own_fields(model: Any) -> dict[str, Any]:
    """Return the model's own concrete fields by column, by attname and by name.

    A multi-table-inheritance child writes only its own table: its local
    fields, whose link to the parent is its primary key.
    """
    own = list(model._meta.local_concrete_fields)
    fields = {field.column: field for field in own}
    fields.update((field.attname, field) for field in own)
    for field in own:  # a fixture names a foreign key by its field: "customer", not customer_id
        fields.setdefault(field.name, field)
    return fields


def resolve_table(table: SourceTable, models: dict[str, Any]) -> Target:
    """Find the site's model and the field of every column.

    :raises RestoreFailed: if the site has no such table or column, or another primary key.
    """
    model = models.get(table.name)
    if model is None:
        raise RestoreFailed("the site has no model with this db table", table.name)
    by_column = own_fields(model)
    fields = []
    for column in table.columns:
        if column not in by_column:
            raise RestoreFailed(f"the site's table has no column {column!r}", table.name)
        fields.append(by_column[column])
    key = identity_fields(model)
    names = [field.column for field in key]
    if table.pk not in {*names, *(field.attname for field in key)}:
        raise RestoreFailed(
            f"the data takes {table.pk!r} for the primary key, the site {', '.join(names)}",
            table.name,
        )
    missing = [field.column for field in key if field not in fields]
    if missing:
        raise RestoreFailed(f"the data lacks the key column(s) {', '.join(missing)}", table.name)
    defaulted = tuple(
        f
        for f in model._meta.local_concrete_fields
        # A surrogate key the data does not hold (a pair's id) is the database's to assign.
        if f not in fields and not (f.primary_key and f not in key)
    )
    return Target(table, model, tuple(fields), defaulted, key)


def identity_fields(model: Any) -> tuple[Any, ...]:
    """Return the fields that identify a row of ``model`` in the data.

    An auto-created many-to-many table is identified by its pair, which
    Django makes unique, not by its surrogate ``id``: the data holds
    memberships, and a fixture has no such id at all. A composite primary
    key (Django 5.2) is identified by its fields.
    """
    meta = model._meta
    if meta.auto_created:
        return tuple(field for field in meta.local_concrete_fields if field.is_relation)
    pk = meta.pk
    if not pk.concrete:  # CompositePrimaryKey: no column of its own
        return tuple(pk.fields)
    return (pk,)


class ValueConverter:
    """Turn decoded values into what the site's fields and database driver take."""

    def __init__(self, connection: Any) -> None:
        from django.conf import settings

        self.connection = connection
        self.use_tz = bool(settings.USE_TZ)
        self.content_types: dict[ContentTypeName, int] = {}

    def python_value(self, value: Any) -> Any:
        """Return ``value`` as the site's field wants it: content type ids, aware datetimes."""
        if isinstance(value, ContentTypeName):
            return self.content_type_id(value)
        if isinstance(value, JsonText):
            return json_field_value(value)
        if isinstance(value, datetime.datetime) and self.use_tz and value.tzinfo is None:
            # Dumps hold datetimes in UTC, so the site's TIME_ZONE must not shift them.
            return value.replace(tzinfo=datetime.timezone.utc)
        return value

    def db_value(self, field: Any, value: Any) -> Any:
        return field.get_db_prep_save(self.python_value(value), self.connection)

    def content_type_id(self, name: ContentTypeName) -> int:
        """Return the site's id of a content type: ids differ between databases.

        :raises RestoreFailed: if the site has no such content type.
        """
        if name not in self.content_types:
            from django.apps import apps

            label = f"{name.app_label}.{name.model}"
            if not apps.is_installed("django.contrib.contenttypes"):
                raise RestoreFailed(
                    f"content type {label}: the site lacks django.contrib.contenttypes"
                )
            from django.contrib.contenttypes.models import ContentType

            manager = ContentType.objects.db_manager(self.connection.alias)
            try:
                found = manager.get_by_natural_key(name.app_label, name.model)
            except ContentType.DoesNotExist as err:
                raise RestoreFailed(f"the site has no content type {label!r}") from err
            self.content_types[name] = found.pk
        return self.content_types[name]

    def row_params(
        self, target: Target, row: tuple[Any, ...], pk: Any, where: str | None = None
    ) -> list[Any]:
        """Return the parameters of the row's INSERT: its values, then the defaulted columns.

        :raises RestoreFailed: naming the row and column, if a value does not fit.
        """
        params = []
        for field, value in zip(target.fields, row, strict=True):
            try:
                params.append(self.db_value(field, value))
            except RestoreFailed as err:
                problem = f"{field.column}: {err.problem}"
                raise RestoreFailed(problem, target.source.name, pk, where) from err
            except Exception as err:  # a field's own conversion may raise anything
                problem = f"{field.column}: cannot store {value!r}: {err}"
                raise RestoreFailed(problem, target.source.name, pk, where) from err
        params.extend(self.db_value(field, field.get_default()) for field in target.defaulted)
        return params


def json_field_value(value: JsonText) -> Any:
    """Return a JSON document as a JSONField saves it: JSON null must not become SQL NULL."""
    if value.text == "null":
        from django.db.models import JSONField, Value

        return Value(None, JSONField())
    return json.loads(value.text)


def is_enforced_link(field: Any) -> bool:
    """Tell whether the database itself enforces this field as a foreign key."""
    return bool((field.many_to_one or field.one_to_one) and getattr(field, "db_constraint", False))
