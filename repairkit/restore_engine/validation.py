"""Validate the inserted rows with the site's models before anything is committed.

A database takes what its columns take: SQLite stores a text over
``max_length``, or a text in an integer column. The models know better, so
every inserted row is read back through its model and its own fields are
cleaned (``Model.clean_fields``) inside the transaction, where the rows it
points to exist. Foreign keys are left to the engine's own check; the
model's ``clean()`` is not called, since it may need more than a row, nor
the form rule ``blank`` (a NULL the column allows, an empty text).
All invalid rows are reported at once, grouped by table and message.
"""

from __future__ import annotations

from typing import Any

from .problems import Problems
from .records import Target

_CLEAN_CHUNK = 500  # keys per "pk IN (...)", as for inserting


def check_rows_valid(
    targets: list[Target], inserted: dict[str, dict[Any, str | None]], using: str,
    problems: Problems,
) -> None:  # fmt: skip
    """Clean the own fields of every inserted row; put every invalid one into ``problems``."""
    for target in targets:
        keys = inserted.get(target.source.name) or {}
        if keys:
            _collect_invalid(target, keys, using, problems)


def _collect_invalid(
    target: Target, keys: dict[Any, str | None], using: str, problems: Problems
) -> None:
    from django.core.exceptions import ValidationError

    model = target.model
    if model._meta.auto_created:
        # A many-to-many table: inserted by its pair, which the foreign key check covers.
        return
    # Only the table's own columns: a child's parent part is its own table's business.
    own = {field.name for field in target.fields if not field.is_relation}
    exclude = [f.name for f in model._meta.concrete_fields if f.name not in own]
    manager = model._base_manager.db_manager(using)
    pks = list(keys)
    for start in range(0, len(pks), _CLEAN_CHUNK):
        for instance in manager.filter(pk__in=pks[start : start + _CLEAN_CHUNK]).order_by("pk"):
            # A NULL where the column allows NULL, and an empty text, are states the
            # database holds as valid and the site itself saves (User.objects.create()
            # leaves password ''): "blank" is a form's rule, not the database's.
            values = {f.name: getattr(instance, f.attname) for f in model._meta.concrete_fields}
            empty = [
                f.name for f in model._meta.concrete_fields
                if values[f.name] == "" or f.null and values[f.name] is None
            ]  # fmt: skip
            try:
                instance.clean_fields(exclude=exclude + empty)
            except ValidationError as err:
                where = keys.get(instance.pk)
                for field, messages in err.message_dict.items():
                    for message in messages:
                        problems.add_invalid(
                            target.source.name, f"{field}: {message}", instance.pk, where
                        )
