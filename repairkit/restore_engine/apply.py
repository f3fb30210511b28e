"""Insert the rows in one transaction, check them, repair fields, commit or roll back.

Like Django's ``loaddata``, rows go in raw: one INSERT per row of exactly
the model's own columns, no ``save()``, no signals, so a multi-table-
inheritance child writes only its own table. The rows go to the driver 500
at a time (``executemany``), so that a server is not waited for once per
row. Foreign-key checks are deferred while inserting, then the inserted rows
are checked before the transaction ends. A dry run does all of it and rolls
back.
"""

from __future__ import annotations

import json
import logging
from typing import Any, NamedTuple

from .preview import RowPreview, TablePreview
from .problems import Problems
from .records import (
    JsonText,
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

CHUNK = 500  # keys per "pk IN (...)", rows per savepoint: well under every backend's limits


class Outcome(NamedTuple):
    tables: list[TableOutcome]
    updates: list[UpdateOutcome]
    previews: list[TablePreview]  # the first rows inserted per table, with their final values


class RestoreProblems(RestoreFailed):
    """Every problem the run found (``Problems.failure``), with the preview of what went in."""

    def __init__(self, failure: RestoreFailed, previews: list[TablePreview]) -> None:
        super().__init__(failure.problem, failure.table, failure.pk, failure.where)
        self.previews = previews


def restore(
    tables: list[SourceTable],
    updates: list[Update],
    apply: bool,
    using: str,
    preview_rows: int = 0,
) -> Outcome:
    """Insert the rows whose key is free, then repair fields; commit only if ``apply``.

    A row that cannot go in is left out and the run goes on, so that every
    problem is found; if there is any, nothing is committed. The first
    ``preview_rows`` inserted rows of each table are returned with their values.

    :raises RestoreProblems: listing every problem, by table and message (the
        rows it names, the preview of the others); the transaction is rolled back.
    :raises RestoreFailed: for a database error no step could pin on a row or table.
    """
    from django.db import DatabaseError, IntegrityError, connections, transaction

    connection = connections[using]
    models = site_models()
    problems = Problems()
    targets = []
    for table in tables:
        try:
            targets.append(resolve_table(table, models))
        except RestoreFailed as err:
            problems.add(err)
    converter = ValueConverter(connection)
    outcomes, previews = [], []
    inserted: dict[str, dict[Any, str | None]] = {}
    try:
        with transaction.atomic(using=using):
            # Deferred (SQLite, PostgreSQL) or off (MySQL) until the checks below, so
            # that rows may point at rows further down, or at each other.
            with connection.constraint_checks_disabled():
                for target in targets:
                    outcome, inserted[target.source.name], preview = insert_rows(
                        connection, target, converter, problems, preview_rows
                    )
                    outcomes.append(outcome)
                    previews.append(preview)
                update_outcomes, updated_tables = repair_fields(
                    connection, updates, models, converter, problems
                )
            filled = [target for target in targets if inserted[target.source.name]]
            for target in filled:
                check_foreign_keys(connection, target, inserted[target.source.name], problems)
            check_rows_valid(filled, inserted, using, problems)
            if problems:
                raise RestoreProblems(problems.failure(), previews)
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
    return Outcome(outcomes, update_outcomes, previews)


def insert_rows(
    connection: Any,
    target: Target,
    converter: ValueConverter,
    problems: Problems,
    preview_rows: int = 0,
) -> tuple[TableOutcome, dict[Any, str | None], TablePreview]:
    """Insert the table's rows whose key is free, raw; return the outcome and the keys inserted.

    The keys inserted map to where their rows are written, if the data says.
    A row the database refuses, or whose value does not fit, goes into
    ``problems`` and is left out.
    """
    from django.db import transaction

    name = target.source.name
    quote = connection.ops.quote_name
    columns = [field.column for field in (*target.fields, *target.defaulted)]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(name), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    key = target.source.columns.index(target.source.pk)
    keys = [row_key(target, row) for row in target.source.rows]
    try:
        # A savepoint: on PostgreSQL a failed query would refuse every statement after it.
        with transaction.atomic(using=connection.alias):
            existing = existing_keys(target, keys, connection.alias)
    except RestoreFailed as err:
        problems.add(err)
        existing = set(keys)  # nothing of a table that cannot be read goes in
    locations = target.source.locations or [None] * len(keys)
    pending: list[tuple[Any, str | None, tuple[Any, ...], list[Any]]] = []
    seen: set[Any] = set()
    for row, pk, where in zip(target.source.rows, keys, locations, strict=True):
        if pk in existing or pk in seen:
            continue
        seen.add(pk)
        try:
            pending.append((pk, where, row, converter.row_params(target, row, row[key], where)))
        except RestoreFailed as err:
            problems.add(err)
    inserted: dict[Any, str | None] = {}
    shown: list[RowPreview] = []
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        for pk, where, row in _insert_chunk(connection, sql, target, chunk, key, problems):
            inserted[pk] = where
            if len(shown) < preview_rows:
                shown.append(RowPreview(row[key], where, final_values(target, row, converter)))
    rows = len(target.source.rows)
    defaulted = tuple(field.column for field in target.defaulted)
    # Skipped are the rows whose key exists; a refused row is a problem, not skipped.
    outcome = TableOutcome(name, rows, len(inserted), rows - len(seen), defaulted)
    return outcome, inserted, TablePreview(name, len(inserted), tuple(shown))


def _insert_chunk(
    connection: Any,
    sql: str,
    target: Target,
    chunk: list[tuple[Any, str | None, tuple[Any, ...], list[Any]]],
    key: int,
    problems: Problems,
) -> list[tuple[Any, str | None, tuple[Any, ...]]]:
    """Insert the chunk's rows; return those that went in.

    The chunk goes in one ``executemany``: the drivers send it as one batch
    (psycopg in pipeline mode, PyMySQL as multi-row INSERTs, sqlite3 with the
    statement prepared once), where one ``execute`` per row waited for the
    server once per row. It is the same statement with the same parameters,
    so the database checks each row as before. In a savepoint: PostgreSQL
    refuses every statement after a failed one until the transaction, or a
    savepoint, is rolled back. Only a chunk that fails is inserted again row
    by row, each in a savepoint of its own, to find every row the database
    refuses and keep the others.
    """
    from django.db import DatabaseError, transaction

    psycopg_logger = logging.getLogger("psycopg")
    psycopg_logger.addFilter(_drop_pipeline_abort)
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(sql, [params for _, _, _, params in chunk])
        return [(pk, where, row) for pk, where, row, _ in chunk]
    except DatabaseError:
        pass  # found again below, with its row
    finally:
        psycopg_logger.removeFilter(_drop_pipeline_abort)
    done = []
    for pk, where, row, params in chunk:
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(sql, params)
        except DatabaseError as err:
            problems.add(RestoreFailed(one_line(err), target.source.name, row[key], where))
            continue
        done.append((pk, where, row))
    return done


def _drop_pipeline_abort(record: logging.LogRecord) -> bool:
    """Tell whether to log ``record``: not psycopg's word that its pipeline ended in error.

    When a row of an ``executemany`` fails, psycopg raises the row's error
    and, ending the pipeline it sent the rows in, warns on stderr that the
    pipeline was aborted: the same error again, which the caller handles.
    """
    return not str(record.msg).startswith("error ignored terminating")


def final_values(
    target: Target, row: tuple[Any, ...], converter: ValueConverter
) -> tuple[tuple[str, Any], ...]:
    """Return the row's columns with the values it is stored with, defaults included."""
    values = [
        # A JSON document as its data: JSON null is shown as None, not as Django's wrapper.
        (
            field.column,
            json.loads(value.text)
            if isinstance(value, JsonText)
            else converter.python_value(value),
        )
        for field, value in zip(target.fields, row, strict=True)
    ]
    values += [(field.column, field.get_default()) for field in target.defaulted]
    return tuple(values)


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


def check_foreign_keys(
    connection: Any, target: Target, inserted: dict[Any, str | None], problems: Problems
) -> None:
    """Put every inserted row whose foreign key points at no row into ``problems``.

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
        remote_table = field.related_model._meta.db_table
        for pk, value in dangling:
            problems.add(
                RestoreFailed(
                    f"{field.column} = {value!r} points to no row of {remote_table}",
                    target.source.name, pk, inserted[pk],
                ),
                f"{field.column} points to no row of {remote_table}",
                f" = {value!r}",
            )  # fmt: skip


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
