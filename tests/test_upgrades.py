"""Restoring from a backup made before an upgrade: the demo site from version 1.0 to 2.0.

The dumps are made by real Lino (``demo/upgrade/make_dumps.py``): a 1.0
backup, the upgrade of it by Lino's own loader and the site's migrator, a
2.0 backup, an accident, the 2.0 current dump. Each change of 2.0 is either
restored exactly with a mapping, or refused by name before anything is
written. After a restore, the database is compared row by row (sqlite3)
with what the upgrade made of the pre-accident database.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from repairkit.cli import EXIT_LEFT_OUT, cli
from repairkit.errors import PlanError
from repairkit.mapping import SchemaMapping
from repairkit.plan import plan_restore
from repairkit.schema_drift import prepare_backups
from repairkit.snapshot import Column, MemoryRowStore, Pk, Row, Snapshot, Table

from .conftest import DEMO, FIXTURES, ServerDatabase, new_postgres_database
from .demo_servers import copy_database
from .restore_site import edit_row

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")

UPGRADE = DEMO / "upgrade"
V2_SETTINGS = "repairdemo.settings"  # importable from demo/upgrade/
MAPPING = """\
rename_tables: {repairdemo_note: notes_note}
rename_columns: {repairdemo_partner.city: town}
drop_columns: [repairdemo_country.short_code]
set_columns: {repairdemo_product.origin_id: BE}
"""


@pytest.fixture(scope="session")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Make the 1.0 and 2.0 dumps and databases once per session (about a minute)."""
    out = tmp_path_factory.mktemp("upgrade") / "dumps"
    subprocess.run(
        [sys.executable, str(UPGRADE / "make_dumps.py"), str(out)], check=True, capture_output=True
    )
    return out


@dataclass(frozen=True)
class Upgrade:
    """A finished ``repairkit upgrade`` of the 1.0 backup with the 2.0 settings."""

    result: subprocess.CompletedProcess[str]
    output: Path
    never_opened: Path  # the site's database in its environment, which must not come to be


@pytest.fixture(scope="session")
def upgraded_v1(dumps: Path, tmp_path_factory: pytest.TempPathFactory) -> Upgrade:
    """Upgrade the 1.0 backup once per session (ten seconds): two tests restore from it."""
    work = tmp_path_factory.mktemp("upgraded")
    upgraded, never_opened = work / "backup-v1-upgraded", work / "never-opened.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "repairkit", "upgrade", str(dumps / "backup-v1"),
         "--settings", V2_SETTINGS, "-o", str(upgraded)],
        cwd=UPGRADE, capture_output=True, text=True,
        env=dict(os.environ, REPAIRDEMO_DB=str(never_opened)),
    )  # fmt: skip
    return Upgrade(result, upgraded, never_opened)


def merge(*args: str | Path, cwd: Path = UPGRADE) -> tuple[int, str, dict[str, Any]]:
    """Run ``repairkit merge`` as a user would, from ``cwd``; return status, output, plan.json."""
    argv = [str(a) for a in args]
    output = Path(argv[argv.index("-o") + 1])
    unused = str(output.parent / "unused.sqlite3")  # --settings never opens the database
    env = dict(os.environ, REPAIRDEMO_DB=unused, MIGSITE_DB=unused)
    result = subprocess.run(
        [sys.executable, "-m", "repairkit", "merge", *argv, "--jobs", "1"],
        cwd=cwd, env=env, capture_output=True, text=True,
    )  # fmt: skip
    plan_file = output / "plan.json"
    plan = json.loads(plan_file.read_text()) if plan_file.exists() else {}
    return result.returncode, result.stdout + result.stderr, plan


def left_out(plan: dict[str, Any]) -> dict[tuple[str, Any], dict[str, Any]]:
    return {(item["table"], item["pk"]): item for item in plan["left_out"]}


def planned(plan: dict[str, Any]) -> dict[tuple[str, Any], str]:
    return {(r["table"], r["pk"]): r["source"] for t in plan["tables"] for r in t["rows"]}


def rows(db: Path, table: str, key: str, pks: list[Any]) -> dict[Any, tuple[Any, ...]]:
    """Read rows straight from the SQLite file, not through repairkit."""
    connection = sqlite3.connect(db)
    try:
        marks = ",".join("?" * len(pks))
        cursor = connection.execute(f'SELECT * FROM "{table}" WHERE "{key}" IN ({marks})', pks)
        names = [d[0] for d in cursor.description]
        return {row[names.index(key)]: row for row in cursor.fetchall()}
    finally:
        connection.close()


def all_rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db)
    try:
        return sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
    finally:
        connection.close()


@pytest.mark.slow
def test_without_mapping_every_drifted_table_is_left_out_by_name(
    dumps: Path, tmp_path: Path
) -> None:
    status, output, plan = merge(dumps / "backup-v1", "--current", dumps / "current-v2",
                                 "-o", tmp_path / "out")  # fmt: skip
    assert status == EXIT_LEFT_OUT, output
    assert "Schema drift" in output
    assert "made by version 1.0, current-v2 is version 2.0" in output
    drift = {(d["kind"], d["table"], d["column"]) for d in plan["schema_drift"]}
    assert ("table_gone", "repairdemo_note", None) in drift
    assert ("column_gone", "repairdemo_partner", "city") in drift
    assert ("column_new", "repairdemo_order", "priority") in drift
    assert ("column_new", "repairdemo_product", "origin_id") in drift
    assert ("type_changed", "repairdemo_orderitem", "unit_price") in drift
    out = left_out(plan)
    assert out[("repairdemo_partner", 7)]["kind"] == "schema_drift"
    partner = out[("repairdemo_partner", 7)]["detail"]
    assert "--rename-column repairdemo_partner.city=town" in partner
    assert "--rename-table repairdemo_note=notes_note" in out[("repairdemo_note", 7)]["detail"]
    assert out[("repairdemo_product", 30)]["kind"] == "schema_drift"
    assert not any(table == "repairdemo_note" for table, _ in planned(plan))
    header = (tmp_path / "out" / "restore.py").read_text()
    assert "# Schema drift" in header and "repairdemo_partner.city" in header


@pytest.mark.slow
def test_with_the_site_and_a_mapping_rows_restore_exactly_or_are_refused_by_value(
    dumps: Path, tmp_path: Path
) -> None:
    mapping = tmp_path / "upgrade.yaml"
    mapping.write_text(MAPPING)
    status, output, plan = merge(dumps / "backup-v1", "--current", dumps / "current-v2",
                                 "-o", tmp_path / "out", "--settings", V2_SETTINGS,
                                 "--mapping", mapping)  # fmt: skip
    assert status == EXIT_LEFT_OUT, output
    out = left_out(plan)
    # A text over today's max_length, a Decimal into today's integer cents, a column the
    # migrator computes: refused, with table, pk, column, value and why.
    category = out[("repairdemo_category", 9)]["detail"]
    assert "column 'name' value 'Screws \"metric\"'" in category and "max_length 10" in category
    item = out[("repairdemo_orderitem", 16)]["detail"]
    assert "column 'unit_price' value Decimal('71.54')" in item and "IntegerField" in item
    assert "priority" in out[("repairdemo_order", 64)]["detail"]
    assert out[("repairdemo_product", 16)]["kind"] == "depends_on_left_out"
    assert "migrate_from_1_0" in output
    restored = planned(plan)
    assert {("repairdemo_partner", 7), ("repairdemo_partner", 13), ("repairdemo_product", 30),
            ("notes_note", 3), ("notes_note", 4)} <= set(restored)  # fmt: skip

    site = tmp_path / "site.sqlite3"
    shutil.copyfile(dumps / "current.sqlite3", site)
    env = dict(os.environ, REPAIRDEMO_DB=str(site))
    subprocess.run(
        [sys.executable, "manage.py", "run", str(tmp_path / "out" / "restore.py"), "--apply"],
        cwd=UPGRADE, env=env, check=True, capture_output=True,
    )  # fmt: skip
    keys = {"repairdemo_person": "partner_ptr_id", "repairdemo_company": "partner_ptr_id"}
    by_table: dict[str, list[Any]] = {}
    for table, pk in restored:
        by_table.setdefault(table, []).append(pk)
    for table, pks in by_table.items():
        key = keys.get(table, "id")
        expected = rows(dumps / "upgraded.sqlite3", table, key, pks)
        assert rows(site, table, key, pks) == expected, table
        assert len(expected) == len(pks)
    for table, pk in out:
        key = keys.get(table, "id")
        assert rows(site, table, key, [pk]) == {}, (table, pk)


@pytest.mark.slow
def test_backups_from_both_sides_of_the_upgrade_merge_with_the_mapping(
    dumps: Path, tmp_path: Path
) -> None:
    mapping = tmp_path / "upgrade.yaml"
    mapping.write_text(MAPPING)
    status, output, plan = merge(dumps / "backup-v1", dumps / "backup-v2",
                                 "--current", dumps / "current-v2", "-o", tmp_path / "out",
                                 "--settings", V2_SETTINGS, "--mapping", mapping)  # fmt: skip
    assert status == 0, output
    sources = planned(plan)
    # Notes 3 and 4 were deleted before the 2.0 backup: only the 1.0 backup has them.
    assert sources[("notes_note", 3)] == sources[("notes_note", 4)] == "backup-v1"
    assert sources[("repairdemo_orderitem", 16)] == "backup-v2"
    assert plan["left_out"] == []

    status, output, plan = merge(
        dumps / "backup-v1", dumps / "backup-v2", "--current", dumps / "current-v2",
        "-o", tmp_path / "out2",
    )  # fmt: skip
    assert status == EXIT_LEFT_OUT, output
    assert left_out(plan)[("repairdemo_note", 3)]["kind"] == "schema_drift"
    assert ("notes_note", 7) in planned(plan)


@pytest.mark.slow
def test_the_dry_run_lists_every_row_that_today_s_models_reject(
    dumps: Path, tmp_path: Path
) -> None:
    # Without --settings the plan cannot know today's max_length: the restore checks.
    status, output, plan = merge(
        dumps / "backup-v1", "--current", dumps / "current-v2", "-o", tmp_path / "out",
        "--rename-table", "repairdemo_note=notes_note",
        "--rename-column", "repairdemo_partner.city=town",
        "--drop-column", "repairdemo_country.short_code",
        "--set-column", 'repairdemo_product.origin_id="BE"',
        "--set-column", "repairdemo_order.priority=3",
    )  # fmt: skip
    assert status == EXIT_LEFT_OUT, output
    assert ("repairdemo_category", 9) in planned(plan)
    for pk in (7, 13):  # a reviewer pastes a name over today's max_length
        edit_row(tmp_path / "out" / "repairdemo_partner.py", pk, "name", repr("x" * 201))
    site = tmp_path / "site.sqlite3"
    shutil.copyfile(dumps / "current.sqlite3", site)
    before = site.read_bytes()
    env = dict(os.environ, REPAIRDEMO_DB=str(site))
    for apply in ([], ["--apply"]):
        result = subprocess.run(
            [sys.executable, "manage.py", "run", str(tmp_path / "out" / "restore.py"), *apply],
            cwd=UPGRADE, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 1, result.stdout + result.stderr
        assert "3 inserted rows are not valid for today's models" in result.stderr
        assert "repairdemo_category: name: Ensure this value has at most 10 characters" in (
            result.stderr
        )
        assert "repairdemo_partner: name: Ensure this value has at most 200 characters" in (
            result.stderr
        )
        assert site.read_bytes() == before


@pytest.mark.slow
def test_upgrade_then_merge_restores_every_row_as_the_upgrade_made_it(
    dumps: Path, upgraded_v1: Upgrade, tmp_path: Path
) -> None:
    upgraded, result = upgraded_v1.output, upgraded_v1.result
    assert result.returncode == 0, result.stdout + result.stderr
    assert not upgraded_v1.never_opened.exists()
    assert "SOURCE_VERSION = '2.0'" in (upgraded / "restore.py").read_text()
    status, output, plan = merge(upgraded, "--current", dumps / "current-v2", "-o",
                                 tmp_path / "out", "--settings", V2_SETTINGS)  # fmt: skip
    assert status == 0, output
    assert plan["left_out"] == [] and plan["schema_drift"] == []
    site = tmp_path / "site.sqlite3"
    shutil.copyfile(dumps / "current.sqlite3", site)
    subprocess.run(
        [sys.executable, "manage.py", "run", str(tmp_path / "out" / "restore.py"), "--apply"],
        cwd=UPGRADE, env=dict(os.environ, REPAIRDEMO_DB=str(site)), check=True,
        capture_output=True,
    )  # fmt: skip
    # Every table of the site equals what the upgrade made of the pre-accident database.
    for table in ("repairdemo_category", "repairdemo_country", "repairdemo_partner",
                  "repairdemo_person", "repairdemo_company", "repairdemo_product",
                  "repairdemo_order", "repairdemo_orderitem", "notes_note"):  # fmt: skip
        assert all_rows(site, table) == all_rows(dumps / "upgraded.sqlite3", table), table


def test_upgrade_refuses_what_is_no_backup_it_can_read(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("what happened on Monday\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [
        "upgrade", str(notes), "--settings", "x.settings", "-o", str(tmp_path / "up"),
    ])  # fmt: skip
    assert result.exit_code == 2 and "cannot tell the format" in result.output
    assert not (tmp_path / "up").exists()


def test_a_mapping_that_names_a_missing_table_or_column_is_an_error(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["merge", str(FIXTURES / "backup"), "--current", str(FIXTURES / "current")]
    cases = {
        "--rename-table=nosuch_table=repairdemo_note": "rename table 'nosuch_table': no backup",
        "--rename-table=repairdemo_note=notes_note": "today's schema has no 'notes_note'",
        "--rename-column=repairdemo_partner.town=city": "no backup has column 'town'",
        "--drop-column=repairdemo_partner": "expected TABLE.COLUMN",
        "--set-column=repairdemo_order.priority=3": "today's repairdemo_order has no such column",
        "--set-column=repairdemo_order.remark=not json": "the value must be JSON",
    }
    for index, (option, message) in enumerate(cases.items()):
        out = tmp_path / f"out{index}"
        result = runner.invoke(cli, [*base, "-o", str(out), option, "--jobs", "1"])
        assert result.exit_code == 2, (option, result.output)
        assert message in result.output, (option, result.output)
        assert not out.exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("rename_table: {a: b}\n")
    result = runner.invoke(cli, [*base, "-o", str(tmp_path / "o"), "--mapping", str(bad)])
    assert result.exit_code == 2 and "unknown: rename_table" in result.output


def test_merge_exits_3_when_the_plan_leaves_rows_out(tmp_path: Path) -> None:
    args = ["merge", str(FIXTURES / "backup"), "--current", str(FIXTURES / "current"),
            "--jobs", "1"]  # fmt: skip
    complete = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "a")])
    assert complete.exit_code == 0, complete.output
    partial = CliRunner().invoke(
        cli, [*args, "-o", str(tmp_path / "b"), "--exclude-table", "repairdemo_partner"]
    )
    assert partial.exit_code == EXIT_LEFT_OUT, partial.output
    assert (tmp_path / "b" / "plan.json").exists()


def accident_sql() -> str:
    """Return the accident of ``make_dumps.py``, to run it on another database."""
    spec = importlib.util.spec_from_file_location("make_dumps", UPGRADE / "make_dumps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.ACCIDENT)


def pg_tables(database: ServerDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """Read every table of the demo site straight from PostgreSQL (psycopg, not repairkit)."""
    import psycopg

    tables = {}
    with psycopg.connect(host=database.host, port=database.port, user=database.user,
                         dbname=database.name) as connection:  # fmt: skip
        for name in UPGRADED_TABLES:
            rows = connection.execute(f'SELECT * FROM "{name}"').fetchall()
            tables[name] = sorted(rows, key=repr)
    return tables


UPGRADED_TABLES = (
    "repairdemo_category", "repairdemo_country", "repairdemo_partner", "repairdemo_person",
    "repairdemo_company", "repairdemo_product", "repairdemo_order", "repairdemo_orderitem",
    "notes_note",
)  # fmt: skip


@pytest.mark.slow
def test_upgrade_and_restore_on_postgresql(
    dumps: Path, upgraded_v1: Upgrade, tmp_path: Path
) -> None:
    with new_postgres_database() as reference, ExitStack() as copies:

        def manage(database: ServerDatabase, *args: str | Path) -> None:
            env = dict(os.environ, **database.demo_site_environment())
            env["DJANGO_SETTINGS_MODULE"] = "repairdemo.settings_server"
            subprocess.run(
                [sys.executable, "manage.py", *map(str, args)],
                cwd=UPGRADE, env=env, check=True, capture_output=True,
            )  # fmt: skip

        # What Lino's own upgrade makes of the pre-accident database, on PostgreSQL; the
        # site starts as a copy of it (the same load again would make the same database).
        manage(reference, "run", dumps / "backup-v1" / "restore.py", "--noinput")
        site = copies.enter_context(copy_database(reference))
        import psycopg

        with psycopg.connect(host=site.host, port=site.port, user=site.user,
                             dbname=site.name) as connection:  # fmt: skip
            connection.execute(accident_sql().encode())
        assert pg_tables(site) != pg_tables(reference)

        upgraded, result = upgraded_v1.output, upgraded_v1.result
        assert result.returncode == 0, result.stdout + result.stderr
        status, output, plan = merge(upgraded, "--current", site.url, "-o", tmp_path / "out",
                                     "--settings", V2_SETTINGS)  # fmt: skip
        assert status == 0, output
        manage(site, "run", tmp_path / "out" / "restore.py", "--apply")
        assert pg_tables(site) == pg_tables(reference)


def test_backups_with_different_columns_are_named_with_their_columns() -> None:
    def snapshot(label: str, columns: list[str], rows: dict[Pk, Row]) -> Snapshot:
        table = Table("shop_partner", [Column(c) for c in columns], "id", MemoryRowStore(rows))
        return Snapshot(label, [table])

    older = snapshot("mon-v1", ["id", "name", "city"], {1: (1, "Anna", "Eupen")})
    newer = snapshot("tue-v2", ["id", "name", "town"], {2: (2, "Bert", "Liège")})
    current = snapshot("today", ["id", "name", "town"], {})
    with pytest.raises(PlanError, match=r"only in mon-v1: city; only in tue-v2: town"):
        plan_restore([older, newer], current)
    # Mapped to today's names, the older backup's rows merge with the newer's.
    mapping = SchemaMapping(columns={("shop_partner", "city"): "town"})
    backups, check = prepare_backups([older, newer], current, mapping)
    plan = plan_restore(backups, current, fit_row=check.fit_row, drift=check.items)
    assert [(r.pk, r.values, r.source) for r in plan.tables[0].rows] == [
        (1, (1, "Anna", "Eupen"), "mon-v1"),
        (2, (2, "Bert", "Liège"), "tue-v2"),
    ]


MIGSITE = Path(__file__).parent / "files" / "migsite"
# The accident on the Django site: customer 3 with its orders, and two more orders.
DJANGO_ACCIDENT = """
DELETE FROM shop_order WHERE customer_id = 3 OR id IN (15, 16);
DELETE FROM shop_customer WHERE id = 3;
"""


@pytest.mark.slow
def test_a_django_backup_is_migrated_forward_with_the_site_s_migrations(tmp_path: Path) -> None:
    def django(db: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, MIGSITE_DB=str(db), DJANGO_SETTINGS_MODULE="settings")
        return subprocess.run(
            [sys.executable, *map(str, args)], cwd=MIGSITE, env=env, capture_output=True,
            text=True, check=True,
        )  # fmt: skip

    backup = tmp_path / "v1.sqlite3"  # at migration 0001, before the upgrade
    django(backup, "make_backup.py")
    reference = tmp_path / "reference.sqlite3"  # what the upgrade made of it
    shutil.copyfile(backup, reference)
    django(reference, "-m", "django", "migrate", "--pythonpath", ".")
    site = tmp_path / "site.sqlite3"
    shutil.copyfile(reference, site)
    connection = sqlite3.connect(site)
    with connection:
        connection.executescript(DJANGO_ACCIDENT)
    connection.close()

    # Straight from the old backup: refused by name, nothing planned for the drifted tables.
    status, output, plan = merge(f"sqlite:///{backup}", "--current", f"sqlite:///{site}",
                                 "-o", tmp_path / "raw", "--settings", "settings",
                                 cwd=MIGSITE)  # fmt: skip
    assert status == EXIT_LEFT_OUT, output
    drift = {(d["kind"], d["table"], d["column"]) for d in plan["schema_drift"]}
    assert {("column_gone", "shop_customer", "city"), ("column_gone", "shop_order", "remark"),
            ("column_new", "shop_order", "priority")} <= drift  # fmt: skip
    assert planned(plan) == {}

    upgraded = tmp_path / "v1-upgraded.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "repairkit", "upgrade", str(backup), "--settings", "settings",
         "-o", str(upgraded)],
        cwd=MIGSITE, capture_output=True, text=True,
        env=dict(os.environ, MIGSITE_DB=str(tmp_path / "never-opened.sqlite3")),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "never-opened.sqlite3").exists()
    status, output, plan = merge(f"sqlite:///{upgraded}", "--current", f"sqlite:///{site}",
                                 "-o", tmp_path / "out", "--settings", "settings",
                                 cwd=MIGSITE)  # fmt: skip
    assert status == 0, output
    django(site, tmp_path / "out" / "restore.py", "--settings", "settings", "--apply")
    for table in ("shop_customer", "shop_order"):  # priorities as the RunPython computed them
        assert all_rows(site, table) == all_rows(reference, table), table
