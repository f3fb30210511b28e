"""RestorePlan -> a Django JSON fixture of the rows to reinstate: ``render_fixture``.

``manage.py loaddata`` saves the objects in file order, inside one
transaction, with constraint checks deferred to the end; the plan's order
(parents first) is kept. A fixture names models and fields, not tables and
columns, so:

- the model label is the table's ``model`` (``repairdemo.Person`` becomes
  ``repairdemo.person``, as Django writes it);
- a foreign key column (``country_id``) becomes its field (``country``). A
  column is a foreign key when the plan's links say so, or when the reader
  marked it (content type pointers, multi-table-inheritance parent links).
  Every other column keeps its name: Django finds a field by its column name
  (attname) too, and guessing from an ``_id`` suffix would be wrong for
  plain fields such as a generic foreign key's ``owner_id``;
- a content type is written by natural key, ``["app_label", "model"]``,
  which loaddata resolves on the target site;
- a multi-table-inheritance child holds only its own fields, with the
  parent's key as its ``pk``; the parent row is in the fixture too.

loaddata overwrites a row that has the same primary key. The plan has left
out rows whose key the current state uses, but the live database may have
moved on since: see docs/emit.md.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from repairkit.errors import EmitError, UnstorableValueError
from repairkit.plan import PlannedTable, RestorePlan
from repairkit.snapshot import ColumnKind, ContentTypeRef, JsonValue, Value
from repairkit.writers.emitted import EmitOptions, Emitted
from repairkit.writers.storable import ValueProblem, find_nul, find_value_problems, problem_in_utf8

_FK_SUFFIX = "_id"
FIXTURE_FILE = "repair.json"
APPLY_COMMAND = f"python manage.py loaddata {FIXTURE_FILE}"


@dataclass(frozen=True, slots=True)
class Fixture:
    """A Django JSON fixture, and the doubts about it that only the target site settles."""

    text: str
    object_count: int
    warnings: tuple[ValueProblem, ...]

    def __repr__(self) -> str:
        return f"<Fixture {self.object_count} objects>"


def render_fixture(
    plan: RestorePlan, *, use_tz: bool | None = None, pair_tables: Collection[str] = ()
) -> Fixture:
    """Return the Django JSON fixture that reinstates the rows of ``plan``.

    ``use_tz`` is the target site's ``USE_TZ`` where known (``--settings``):
    with it, datetimes are written aware, in UTC, so that loaddata does not
    read them in the site's ``TIME_ZONE``; without it (or unknown) naive.
    ``pair_tables`` are the auto-created many-to-many tables (from the
    site's models): their rows are written without a pk, which the database
    assigns, as objects of the auto-created model (``auth.user_groups``).
    A composite primary key is written as the list of its values, as
    dumpdata does.

    :raises UnstorableValueError: if a value has no exact JSON form.
    :raises EmitError: if a table with rows has no model label.
    """
    problems = find_value_problems(plan, _problem_in_json)
    if problems:
        raise UnstorableValueError("a JSON fixture", problems)
    warnings = find_value_problems(plan, _nul_warning)
    objects = []
    for table in plan.tables:
        if not table.rows:
            continue
        label = _model_label(table)
        fields = _field_names(plan, table)
        names = [column.name for column in table.columns]
        pk_index = names.index(table.pk)
        key_indices = [names.index(name) for name in table.key_columns]
        for row in table.rows:
            # A pair's or a composite key's columns are fields of their own; a pk is not.
            values = {
                field: _json_value(value, use_tz=bool(use_tz))
                for index, (field, value) in enumerate(zip(fields, row.values, strict=True))
                if index != pk_index or table.key
            }
            pk: Any = row.pk
            if table.name in pair_tables:
                pk = None
            elif table.key:
                pk = [_json_value(row.values[index], use_tz=bool(use_tz)) for index in key_indices]
            objects.append({"model": label, "pk": pk, "fields": values})
    # Non-ASCII stays readable; json escapes every control character itself.
    text = json.dumps(objects, indent=2, ensure_ascii=False) + "\n"
    return Fixture(text, len(objects), tuple(warnings))


def _model_label(table: PlannedTable) -> str:
    if not table.model or "." not in table.model:
        raise EmitError(
            f"table {table.name!r} has no model label ({table.model!r}); a fixture needs one:"
            " give the site's models with --settings"
        )
    app_label, _, model = table.model.rpartition(".")
    return f"{app_label}.{model.lower()}"


def _field_names(plan: RestorePlan, table: PlannedTable) -> list[str]:
    """Return the fixture field name of each column of ``table``."""
    foreign_keys = {link.column for link in plan.links if link.table == table.name}
    foreign_keys.update(
        column.name
        for column in table.columns
        if column.references or column.kind in (ColumnKind.CONTENT_TYPE, ColumnKind.PARENT_LINK)
    )
    return [
        column.name[: -len(_FK_SUFFIX)]
        if column.name in foreign_keys and column.name.endswith(_FK_SUFFIX)
        else column.name
        for column in table.columns
    ]


def _json_value(value: Value, *, use_tz: bool) -> Any:
    """Return ``value`` as Django's serializers write it, for its field's ``to_python``."""
    if isinstance(value, Decimal):
        # As Django's serializer writes it; negative zero is stored as zero anyway.
        return str(abs(value) if value.is_zero() else value)
    if isinstance(value, datetime.datetime):
        # Snapshot datetimes are naive UTC; a USE_TZ site must be told so.
        return (value.replace(tzinfo=datetime.timezone.utc) if use_tz else value).isoformat()
    if isinstance(value, JsonValue):
        return value.load()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        from django.utils.duration import duration_string  # the text DurationField parses

        return duration_string(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, ContentTypeRef):
        return [value.app_label, value.model]
    return value


def _problem_in_json(value: Value) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float {value!r} has no JSON form"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"Decimal {value!r} is not a finite number"
    if isinstance(value, JsonValue) and value.text == "null":
        # A JSONField's to_python reads a fixture's null as None: SQL NULL.
        return "JSON null: loaddata would store SQL NULL instead"
    return problem_in_utf8(value)


def _nul_warning(value: Value) -> str | None:
    offset = find_nul(value)
    if offset is None:
        return None
    return (
        f"NUL character at offset {offset}: loaddata will fail on PostgreSQL, which cannot store it"
    )


def emit_fixture(plan: RestorePlan, options: EmitOptions) -> Emitted:
    """Render ``plan`` as a fixture for ``manage.py loaddata`` (``--emit fixture``)."""
    fixture = render_fixture(plan, use_tz=options.use_tz, pair_tables=options.pair_tables)
    return Emitted(
        {FIXTURE_FILE: fixture.text}, fixture.warnings, f"run: {APPLY_COMMAND}", FIXTURE_FILE
    )
