"""Upgrade a Django backup with the site's own migrations, into an SQLite database."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from repairkit.snapshot import Snapshot
from repairkit.upgrade.migration_state import MigrationState
from repairkit.upgrade.run import UpgradeError

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    """Tell whether ``path`` is an SQLite database file (by its first bytes)."""
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def read_migration_state(database: Path) -> list[tuple[str, str]]:
    """Return the ``(app, migration)`` rows of the database's ``django_migrations``.

    :raises UpgradeError: if the database records no migration state.
    """
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.DatabaseError as err:
        raise UpgradeError(
            f"{database}: has no django_migrations table ({err}): the migration state it was"
            " made at cannot be known, so its rows cannot be migrated forward exactly"
        ) from err
    finally:
        connection.close()
    if not rows:
        raise UpgradeError(f"{database}: django_migrations is empty: no migration state")
    return [(str(app), str(name)) for app, name in rows]


def upgrade_django_sqlite(
    backup: Path, settings: str, output: Path, *, cwd: Path | None = None
) -> str:
    """Write ``backup`` (an SQLite file) migrated forward by the site ``settings`` to ``output``.

    The backup is copied to a scratch file, which the site's migrations take
    from the state recorded in its ``django_migrations`` to the site's, in a
    subprocess started in ``cwd``; the scratch file becomes ``output``. The
    backup itself and the site's database are never opened for writing.
    Return the migration log.

    :raises UpgradeError: if ``output`` exists, the backup has no migration
        state, or the migrations fail (then nothing is written).
    """
    if output.exists():
        raise UpgradeError(f"{output}: exists already; the upgraded backup needs a new file")
    read_migration_state(backup)
    with tempfile.TemporaryDirectory(prefix="repairkit-upgrade-") as work:
        scratch = Path(work) / "scratch.sqlite3"
        shutil.copyfile(backup, scratch)
        command = [sys.executable, "-m", "repairkit.upgrade.migrate", settings, str(scratch)]
        log = _run_site(command, cwd, f"migrate {backup}", output)
        shutil.move(str(scratch), output)
    return log


def upgrade_django_source(
    snapshot: Snapshot, state: MigrationState, settings: str, output: Path,
    *, cwd: Path | None = None,
) -> str:  # fmt: skip
    """Write the rows of ``snapshot``, made at migration ``state``, migrated forward to ``output``.

    For a backup that is no SQLite file (a SQL dump of any engine, a
    database URL, a fixture): a new scratch SQLite file is migrated to the
    backup's state with the site's migrations, the rows go into that
    state's tables through its historical models (the restore engine), and
    the site's migrations take it forward; the scratch file becomes
    ``output``, an SQLite database. Return the migration log.

    :raises UpgradeError: if ``output`` exists, or the site could not load or
        migrate the rows (then nothing is written).
    """
    from repairkit.tagged_values import encode_value

    if output.exists():
        raise UpgradeError(f"{output}: exists already; the upgraded backup needs a new file")
    tables = [
        {"table": table.name, "model": table.model, "pk": table.pk,
         "columns": [column.name for column in table.columns],
         "rows": [[encode_value(value) for value in row] for row in table.decode().values()]}
        for table in snapshot.tables.values()
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="repairkit-upgrade-") as work:
        state_file, rows_file = Path(work) / "state.json", Path(work) / "rows.json"
        state_file.write_text(json.dumps(state), encoding="utf-8")
        rows_file.write_text(json.dumps(tables), encoding="utf-8")
        scratch = Path(work) / "scratch.sqlite3"
        command = [sys.executable, "-m", "repairkit.upgrade.migrate", settings, str(scratch),
                   "--state", str(state_file), "--rows", str(rows_file)]  # fmt: skip
        log = _run_site(command, cwd, f"load and migrate {snapshot.label}", output)
        shutil.move(str(scratch), output)
    return log


def _run_site(command: list[str], cwd: Path | None, doing: str, output: Path) -> str:
    """Run the site's code in a subprocess; return its log.

    :raises UpgradeError: with the site's last words, if it fails.
    """
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        last = "\n".join(log.strip().splitlines()[-15:])
        raise UpgradeError(
            f"the site could not {doing} (exit {result.returncode}); nothing was written to"
            f" {output}. Its last words:\n{last}"
        )
    return log
