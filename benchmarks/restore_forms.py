"""Apply a restore in each output form as a user would, and read the rows back.

bench_restore.py plans a restore with ``repairkit merge --emit FORM``; this
module knows, per form, which file that writes and the command that applies
it, with the flag that really writes (the Python forms dry-run by default):

- ``sql``: the engine's own shell (``sqlite3``, ``psql``, ``mariadb``);
- ``restore-dir``: ``python restore.py --settings ... --apply``;
- ``django``: ``python repair_django.py --settings ... --apply``;
- ``fixture``: ``python -m django loaddata repair.json``.

The Python forms run with the tiny Django site that input_formats.py writes
for ``dumpdata`` (one unmanaged model per generated table), its DATABASES
pointed at the engine's scratch database. ``read_rows`` reads a table back
through the engine's driver, as comparable values, so that the benchmark
checks the values, not only the count.
"""

from __future__ import annotations

import datetime
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from dumpgen import DATE, DECIMAL, DT, TABLES
from input_formats import write_django_site

FORMS = ("sql", "restore-dir", "django", "fixture")
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root"}
MARIADB_ARGS = ["-h", MYSQL["host"], "-P", str(MYSQL["port"]), "-u", MYSQL["user"]]
SETTINGS_MODULE = "bench_settings"


def merge_options(form: str, engine: str) -> list[str]:
    """Return the ``repairkit merge`` options that emit ``form`` for ``engine``."""
    return ["--emit", form, *(["--dialect", engine] if form == "sql" else [])]


def emitted_file(form: str, engine: str, out: Path) -> Path:
    """Return the file that ``merge --emit form`` writes into ``out`` and a user applies."""
    name = {
        "sql": f"repair.{engine}.sql",
        "restore-dir": "restore.py",
        "django": "repair_django.py",
        "fixture": "repair.json",
    }[form]
    return out / name


def write_site(site_dir: Path) -> None:
    """Write the Django site whose models are the benchmark's tables."""
    write_django_site(site_dir)


def site_environment(engine: str, database: str, site_dir: Path) -> dict[str, str]:
    """Return the environment under which the site's settings name ``database``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(site_dir),
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "BENCH_DB_ENGINE": {"sqlite": "sqlite3"}.get(engine, engine),
        "BENCH_DB_NAME": database,
    }
    server = {"postgresql": PG, "mysql": MYSQL}.get(engine)
    if server is not None:
        env.update(
            BENCH_DB_HOST=str(server["host"]),
            BENCH_DB_PORT=str(server["port"]),
            BENCH_DB_USER=str(server["user"]),
        )
    return env


def apply_command(
    form: str, engine: str, target: str, database: str, emitted: Path, site_dir: Path
) -> tuple[list[str], dict[str, str] | None]:
    """Return the command that applies ``emitted`` to the target, and its environment.

    ``target`` is what the engine's shell takes (a SQLite file, a PostgreSQL
    URL); ``database`` is the database's name in the site's settings.
    """
    if form == "sql":
        if engine == "sqlite":
            return ["sqlite3", "-bail", target, f".read {emitted}"], None
        if engine == "postgresql":
            return ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-f", str(emitted)], None
        return ["mariadb", *MARIADB_ARGS, database, "-e", f"source {emitted}"], None
    env = site_environment(engine, database, site_dir)
    if form == "fixture":
        return [sys.executable, "-m", "django", "loaddata", str(emitted)], env
    # restore.py and repair_django.py: a dry run unless --apply (docs/emit.md).
    settings = ["--settings", SETTINGS_MODULE, "--pythonpath", str(site_dir)]
    return [sys.executable, str(emitted), *settings, "--apply"], env


def run_apply(command: tuple[list[str], dict[str, str] | None]) -> subprocess.CompletedProcess[str]:
    """Run an apply command; its output is kept for the report of a failure."""
    args, env = command
    return subprocess.run(args, capture_output=True, text=True, env=env, check=False)


def _comparable(kind: str, value: Any) -> Any:
    """Return ``value`` as every engine's driver would give it for a column of ``kind``.

    SQLite holds dates and datetimes as text and decimals as numbers (REAL, or
    INTEGER when whole); the servers return objects. Each is turned into one
    exact form, never rounded: a decimal read as a float becomes the decimal
    of its shortest repr, which for the generator's two-place decimals is the
    one written.
    """
    if value is None:
        return None
    if kind == DT:
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return value.isoformat(sep=" ")
        return str(value)
    if kind == DATE:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if kind == DECIMAL:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, bool):  # PostgreSQL's booleans; SQLite and MySQL give 0 and 1
        return int(value)
    return value


def _kinds(table: str) -> list[str]:
    spec = next(s for s in TABLES if s.db_table == table)
    return [c.kind for c in spec.columns for _ in c.sql_columns]


def read_rows(engine: str, where: str, table: str) -> list[tuple[Any, ...]]:
    """Return the table's rows by id, through the engine's driver, in comparable form.

    ``where`` is the SQLite file, the PostgreSQL URL or the MariaDB database.
    """
    sql = f"SELECT * FROM {table} ORDER BY id"
    rows: list[tuple[Any, ...]]
    if engine == "sqlite":
        with sqlite3.connect(f"file:{where}?mode=ro", uri=True) as db:
            rows = list(db.execute(sql))
    elif engine == "postgresql":
        import psycopg

        with psycopg.connect(where) as db:
            rows = list(db.execute(sql))
    else:
        import pymysql

        db = pymysql.connect(**MYSQL, database=where, charset="utf8mb4")
        try:
            with db.cursor() as cursor:
                cursor.execute(sql)
                rows = list(cursor.fetchall())
        finally:
            db.close()
    kinds = _kinds(table)
    return [tuple(map(_comparable, kinds, row)) for row in rows]
