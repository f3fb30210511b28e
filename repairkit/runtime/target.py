"""Map a restore directory onto the site: tables to models, columns to fields, values to SQL.

Only Django is used here, never Lino: the runtime must work on any Django
project whose models have the tables of the restore directory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from repairkit.snapshot import ContentTypeRef, Value

from .report import RestoreError
from .source import SourceRow, SourceTable


@dataclass(frozen=True)
class TargetTable:
    """A source table with the site's model and the field of each of its columns."""

    source: SourceTable
    model: type[Model]
    fields: tuple[Field[Any, Any], ...]  # one per source column, same order
    defaulted: tuple[Field[Any, Any], ...]  # the model's own columns the source lacks

    @property
    def pk_field(self) -> Field[Any, Any]:
        pk: Field[Any, Any] = self.model._meta.pk
        return pk

    @property
    def name(self) -> str:
        return self.source.name


def resolve_targets(tables: list[SourceTable]) -> list[TargetTable]:
    """Find the site's model and fields for every table and column.

    :raises RestoreError: if the site has no such table or column, or another primary key.
    """
    models = site_models()
    return [_resolve_table(table, models) for table in tables]


def site_models() -> dict[str, type[Model]]:
    """Return the site's concrete models by db table."""
    models: dict[str, type[Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy:
            models.setdefault(model._meta.db_table, model)
    return models


def _resolve_table(table: SourceTable, models: dict[str, type[Model]]) -> TargetTable:
    model = models.get(table.name)
    if model is None:
        raise RestoreError("the site has no model with this db table", table.name)
    # A multi-table-inheritance child writes only its own table: its local
    # fields, whose link to the parent is its primary key.
    own = [field for field in model._meta.local_concrete_fields]
    by_column = {field.column: field for field in own}
    by_column.update((field.attname, field) for field in own)
    fields = []
    for column in table.columns:
        field = by_column.get(column.name)
        if field is None:
            raise RestoreError(f"the site's table has no column {column.name!r}", table.name)
        fields.append(field)
    pk = model._meta.pk
    assert pk is not None
    if table.pk not in (pk.column, pk.attname):
        raise RestoreError(
            f"the data files take {table.pk!r} for the primary key, the site {pk.column!r}",
            table.name,
        )
    defaulted = tuple(field for field in own if field not in fields)
    return TargetTable(table, model, tuple(fields), defaulted)


class ValueConverter:
    """Turn source values into what the database driver takes, for one connection."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.use_tz = bool(settings.USE_TZ)
        self._content_types: dict[ContentTypeRef, int] = {}

    def row_params(self, target: TargetTable, row: SourceRow) -> list[object]:
        """Return the parameters of ``row``'s INSERT: its values, then the defaulted columns.

        :raises RestoreError: naming the row and column, if a value does not fit.
        """
        params = []
        for field, value in zip(target.fields, row.values, strict=True):
            try:
                params.append(field.get_db_prep_save(self.python_value(value), self.connection))
            except RestoreError as err:
                problem = f"{field.column}: {err.problem}"
                raise RestoreError(problem, target.name, row.pk, row.where) from err
            except Exception as err:  # noqa: BLE001 -- a field's own conversion may raise anything
                raise RestoreError(
                    f"{field.column}: cannot store {value!r}: {err}", target.name, row.pk, row.where
                ) from err
        for field in target.defaulted:
            params.append(field.get_db_prep_save(field.get_default(), self.connection))
        return params

    def python_value(self, value: Value) -> object:
        """Return ``value`` as the site's field wants it: content type ids, aware datetimes."""
        if isinstance(value, ContentTypeRef):
            return self.content_type_id(value)
        if isinstance(value, datetime.datetime) and self.use_tz and value.tzinfo is None:
            # Dumps hold datetimes in UTC (dump2py writes them so when USE_TZ is on).
            return value.replace(tzinfo=datetime.timezone.utc)
        return value

    def content_type_id(self, ref: ContentTypeRef) -> int:
        """Return the site's own id for the content type ``ref`` (ids differ between databases).

        :raises RestoreError: if the site has no such content type.
        """
        if ref not in self._content_types:
            if not apps.is_installed("django.contrib.contenttypes"):
                raise RestoreError(
                    f"content type {ref}: the site lacks django.contrib.contenttypes"
                )
            from django.contrib.contenttypes.models import ContentType

            manager = ContentType.objects.db_manager(self.connection.alias)
            try:
                content_type = manager.get_by_natural_key(ref.app_label, ref.model)
            except ContentType.DoesNotExist as err:
                raise RestoreError(f"the site has no content type {str(ref)!r}") from err
            self._content_types[ref] = content_type.pk
        return self._content_types[ref]
