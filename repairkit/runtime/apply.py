"""Insert a restore directory's rows into the site's database, in one transaction.

Like Django's ``loaddata``, rows go in raw: one INSERT per row of exactly
the table's own columns, no ``save()``, no signals, so a multi-table-
inheritance child writes only its own table. Foreign-key checks are deferred
while inserting (so rows that point at each other work), then the inserted
rows are checked before the transaction ends. The field repairs come after
the inserts, in the same transaction (see ``updates``). A dry run does all of
it and rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from repairkit.updates_file import FileUpdate

from .report import FieldOutcome, RestoreError, RestoreReport, TableOutcome
from .sequences import raise_sequences
from .source import SourceTable
from .target import TargetTable, ValueConverter, resolve_targets
from .updates import apply_updates

ProgressCallback = Callable[[TableOutcome], None]
_CHUNK = 500  # keys per "WHERE pk IN (...)": well under every backend's parameter limit


def restore_rows(
    tables: list[SourceTable],
    *,
    apply: bool,
    using: str = DEFAULT_DB_ALIAS,
    progress: ProgressCallback | None = None,
    updates: list[FileUpdate] | None = None,
) -> RestoreReport:
    """Insert the rows of ``tables`` whose primary key is free; commit only if ``apply``.

    ``updates`` are field repairs, applied after the inserts where the field
    still holds the value the plan saw.

    :raises RestoreError: naming the row and the reason; nothing is changed then.
    """
    try:
        return _restore_rows(tables, apply, using, progress, updates or [])
    except DatabaseError as err:  # one that no step below could pin on a row or table
        raise RestoreError(f"database error: {_one_line(err)}") from err


def _restore_rows(
    tables: list[SourceTable],
    apply: bool,
    using: str,
    progress: ProgressCallback | None,
    updates: list[FileUpdate],
) -> RestoreReport:
    connection = connections[using]
    targets = resolve_targets(tables)
    converter = ValueConverter(connection)
    outcomes = []
    inserted: dict[str, set[Any]] = {}
    fields: tuple[FieldOutcome, ...] = ()
    with transaction.atomic(using=using):
        with connection.constraint_checks_disabled():
            for target in targets:
                outcome, inserted[target.name] = _insert_table(connection, target, converter)
                outcomes.append(outcome)
                if progress:
                    progress(outcome)
            # After the inserts: a repaired link may point to a row just put back.
            fields = apply_updates(updates, converter)
        filled = [target for target in targets if inserted[target.name]]
        for target in filled:
            _check_foreign_keys(connection, target, inserted[target.name])
        checked = {target.name for target in filled}
        checked.update(outcome.table for outcome in fields if outcome.updated)
        try:
            # The database's own check, as loaddata does, for what ours does not cover.
            connection.check_constraints(table_names=sorted(checked))
        except IntegrityError as err:
            raise RestoreError(f"constraint check failed: {err}") from err
        if apply:
            raise_sequences(connection, [target.model for target in filled])
        else:
            transaction.set_rollback(True, using=using)
    database = f"{connection.vendor} {using!r}"
    return RestoreReport(tuple(outcomes), applied=apply, database=database, fields=fields)


def _insert_table(
    connection: BaseDatabaseWrapper, target: TargetTable, converter: ValueConverter
) -> tuple[TableOutcome, set[Any]]:
    quote = connection.ops.quote_name
    columns = [field.column for field in (*target.fields, *target.defaulted)]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(target.name), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    pk_field = target.pk_field
    keys = {row.pk: pk_field.to_python(row.pk) for row in target.source.rows}
    existing = _existing_keys(target, keys.values(), connection.alias)
    inserted: set[Any] = set()
    skipped = 0
    with connection.cursor() as cursor:
        for row in target.source.rows:
            if keys[row.pk] in existing:
                skipped += 1
                continue
            params = converter.row_params(target, row)
            try:
                cursor.execute(sql, params)
            except DatabaseError as err:
                raise RestoreError(_one_line(err), target.name, row.pk, row.where) from err
            inserted.add(keys[row.pk])
    names = tuple(field.column for field in target.defaulted)
    outcome = TableOutcome(target.name, len(target.source.rows), len(inserted), skipped, names)
    return outcome, inserted


def _existing_keys(target: TargetTable, keys: Iterable[Any], using: str) -> set[Any]:
    """Return those of ``keys`` that the table holds already."""
    keys = list(keys)
    manager = target.model._base_manager.db_manager(using)
    found: set[Any] = set()
    try:
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            found.update(manager.filter(pk__in=chunk).values_list("pk", flat=True))
    except DatabaseError as err:  # e.g. the site's migrations have not created the table
        raise RestoreError(f"cannot read the table: {_one_line(err)}", target.name) from err
    return found


def _check_foreign_keys(
    connection: BaseDatabaseWrapper, target: TargetTable, inserted: set[Any]
) -> None:
    """Raise for the first inserted row whose foreign key points at no row.

    The database would find it too (``check_constraints``), but PostgreSQL's
    message does not say which row; this query does.
    """
    quote = connection.ops.quote_name
    pk_column = quote(target.pk_field.column)
    by_pk = {target.pk_field.to_python(row.pk): row for row in target.source.rows}
    for field in target.fields:
        is_key = field.many_to_one or field.one_to_one
        if not is_key or not getattr(field, "db_constraint", False):
            continue  # only what the database itself would enforce
        remote = field.target_field
        remote_table = quote(field.related_model._meta.db_table)
        column, remote_column = quote(field.column), quote(remote.column)
        sql = (
            f"SELECT t.{pk_column}, t.{column} FROM {quote(target.name)} t"
            f" LEFT JOIN {remote_table} r ON t.{column} = r.{remote_column}"
            f" WHERE t.{column} IS NOT NULL AND r.{remote_column} IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            dangling = [(pk, value) for pk, value in cursor.fetchall() if pk in inserted]
        if dangling:
            pk, value = dangling[0]
            row = by_pk[pk]
            more = f" (and {len(dangling) - 1} more rows)" if len(dangling) > 1 else ""
            raise RestoreError(
                f"{field.column} = {value!r} points to no row of"
                f" {field.related_model._meta.db_table}{more}",
                target.name,
                row.pk,
                row.where,
            )


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__
