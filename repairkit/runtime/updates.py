"""Apply a restore directory's field repairs, each only where the field still holds the damage.

An update sets a field back to the backup's value only if the field still
holds the value the plan saw (``corrupted``): a field edited since keeps the
edit and is reported as skipped. One ``UPDATE ... WHERE pk = ... AND field =
corrupted`` per field, through Django's ``QuerySet.update``: no ``save()``,
no signals, as for the inserted rows; ``filter(field=None)`` is Django's
``IS NULL``, so a NULL is matched too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError
from django.db.models import Field, Model

from repairkit.updates_file import FileUpdate

from .report import FieldOutcome, RestoreError, SkippedUpdate
from .target import ValueConverter, site_models


def apply_updates(
    updates: Sequence[FileUpdate], converter: ValueConverter
) -> tuple[FieldOutcome, ...]:
    """Apply ``updates`` in the current transaction; return the counts per table and column.

    :raises RestoreError: naming the update, if the site lacks its table or
        column, or the database refuses the value.
    """
    models = site_models()
    results: dict[tuple[str, str], list[SkippedUpdate | bool]] = {}
    for update in updates:
        model, field = _resolve(update, models)
        try:
            result = _apply_one(update, model, field, converter)
        except RestoreError as err:
            raise RestoreError(f"{update.column}: {err.problem}", update.table, update.pk,
                               update.where) from err  # fmt: skip
        except (DatabaseError, ValueError, TypeError) as err:
            raise RestoreError(
                f"{update.column}: cannot set {update.restored!r}: {' '.join(str(err).split())}",
                update.table, update.pk, update.where,
            ) from err  # fmt: skip
        results.setdefault((update.table, update.column), []).append(result)
    return tuple(
        FieldOutcome(
            table,
            column,
            planned=len(found),
            updated=sum(1 for result in found if result is True),
            already=sum(1 for result in found if result is False),
            skipped=tuple(result for result in found if isinstance(result, SkippedUpdate)),
        )  # fmt: skip
        for (table, column), found in results.items()
    )


def _apply_one(
    update: FileUpdate, model: type[Model], field: Field[Any, Any], converter: ValueConverter
) -> SkippedUpdate | bool:
    """Update one field; return True if updated, False if it holds the restored value already."""
    row = model._base_manager.db_manager(converter.connection.alias).filter(pk=update.pk)
    corrupted = converter.python_value(update.corrupted)
    restored = converter.python_value(update.restored)
    if row.filter(**{field.attname: corrupted}).update(**{field.attname: restored}):
        return True
    if row.filter(**{field.attname: restored}).exists():
        return False  # repaired by an earlier run: nothing to report
    if not row.exists():
        return SkippedUpdate(update.pk, "the row is gone", update.where)
    now = row.values_list(field.attname, flat=True).first()
    return SkippedUpdate(update.pk, f"changed since the plan, now {now!r}", update.where)


def _resolve(
    update: FileUpdate, models: dict[str, type[Model]]
) -> tuple[type[Model], Field[Any, Any]]:
    where = (update.table, update.pk, update.where)
    model = models.get(update.table)
    if model is None:
        raise RestoreError("the site has no model with this db table", *where)
    for field in model._meta.local_concrete_fields:
        if update.column in (field.column, field.attname):
            return model, field
    raise RestoreError(f"the site's table has no column {update.column!r}", *where)
