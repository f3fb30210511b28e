"""Live databases as a source: SQLite, PostgreSQL and MariaDB URLs, and django:SETTINGS.

On the servers, the demo site itself (``repairdemo.settings_server``) builds
its database with ``prep`` and dumps it with ``dump2py``; the live read of
that database must equal the dump. SQLite is covered in depth by
test_equality_matrix.py; here: the URL forms, errors, and that reading
never writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpNotFoundError
from repairkit.readers import read_snapshot
from repairkit.readers.fixture.align import align_snapshots
from repairkit.readers.live.sql import connect_database

from .conftest import DEMO, FIXTURES, ServerDatabase


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sqlite_url_reads_without_writing(tmp_path: Path) -> None:
    database = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "backup.sqlite3", database)
    before = digest(database), database.stat().st_mtime_ns
    snapshot = read_snapshot(f"sqlite:///{database}")
    assert len(snapshot) == len(read_snapshot(FIXTURES / "backup"))
    assert (digest(database), database.stat().st_mtime_ns) == before
    assert not (tmp_path / "site.sqlite3-journal").exists()


def test_sqlite_connection_refuses_writes(tmp_path: Path) -> None:
    database = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "backup.sqlite3", database)
    engine = connect_database(f"sqlite:///{database}")
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            engine.connection.execute("DELETE FROM repairdemo_note")  # type: ignore[attr-defined]
    finally:
        engine.close()


def test_sqlite_url_is_relative_with_three_slashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(FIXTURES / "backup.sqlite3", tmp_path / "site.sqlite3")
    monkeypatch.chdir(tmp_path)
    assert len(read_snapshot("sqlite:///site.sqlite3")) == len(
        read_snapshot(f"sqlite:///{tmp_path}/site.sqlite3")
    )


def test_a_missing_sqlite_database_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DumpNotFoundError, match="no such SQLite database"):
        read_snapshot(f"sqlite:///{tmp_path}/nothing.db")


def test_skipped_tables_are_not_read() -> None:
    snapshot = read_snapshot(f"sqlite:///{FIXTURES / 'backup.sqlite3'}")
    assert "django_content_type" not in snapshot.tables
    assert "django_migrations" not in snapshot.tables


def site_env(server: ServerDatabase) -> dict[str, str]:
    return {**os.environ, **server.demo_site_environment()}


def run_in_site(server: ServerDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=site_env(server), cwd=DEMO,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def dump_site(server: ServerDatabase, dump: Path) -> None:
    """Dump the site on ``server``, right after ``prep`` (tests/demo_servers.py)."""
    result = run_in_site(server, "manage.py", "dump2py", str(dump))
    assert result.returncode == 0, result.stdout + result.stderr


def check_live_equals_dump(server: ServerDatabase, dump: Path) -> None:
    changeset = diff_snapshots(*align_snapshots([read_snapshot(dump), read_snapshot(server.url)]))
    differing = {name: diff for name, diff in changeset.tables.items() if diff.has_differences}
    assert not differing and not changeset.old_only_tables and not changeset.new_only_tables, (
        differing
    )
    result = run_in_site(
        server,
        "-m",
        "repairkit",
        "diff",
        str(dump),
        "django:repairdemo.settings_server",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["summary"] == {"deleted": 0, "added": 0, "changed": 0}


@pytest.mark.slow
def test_postgresql_url_and_django_source_equal_the_lino_dump(
    prepared_postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    dump_site(prepared_postgres_database, tmp_path / "dump")
    check_live_equals_dump(prepared_postgres_database, tmp_path / "dump")
    import psycopg

    engine = connect_database(prepared_postgres_database.url)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            engine.connection.execute("DELETE FROM repairdemo_note")  # type: ignore[attr-defined]
    finally:
        engine.close()


@pytest.mark.slow
def test_mysql_url_and_django_source_equal_the_lino_dump(
    prepared_mariadb_database: ServerDatabase, tmp_path: Path
) -> None:
    dump_site(prepared_mariadb_database, tmp_path / "dump")
    check_live_equals_dump(prepared_mariadb_database, tmp_path / "dump")
    import pymysql

    engine = connect_database(prepared_mariadb_database.url)
    try:
        with pytest.raises(pymysql.err.OperationalError, match="READ ONLY"):
            with engine.connection.cursor() as cursor:  # type: ignore[attr-defined]
                cursor.execute("DELETE FROM repairdemo_note")
    finally:
        engine.close()
