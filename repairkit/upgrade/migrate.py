"""Migrate a scratch SQLite database forward with the site's own migrations (a subprocess).

Usage::

    python -m repairkit.upgrade.migrate SETTINGS SCRATCH_DB
    python -m repairkit.upgrade.migrate SETTINGS SCRATCH_DB --state STATE.json --rows ROWS.json

Run by ``repairkit.upgrade.django_db`` in its own process: Django is set up
with the site's settings, whose default database is replaced by the scratch
file before anything opens it.

Without ``--state``, the scratch file is a copy of a backup database, and
``migrate`` (Django's migration executor: the site's migrations, ``RunPython``
data migrations included) takes it from the state its ``django_migrations``
rows record to the site's.

With ``--state`` and ``--rows``, the scratch file is new: it is migrated to
the state the backup was made at (``STATE.json``: the ``[app, name]``
migrations that had run), the backup's rows (``ROWS.json``, the restore
engine's tables) are inserted into the tables of that state, through the
fields of the historical models Django builds from the migrations, and
then ``migrate`` takes it forward like a backup database.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

from repairkit.restore_engine.apply import insert_rows
from repairkit.restore_engine.problems import Problems
from repairkit.restore_engine.records import ContentTypeName, RestoreFailed, decode_tables
from repairkit.restore_engine.target import ValueConverter, resolve_table


def main(argv: list[str]) -> int:
    settings_module, scratch, *more = argv
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    sys.path.insert(0, os.getcwd())  # as manage.py would have it
    module = importlib.import_module(settings_module)
    scratch_db = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": scratch}}
    module.DATABASES = scratch_db  # type: ignore[attr-defined]  # a settings module
    import django
    from django.core.management import call_command

    django.setup()
    if more:
        options = dict(zip(more[::2], more[1::2], strict=True))
        with open(options["--state"], encoding="utf-8") as file:
            state = [(str(app), str(name)) for app, name in json.load(file)]
        with open(options["--rows"], encoding="utf-8") as file:
            tables = json.load(file)
        load_at_state(state, tables)
    call_command("migrate", interactive=False, verbosity=1)
    return 0


def load_at_state(state: list[tuple[str, str]], tables: list[dict[str, Any]]) -> None:
    """Migrate the empty scratch database to ``state`` and insert the backup's rows there.

    :raises SystemExit: naming a migration today's code lacks, or the row the
        database refused (the restore engine's words).
    """
    from django.db import connection, transaction
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = _leaves(executor.loader.graph, state)
    executor.migrate(targets)
    then = executor.loader.project_state(targets).apps
    models = {
        model._meta.db_table: model
        for model in then.get_models(include_auto_created=True)
        if not model._meta.proxy
    }
    converter = _HistoricalConverter(connection, then)
    for table in tables:  # JSON has lists where the engine's tagged values are tuples
        table["rows"] = [[_tuple(value) for value in row] for row in table["rows"]]
    problems = Problems()
    try:
        with transaction.atomic():
            with connection.constraint_checks_disabled():
                for source in decode_tables(tables):
                    insert_rows(connection, resolve_table(source, models), converter, problems)
            if problems:
                raise problems.failure()
            connection.check_constraints()
    except RestoreFailed as err:
        raise SystemExit(f"the backup's rows do not fit the state it was made at: {err}") from err


def _leaves(graph: Any, state: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the last migrations of ``state`` per app: the targets that reproduce it."""
    missing = [node for node in state if node not in graph.nodes]
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing)
        raise SystemExit(
            f"the backup was made at migrations today's code does not have: {names}"
            " (squashed or removed?); give --migration-state with migrations it has"
        )
    applied = set(state)
    return [
        node
        for node in state
        if not any(node != other and node in graph.forwards_plan(other) for other in applied)
    ]


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class _HistoricalConverter(ValueConverter):
    """The restore engine's converter, with content types of the historical models.

    The scratch database has no content types yet (Django makes them after
    ``migrate``, which comes later): each one the rows name is made here,
    and ``migrate`` then keeps it, found by its natural key.
    """

    def __init__(self, connection: Any, apps: Any) -> None:
        super().__init__(connection)
        self.apps = apps

    def content_type_id(self, name: ContentTypeName) -> int:
        if name not in self.content_types:
            try:
                model = self.apps.get_model("contenttypes", "ContentType")
            except LookupError as err:
                raise RestoreFailed(
                    f"content type {name.app_label}.{name.model}: django.contrib.contenttypes"
                    " had no migration at the backup's state"
                ) from err
            found, _ = model.objects.get_or_create(app_label=name.app_label, model=name.model)
            self.content_types[name] = found.pk
        return self.content_types[name]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
