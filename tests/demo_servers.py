"""The demo site on the real servers, prepared once per test session and copied for each test.

Lino's ``prep`` (its initdb and the demo fixtures) and the dumps around the
accident take several seconds per engine, and a dozen tests start from
them. A copy takes a fraction of that: PostgreSQL copies a template database
(``CREATE DATABASE ... TEMPLATE``, sequences included), MariaDB loads the
server's own dump of it (``mariadb-dump`` keeps each table's AUTO_INCREMENT
counter and its foreign keys). So each test still gets the database that a
real ``prep`` made, of its own, to change as it likes; the templates are
never changed.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import (
    DEMO,
    POSTGRES,
    ServerDatabase,
    new_mariadb_database,
    new_postgres_database,
    server_unavailable,
)
from .restore_site import SiteDatabase

TIMEOUT = 120


@dataclass(frozen=True)
class AccidentSite:
    """The demo site after the accident, and its ``dump2py`` dumps from before and after."""

    database: ServerDatabase  # a template: copy it, never change it
    backup: Path
    current: Path
    accident_json: Path


class DemoTemplates:
    """The prepared demo site and the site after the accident, made on first use per engine."""

    def __init__(self, work: Path, stack: ExitStack) -> None:
        self.work = work
        self.stack = stack
        self._prepared: dict[str, ServerDatabase] = {}
        self._accidents: dict[str, AccidentSite] = {}

    def prepared(self, engine: str) -> ServerDatabase:
        """Return the template of the demo site right after ``prep`` on ``engine``."""
        if engine not in self._prepared:
            pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")
            database = self.stack.enter_context(_new_database(engine))
            SiteDatabase(server=database).manage("prep", "--noinput")
            self._prepared[engine] = database
        return self._prepared[engine]

    def after_accident(self, engine: str) -> AccidentSite:
        """Return the template of the site after ``demo/accident.py``, with both dumps.

        As a user's site: ``prep``, ``dump2py`` (the backup), the accident,
        ``dump2py`` (the current state).
        """
        if engine not in self._accidents:
            database = self.stack.enter_context(copy_database(self.prepared(engine)))
            site = SiteDatabase(server=database)
            work = self.work / f"accident-{engine}"
            work.mkdir()
            site.manage("dump2py", work / "backup")
            site.manage("run", DEMO / "accident.py", work / "accident.json")
            site.manage("dump2py", work / "current")
            self._accidents[engine] = AccidentSite(
                database, work / "backup", work / "current", work / "accident.json"
            )
        return self._accidents[engine]


@contextmanager
def _new_database(engine: str) -> Iterator[ServerDatabase]:
    with new_postgres_database() if engine == "postgresql" else new_mariadb_database() as database:
        yield database


@contextmanager
def copy_database(template: ServerDatabase) -> Iterator[ServerDatabase]:
    """Create a new database with the tables and rows of ``template``, yield it, drop it."""
    if template.engine == "postgresql":
        with _postgres_copy(template) as copy:
            yield copy
        return
    with new_mariadb_database() as copy:
        login = ["-h", template.host, "-P", str(template.port), "-u", template.user]
        dump = subprocess.run(
            ["mariadb-dump", *login, template.name], capture_output=True, timeout=TIMEOUT
        )
        assert dump.returncode == 0, dump.stderr
        load = subprocess.run(
            ["mariadb", *login, copy.name], input=dump.stdout, capture_output=True, timeout=TIMEOUT
        )
        assert load.returncode == 0, load.stderr
        yield copy


@contextmanager
def _postgres_copy(template: ServerDatabase) -> Iterator[ServerDatabase]:
    psycopg = pytest.importorskip("psycopg")
    name = f"repairkit_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(**POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        server_unavailable("PostgreSQL at 127.0.0.1:5432", error)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
        try:
            yield ServerDatabase("postgresql", name, template.host, template.port, "postgres", "")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
