"""End to end, on real databases: dump, accident, dump, merge, dry run, apply, dump again.

The demo site runs on SQLite (restored through Lino's ``manage.py run``),
PostgreSQL and MariaDB (restored the plain Django way, ``python restore.py
--settings ...``). After the restore, a dump of the site must have every row
of the backup: ``repairkit diff backup after`` shows nothing deleted (Lino's
"double dump" check). Along the way: a dry run and a failing restore change
nothing (same checksum for every table), a second ``--apply`` inserts
nothing, rows that point at each other restore, and afterwards ordinary
inserts still get fresh keys.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan, plan_restore
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.snapshot import Column
from repairkit.writers import write_restore_dir

from .conftest import DEMO, FIXTURES, ServerDatabase
from .restore_site import Run, SiteDatabase, edit_row, write_repair_dir

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")
pytestmark = pytest.mark.slow

Restore = Callable[..., Run]  # (restore.py, *args, check=...) -> Run

CREATE_AFTER_RESTORE = """\
import datetime
from django.apps import apps

Partner = apps.get_model("repairdemo", "Partner")
Order = apps.get_model("repairdemo", "Order")
partner = Partner.objects.create(name="New after restore", created=datetime.datetime(2026, 1, 2))
order = Order.objects.create(
    partner=partner, order_date=datetime.date(2026, 1, 2),
    placed_at=datetime.datetime(2026, 1, 2, 9, 0, 0), total=0,
)
print("NEW", partner.pk, order.pk)
"""


def dump(site: SiteDatabase, target: Path) -> Path:
    site.manage("dump2py", target)
    return target


def diff_summary(old: Path, new: Path) -> dict[str, int]:
    result = CliRunner().invoke(
        cli, ["diff", str(old), str(new), "--format", "json", "--jobs", "1"]
    )
    assert result.exit_code in (0, 1), result.output
    summary: dict[str, int] = json.loads(result.output)["summary"]
    return summary


def accident_counts(accident_json: Path) -> dict[str, int]:
    """Return what the accident added and changed: all a diff may show after a full restore."""
    accident = json.loads(accident_json.read_text(encoding="utf-8"))
    changed = {
        (table, record["pk"]) for table, rows in accident["changed"].items() for record in rows
    }
    added = sum(len(pks) for pks in accident["added"].values())
    return {"deleted": 0, "added": added, "changed": len(changed)}


def cycle_plan() -> RestorePlan:
    """Two categories whose parents point at each other; the first comes before its parent."""
    columns = (Column("id"), Column("name"), Column("parent_id"))
    rows = [(900, "Cycle A", 901), (901, "Cycle B", 900)]
    planned = tuple(PlannedRow(row[0], row, "backup", Reason.MISSING) for row in rows)
    table = PlannedTable("repairdemo_category", "repairdemo.Category", columns, "id", planned)
    return RestorePlan(("backup",), "current", (table,), (), ())


def run_cycle(site: SiteDatabase, work: Path, restore: Restore) -> dict[str, object]:
    """Take the site (at its backup moment) through the whole cycle; return the figures."""
    backup = dump(site, work / "backup")
    site.manage("run", DEMO / "accident.py", work / "accident.json")
    current = dump(site, work / "current")
    repair = work / "repair"
    planned = write_repair_dir(backup, current, repair)
    assert planned == 69  # the rows the accident deleted (demo/README.md)
    script = repair / "restore.py"
    unchanged = site.checksums()

    dry = restore(script)
    assert "DRY RUN — nothing was changed: 69 rows were inserted and checked" in dry.stdout
    assert site.checksums() == unchanged

    broken = Path(shutil.copytree(repair, work / "broken"))
    line = edit_row(broken / "repairdemo_order.py", 64, "partner_id", "9999")
    failed = restore(broken / "restore.py", "--apply", check=False)
    assert failed.returncode == 1
    assert (
        f"repairdemo_order pk 64 (repairdemo_order.py:{line}): partner_id = 9999" in failed.stderr
    )
    assert site.checksums() == unchanged

    started = time.monotonic()
    applied = restore(script, "--apply")
    seconds = time.monotonic() - started
    assert "APPLIED: 69 rows inserted and committed" in applied.stdout
    after = dump(site, work / "after")
    assert diff_summary(backup, after) == accident_counts(work / "accident.json")

    again = restore(script, "--apply")
    assert again.returncode == 0 and "APPLIED: 0 rows inserted" in again.stdout

    write_restore_dir(cycle_plan(), work / "cycle")
    assert "APPLIED: 2 rows inserted" in restore(work / "cycle" / "restore.py", "--apply").stdout
    rows = site.query("SELECT id, parent_id FROM repairdemo_category WHERE id >= 900 ORDER BY id")
    assert [tuple(row) for row in rows] == [(900, 901), (901, 900)]
    figures = {"planned": planned, "inserted": 69, "apply_process_seconds": round(seconds, 2)}
    figures["runtime_line"] = applied.stdout.strip().splitlines()[-1]
    print(f"restore figures on {site.settings}: {figures}")  # shown with pytest -s
    return figures


def create_after_restore(site: SiteDatabase, work: Path) -> tuple[int, int]:
    """Create a partner and an order through the ORM; return their new keys."""
    script = work / "create_after_restore.py"
    script.write_text(CREATE_AFTER_RESTORE, encoding="utf-8")
    output = site.manage("run", script).stdout
    _, partner, order = next(
        line for line in output.splitlines() if line.startswith("NEW ")
    ).split()
    return int(partner), int(order)


def test_sqlite_cycle_through_manage_py_run(tmp_path: Path) -> None:
    db = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "backup.sqlite3", db)
    site = SiteDatabase(sqlite=db)

    def restore(script: Path, *args: str, check: bool = True) -> Run:
        return site.manage("run", script, *args, check=check)

    run_cycle(site, tmp_path, restore)
    assert create_after_restore(site, tmp_path) == (63, 153)


def server_cycle(server: ServerDatabase, work: Path) -> SiteDatabase:
    """Take the site on ``server``, right after ``prep``, through the whole cycle."""
    site = SiteDatabase(server=server)
    run_cycle(site, work, site.restore_plain)
    return site


def test_postgresql_cycle_through_plain_django(
    prepared_postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    site = SiteDatabase(server=prepared_postgres_database)
    # A sequence already past the restored keys must stay there, not drop to max(id).
    site.query("SELECT setval(pg_get_serial_sequence('repairdemo_order', 'id'), 500)")
    run_cycle(site, tmp_path, site.restore_plain)
    partner, order = create_after_restore(site, tmp_path)
    assert partner == 63  # the sequence was moved past the restored and the newest keys
    assert order == 501


def test_mariadb_cycle_through_plain_django(
    prepared_mariadb_database: ServerDatabase, tmp_path: Path
) -> None:
    site = server_cycle(prepared_mariadb_database, tmp_path)
    assert create_after_restore(site, tmp_path) == (63, 153)


REUSE_PARTNER_7 = """\
import datetime
from django.apps import apps

apps.get_model("repairdemo", "Partner").objects.create(
    id=7, name="Someone else", email="else@example.org", created=datetime.datetime(2026, 1, 5)
)
"""


def test_reused_key_is_left_out_and_current_rows_keep_their_values(tmp_path: Path) -> None:
    db = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "current.sqlite3", db)
    site = SiteDatabase(sqlite=db)
    # After the accident, someone creates a new partner that gets the deleted key 7.
    script = tmp_path / "reuse.py"
    script.write_text(REUSE_PARTNER_7, encoding="utf-8")
    site.manage("run", script)
    current = dump(site, tmp_path / "current")
    plan = plan_restore([read_lino_dump(FIXTURES / "backup")], read_lino_dump(current))
    left_out = {(left.table, left.pk): left.kind.value for left in plan.left_out}
    assert left_out[("repairdemo_partner", 7)] == "reused_pk"
    assert ("repairdemo_person", 7) in left_out and ("repairdemo_order", 64) in left_out
    write_restore_dir(plan, tmp_path / "repair")
    assert (
        "# - repairdemo_partner 7: reused_pk:" in (tmp_path / "repair" / "restore.py").read_text()
    )

    partner_7 = site.query("SELECT * FROM repairdemo_partner WHERE id = 7")
    site.manage("run", tmp_path / "repair" / "restore.py", "--apply")
    assert site.query("SELECT * FROM repairdemo_partner WHERE id = 7") == partner_7
    assert site.query("SELECT COUNT(*) FROM repairdemo_person WHERE partner_ptr_id = 7") == [(0,)]
    # Rows changed after the backup keep their current values: an edit, a blanked email.
    assert site.query("SELECT street FROM repairdemo_partner WHERE id = 15") == [
        ("Kirchstraße 12a",)
    ]
    assert site.query("SELECT email FROM repairdemo_partner WHERE id = 2") == [("",)]
    # The other three deleted partners are back.
    assert site.query("SELECT COUNT(*) FROM repairdemo_partner WHERE id IN (13, 19, 27)") == [(3,)]
