"""Insert the rows in one transaction, check them, repair fields, commit or roll back.

Like Django's ``loaddata``, rows go in raw: one INSERT per row of exactly
the model's own columns, no ``save()``, no signals, so a multi-table-
inheritance child writes only its own table. Foreign-key checks are deferred
while inserting, then the inserted rows are checked before the transaction
ends. A dry run does all of it and rolls back.
"""

from __future__ import annotations

from typing import Any

from .records import (
    RestoreFailed,
    SourceTable,
    TableOutcome,
    Target,
    Update,
    UpdateOutcome,
    one_line,
)
from .repairs import repair_fields
from .target import ValueConverter, is_enforced_link, resolve_table, site_models
from .validation import check_rows_valid

CHUNK = 500  # keys per "pk IN (...)": well under every backend's parameter limit


def restore(
    tables: list[SourceTable], updates: list[Update], apply: bool, using: str
) -> tuple[list[TableOutcome], list[UpdateOutcome]]:
    """Insert the rows whose key is free, then repair fields; commit only if ``apply``.

    :raises RestoreFailed: naming the row and the reason; the transaction is rolled back.
    """
    from django.db import DatabaseError, IntegrityError, connections, transaction

    connection = connections[using]
    models = site_models()
    targets = [resolve_table(table, models) for table in tables]
    converter = ValueConverter(connection)
    outcomes = []
    inserted: dict[str, dict[Any, str | None]] = {}
    try:
        with transaction.atomic(using=using):
            # Deferred (SQLite, PostgreSQL) or off (MySQL) until the checks below, so
            # that rows may point at rows further down, or at each other.
            with connection.constraint_checks_disabled():
                for target in targets:
                    outcome, inserted[target.source.name] = insert_rows(
                        connection, target, converter
                    )
                    outcomes.append(outcome)
                update_outcomes, updated_tables = repair_fields(
                    connection, updates, models, converter
                )
            filled = [target for target in targets if inserted[target.source.name]]
            for target in filled:
                check_foreign_keys(connection, target, inserted[target.source.name])
            check_rows_valid(filled, inserted, using)
            checked = [t.source.name for t in filled]
            checked += [name for name in updated_tables if name not in checked]
            try:
                # The database's own check, as loaddata does, for what ours does not cover.
                connection.check_constraints(table_names=checked)
            except IntegrityError as err:
                raise RestoreFailed(f"constraint check failed: {one_line(err)}") from err
            if apply:
                # Last: PostgreSQL cannot roll setval back, so never on a dry run.
                raise_sequences(connection, [target.model for target in filled])
            else:
                transaction.set_rollback(True, using=using)
    except DatabaseError as err:  # one that no step could pin on a row or table
        raise RestoreFailed(f"database error: {one_line(err)}") from err
    return outcomes, update_outcomes


def insert_rows(
    connection: Any, target: Target, converter: ValueConverter
) -> tuple[TableOutcome, dict[Any, str | None]]:
    """Insert the table's rows whose key is free, raw; return the outcome and the keys inserted.

    The keys inserted map to where their rows are written, if the data says.

    :raises RestoreFailed: naming the row the database refused.
    """
    from django.db import DatabaseError

    name = target.source.name
    quote = connection.ops.quote_name
    columns = [field.column for field in (*target.fields, *target.defaulted)]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(name), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    key = target.source.columns.index(target.source.pk)
    keys = [row_key(target, row) for row in target.source.rows]
    existing = existing_keys(target, keys, connection.alias)
    locations = target.source.locations or [None] * len(keys)
    inserted: dict[Any, str | None] = {}
    with connection.cursor() as cursor:
        for row, pk, where in zip(target.source.rows, keys, locations, strict=True):
            if pk in existing or pk in inserted:
                continue
            params = converter.row_params(target, row, row[key], where)
            try:
                cursor.execute(sql, params)
            except DatabaseError as err:
                raise RestoreFailed(one_line(err), name, row[key], where) from err
            inserted[pk] = where
    rows = len(target.source.rows)
    defaulted = tuple(field.column for field in target.defaulted)
    return TableOutcome(name, rows, len(inserted), rows - len(inserted), defaulted), inserted


def row_key(target: Target, row: tuple[Any, ...]) -> Any:
    """Return the row's key as the site's fields read it: a value, or a tuple of several."""
    columns = target.source.columns
    values = tuple(field.to_python(row[columns.index(field.column)]) for field in target.key)
    return values[0] if len(values) == 1 else values


def existing_keys(target: Target, keys: list[Any], using: str) -> set[Any]:
    """Return those of ``keys`` that the table holds already (tuples for a key of several)."""
    from django.db import DatabaseError

    manager = target.model._base_manager.db_manager(using)
    names = [field.attname for field in target.key]
    found: set[Any] = set()
    try:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            if len(names) == 1:
                found.update(manager.filter(**{f"{names[0]}__in": chunk}).values_list(
                    names[0], flat=True
                ))  # fmt: skip
                continue
            # Narrowed by the first column, then matched whole: portable to every backend.
            firsts = {values[0] for values in chunk}
            rows = manager.filter(**{f"{names[0]}__in": firsts}).values_list(*names)
            found.update(tuple(values) for values in rows)
    except DatabaseError as err:  # e.g. the site's migrations have not created the table
        raise RestoreFailed(f"cannot read the table: {one_line(err)}", target.source.name) from err
    return found


def check_foreign_keys(connection: Any, target: Target, inserted: dict[Any, str | None]) -> None:
    """Raise for the first inserted row whose foreign key points at no row.

    The database would find it too (``check_constraints``), but PostgreSQL's
    message does not say which row; this query does.
    """
    quote = connection.ops.quote_name
    key_columns = ", ".join(f"t.{quote(field.column)}" for field in target.key)
    for field in target.fields:
        if not is_enforced_link(field):
            continue
        remote = field.target_field
        column, remote_column = quote(field.column), quote(remote.column)
        sql = (
            f"SELECT t.{column}, {key_columns} FROM {quote(target.source.name)} t"
            f" LEFT JOIN {quote(field.related_model._meta.db_table)} r"
            f" ON t.{column} = r.{remote_column}"
            f" WHERE t.{column} IS NOT NULL AND r.{remote_column} IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            found = []
            for value, *key in cursor.fetchall():
                # As row_key reads them, so that a UUID stored as text matches too.
                key = [part.to_python(raw) for part, raw in zip(target.key, key, strict=True)]
                found.append((key[0] if len(key) == 1 else tuple(key), value))
            dangling = [(pk, value) for pk, value in found if pk in inserted]
        if dangling:
            pk, value = dangling[0]
            more = f" (and {len(dangling) - 1} more rows)" if len(dangling) > 1 else ""
            raise RestoreFailed(
                f"{field.column} = {value!r} points to no row of"
                f" {field.related_model._meta.db_table}{more}",
                target.source.name,
                pk,
                inserted[pk],
            )


def raise_sequences(connection: Any, models: list[Any]) -> None:
    """Make each PostgreSQL key sequence hand out keys above the table's highest one.

    Never lower it (Django's ``sequence_reset_sql`` would set it to the highest
    key, and hand out again keys of rows deleted since). SQLite and MySQL move
    their counters up by themselves when a higher key is inserted.
    """
    from django.db import models as django_models

    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            field = model._meta.pk
            if not isinstance(field, django_models.AutoField):
                continue  # e.g. a multi-table-inheritance child, keyed by its parent
            table = model._meta.db_table
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), field.column])
            (sequence,) = cursor.fetchone()
            if sequence is None:
                continue
            # The name comes from PostgreSQL itself, schema-qualified and quoted as needed.
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            cursor.execute(f"SELECT MAX({quote(field.column)}) FROM {quote(table)}")
            (highest,) = cursor.fetchone()
            handed_out = last_value if is_called else last_value - 1
            if highest is not None and highest > handed_out:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, highest])
