"""Upgrade a Django SQLite database backup with the site's own migrations."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

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
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        log = result.stdout + result.stderr
        if result.returncode != 0:
            last = "\n".join(log.strip().splitlines()[-15:])
            raise UpgradeError(
                f"the site {settings!r} could not migrate {backup} (exit {result.returncode});"
                f" nothing was written to {output}. Its last words:\n{last}"
            )
        shutil.move(str(scratch), output)
    return log
