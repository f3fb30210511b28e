"""Regenerate the demo dumps and databases in ``fixtures/`` from scratch.

Usage (from anywhere)::

    python demo/make_fixtures.py   (with repairkit[test] installed)

Works in a temporary directory: ``prep`` a fresh database, dump it (the
"backup" moment), run ``accident.py``, dump again (the "current" moment).
Then it replaces these paths under ``fixtures/`` at the repository root:

- ``backup/``, ``current/``: the two dumps (``dump2py --max-row-count 250``);
- ``backup.sqlite3``, ``current.sqlite3``: the site's database at each moment;
- ``accident.json``: what ``accident.py`` added, deleted and changed.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
FIXTURES_DIR = DEMO_DIR.parent / "fixtures"
MAX_ROW_COUNT = 250
OUTPUTS = ["backup", "backup.sqlite3", "current", "current.sqlite3", "accident.json"]


def manage(db, *args):
    """Run ``manage.py ARGS`` on the site with its database at ``db``."""
    env = dict(os.environ, REPAIRDEMO_DB=str(db))
    cmd = [sys.executable, str(DEMO_DIR / "manage.py"), *map(str, args)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}")


def copy_database(source, target):
    """Copy the site's database so that equal data give equal bytes.

    ``migrate`` stamps ``django_migrations.applied`` with the current time;
    that table is not part of any dump, so a fixed stamp loses nothing and
    keeps regenerated fixtures byte-identical in git.
    """
    shutil.copyfile(source, target)
    connection = sqlite3.connect(target)
    try:
        with connection:
            connection.execute("UPDATE django_migrations SET applied = '2026-01-01 00:00:00'")
        connection.execute("VACUUM")
    finally:
        connection.close()


def build(work):
    db = work / "site.sqlite3"
    print("prep ...")
    manage(db, "prep", "--noinput")
    print("dump backup ...")
    manage(db, "dump2py", work / "backup", "--max-row-count", MAX_ROW_COUNT)
    copy_database(db, work / "backup.sqlite3")
    print("accident ...")
    manage(db, "run", DEMO_DIR / "accident.py", work / "accident.json")
    print("dump current ...")
    manage(db, "dump2py", work / "current", "--max-row-count", MAX_ROW_COUNT)
    copy_database(db, work / "current.sqlite3")


def install(work):
    FIXTURES_DIR.mkdir(exist_ok=True)
    for name in OUTPUTS:
        target = FIXTURES_DIR / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(work / name), target)


def main():
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="repairdemo-") as tmp:
        work = Path(tmp)
        build(work)
        install(work)
    print(f"Wrote {', '.join(OUTPUTS)} to {FIXTURES_DIR} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
