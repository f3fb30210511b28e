"""``repairkit upgrade`` of a Django backup in any format, with the site's own migrations.

The backup is the small migration site (``tests/files/migsite``) at
migration 0001, before an upgrade that renames a field, removes one, adds
one and computes it in a ``RunPython``. Each form of that backup (a
``sqlite3 .dump``, a fixture written by Django's serializer with the models
of that time, a ``pg_dump`` and a ``mariadb-dump`` of it on the servers, and
the servers' databases themselves) is upgraded, and the result must equal, table by table at the
driver level, what Django's ``migrate`` made of the backup database itself.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, ServerDatabase, new_mariadb_database, new_postgres_database

MIGSITE = REPO / "tests" / "files" / "migsite"
SHOP_TABLES = ("shop_customer", "shop_order")


def site(
    db: Path | str, *args: str | Path, engine: str = "sqlite3"
) -> subprocess.CompletedProcess[str]:
    """Run the migration site's code (a script or a module) on the database ``db``."""
    env = dict(os.environ, MIGSITE_DB=str(db), MIGSITE_DB_ENGINE=engine)
    env["DJANGO_SETTINGS_MODULE"] = "settings"
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=MIGSITE, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip


def upgrade(tmp_path: Path, backup: str | Path, *more: str) -> subprocess.CompletedProcess[str]:
    """Run ``repairkit upgrade`` as a user would, from the site's directory."""
    never = tmp_path / "never-opened.sqlite3"  # the site's own database: must stay untouched
    result = subprocess.run(
        [sys.executable, "-m", "repairkit", "upgrade", str(backup), "--settings", "settings",
         *more],
        cwd=MIGSITE, env=dict(os.environ, MIGSITE_DB=str(never)), capture_output=True, text=True,
    )  # fmt: skip
    assert not never.exists()
    return result


def all_rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db)
    try:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def moments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The backup at migration 0001, and what ``migrate`` made of it."""
    work = tmp_path_factory.mktemp("migsite")
    backup = work / "v1.sqlite3"
    site(backup, "make_backup.py")
    reference = work / "reference.sqlite3"
    shutil.copyfile(backup, reference)
    site(reference, "-m", "django", "migrate", "--pythonpath", ".")
    return {"backup": backup, "reference": reference}


def fixture_at_0001(moments: dict[str, Path], tmp_path: Path) -> Path:
    """Write the backup as a fixture, by Django's serializer with the models of 0001."""
    fixture = tmp_path / "v1.json"
    fixture.write_text(
        site(moments["backup"], "dump_at_state.py", "shop", "0001_initial").stdout,
        encoding="utf-8",
    )
    return fixture


def assert_upgraded_as_migrate_made_it(upgraded: Path, reference: Path) -> None:
    for table in SHOP_TABLES:  # the renamed town, no remark, the computed priorities
        assert all_rows(upgraded, table) == all_rows(reference, table), table
    priorities = {row[-1] for row in all_rows(upgraded, "shop_order")}
    assert priorities == {1, 3}  # the RunPython ran on the backup's rows


@pytest.mark.slow
def test_a_sqlite_dump_is_upgraded_from_the_state_its_rows_record(
    moments: dict[str, Path], tmp_path: Path
) -> None:
    dump = tmp_path / "v1.sql"
    with dump.open("w", encoding="utf-8") as out:
        subprocess.run(["sqlite3", str(moments["backup"]), ".dump"], stdout=out, check=True)
    upgraded = tmp_path / "v1-upgraded.sqlite3"
    result = upgrade(tmp_path, dump, "-o", str(upgraded))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Next: repairkit merge sqlite:///{upgraded}" in result.stdout
    assert_upgraded_as_migrate_made_it(upgraded, moments["reference"])


@pytest.mark.slow
def test_a_fixture_is_upgraded_from_the_state_the_user_names(
    moments: dict[str, Path], tmp_path: Path
) -> None:
    fixture = fixture_at_0001(moments, tmp_path)
    refused = upgrade(tmp_path, fixture, "-o", str(tmp_path / "refused.sqlite3"))
    assert refused.returncode == 2
    assert "records no migration state" in refused.stderr
    assert "--migration-state APP:MIGRATION" in refused.stderr
    assert not (tmp_path / "refused.sqlite3").exists()

    upgraded = tmp_path / "v1-upgraded.sqlite3"
    result = upgrade(
        tmp_path, fixture, "--migration-state", "shop:0001_initial", "-o", str(upgraded)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert_upgraded_as_migrate_made_it(upgraded, moments["reference"])


@pytest.mark.slow
def test_a_state_today_s_code_lacks_is_refused_by_name(
    moments: dict[str, Path], tmp_path: Path
) -> None:
    fixture = fixture_at_0001(moments, tmp_path)
    output = tmp_path / "out.sqlite3"
    result = upgrade(tmp_path, fixture, "--migration-state", "shop:0000_gone", "-o", str(output))
    assert result.returncode == 2
    assert "migrations today's code does not have: shop.0000_gone" in result.stderr
    assert not output.exists()


def server_dump(database: ServerDatabase, path: Path) -> None:
    """Dump ``database`` with the server's own tool, as its maintainer would."""
    if database.engine == "postgresql":
        command = ["pg_dump", "-h", database.host, "-U", database.user, database.name]
    else:
        command = ["mariadb-dump", "-h", database.host, "-u", database.user, database.name]
    with path.open("w", encoding="utf-8") as out:
        subprocess.run(command, stdout=out, check=True)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_a_server_backup_is_upgraded_from_its_dump_and_from_the_database(
    moments: dict[str, Path], tmp_path: Path, engine: str
) -> None:
    server = new_postgres_database if engine == "postgresql" else new_mariadb_database
    with server() as database:
        site(database.name, "make_backup.py", engine=engine)
        dump = tmp_path / "v1.sql"
        server_dump(database, dump)
        for name, backup in (("dump", str(dump)), ("url", database.url)):
            upgraded = tmp_path / f"v1-{name}-upgraded.sqlite3"
            result = upgrade(tmp_path, backup, "-o", str(upgraded))
            assert result.returncode == 0, result.stdout + result.stderr
            assert_upgraded_as_migrate_made_it(upgraded, moments["reference"])
