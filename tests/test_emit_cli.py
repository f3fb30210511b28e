"""``repairkit merge --emit``: the real planner's plan as a fixture or an SQL script, end to end."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from repairkit.cli import cli

from . import demo_plans
from .conftest import FIXTURES
from .test_emit_fixture import loaddata


def merge(output: Path, *options: str) -> Result:
    args = [str(FIXTURES / "backup"), "--current", str(FIXTURES / "current"), "-o", str(output)]
    return CliRunner().invoke(cli, ["merge", *args, *options])


def test_sql_needs_a_dialect_and_only_sql_takes_one(tmp_path: Path) -> None:
    assert merge(tmp_path / "a", "--emit", "sql").exit_code == 2
    assert merge(tmp_path / "b", "--emit", "fixture", "--dialect", "sqlite").exit_code == 2
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_mysql_script_warns_about_four_byte_characters_by_row(tmp_path: Path) -> None:
    result = merge(tmp_path / "out", "--emit", "sql", "--dialect", "mysql")
    assert result.exit_code == 0, result.output
    assert "warning: repairdemo_note pk=74 column 'body'" in result.output
    assert (tmp_path / "out" / "repair.mysql.sql").is_file()
    quiet = merge(tmp_path / "out", "--emit", "sql", "--dialect", "mysql", "--utf8mb4", "--force")
    assert quiet.exit_code == 0 and "warning:" not in quiet.output


def test_sqlite_script_of_the_demo_accident_restores_the_backup_rows(tmp_path: Path) -> None:
    """Person 27's empty gender (None in the dump, '' in the column) goes in as ''."""
    result = merge(tmp_path / "out", "--emit", "sql", "--dialect", "sqlite")
    assert result.exit_code == 0, result.output
    database = demo_plans.copy_current_database(tmp_path)
    script = (tmp_path / "out" / "repair.sqlite.sql").read_text(encoding="utf-8")
    done = subprocess.run(
        ["/usr/bin/sqlite3", str(database)], input=script, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    backup = FIXTURES / "backup.sqlite3"
    for table in demo_plans.accident_plan().tables:
        pks = [row.pk for row in table.rows]
        restored = demo_plans.read_rows(database, table.name, table.pk, pks)
        assert restored == demo_plans.read_rows(backup, table.name, table.pk, pks), table.name


@pytest.mark.slow
def test_fixture_of_the_demo_accident_loads_and_restores_the_backup_rows(tmp_path: Path) -> None:
    result = merge(tmp_path / "out", "--emit", "fixture")
    assert result.exit_code == 0, result.output
    assert "manage.py loaddata repair.json" in result.output
    database = demo_plans.copy_current_database(tmp_path)
    done = loaddata(database, tmp_path / "out" / "repair.json")
    assert done.returncode == 0, done.stderr
    plan = demo_plans.accident_plan()
    backup = FIXTURES / "backup.sqlite3"
    for table in plan.tables:
        pks = [row.pk for row in table.rows]
        restored = demo_plans.read_rows(database, table.name, table.pk, pks)
        assert restored == demo_plans.read_rows(backup, table.name, table.pk, pks), table.name
