"""Every kind of key, restored: SQL dumps and live databases through each output form.

The site is ``tests/files/keysite`` (a text pk, a UUID pk with an
auto-created many-to-many table, an explicit through model, a non-``id``
pk, a CompositePrimaryKey, auth's users, groups and permissions), run for
real on SQLite, PostgreSQL and MariaDB. Per engine it is filled once and
dumped by the engine's own tool; a second database keeps that moment live.
Then the accident (populate.accident: a user deleted with its group links
and club memberships, links removed, rows of every key kind deleted) is
dumped too. Each test loads the damaged state into a fresh database, runs
``repairkit merge`` from a backup with one ``--emit`` form, applies the
result twice, and compares every table with the pre-accident database
through the driver: many-to-many tables by their pairs (their surrogate
``id`` is the database's business), every other table row by row.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, ServerDatabase, new_mariadb_database, new_postgres_database

SITE_PATH = REPO / "tests" / "files"
SETTINGS = "keysite.settings"
# Auto-created many-to-many tables: compared by their pairs, without the id.
PAIR_TABLES = {
    "auth_user_groups", "auth_user_user_permissions", "auth_group_permissions",
    "keysite_item_tags",
}  # fmt: skip
ENGINES = ["sqlite", "postgresql", "mysql"]
SOURCES = ["dump", "live"]
EMITS = ["restore-dir", "sql", "django", "fixture"]

pytestmark = pytest.mark.slow


@dataclass
class Database:
    """One database of the site: how Django, the driver and the shell clients reach it."""

    engine: str
    name: str  # a file for SQLite
    server: ServerDatabase | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONPATH=str(SITE_PATH), KEYSITE_DB_ENGINE=self.engine)
        env["KEYSITE_DB_NAME"] = self.name
        if self.server is not None:
            env.update(
                KEYSITE_DB_HOST=self.server.host, KEYSITE_DB_PORT=str(self.server.port),
                KEYSITE_DB_USER=self.server.user, KEYSITE_DB_PASSWORD=self.server.password,
            )  # fmt: skip
        return env

    @property
    def url(self) -> str:
        return f"sqlite:///{self.name}" if self.server is None else self.server.url

    def connect(self) -> Any:
        if self.engine == "sqlite":
            return sqlite3.connect(self.name)
        assert self.server is not None
        if self.engine == "postgresql":
            import psycopg

            return psycopg.connect(
                host=self.server.host, port=self.server.port, user=self.server.user,
                dbname=self.name,
            )  # fmt: skip
        import pymysql

        return pymysql.connect(
            host=self.server.host, port=self.server.port, user=self.server.user,
            password=self.server.password, database=self.name,
        )  # fmt: skip


def run(command: list[str], env: dict[str, str], stdin: Path | None = None, status: int = 0) -> str:
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as source:
        result = subprocess.run(
            command, env=env, stdin=source, capture_output=True, timeout=300, check=False
        )
    output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    assert result.returncode == status, f"{' '.join(command)}:\n{output}"
    return output


def django(database: Database, *args: str) -> str:
    return run(
        [sys.executable, "-m", "django", *args, "--settings", SETTINGS], database.environment()
    )


def dump_command(database: Database) -> list[str]:
    """Return the engine's own dump tool, as a user would run it."""
    if database.engine == "sqlite":
        return ["sqlite3", database.name, ".dump"]
    assert database.server is not None
    if database.engine == "postgresql":
        return ["pg_dump", "-h", database.server.host, "-U", database.server.user, database.name]
    return ["mariadb-dump", "-h", database.server.host, "-u", database.server.user, database.name]


def load_command(database: Database) -> list[str]:
    """Return the engine's shell client, reading SQL from standard input."""
    if database.engine == "sqlite":
        return ["sqlite3", "-bail", database.name]
    assert database.server is not None
    if database.engine == "postgresql":
        return ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", database.server.host,
                "-U", database.server.user, database.name]  # fmt: skip
    return ["mariadb", "-h", database.server.host, "-u", database.server.user, database.name]


def dump(database: Database, path: Path) -> Path:
    path.write_text(run(dump_command(database), database.environment()), encoding="utf-8")
    return path


@dataclass
class Site:
    """The site's moments on one engine, and a way to make fresh databases."""

    engine: str
    work: Path
    before: Database  # the pre-accident state, kept live
    backup: Path  # its dump
    damaged: Path  # the dump after the accident
    new_database: Any  # () -> Database, empty
    stack: ExitStack = field(default_factory=ExitStack)

    def damaged_database(self) -> Database:
        database: Database = self.new_database()
        run(load_command(database), database.environment(), stdin=self.damaged)
        return database


def _new_database_factory(engine: str, work: Path, stack: ExitStack) -> Any:
    count = iter(range(1000))

    def new_database() -> Database:
        if engine == "sqlite":
            return Database("sqlite", str(work / f"db{next(count)}.sqlite3"))
        server = stack.enter_context(
            new_postgres_database() if engine == "postgresql" else new_mariadb_database()
        )
        return Database(engine, server.name, server)

    return new_database


@pytest.fixture(scope="module", params=ENGINES)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    engine = request.param
    work = tmp_path_factory.mktemp(f"keysite-{engine}")
    with ExitStack() as stack:
        new_database = _new_database_factory(engine, work, stack)
        before, site_db = new_database(), new_database()
        for database in (before, site_db):
            django(database, "migrate", "-v0")
            django(database, "shell", "-c", "from keysite import populate; populate.fill()")
        backup = dump(before, work / "backup.sql")
        django(site_db, "shell", "-c", "from keysite import populate; populate.accident()")
        damaged = dump(site_db, work / "damaged.sql")
        yield Site(engine, work, before, backup, damaged, new_database)


def table_state(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Return every table of the site as the driver reads it; pair tables without their id."""
    with database.connect() as connection:
        cursor = connection.cursor()
        if database.engine == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        elif database.engine == "postgresql":
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        else:
            cursor.execute("SHOW TABLES")
        names = sorted(
            name for (name,) in cursor.fetchall() if name.startswith(("auth_", "keysite_"))
        )
        state = {}
        for name in names:
            cursor.execute(f"SELECT * FROM {name}")
            columns = [column[0] for column in cursor.description]
            keep = [
                i
                for i, column in enumerate(columns)
                if not (name in PAIR_TABLES and column == "id")
            ]
            rows = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
            state[name] = sorted(rows, key=repr)
    return state


def differences(expected: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"missing": sorted(set(rows) - set(found.get(name, ())), key=repr),
               "extra": sorted(set(found.get(name, ())) - set(rows), key=repr)}
        for name, rows in expected.items() if rows != found.get(name)
    }  # fmt: skip


def apply(site: Site, output: Path, emit: str, target: Database, status: int = 0) -> str:
    env = target.environment()
    if emit == "fixture":
        command = [sys.executable, "-m", "django", "loaddata", str(output / "repair.json")]
        return run([*command, "--settings", SETTINGS], env, status=status)
    if emit == "sql":
        return run(load_command(target), env, stdin=output / f"repair.{_dialect(site.engine)}.sql")
    script = output / ("restore.py" if emit == "restore-dir" else "repair_django.py")
    return run([sys.executable, str(script), "--settings", SETTINGS, "--apply"], env)


def _dialect(engine: str) -> str:
    return "mysql" if engine == "mysql" else engine


@pytest.mark.parametrize("emit", EMITS)
@pytest.mark.parametrize("source", SOURCES)
def test_every_key_comes_back_exactly_and_a_second_apply_changes_nothing(
    site: Site, source: str, emit: str, tmp_path: Path
) -> None:
    target = site.damaged_database()
    damaged_state = table_state(target)
    expected = table_state(site.before)
    assert differences(expected, damaged_state), "the accident must have removed rows"
    backup = str(site.backup) if source == "dump" else site.before.url
    output = tmp_path / "repair"
    command = [
        sys.executable, "-m", "repairkit", "merge", backup, "--current", target.url,
        "-o", str(output), "--emit", emit, "--settings", SETTINGS,
    ]  # fmt: skip
    if emit == "sql":
        command += ["--dialect", _dialect(site.engine), "--utf8mb4"]
    run(command, target.environment())
    if emit == "restore-dir":
        # keysite_item's UUID key is written as its text, under restore.py's marker.
        restore = (output / "restore.py").read_text(encoding="utf-8")
        assert "    if id is not None: id = uuid.UUID(id)" in restore
    apply(site, output, emit, target)
    assert differences(expected, table_state(target)) == {}
    if emit == "fixture":
        # loaddata inserts a pk-less pair again; the pair's unique constraint refuses
        # it, and loaddata's one transaction leaves the database as it was (docs/emit.md).
        output_text = apply(site, output, emit, target, status=1)
        assert "IntegrityError" in output_text
    else:
        apply(site, output, emit, target)
    assert differences(expected, table_state(target)) == {}
