"""Django JSON fixtures: loaddata on the demo site puts back exactly the planned rows, or none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from repairkit.errors import EmitError, UnstorableValueError
from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan
from repairkit.snapshot import Column
from repairkit.writers.fixture import render_fixture

from . import demo_plans
from .conftest import DEMO


def loaddata(database: Path, fixture: Path) -> subprocess.CompletedProcess[str]:
    """Run the demo site's ``manage.py loaddata`` on ``database``."""
    return subprocess.run(
        [sys.executable, str(DEMO / "manage.py"), "loaddata", str(fixture)],
        env={**os.environ, "REPAIRDEMO_DB": str(database)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def objects_of(plan: RestorePlan) -> list[dict[str, object]]:
    return json.loads(render_fixture(plan).text)  # type: ignore[no-any-return]


def test_fixture_names_models_and_fields_as_django_does() -> None:
    objects = objects_of(demo_plans.accident_plan())
    by_model = {}
    for item in objects:
        by_model.setdefault(item["model"], item)
    assert list(by_model) == [
        "repairdemo.partner", "repairdemo.person", "repairdemo.company", "repairdemo.order",
        "repairdemo.orderitem", "repairdemo.note",
    ]  # fmt: skip
    assert set(by_model["repairdemo.partner"]["fields"]) == {  # type: ignore[arg-type]
        "name", "email", "street", "city", "country", "is_active", "created", "remark",
    }  # fmt: skip
    # An MTI child holds its own fields only; the parent link is its pk.
    assert set(by_model["repairdemo.person"]["fields"]) == {  # type: ignore[arg-type]
        "first_name", "last_name", "birth_date", "gender",
    }  # fmt: skip
    note = next(item for item in objects if item["model"] == "repairdemo.note" and item["pk"] == 7)
    assert note["fields"]["owner_type"] == ["repairdemo", "person"]  # type: ignore[index]
    # A generic foreign key's object id is a plain field called owner_id, not a foreign key.
    assert "owner_id" in note["fields"]  # type: ignore[operator]


def test_nul_is_reported_as_a_warning_naming_the_row() -> None:
    fixture = render_fixture(demo_plans.accident_plan(["a\x00b"]))
    assert {(w.table, w.pk, w.column) for w in fixture.warnings} >= {
        ("repairdemo_partner", 900, "name"), ("repairdemo_person", 900, "first_name"),
    }  # fmt: skip


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(UnstorableValueError, match="repairdemo_partner pk=900 column 'name'"):
        render_fixture(demo_plans.accident_plan(["\udcff"]))


def test_table_without_model_is_refused() -> None:
    table = PlannedTable(
        "legacy", None, (Column("id"),), "id", (PlannedRow(1, (1,), "b", Reason.MISSING),)
    )
    with pytest.raises(EmitError, match="'legacy' has no model label"):
        render_fixture(RestorePlan(("b",), "c", (table,), (), ()))


@pytest.mark.slow
def test_loaddata_reinstates_rows_exactly(tmp_path: Path) -> None:
    plan = demo_plans.accident_plan(demo_plans.HOSTILE_TEXTS)
    database = demo_plans.copy_current_database(tmp_path)
    fixture = tmp_path / "repair.json"
    fixture.write_text(render_fixture(plan).text, encoding="utf-8")
    done = loaddata(database, fixture)
    assert done.returncode == 0, done.stderr
    backup = demo_plans.FIXTURES / "backup.sqlite3"
    for table in plan.tables:
        pks = [r.pk for r in table.rows if r.source == "backup"]
        restored = demo_plans.read_rows(database, table.name, table.pk, pks)
        assert restored == demo_plans.read_rows(backup, table.name, table.pk, pks), table.name
    partners = demo_plans.read_rows(database, "repairdemo_partner", "id", range(900, 907))
    assert [p[1] for p in partners] == list(demo_plans.HOSTILE_TEXTS)
    assert [p[8] for p in partners] == [text * 3 for text in demo_plans.HOSTILE_TEXTS]


@pytest.mark.slow
def test_loaddata_failing_anywhere_leaves_database_unchanged(tmp_path: Path) -> None:
    objects = objects_of(demo_plans.accident_plan(demo_plans.HOSTILE_TEXTS))
    database = demo_plans.copy_current_database(tmp_path)
    before = demo_plans.checksums(database)
    bad = {"model": "repairdemo.partner", "pk": 999, "fields": {
        "name": None, "email": "", "street": "", "city": "", "country": None,
        "is_active": True, "created": "2001-01-01T00:00:00", "remark": "",
    }}  # fmt: skip
    for position in (0, len(objects) // 2, len(objects)):
        fixture = tmp_path / f"broken_{position}.json"
        broken = objects[:position] + [bad] + objects[position:]
        fixture.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
        done = loaddata(database, fixture)
        assert done.returncode != 0 and "NOT NULL constraint failed" in done.stderr
        assert demo_plans.checksums(database) == before, f"failure at {position} left changes"
