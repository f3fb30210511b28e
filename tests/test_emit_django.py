"""``--emit django``: the standalone script on the real demo site, on SQLite, PostgreSQL, MariaDB.

The script is run as a user would, ``python repair_django.py --settings
...`` in a subprocess, with repairkit nowhere in what it imports. Checksums
of every table (taken outside Django) show that dry runs and failures change
nothing.
"""

from __future__ import annotations

import ast
import datetime
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import UnstorableValueError
from repairkit.plan import PlannedRow, PlannedUpdate, Reason, RestorePlan
from repairkit.snapshot import Value
from repairkit.writers.django_script import SCRIPT_FILE, render_django_script

from . import demo_plans
from .conftest import DEMO, FIXTURES, ServerDatabase
from .restore_site import Run, SiteDatabase

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")

ACCIDENT = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))
HOSTILE = (
    *demo_plans.HOSTILE_TEXTS, "'", "\\", "\\'; DROP TABLE x; --", "%s", "{}", "\r\n", "\x1a",
)  # fmt: skip
LONG_REMARK = "x'y\\\r\n😀\ufffd" * 100_000
LONG_PK = 990
# A NOT NULL column per table, for rows that must fail.
NOT_NULL = {
    "repairdemo_partner": "name", "repairdemo_person": "last_name",
    "repairdemo_company": "vat_id", "repairdemo_order": "order_date",
    "repairdemo_orderitem": "qty", "repairdemo_note": "subject",
}  # fmt: skip
BAD_PK = 4000
EDITED_EMAIL = "edited.after.the.plan@example.org"


def emit(plan: RestorePlan, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / SCRIPT_FILE
    script.write_text(render_django_script(plan).text, encoding="utf-8")
    return script


def run(site: SiteDatabase, script: Path, *args: str) -> Run:
    """Run the script as its header says, with the demo site importable from --pythonpath."""
    return site.run_python(
        script, "--settings", site.settings, "--pythonpath", str(DEMO), *args, check=False
    )


def execute(site: SiteDatabase, sql: str) -> None:
    """Change the site's database outside Django, and commit (sqlite3 does not on its own)."""
    with site.cursor() as cursor:
        cursor.execute(sql)
        cursor.connection.commit()


def table_line(output: str, table: str, last: bool = False) -> list[str]:
    """Return the counts of ``table``'s line: the inserts' (first) or the repairs' (last)."""
    lines = [line for line in output.splitlines() if line.startswith(table + " ")]
    return lines[-1 if last else 0].split()[1:]


def decoded(column: str, text: Any) -> Value:
    """Return a value of accident.json as the plan holds it."""
    if column == "delivery_time" and text is not None:
        return datetime.time.fromisoformat(text)
    if column == "price":
        return Decimal(text)
    return text  # type: ignore[no-any-return]


def repairs() -> tuple[PlannedUpdate, ...]:
    """Return field repairs undoing every change of the accident, and one from NULL.

    Types covered: text (the blanked emails, a babel column), a time (to NULL),
    a Decimal, and a foreign key that is NULL now (partner 51 has no country).
    """
    updates = [
        PlannedUpdate(
            table,
            change["pk"],
            change["column"],
            decoded(change["column"], change["after"]),
            decoded(change["column"], change["before"]),
            "backup",
            change["cause"],
        )  # fmt: skip
        for table, changes in ACCIDENT["changed"].items()
        for change in changes
    ]
    updates.append(PlannedUpdate("repairdemo_partner", 51, "country_id", None, "BE", "b", "test"))
    return tuple(updates)


def full_plan(hostile: tuple[str, ...]) -> RestorePlan:
    """Return the accident's rows, persons with hostile texts, a very long remark, repairs."""
    plan = demo_plans.accident_plan(hostile)
    partners = plan.tables[0]
    long_row = dict.fromkeys(c.name for c in partners.columns)
    long_row.update(
        id=LONG_PK, name="long remark", email="", street="", city="", is_active=False,
        created=datetime.datetime(2020, 2, 29, 23, 59, 59), remark=LONG_REMARK,
    )  # fmt: skip
    row = PlannedRow(LONG_PK, tuple(long_row.values()), "test", Reason.MISSING)
    tables = (replace(partners, rows=(*partners.rows, row)), *plan.tables[1:])
    return replace(plan, tables=tables, updates=repairs())


def with_bad_row(plan: RestorePlan, position: int) -> tuple[RestorePlan, str]:
    """Put a row that violates NOT NULL at ``position`` of the script's rows; name it."""
    tables = list(plan.tables)
    for index, table in enumerate(tables):
        if position <= len(table.rows) or index == len(tables) - 1:
            values = list(table.rows[0].values)
            names = [column.name for column in table.columns]
            values[names.index(table.pk)] = BAD_PK + position
            values[names.index(NOT_NULL[table.name])] = None
            bad = PlannedRow(BAD_PK + position, tuple(values), "test", Reason.MISSING)
            rows = list(table.rows)
            rows.insert(position, bad)
            tables[index] = replace(table, rows=tuple(rows))
            return replace(plan, tables=tuple(tables)), f"{table.name} pk {BAD_PK + position}"
        position -= len(table.rows)
    raise AssertionError("no tables")


def with_dangling_order(plan: RestorePlan) -> RestorePlan:
    """Make order 64 point to a partner that exists nowhere: found by the check before commit."""
    tables = list(plan.tables)
    index = next(i for i, t in enumerate(tables) if t.name == "repairdemo_order")
    table = tables[index]
    partner = [c.name for c in table.columns].index("partner_id")
    rows = [
        replace(r, values=(*r.values[:partner], 9999, *r.values[partner + 1 :]))
        if r.pk == 64
        else r
        for r in table.rows
    ]
    tables[index] = replace(table, rows=tuple(rows))
    return replace(plan, tables=tuple(tables))


def deleted_rows(site: SiteDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """Return the site's rows with the keys the accident deletes, as stored."""
    plan = demo_plans.accident_plan()
    found = {}
    for table in plan.tables:
        keys = ", ".join(str(pk) for pk in ACCIDENT["deleted"][table.name])
        found[table.name] = site.query(
            f"SELECT * FROM {table.name} WHERE {table.pk} IN ({keys}) ORDER BY {table.pk}"
        )
    return found


def repaired_values(site: SiteDatabase) -> list[list[tuple[Any, ...]]]:
    """Return the values of the columns that the repairs touch, in ``repairs()`` order."""
    found = []
    for update in repairs():
        pk_column = "isocode" if update.table == "repairdemo_country" else "id"
        if update.table == "repairdemo_person":
            pk_column = "partner_ptr_id"
        pk = f"'{update.pk}'" if isinstance(update.pk, str) else update.pk
        found.append(
            site.query(f"SELECT {update.column} FROM {update.table} WHERE {pk_column} = {pk}")
        )
    return found


def check_failures_change_nothing(site: SiteDatabase, plan: RestorePlan, work: Path) -> None:
    """Fail the script at its first row, its middle, its end, the check, the repairs."""
    before = site.checksums()
    total = plan.row_count
    broken = [with_bad_row(plan, position) for position in (0, total // 2, total)]
    broken.append((with_dangling_order(plan), "repairdemo_order pk 64: partner_id = 9999"))
    ((name,),) = site.query("SELECT name FROM repairdemo_partner WHERE id = 2")
    bad_update = PlannedUpdate("repairdemo_partner", 2, "name", name, None, "b", "test")
    broken.append(
        (replace(plan, updates=(*plan.updates, bad_update)), "repairdemo_partner pk 2: name")
    )
    for number, (failing, named) in enumerate(broken):
        done = run(site, emit(failing, work / f"broken{number}"), "--apply")
        assert done.returncode == 1, done.output
        assert named in done.stderr and "Nothing was changed" in done.stderr, done.stderr
        assert site.checksums() == before, f"failure naming {named!r} left changes"


def check_every_problem_is_listed(site: SiteDatabase, plan: RestorePlan, work: Path) -> None:
    """A dry run with a row the database refuses and a dangling link: both named, a preview."""
    before = site.checksums()
    failing, _ = with_bad_row(with_dangling_order(plan), 0)
    done = run(site, emit(failing, work / "two_problems"))
    assert done.returncode == 1, done.output
    problems = done.stderr.splitlines()
    assert problems[0].startswith("FAILED: 2 problems in 2 tables;"), done.stderr
    # The database's own words for the refused row differ between engines.
    assert any(
        line.startswith("  repairdemo_partner: ") and line.endswith(f": 1 row: {BAD_PK}")
        for line in problems
    ), done.stderr
    dangling = "  repairdemo_order: partner_id points to no row of repairdemo_partner: 1 row: 64"
    assert f"{dangling} = 9999" in problems
    # The rows after the refused one went in (on PostgreSQL too), and are previewed.
    assert "would insert into repairdemo_orderitem (36 rows):" in done.stdout
    assert site.checksums() == before


def check_accident_undone(
    site: SiteDatabase, work: Path, hostile: tuple[str, ...], backup: dict[str, Any]
) -> None:
    """Run the whole story on a site just after the accident: dry run, failures, apply, again.

    ``backup`` holds ``deleted_rows`` and ``repaired_values`` of the site before the accident.
    """
    plan = full_plan(hostile)
    execute(site, f"UPDATE repairdemo_partner SET email = '{EDITED_EMAIL}' WHERE id = 5")
    unchanged = site.checksums()
    script = emit(plan, work / "repair")

    dry = run(site, script)
    assert dry.returncode == 0, dry.output
    assert "DRY RUN — nothing was changed" in dry.stdout
    assert table_line(dry.stdout, "repairdemo_orderitem") == ["36", "36", "0"]
    assert site.checksums() == unchanged

    check_failures_change_nothing(site, plan, work)
    check_every_problem_is_listed(site, plan, work)

    applied = run(site, script, "--apply")
    assert applied.returncode == 0, applied.output
    rows = plan.row_count
    assert (
        f"APPLIED: {rows} rows inserted, {len(plan.updates) - 1} fields repaired" in applied.stdout
    )
    partner_repairs = str(sum(1 for u in plan.updates if u.table == "repairdemo_partner"))
    counts = table_line(applied.stdout, "repairdemo_partner", last=True)
    assert counts == [partner_repairs, str(int(partner_repairs) - 1), "0", "1"]
    assert deleted_rows(site) == backup["deleted"]
    for update, found, wanted in zip(
        repairs(), repaired_values(site), backup["repaired"], strict=True
    ):
        if (update.table, update.pk) == ("repairdemo_partner", 5):
            wanted = [(EDITED_EMAIL,)]  # edited since the plan: left alone
        elif (update.table, update.pk) == ("repairdemo_partner", 51):
            wanted = [("BE",)]
        assert found == wanted, (update.table, update.pk, update.column)
    names = site.query(
        "SELECT id, name, remark FROM repairdemo_partner WHERE id >= 900 ORDER BY id"
    )
    assert [(r[1], r[2]) for r in names] == [
        *((text, text * 3) for text in hostile), ("long remark", LONG_REMARK),
    ]  # fmt: skip
    assert site.query("SELECT email FROM repairdemo_partner WHERE id = 5") == [(EDITED_EMAIL,)]

    again = run(site, script, "--apply")
    assert again.returncode == 0, again.output
    assert "APPLIED: 0 rows inserted, 0 fields repaired" in again.stdout
    counts = table_line(again.stdout, "repairdemo_partner", last=True)
    assert counts == [partner_repairs, "0", str(int(partner_repairs) - 1), "1"]


def test_script_imports_only_django_and_the_standard_library() -> None:
    script = render_django_script(full_plan(HOSTILE)).text
    tree = ast.parse(script)
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert imported == {
        "__future__", "argparse", "collections", "datetime", "decimal", "django", "json", "logging",
        "os", "sys", "time", "typing", "uuid",
    }  # fmt: skip
    # The data are plain literals: they read back with literal_eval, and hold no call.
    data = [node for node in tree.body if isinstance(node, ast.Assign)]
    names = [target.id for node in data for target in node.targets if isinstance(target, ast.Name)]
    assert names[:2] == ["TABLES", "UPDATES"]
    for node in data[:2]:
        ast.literal_eval(node.value)
        assert not any(isinstance(inner, ast.Call) for inner in ast.walk(node.value))
    assert "eval(" not in script and "exec(" not in script


def test_values_without_an_exact_literal_are_refused() -> None:
    with pytest.raises(UnstorableValueError, match="repairdemo_partner pk=900 column 'name'"):
        render_django_script(demo_plans.accident_plan(["\udcff"]))
    bad = PlannedUpdate("repairdemo_product", 1, "price", Decimal("NaN"), Decimal(1), "b", "x")
    with pytest.raises(UnstorableValueError, match="repairdemo_product pk=1 column 'price'"):
        render_django_script(replace(demo_plans.accident_plan(), updates=(bad,)))


def test_nul_gets_a_warning_for_postgresql() -> None:
    script = render_django_script(demo_plans.accident_plan(["a\x00b"]))
    assert ("repairdemo_partner", 900, "name") in {
        (w.table, w.pk, w.column) for w in script.warnings
    }


def test_merge_emits_the_script_and_says_how_to_run_it(tmp_path: Path) -> None:
    output = tmp_path / "repair"
    result = CliRunner().invoke(cli, [
        "merge", str(FIXTURES / "backup"), "--current", str(FIXTURES / "current"),
        "-o", str(output), "--emit", "django", "--repair-findings", "blanked", "--jobs", "1",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {path.name for path in output.iterdir()} == {"plan.json", "report.html", SCRIPT_FILE}
    assert f"python {SCRIPT_FILE} --settings mysite.settings --apply" in result.output

    site = SiteDatabase(sqlite=demo_plans.copy_current_database(tmp_path))
    before = site.checksums()
    dry = run(site, output / SCRIPT_FILE)
    assert dry.returncode == 0, dry.output
    assert "69 rows were inserted, 10 fields repaired and checked, then rolled back" in dry.stdout
    assert site.checksums() == before
    applied = run(site, output / SCRIPT_FILE, "--apply")
    assert "APPLIED: 69 rows inserted, 10 fields repaired and committed" in applied.stdout
    backup = FIXTURES / "backup.sqlite3"
    blanked = ACCIDENT["blanked"]["pks"]
    emails = "SELECT id, email FROM repairdemo_partner WHERE id IN ({}) ORDER BY id".format(
        ", ".join(map(str, blanked))
    )
    assert site.query(emails) == SiteDatabase(sqlite=backup).query(emails)
    for table, pks in ACCIDENT["deleted"].items():
        pk = "partner_ptr_id" if table in ("repairdemo_person", "repairdemo_company") else "id"
        restored = demo_plans.read_rows(site.sqlite, table, pk, pks)  # type: ignore[arg-type]
        assert restored == demo_plans.read_rows(backup, table, pk, pks), table
    again = run(site, output / SCRIPT_FILE, "--apply")
    assert again.returncode == 0 and "APPLIED: 0 rows inserted, 0 fields repaired" in again.stdout
    assert table_line(again.stdout, "total") == ["69", "0", "69"]


def state_before_accident(site: SiteDatabase) -> dict[str, Any]:
    return {"deleted": deleted_rows(site), "repaired": repaired_values(site)}


def test_sqlite_accident_hostile_values_repairs_and_failures(tmp_path: Path) -> None:
    site = SiteDatabase(sqlite=demo_plans.copy_current_database(tmp_path))
    backup = state_before_accident(SiteDatabase(sqlite=FIXTURES / "backup.sqlite3"))
    check_accident_undone(site, tmp_path, HOSTILE, backup)


def server_story(site: SiteDatabase, work: Path) -> None:
    """Run the accident on the prepared site, then undo it with the script."""
    backup = state_before_accident(site)
    site.manage("run", DEMO / "accident.py", work / "accident.json")
    assert site.server is not None
    # PostgreSQL text cannot hold NUL (the script would fail cleanly).
    hostile = tuple(t for t in HOSTILE if "\x00" not in t or site.server.engine != "postgresql")
    check_accident_undone(site, work, hostile, backup)


@pytest.mark.slow
def test_postgresql_accident_hostile_values_repairs_and_failures(
    prepared_postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    site = SiteDatabase(server=prepared_postgres_database)
    # A sequence already past the restored keys must stay there, not drop to max(id).
    site.query("SELECT setval(pg_get_serial_sequence('repairdemo_order', 'id'), 500)")
    server_story(site, tmp_path)
    assert site.query("SELECT nextval(pg_get_serial_sequence('repairdemo_order', 'id'))") == [
        (501,)
    ]
    # A sequence behind them moved past them (the long remark's partner is the highest key).
    assert site.query("SELECT nextval(pg_get_serial_sequence('repairdemo_partner', 'id'))") == [
        (LONG_PK + 1,)
    ]


@pytest.mark.slow
def test_mariadb_accident_hostile_values_repairs_and_failures(
    prepared_mariadb_database: ServerDatabase, tmp_path: Path
) -> None:
    server_story(SiteDatabase(server=prepared_mariadb_database), tmp_path)
