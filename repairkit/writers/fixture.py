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
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from repairkit.errors import EmitError, UnstorableValueError
from repairkit.links import PairTable
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
    plan: RestorePlan, *, use_tz: bool | None = None,
    pair_tables: Mapping[str, PairTable] | None = None,
) -> Fixture:  # fmt: skip
    """Return the Django JSON fixture that reinstates the rows of ``plan``.

    ``use_tz`` is the target site's ``USE_TZ`` where known (``--settings``):
    with it, datetimes are written aware, in UTC, so that loaddata does not
    read them in the site's ``TIME_ZONE``; without it (or unknown) naive.
    ``pair_tables`` describes the auto-created many-to-many tables (from the
    site's models): their rows are written as Django's serializers write
    them, in the list of the owner's many-to-many field, where the plan
    brings the owner back, and otherwise as pk-less objects of the
    auto-created model (see ``_add_links``).
    A composite primary key is written as the list of its values, as
    dumpdata does.

    :raises UnstorableValueError: if a value has no exact JSON form.
    :raises EmitError: if a table with rows has no model label.
    """
    problems = find_value_problems(plan, _problem_in_json)
    if problems:
        raise UnstorableValueError("a JSON fixture", problems)
    warnings = find_value_problems(plan, _nul_warning)
    pairs = pair_tables or {}
    objects: list[dict[str, Any]] = []
    by_key: dict[tuple[str, Any], dict[str, Any]] = {}
    for table in plan.tables:
        if not table.rows or table.name in pairs:
            continue
        label = _model_label(table)
        fields = _field_names(plan, table)
        names = [column.name for column in table.columns]
        pk_index = names.index(table.pk)
        key_indices = [names.index(name) for name in table.key_columns]
        for row in table.rows:
            # A composite key's columns are fields of their own; a pk is not.
            values = {
                field: _json_value(value, use_tz=bool(use_tz))
                for index, (field, value) in enumerate(zip(fields, row.values, strict=True))
                if index != pk_index or table.key
            }
            pk: Any = row.pk
            if table.key:
                pk = [_json_value(row.values[index], use_tz=bool(use_tz)) for index in key_indices]
            objects.append({"model": label, "pk": pk, "fields": values})
            by_key[(table.name, row.values[pk_index])] = objects[-1]
    _add_links(plan, pairs, by_key, objects, use_tz=bool(use_tz))
    # Non-ASCII stays readable; json escapes every control character itself.
    text = json.dumps(objects, indent=2, ensure_ascii=False) + "\n"
    return Fixture(text, len(objects), tuple(warnings))


def _add_links(
    plan: RestorePlan,
    pairs: Mapping[str, PairTable],
    owners: Mapping[tuple[str, Any], dict[str, Any]],
    objects: list[dict[str, Any]],
    *,
    use_tz: bool,
) -> None:
    """Write each planned many-to-many link: in its owner's list, or as a pk-less object.

    A link of an owner the plan brings back goes into the owner's field list,
    as dumpdata writes it, which loaddata sets again on every load. A link of
    an owner the current state still has cannot go there without rewriting
    that owner: it becomes an object of the auto-created model without a pk,
    which the database numbers; loading the fixture a second time, the
    pair's unique constraint refuses it and loaddata changes nothing.
    """
    for table in plan.tables:
        pair = pairs.get(table.name)
        if pair is None or not table.rows:
            continue
        label = _model_label(table)
        names = [column.name for column in table.columns]
        owner_at, target_at = names.index(pair.owner_column), names.index(pair.target_column)
        for row in table.rows:
            owner = owners.get((pair.owner_table, row.values[owner_at]))
            owner_pk, target_pk = (
                _json_value(row.values[at], use_tz=use_tz) for at in (owner_at, target_at)
            )
            if owner is not None:
                owner["fields"].setdefault(pair.field, []).append(target_pk)
            else:
                fields = {
                    pair.owner_column.removesuffix(_FK_SUFFIX): owner_pk,
                    pair.target_column.removesuffix(_FK_SUFFIX): target_pk,
                }
                objects.append({"model": label, "pk": None, "fields": fields})


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
