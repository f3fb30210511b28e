"""The field site (tests/files/fieldsite) on one engine: build, copy, dump, apply, read rows.

A ``FieldDatabase`` is one database of the site (a SQLite file or a server
database). Everything here goes through the engine's own tools and driver:
the site's ``manage`` commands in a subprocess, ``sqlite3``/``psql``/
``mariadb`` for SQL scripts, and sqlite3/psycopg/PyMySQL to read rows back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import MARIADB, POSTGRES, REPO

SITE_PATH = REPO / "tests" / "files"
SETTINGS = "fieldsite.settings"
ENGINES = ("sqlite", "postgresql", "mysql")
SCOPES = ("values", "full")
# Auto-created many-to-many tables: their surrogate id is the database's business,
# so rows are compared by their pair.
PAIR_TABLES = {
    "auth_user_groups", "auth_user_user_permissions", "auth_group_permissions",
    "fieldsite_article_tags",
}  # fmt: skip
TIMEOUT = 300


@dataclass(frozen=True)
class FieldDatabase:
    """One database of the field site: ``engine`` and its file path or server database name."""

    engine: str  # "sqlite", "postgresql" or "mysql"
    name: str
    scope: str = "full"  # settings.SCOPE: "full", or "values" (one-column keys only)

    @property
    def url(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.name}"
        if self.engine == "postgresql":
            return f"postgresql://postgres@127.0.0.1:5432/{self.name}"
        return f"mysql://root@127.0.0.1:3306/{self.name}"

    def environment(self, backup: FieldDatabase | None = None) -> dict[str, str]:
        """Return the environment that points the site at this database (and ``backup``)."""
        server = {"postgresql": POSTGRES, "mysql": MARIADB}.get(self.engine, {})
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([str(SITE_PATH), os.environ.get("PYTHONPATH", "")]),
            DJANGO_SETTINGS_MODULE=SETTINGS,
            FIELDSITE_SCOPE=self.scope,
            FIELDSITE_DB_ENGINE="sqlite3" if self.engine == "sqlite" else self.engine,
            FIELDSITE_DB_NAME=self.name,
            FIELDSITE_DB_HOST=str(server.get("host", "")),
            FIELDSITE_DB_PORT=str(server.get("port", "")),
            FIELDSITE_DB_USER=str(server.get("user", "")),
            FIELDSITE_DB_PASSWORD=str(server.get("password", "")),
        )
        if backup is not None:
            env["FIELDSITE_BACKUP_DB_NAME"] = backup.name
        return env

    def run(
        self, *args: str | Path, backup: FieldDatabase | None = None, stdin: Path | None = None,
        cwd: Path = SITE_PATH,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """Run a command with the site pointed at this database; never raise on failure."""
        with open(stdin, encoding="utf-8") if stdin else open(os.devnull) as stream:
            return subprocess.run(
                [str(arg) for arg in args], env=self.environment(backup), cwd=cwd, stdin=stream,
                capture_output=True, text=True, timeout=TIMEOUT, check=False,
            )  # fmt: skip

    def django(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        """Run ``django-admin`` with the site's settings; raise with its output on failure."""
        done = self.run(sys.executable, "-m", "django", *args)
        if done.returncode != 0:
            raise AssertionError(f"django-admin {args[0]} failed:\n{done.stdout}{done.stderr}")
        return done

    def python(self, code: str) -> None:
        """Run ``code`` in the site's shell."""
        self.django("shell", "-c", code)

    def create(self) -> None:
        """Create the database, empty; SQLite files come into being on first use."""
        if self.engine == "postgresql":
            _postgres(f'CREATE DATABASE "{self.name}"')
        elif self.engine == "mysql":
            _mariadb(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")

    def drop(self) -> None:
        """Drop the database (or delete the file)."""
        if self.engine == "postgresql":
            _postgres(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.engine == "mysql":
            _mariadb(f"DROP DATABASE IF EXISTS `{self.name}`")
        else:
            Path(self.name).unlink(missing_ok=True)

    def copy(self, name: str) -> FieldDatabase:
        """Return a copy of this database called ``name`` (a file path for SQLite)."""
        copy = FieldDatabase(self.engine, name, self.scope)
        if self.engine == "sqlite":
            shutil.copyfile(self.name, name)
        elif self.engine == "postgresql":
            _postgres(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        else:
            copy.create()
            done = subprocess.run(
                ["mariadb", *_mariadb_login(), name], input=self.sql_dump(), capture_output=True,
                timeout=TIMEOUT, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        return copy

    def sql_dump(self) -> bytes:
        """Return the engine's own plain SQL dump of the database, with default options.

        Bytes: a default ``mariadb-dump`` writes binary columns raw, not as UTF-8.
        """
        if self.engine == "sqlite":
            command = ["sqlite3", self.name, ".dump"]
        elif self.engine == "postgresql":
            command = ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--no-owner", self.name]
        else:
            command = ["mariadb-dump", *_mariadb_login(), self.name]
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def apply_sql(self, script: Path) -> subprocess.CompletedProcess[str]:
        """Run a SQL script with the engine's own command-line client."""
        if self.engine == "sqlite":
            return self.run("sqlite3", "-bail", self.name, stdin=script)
        if self.engine == "postgresql":
            return self.run(
                "psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres",
                "-d", self.name, "-f", script,
            )  # fmt: skip
        return self.run("mariadb", *_mariadb_login(), self.name, stdin=script)

    def rows(self) -> Rows:
        """Return every table's column names and rows as the driver gives them, sorted.

        Auto-created many-to-many tables leave out their surrogate ``id``.
        """
        with _connect(self) as connection:
            cursor = connection.cursor()
            tables = {}
            for table in _table_names(self.engine, cursor):
                cursor.execute(f"SELECT * FROM {_quote(self.engine, table)}")
                names = [column[0] for column in cursor.description]
                keep = [
                    i for i, name in enumerate(names) if table not in PAIR_TABLES or name != "id"
                ]
                rows = [tuple(_plain(row[i]) for i in keep) for row in cursor.fetchall()]
                tables[table] = (tuple(names[i] for i in keep), sorted(rows, key=repr))
            return tables


Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]  # table -> (columns, rows)


def new_name(engine: str, work: Path, stem: str) -> str:
    """Return a fresh database name (a file path for SQLite)."""
    if engine == "sqlite":
        return str(work / f"{stem}.sqlite3")
    return f"repairkit_{stem}_{uuid.uuid4().hex[:8]}"


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def _quote(engine: str, name: str) -> str:
    return f"`{name}`" if engine == "mysql" else f'"{name}"'


def _table_names(engine: str, cursor: Any) -> list[str]:
    if engine == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    elif engine == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    else:
        cursor.execute("SHOW TABLES")
    return sorted(row[0] for row in cursor.fetchall())


def _connect(database: FieldDatabase) -> Any:
    if database.engine == "sqlite":
        return _Closing(sqlite3.connect(database.name))
    if database.engine == "postgresql":
        import psycopg
        from psycopg.types.string import TextLoader

        connection = psycopg.connect(**dict(POSTGRES, dbname=database.name))
        for name in ("json", "jsonb"):  # JSON null must not read as NULL
            connection.adapters.register_loader(name, TextLoader)
        return connection
    import pymysql

    return _Closing(pymysql.connect(**MARIADB, database=database.name, charset="utf8mb4"))


class _Closing:
    """Close a DB-API connection at the end of a ``with`` block (sqlite3 and PyMySQL do not)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __enter__(self) -> Any:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(**POSTGRES, autocommit=True) as admin:
        admin.execute(statement)


def _mariadb(statement: str) -> None:
    import pymysql

    admin = pymysql.connect(**MARIADB, autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(statement)
    finally:
        admin.close()


def _mariadb_login() -> list[str]:
    return ["-h", str(MARIADB["host"]), "-P", str(MARIADB["port"]), "-u", str(MARIADB["user"])]
