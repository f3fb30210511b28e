"""write_restore_dir: a plan becomes a dump2py-like directory that reads back as the same rows."""

from __future__ import annotations

import datetime
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from repairkit.conflicts import ConflictKind, LeftOut
from repairkit.errors import PlanError
from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan, plan_restore
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.readers.lino.restore import read_restore_module
from repairkit.snapshot import Column, ColumnKind, ContentTypeRef, Value
from repairkit.writers import write_restore_dir

from .conftest import FIXTURES

NASTY_TEXTS = [
    "it's", 'say "hi"', "both ' and \"", "back\\slash", "two\nlines", "crlf\r\n", "tab\there",
    "«guillemets» é ü ß", "emoji 😀🌿", "nul \x00 and \u2028 separator", "",
]  # fmt: skip


def table(name: str, columns: list[Column], pk: str, rows: list[tuple[Value, ...]],
          model: str | None = None) -> PlannedTable:  # fmt: skip
    index = [column.name for column in columns].index(pk)
    planned = tuple(PlannedRow(row[index], row, "backup", Reason.MISSING) for row in rows)  # type: ignore[arg-type]
    return PlannedTable(name, model, tuple(columns), pk, planned)


def every_kind_plan() -> RestorePlan:
    """A plan whose rows hold every kind of value, with a key that is not the first column."""
    country = table(
        "app_country",
        [Column("name", ColumnKind.BABEL), Column("name_de", ColumnKind.BABEL),
         Column("name_fr", ColumnKind.BABEL), Column("isocode"), Column("short_code")],
        "isocode",
        [("Belgium", "Belgien", "Belgique", "BE", "B"), ("Kosovo", "Kosovo", "", "XK", None)],
        model="app.Country",
    )  # fmt: skip
    note = table(
        "app_note",
        [Column("id"), Column("owner_type_id", ColumnKind.CONTENT_TYPE, "django_content_type"),
         Column("owner_id"), Column("amount", ColumnKind.DECIMAL), Column("when"),
         Column("day"), Column("at"), Column("done"), Column("ratio"), Column("text")],
        "id",
        [
            (index + 1, ContentTypeRef("app", "country"), 3, Decimal("-12.50"),
             datetime.datetime(2025, 1, 2, 3, 4, 5), datetime.date(1999, 12, 31),
             datetime.time(9, 0, 1), index % 2 == 0, 0.25, text)
            for index, text in enumerate(NASTY_TEXTS)
        ]
        + [(99, ContentTypeRef("other", "thing"), None, None, None, None, None, None, None, None)]
        + [(100, None, None, None, datetime.datetime(2025, 1, 2, 3, 4, 5, 678901), None,
            datetime.time(9, 0, 1, 7), None, None, "microseconds are kept")],
        model="app.Note",
    )  # fmt: skip
    return RestorePlan(("backup",), "current", (country, note), (), ())


def records(plan_table: PlannedTable) -> dict[object, dict[str, Value]]:
    names = [column.name for column in plan_table.columns]
    return {row.pk: dict(zip(names, row.values, strict=True)) for row in plan_table.rows}


def test_every_kind_of_value_reads_back_the_same(tmp_path: Path) -> None:
    plan = every_kind_plan()
    write_restore_dir(plan, tmp_path / "repair")
    snapshot = read_lino_dump(tmp_path / "repair")
    assert list(snapshot.tables) == ["app_country", "app_note"]
    for planned in plan.tables:
        read = snapshot.tables[planned.name]
        assert read.pk == planned.pk
        assert read.model == planned.model
        got = read.records()
        assert got == records(planned)
        for pk, values in records(planned).items():
            assert [type(value) for value in got[pk].values()] == [
                type(value) for value in values.values()
            ]


def test_fixture_plan_reads_back_the_same(tmp_path: Path) -> None:
    plan = plan_restore([read_lino_dump(FIXTURES / "backup")], read_lino_dump(FIXTURES / "current"))
    assert plan.row_count > 0
    write_restore_dir(plan, tmp_path / "repair")
    snapshot = read_lino_dump(tmp_path / "repair")
    for planned in plan.tables:
        if planned.rows:
            assert snapshot.tables[planned.name].records() == records(planned)


def test_files_look_like_dump2py_output(tmp_path: Path) -> None:
    write_restore_dir(every_kind_plan(), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "app_country.py", "app_note.py", "restore.py",
    ]  # fmt: skip
    lines = (tmp_path / "app_country.py").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# -*- coding: UTF-8 -*-"
    assert 'logger.info("Loading rows to table app_country...")' in lines
    assert "# fields: isocode, name, name_de, name_fr, short_code" in lines
    assert "loader.save(create_app_country('BE','Belgium','Belgien','Belgique','B'))" in lines
    assert lines[-1] == "loader.flush_deferred_objects()"
    restore = (tmp_path / "restore.py").read_text(encoding="utf-8")
    assert 'app_Country = resolve_model("app.Country")' in restore
    assert "    if amount is not None: amount = Decimal(amount)" in restore
    assert "    owner_type_id = new_content_type_id(owner_type_id)" in restore
    assert "from repairkit.runtime import main as run_restore" in restore


def test_data_files_announce_no_count_so_that_deleting_a_line_is_fine(tmp_path: Path) -> None:
    write_restore_dir(every_kind_plan(), tmp_path)
    data_file = tmp_path / "app_note.py"
    text = data_file.read_text(encoding="utf-8")
    assert " objects " not in text  # no "Loading N objects": the reader would check N
    lines = text.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("loader.save("))
    data_file.write_text("".join(lines[:row] + lines[row + 1 :]), encoding="utf-8")
    # The plan has a row per nasty text and two more; one line is gone.
    assert len(read_lino_dump(tmp_path).tables["app_note"]) == len(NASTY_TEXTS) + 1


def test_restore_py_is_read_as_a_dump_and_runs_without_lino(tmp_path: Path) -> None:
    write_restore_dir(every_kind_plan(), tmp_path)
    module = read_restore_module(tmp_path / "restore.py")
    assert [name for name, _ in module.data_files] == ["app_country.py", "app_note.py"]
    assert module.model_globals["other_thing"] == "other.thing"
    # Run as a script, it reaches the runtime, which asks for settings (no Django site here).
    result = subprocess.run(
        [sys.executable, str(tmp_path / "restore.py")], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin"}, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "give --settings" in result.stderr


def test_why_rows_are_there_and_left_out_rows_are_listed(tmp_path: Path) -> None:
    plan = every_kind_plan()
    note = plan.tables[1]
    pulled = PlannedRow(
        note.rows[0].pk, note.rows[0].values, "backup", Reason.REFERENCED, ("app_x", 7)
    )
    plan = RestorePlan(
        plan.backups, plan.current,
        (plan.tables[0], PlannedTable(note.name, note.model, note.columns, note.pk,
                                      (pulled, *note.rows[1:]))),
        (LeftOut("app_note", 500, ConflictKind.REUSED_PK, "the current state\nuses it"),), (),
    )  # fmt: skip
    write_restore_dir(plan, tmp_path)
    restore = (tmp_path / "restore.py").read_text(encoding="utf-8")
    assert "# - app_note 1: referenced of app_x 7" in restore
    assert "# - app_note 500: reused_pk: the current state uses it" in restore


def test_refuses_an_empty_plan_and_a_used_directory(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no rows"):
        write_restore_dir(RestorePlan(("b",), "c", (), (), ()), tmp_path / "empty")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("")
    with pytest.raises(PlanError, match="not an empty directory"):
        write_restore_dir(every_kind_plan(), tmp_path / "used")


def test_unwritable_value_names_table_row_and_column(tmp_path: Path) -> None:
    bad = table("app_t", [Column("id"), Column("ratio")], "id", [(5, float("inf"))])
    with pytest.raises(PlanError, match=r"app_t pk 5, column .ratio.: no literal for the float"):
        write_restore_dir(RestorePlan(("b",), "c", (bad,), (), ()), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_column_id_that_is_not_the_key_is_refused(tmp_path: Path) -> None:
    odd = table("app_t", [Column("code"), Column("id")], "code", [("a", 1)])
    with pytest.raises(PlanError, match="column 'id' that is not its primary key"):
        write_restore_dir(RestorePlan(("b",), "c", (odd,), (), ()), tmp_path / "out")
