"""The restore runtime on the real demo site (SQLite): what restore.py guarantees when run.

Each test works on a throw-away copy of ``fixtures/current.sqlite3`` and a
restore directory planned from ``fixtures/backup`` and ``fixtures/current``,
and runs the script in a subprocess, as a user would.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan
from repairkit.snapshot import Column, ColumnKind, ContentTypeRef
from repairkit.writers import write_restore_dir

from .conftest import DEMO, FIXTURES
from .restore_site import SiteDatabase, edit_row, write_repair_dir

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")

PLANNED = {  # what the accident deleted (demo/README.md), and the plan puts back
    "repairdemo_partner": 4, "repairdemo_person": 3, "repairdemo_company": 1,
    "repairdemo_order": 12, "repairdemo_orderitem": 36, "repairdemo_note": 13,
}  # fmt: skip


@pytest.fixture(scope="module")
def planned_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("plan") / "repair"
    assert write_repair_dir(FIXTURES / "backup", FIXTURES / "current", output) == 69
    return output


@pytest.fixture
def repair(planned_dir: Path, tmp_path: Path) -> Path:
    """A restore directory of our own, free to edit."""
    return Path(shutil.copytree(planned_dir, tmp_path / "repair"))


@pytest.fixture
def site(tmp_path: Path) -> SiteDatabase:
    db = tmp_path / "site.sqlite3"
    shutil.copyfile(FIXTURES / "current.sqlite3", db)
    return SiteDatabase(sqlite=db)


def count(site: SiteDatabase, table: str) -> int:
    return int(site.query(f"SELECT COUNT(*) FROM {table}")[0][0])


def test_dry_run_reports_per_table_and_changes_nothing(site: SiteDatabase, repair: Path) -> None:
    before = site.checksums()
    run = site.manage("run", repair / "restore.py")
    assert "DRY RUN — nothing was changed" in run.stdout
    for table, rows in PLANNED.items():
        assert f"{table} " in run.stdout
        line = next(line for line in run.stdout.splitlines() if line.startswith(table + " "))
        assert line.split()[1:] == [str(rows), str(rows), "0"]
    assert "total" in run.stdout and " 69 " in run.stdout
    assert site.checksums() == before


def test_apply_inserts_every_planned_row_then_a_second_apply_inserts_none(
    site: SiteDatabase, repair: Path
) -> None:
    before = {table: count(site, table) for table in PLANNED}
    run = site.manage("run", repair / "restore.py", "--apply")
    assert "APPLIED: 69 rows inserted" in run.stdout
    for table, rows in PLANNED.items():
        assert count(site, table) == before[table] + rows
    # The multi-table-inheritance rows are whole again: the child and its parent.
    assert site.query("SELECT COUNT(*) FROM repairdemo_partner WHERE id = 13") == [(1,)]
    assert site.query("SELECT COUNT(*) FROM repairdemo_company WHERE partner_ptr_id = 13") == [(1,)]
    after = site.checksums()
    again = site.manage("run", repair / "restore.py", "--apply")
    assert "APPLIED: 0 rows inserted" in again.stdout
    assert "total                     69         0                   69" in again.stdout
    assert site.checksums() == after


def test_plain_django_entry_needs_no_manage_py(site: SiteDatabase, repair: Path) -> None:
    run = site.restore_plain(repair / "restore.py", "--apply")
    assert "APPLIED: 69 rows inserted" in run.stdout
    assert count(site, "repairdemo_orderitem") == 555 + 36


def test_without_repairkit_restore_py_says_what_to_install(repair: Path) -> None:
    # -I -S: no site-packages and not the script's folder, as on a server without repairkit.
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(repair / "restore.py"), "--apply"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert "restore.py needs repairkit" in run.stderr and "--emit django" in run.stderr
    assert "Traceback" not in run.stderr


def test_content_types_are_the_sites_own_ids(site: SiteDatabase, repair: Path) -> None:
    site.manage("run", repair / "restore.py", "--apply")
    rows = site.query(
        "SELECT c.app_label, c.model FROM repairdemo_note n"
        " JOIN django_content_type c ON c.id = n.owner_type_id WHERE n.id IN (7, 9)"
    )
    assert sorted(rows) == [("repairdemo", "order"), ("repairdemo", "person")]


def test_dangling_foreign_key_names_the_row_and_changes_nothing(
    site: SiteDatabase, repair: Path
) -> None:
    line = edit_row(repair / "repairdemo_order.py", 64, "partner_id", "9999")
    before = site.checksums()
    run = site.manage("run", repair / "restore.py", "--apply", check=False)
    assert run.returncode == 1
    assert f"repairdemo_order pk 64 (repairdemo_order.py:{line}): partner_id = 9999" in run.stderr
    assert "points to no row of repairdemo_partner" in run.stderr
    assert "Nothing was changed" in run.stderr
    assert site.checksums() == before


def test_not_null_violation_names_the_row_and_changes_nothing(
    site: SiteDatabase, repair: Path
) -> None:
    line = edit_row(repair / "repairdemo_orderitem.py", 265, "qty", "None")
    before = site.checksums()
    run = site.restore_plain(repair / "restore.py", "--apply", check=False)
    assert run.returncode == 1
    assert f"repairdemo_orderitem pk 265 (repairdemo_orderitem.py:{line}):" in run.stderr
    assert "NOT NULL" in run.stderr
    assert site.checksums() == before


def test_a_deleted_line_keeps_that_row_out(site: SiteDatabase, repair: Path) -> None:
    data_file = repair / "repairdemo_note.py"
    lines = data_file.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("loader.save(create_repairdemo_note(7,")]
    data_file.write_text("".join(kept), encoding="utf-8")
    run = site.manage("run", repair / "restore.py", "--apply")
    assert "APPLIED: 68 rows inserted" in run.stdout
    assert site.query("SELECT COUNT(*) FROM repairdemo_note WHERE id = 7") == [(0,)]


def test_a_cut_off_data_file_is_refused(site: SiteDatabase, repair: Path) -> None:
    data_file = repair / "repairdemo_orderitem.py"
    lines = data_file.read_text(encoding="utf-8").splitlines(keepends=True)
    data_file.write_text("".join(lines[:10]), encoding="utf-8")  # cut at a line boundary
    before = site.checksums()
    run = site.manage("run", repair / "restore.py", "--apply", check=False)
    assert run.returncode == 1
    assert (
        "repairdemo_orderitem.py: does not end with 'loader.flush_deferred_objects()'" in run.stderr
    )
    assert site.checksums() == before


def categories(rows: list[tuple[int, str, int | None]]) -> PlannedTable:
    columns = (Column("id"), Column("name"), Column("parent_id"))
    planned = tuple(PlannedRow(row[0], row, "backup", Reason.MISSING) for row in rows)
    return PlannedTable("repairdemo_category", "repairdemo.Category", columns, "id", planned)


def test_rows_that_point_at_each_other_are_restored(site: SiteDatabase, tmp_path: Path) -> None:
    # 100 points to 101, which comes after it: only deferred checks let this in.
    cycle = categories([(100, "Cycle A", 101), (101, "Cycle B", 100)])
    write_restore_dir(RestorePlan(("backup",), "current", (cycle,), (), ()), tmp_path / "cycle")
    run = site.manage("run", tmp_path / "cycle" / "restore.py", "--apply")
    assert "APPLIED: 2 rows inserted" in run.stdout
    rows = site.query("SELECT id, parent_id FROM repairdemo_category WHERE id >= 100 ORDER BY id")
    assert rows == [(100, 101), (101, 100)]


def test_a_table_or_column_the_site_lacks_is_an_error(site: SiteDatabase, tmp_path: Path) -> None:
    unknown = PlannedTable(
        "repairdemo_gone", None, (Column("id"),), "id", (PlannedRow(1, (1,), "b", Reason.MISSING),)
    )
    write_restore_dir(RestorePlan(("b",), "c", (unknown,), (), ()), tmp_path / "table")
    run = site.manage("run", tmp_path / "table" / "restore.py", check=False)
    assert run.returncode == 1
    assert "repairdemo_gone: the site has no model with this db table" in run.stderr

    odd = categories([(100, "A", None)])
    odd = PlannedTable(odd.name, odd.model, (*odd.columns[:2], Column("colour")), "id", odd.rows)
    write_restore_dir(RestorePlan(("b",), "c", (odd,), (), ()), tmp_path / "column")
    run = site.manage("run", tmp_path / "column" / "restore.py", check=False)
    assert run.returncode == 1
    assert "repairdemo_category: the site's table has no column 'colour'" in run.stderr


def test_an_unknown_content_type_names_the_row(site: SiteDatabase, tmp_path: Path) -> None:
    columns = (Column("id"), Column("owner_type_id", ColumnKind.CONTENT_TYPE),
               Column("owner_id"), Column("date"), Column("time"), Column("subject"),
               Column("body"))  # fmt: skip
    row = (500, ContentTypeRef("repairdemo", "gone"), 1, datetime.date(2025, 1, 1), None, "x", "")
    notes = PlannedTable("repairdemo_note", "repairdemo.Note", columns, "id",
                         (PlannedRow(500, row, "b", Reason.MISSING),))  # fmt: skip
    write_restore_dir(RestorePlan(("b",), "c", (notes,), (), ()), tmp_path / "ct")
    run = site.manage("run", tmp_path / "ct" / "restore.py", check=False)
    assert run.returncode == 1
    assert "repairdemo_note pk 500 (repairdemo_note.py:6): owner_type_id:" in run.stderr
    assert "the site has no content type 'repairdemo.gone'" in run.stderr


def test_datetimes_are_taken_as_utc_when_the_site_uses_time_zones(
    site: SiteDatabase, repair: Path
) -> None:
    # settings_tz: USE_TZ on, TIME_ZONE Europe/Brussels (UTC+1 in February).
    tz_site = SiteDatabase(sqlite=site.sqlite)
    run = tz_site.run_python(
        repair / "restore.py", "--settings", "repairdemo.settings_tz", "--pythonpath", str(DEMO),
        "--apply",
    )  # fmt: skip
    assert "APPLIED" in run.stdout
    # The dump says dt(2024,2,26,16,41,36), in UTC; read as local time it would be 15:41.
    assert site.query("SELECT created FROM repairdemo_partner WHERE id = 7") == [
        ("2024-02-26 16:41:36",)
    ]


def test_dry_run_previews_the_final_values_and_lists_every_problem(
    site: SiteDatabase, repair: Path
) -> None:
    order_line = edit_row(repair / "repairdemo_order.py", 64, "partner_id", "9999")
    item_line = edit_row(repair / "repairdemo_orderitem.py", 265, "qty", "None")
    before = site.checksums()
    run = site.manage("run", repair / "restore.py", "--preview-rows", "2", check=False)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    partners = lines.index("would insert into repairdemo_partner (4 rows):")
    assert lines[partners + 1].startswith(
        '  7 (repairdemo_partner.py:6): id=7, name="Özlem N\'Diaye",'
    )
    assert "is_active=True, created=2024-02-26 16:41:36," in lines[partners + 1]
    assert lines[partners + 3] == "  and 2 more (--preview-rows N shows more)"
    # Final values: the content type is the site's own id, not the dump's name for it.
    ((person_type,),) = site.query(
        "SELECT id FROM django_content_type WHERE app_label = 'repairdemo' AND model = 'person'"
    )
    notes = lines.index("would insert into repairdemo_note (13 rows):")
    assert (
        f"  7 (repairdemo_note.py:6): id=7, owner_type_id={person_type}, owner_id=7,"
        in (lines[notes + 1])
    )
    # The row the database refuses is left out of the preview, and both problems are named.
    assert "would insert into repairdemo_orderitem (35 rows):" in lines
    assert "FAILED: 2 problems in 2 tables;" in run.stderr
    assert (
        "  repairdemo_order: partner_id points to no row of repairdemo_partner: 1 row:"
        f" 64 (repairdemo_order.py:{order_line}) = 9999"
    ) in run.stderr.splitlines()
    assert (
        "  repairdemo_orderitem: NOT NULL constraint failed: repairdemo_orderitem.qty: 1 row:"
        f" 265 (repairdemo_orderitem.py:{item_line})"
    ) in run.stderr.splitlines()
    assert site.checksums() == before


def test_a_dry_run_that_passes_shows_its_preview_then_the_counts(
    site: SiteDatabase, repair: Path
) -> None:
    run = site.manage("run", repair / "restore.py")
    lines = run.stdout.splitlines()
    items = lines.index("would insert into repairdemo_orderitem (36 rows):")
    assert lines[items + 21] == "  and 16 more (--preview-rows N shows more)"
    assert lines.index("would insert into repairdemo_partner (4 rows):") < lines.index(
        next(line for line in lines if line.startswith("table "))
    )
    applied = site.manage("run", repair / "restore.py", "--apply")
    assert "would insert" not in applied.stdout
