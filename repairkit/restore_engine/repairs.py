"""Field repairs: put a value back where the row still holds the damaged one."""

from __future__ import annotations

import datetime
from typing import Any

from .problems import Problems
from .records import RestoreFailed, SkippedRepair, Update, UpdateOutcome, one_line
from .target import ValueConverter, is_enforced_link, own_fields


def repair_fields(
    connection: Any,
    updates: list[Update],
    models: dict[str, Any],
    converter: ValueConverter,
    problems: Problems,
) -> tuple[list[UpdateOutcome], list[str]]:
    """Put back each restored value where the row still holds the corrupted one.

    A value that differs from both was edited since the plan was made and is
    left alone. Returns the outcome per table and the tables updated. A repair
    whose table or column is unknown, or whose value the database refuses,
    goes into ``problems``.
    """
    from django.db import transaction

    results: dict[str, list[bool | SkippedRepair]] = {}
    for update in updates:
        row = (update.table, update.pk, update.where)
        model = models.get(update.table)
        field = own_fields(model).get(update.column) if model is not None else None
        if model is None:
            problems.add(RestoreFailed("the site has no model with this db table", *row))
        elif field is None:
            problems.add(RestoreFailed(f"the site's table has no column {update.column!r}", *row))
        else:
            try:
                # A savepoint: after a refused UPDATE, PostgreSQL takes no more statements.
                with transaction.atomic(using=connection.alias):
                    result = repair_field(connection, model, field, update, converter)
            except RestoreFailed as err:
                problems.add(err)
                continue
            results.setdefault(update.table, []).append(result)
    outcomes = [
        UpdateOutcome(
            table,
            planned=len(found),
            updated=sum(1 for result in found if result is True),
            already=sum(1 for result in found if result is False),
            skipped=tuple(result for result in found if isinstance(result, SkippedRepair)),
        )
        for table, found in results.items()
    ]
    return outcomes, [outcome.table for outcome in outcomes if outcome.updated]


def repair_field(
    connection: Any, model: Any, field: Any, update: Update, converter: ValueConverter
) -> bool | SkippedRepair:
    """Repair one field of one row: True if updated, False if it held the restored value already.

    :raises RestoreFailed: naming the row, if the database refuses the value.
    """
    from django.db import DatabaseError

    manager = model._base_manager.db_manager(connection.alias)
    row = manager.filter(pk=model._meta.pk.to_python(update.pk))
    locked = row
    if connection.features.has_select_for_update:
        locked = row.select_for_update()  # nobody may change it between our read and write
    where = (update.table, update.pk, update.where)
    try:
        current = list(locked.values_list(field.attname, flat=True))
        if not current:
            return SkippedRepair(update, "the row is gone")
        # Compared here in Python, not in the UPDATE's WHERE: a case-insensitive
        # collation (MySQL's default) would take an edited 'X@y.org' for 'x@y.org'.
        if same_value(current[0], converter.python_value(update.restored)):
            return False
        if not same_value(current[0], converter.python_value(update.corrupted)):
            return SkippedRepair(update, f"changed since the plan, now {current[0]!r}")
        value = converter.python_value(update.restored)
        # update() sends no signals and calls no save(), like the raw inserts.
        row.update(**{field.attname: value})
    except RestoreFailed as err:
        raise RestoreFailed(f"{field.column}: {err.problem}", *where) from err
    except DatabaseError as err:
        problem = f"{field.column}: cannot store {update.restored!r}: {one_line(err)}"
        raise RestoreFailed(problem, *where) from err
    if is_enforced_link(field) and value is not None:
        target = field.related_model._base_manager.db_manager(connection.alias)
        if not target.filter(**{field.target_field.attname: value}).exists():
            raise RestoreFailed(
                f"{field.column} = {value!r} points to no row of"
                f" {field.related_model._meta.db_table}",
                *where,
            )
    return True


def same_value(current: Any, expected: Any) -> bool:
    """Compare a stored value with one of the data, as repairkit compares values.

    The data holds datetimes in whole seconds (dump2py drops microseconds),
    and booleans as booleans where a database may hand back 0 or 1.
    """
    if current is None or expected is None:
        return current is None and expected is None
    if isinstance(current, datetime.datetime) and isinstance(expected, datetime.datetime):
        if expected.microsecond == 0:
            current = current.replace(microsecond=0)
    if isinstance(expected, bool):
        return isinstance(current, int) and bool(current) is expected
    return bool(current == expected)
