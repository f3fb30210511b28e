"""Shared test fixtures: paths, and fresh databases on the real servers.

Tests that need PostgreSQL or MariaDB get a new, uniquely named database on
the server of this machine and drop it afterwards. Without the server they
skip with the reason, except in CI (``CI=true``), where a missing server is
a failure: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .demo_servers import AccidentSite, DemoTemplates

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
DEMO = REPO / "demo"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


@dataclass(frozen=True)
class ServerDatabase:
    """A fresh database on a real server, for one test."""

    engine: str  # "postgresql" or "mysql"
    name: str
    host: str
    port: int
    user: str
    password: str

    @property
    def url(self) -> str:
        auth = f"{self.user}:{self.password}@" if self.password else f"{self.user}@"
        return f"{self.engine}://{auth}{self.host}:{self.port}/{self.name}"

    def demo_site_environment(self) -> dict[str, str]:
        """Return the environment variables that point the demo site at this database.

        ``demo/repairdemo/settings_server.py`` reads them.
        """
        return {
            "DJANGO_SETTINGS_MODULE": "repairdemo.settings_server",
            "REPAIRDEMO_DB_ENGINE": self.engine,
            "REPAIRDEMO_DB_NAME": self.name,
            "REPAIRDEMO_DB_HOST": self.host,
            "REPAIRDEMO_DB_PORT": str(self.port),
            "REPAIRDEMO_DB_USER": self.user,
            "REPAIRDEMO_DB_PASSWORD": self.password,
        }

    def django_settings(self) -> dict[str, object]:
        """Return a Django DATABASES entry for this database."""
        engine = "django.db.backends." + ("postgresql" if self.engine == "postgresql" else "mysql")
        entry: dict[str, object] = {
            "ENGINE": engine, "NAME": self.name, "HOST": self.host,
            "PORT": str(self.port), "USER": self.user, "PASSWORD": self.password,
        }  # fmt: skip
        if self.engine == "mysql":
            entry["OPTIONS"] = {"charset": "utf8mb4"}
        return entry


def server_unavailable(what: str, error: Exception) -> None:
    """Skip the test for a missing server, or fail it in CI."""
    message = f"{what} is not reachable on this machine ({error})"
    if IN_CI:
        pytest.fail(f"{message}; CI must run this test")
    pytest.skip(message)


@pytest.fixture
def postgres_database() -> Iterator[ServerDatabase]:
    """Create a fresh PostgreSQL database, yield it, drop it."""
    with new_postgres_database() as database:
        yield database


@pytest.fixture
def mariadb_database() -> Iterator[ServerDatabase]:
    """Create a fresh MariaDB database, yield it, drop it."""
    with new_mariadb_database() as database:
        yield database


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplates]:
    """The demo site prepared once per session on each server, for tests to copy."""
    from .demo_servers import DemoTemplates  # it imports this module

    with ExitStack() as stack:
        yield DemoTemplates(tmp_path_factory.mktemp("demo-templates"), stack)


@pytest.fixture
def prepared_postgres_database(demo_templates: DemoTemplates) -> Iterator[ServerDatabase]:
    """Yield a fresh copy of the demo site on PostgreSQL right after ``prep``; drop it."""
    from .demo_servers import copy_database

    with copy_database(demo_templates.prepared("postgresql")) as database:
        yield database


@pytest.fixture
def prepared_mariadb_database(demo_templates: DemoTemplates) -> Iterator[ServerDatabase]:
    """Yield a fresh copy of the demo site on MariaDB right after ``prep``; drop it."""
    from .demo_servers import copy_database

    with copy_database(demo_templates.prepared("mysql")) as database:
        yield database


@contextmanager
def accident_site_copy(
    templates: DemoTemplates, engine: str
) -> Iterator[tuple[ServerDatabase, AccidentSite]]:
    """Yield a fresh copy of the demo site after the accident on ``engine``, and its dumps."""
    from .demo_servers import copy_database

    accident = templates.after_accident(engine)
    with copy_database(accident.database) as database:
        yield database, accident


@contextmanager
def new_postgres_database() -> Iterator[ServerDatabase]:
    """Create a fresh PostgreSQL database, yield it, drop it (for fixtures of any scope)."""
    psycopg = pytest.importorskip("psycopg")
    name = f"repairkit_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(**POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        server_unavailable("PostgreSQL at 127.0.0.1:5432", error)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield ServerDatabase("postgresql", name, "127.0.0.1", 5432, "postgres", "")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def new_mariadb_database() -> Iterator[ServerDatabase]:
    """Create a fresh MariaDB database, yield it, drop it (for fixtures of any scope)."""
    pymysql = pytest.importorskip("pymysql")
    name = f"repairkit_{uuid.uuid4().hex[:12]}"
    try:
        admin = pymysql.connect(**MARIADB, autocommit=True, connect_timeout=5)
    except pymysql.err.OperationalError as error:
        server_unavailable("MariaDB at 127.0.0.1:3306", error)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        yield ServerDatabase("mysql", name, "127.0.0.1", 3306, "root", "")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()
