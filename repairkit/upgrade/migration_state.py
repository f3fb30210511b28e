"""The migration state a Django backup was made at: its ``django_migrations``, or the user's word.

A SQL dump and a live database carry the rows of ``django_migrations``,
which say exactly which migrations had run when the backup was made. A
fixture (``dumpdata``) carries none: then the user names the state with
``--migration-state APP:MIGRATION`` (the last migration of each app that
had run), and repairkit never guesses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from repairkit.upgrade.run import UpgradeError

MIGRATIONS_TABLE = "django_migrations"
MigrationState = list[tuple[str, str]]  # (app label, migration name), as Django records them
_STATE_WORD = re.compile(r"(?P<app>[A-Za-z_][A-Za-z0-9_]*):(?P<name>[A-Za-z0-9_]+)")


def parse_migration_state(words: Iterable[str]) -> MigrationState:
    """Read ``--migration-state`` values, ``APP:MIGRATION`` each (``shop:0001_initial``).

    :raises UpgradeError: for a value of another shape, or an app named twice.
    """
    state: MigrationState = []
    for word in words:
        match = _STATE_WORD.fullmatch(word.strip())
        if match is None:
            raise UpgradeError(
                f"--migration-state {word!r}: expected APP:MIGRATION, e.g. shop:0001_initial"
            )
        if any(app == match["app"] for app, _ in state):
            raise UpgradeError(f"--migration-state names the app {match['app']!r} twice")
        state.append((match["app"], match["name"]))
    return state


def read_recorded_state(source: str, form: str) -> MigrationState | None:
    """Return the ``(app, name)`` rows of the source's ``django_migrations``, or None.

    None means the source cannot carry them (a fixture, a Lino dump) or has
    no such table. ``form`` is the source's format name (``readers.FORMATS``).

    :raises UpgradeError: if the table is there but empty.
    """
    from repairkit.readers.live.sql import read_url_table
    from repairkit.readers.live.urls import is_database_url
    from repairkit.readers.sql.dump import read_dump_table
    from repairkit.readers.sql.statements import Dialect

    dialects = {"sqlite-dump": Dialect.SQLITE, "pg-dump": Dialect.POSTGRES,
                "mysql-dump": Dialect.MYSQL}  # fmt: skip
    if form in dialects:
        rows = read_dump_table(source, dialects[form], MIGRATIONS_TABLE)
    elif is_database_url(source):
        rows = read_url_table(source, MIGRATIONS_TABLE)
    else:
        return None
    if rows is None:
        return None
    if not rows:
        raise UpgradeError(f"{source}: {MIGRATIONS_TABLE} is empty: no migration state")
    return [(str(row["app"]), str(row["name"])) for row in _in_order(rows)]


def _in_order(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(rows, key=lambda row: row["id"] if isinstance(row["id"], int) else 0)
