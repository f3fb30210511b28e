"""End to end, on real databases: field repair with ``merge --repair-findings blanked``.

The demo site's accident blanked ``repairdemo_partner.email`` on ten rows.
``repairkit merge`` with ``--repair-findings blanked`` writes a script that
puts the emails back: the restore directory run through Lino's ``manage.py
run`` (SQLite) and the plain Django way (PostgreSQL, MariaDB), and the SQL
script run with each engine's own client. Before the script runs, someone
edits one of the ten emails: that row must be skipped, reported, and keep
the edit. A dry run changes nothing, and a second run repairs nothing more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.readers import read_snapshot

from .conftest import FIXTURES, accident_site_copy
from .demo_servers import DemoTemplates
from .restore_site import Run, SiteDatabase

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")
pytestmark = pytest.mark.slow

EDITED_PK = 5  # one of the ten blanked partners, edited after the plan was made
EDITED_EMAIL = "new.address5@example.org"
Restore = Callable[..., Run]  # (restore.py, *args, check=...) -> Run


def merge_with_repairs(backup: Path, current: Path, output: Path, *options: str) -> None:
    """Run ``repairkit merge ... --repair-findings blanked`` as a user would."""
    arguments = [
        "merge", str(backup), "--current", str(current), "-o", str(output), "--jobs", "1",
        "--repair-findings", "blanked", *options,
    ]  # fmt: skip
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    assert "repairdemo_partner.email: 10 from" in result.output


def planned_pks(output: Path) -> list[int]:
    """Return the partners whose email the plan repairs (plan.json)."""
    plan = json.loads((output / "plan.json").read_text(encoding="utf-8"))
    assert [(u["column"], u["reason"]) for u in plan["updates"]] == [("email", "blanked")] * 10
    return [int(u["pk"]) for u in plan["updates"]]


def backup_emails(backup: Path, pks: list[int]) -> dict[int, Any]:
    """Return the emails of these partners in the backup dump: what a repair must restore."""
    table = read_snapshot(backup).tables["repairdemo_partner"]
    index = table.column_names.index("email")
    return {int(pk): row[index] for pk, row in table.decode(pks).items()}


def emails(site: SiteDatabase, pks: list[int]) -> dict[int, str]:
    marks = ", ".join(map(str, pks))
    rows = site.query(f"SELECT id, email FROM repairdemo_partner WHERE id IN ({marks})")
    return {int(pk): str(email) for pk, email in rows}


def edit_email(site: SiteDatabase) -> None:
    """Change one blanked email in the database, as a user would after the plan was made."""
    with site.cursor() as cursor:
        cursor.execute(
            f"UPDATE repairdemo_partner SET email = '{EDITED_EMAIL}' WHERE id = {EDITED_PK}"
        )
        cursor.connection.commit()  # the SQLite connection is not in autocommit mode


def repair_cycle(
    site: SiteDatabase, backup: Path, current: Path, work: Path, restore: Restore
) -> None:
    """Merge with repairs, edit one email, then dry run, apply, apply again."""
    repair = work / "repair"
    merge_with_repairs(backup, current, repair)
    pks = planned_pks(repair)
    restored = backup_emails(backup, pks)
    assert set(emails(site, pks).values()) == {""}
    assert all("@" in email for email in restored.values())
    edit_email(site)
    unchanged = site.checksums()

    dry = restore(repair / "restore.py")
    assert "DRY RUN — nothing was changed: 69 rows were inserted, 9 fields repaired" in dry.stdout
    assert site.checksums() == unchanged

    applied = restore(repair / "restore.py", "--apply")
    assert "APPLIED: 69 rows inserted, 9 fields repaired and committed" in applied.stdout
    assert f"skipped: repairdemo_partner pk {EDITED_PK} email: changed since the plan, now" in (
        applied.stdout
    )
    assert emails(site, pks) == {**restored, EDITED_PK: EDITED_EMAIL}

    after_apply = site.checksums()
    again = restore(repair / "restore.py", "--apply")
    assert again.returncode == 0
    assert "APPLIED: 0 rows inserted, 0 fields repaired" in again.stdout
    assert site.checksums() == after_apply


def test_sqlite_repair_through_manage_py_run(tmp_path: Path) -> None:
    db = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "current.sqlite3", db)
    site = SiteDatabase(sqlite=db)

    def restore(script: Path, *args: str, check: bool = True) -> Run:
        return site.manage("run", script, *args, check=check)

    repair_cycle(site, FIXTURES / "backup", FIXTURES / "current", tmp_path, restore)


@pytest.fixture
def postgres_accident(demo_templates: DemoTemplates) -> Iterator[tuple[SiteDatabase, Path, Path]]:
    """The demo site on PostgreSQL after the accident (a fresh copy), and its two dumps."""
    with accident_site_copy(demo_templates, "postgresql") as (database, accident):
        yield SiteDatabase(server=database), accident.backup, accident.current


@pytest.fixture
def mariadb_accident(demo_templates: DemoTemplates) -> Iterator[tuple[SiteDatabase, Path, Path]]:
    """The demo site on MariaDB after the accident (a fresh copy), and its two dumps."""
    with accident_site_copy(demo_templates, "mysql") as (database, accident):
        yield SiteDatabase(server=database), accident.backup, accident.current


def test_postgresql_repair_through_plain_django(
    postgres_accident: tuple[SiteDatabase, Path, Path], tmp_path: Path
) -> None:
    site, backup, current = postgres_accident
    repair_cycle(site, backup, current, tmp_path, site.restore_plain)


def test_mariadb_repair_through_plain_django(
    mariadb_accident: tuple[SiteDatabase, Path, Path], tmp_path: Path
) -> None:
    site, backup, current = mariadb_accident
    repair_cycle(site, backup, current, tmp_path, site.restore_plain)


# -- --emit sql, with each engine's own client -------------------------------------


def client_command(site: SiteDatabase) -> list[str]:
    if site.sqlite:
        return ["/usr/bin/sqlite3", str(site.sqlite)]
    d = site.server
    assert d is not None
    if d.engine == "postgresql":
        return ["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-h", d.host, "-p",
                str(d.port), "-U", d.user, "-d", d.name, "-f", "-"]  # fmt: skip
    return ["mariadb", "-h", d.host, "-P", str(d.port), "-u", d.user, d.name]


def sql_repair_cycle(site: SiteDatabase, backup: Path, current: Path, work: Path) -> None:
    """Merge with repairs as SQL, edit one email, run the script twice with the client."""
    dialect = "sqlite" if site.server is None else site.server.engine
    repair = work / "repair"
    merge_with_repairs(backup, current, repair, "--emit", "sql", "--dialect", dialect)
    script = (repair / f"repair.{dialect}.sql").read_text(encoding="utf-8")
    pks = planned_pks(repair)
    restored = backup_emails(backup, pks)
    assert set(emails(site, pks).values()) == {""}
    edit_email(site)

    def run_script() -> subprocess.CompletedProcess[str]:
        run = subprocess.run(
            client_command(site), input=script, capture_output=True, text=True,
            encoding="utf-8", check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        return run

    first = run_script()
    # The report lists the one field that changed since the plan, and only that one.
    reported = [line for line in first.stdout.splitlines() if "repairdemo_partner" in line]
    assert len(reported) == 1 and str(EDITED_PK) in reported[0] and "email" in reported[0]
    assert emails(site, pks) == {**restored, EDITED_PK: EDITED_EMAIL}
    after = site.checksums()
    second = run_script()
    assert [line for line in second.stdout.splitlines() if "repairdemo_partner" in line] == (
        reported
    )
    assert site.checksums() == after


def test_sql_repair_on_sqlite_with_the_sqlite3_shell(tmp_path: Path) -> None:
    db = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "current.sqlite3", db)
    site = SiteDatabase(sqlite=db)
    sql_repair_cycle(site, FIXTURES / "backup", FIXTURES / "current", tmp_path)


def test_sql_repair_on_postgresql_with_psql(
    postgres_accident: tuple[SiteDatabase, Path, Path], tmp_path: Path
) -> None:
    site, backup, current = postgres_accident
    sql_repair_cycle(site, backup, current, tmp_path)


def test_sql_repair_on_mariadb_with_the_mariadb_client(
    mariadb_accident: tuple[SiteDatabase, Path, Path], tmp_path: Path
) -> None:
    site, backup, current = mariadb_accident
    sql_repair_cycle(site, backup, current, tmp_path)
