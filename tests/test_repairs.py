"""Field repair in ``repairkit merge``: planning updates on the real demo dumps, and their forms.

The fixtures' current state had ``repairdemo_partner.email`` blanked on ten
rows by a buggy bulk update, next to a few legitimate edits
(``fixtures/accident.json``): the repairs must be exactly the ten, with the
backup's values, and never an edit unless the user names that field.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import DumpFormatError, PlanError
from repairkit.findings import FindingKind
from repairkit.plan import PlannedUpdate, RestorePlan
from repairkit.readers import read_snapshot
from repairkit.repairs import add_updates, plan_repairs, repairable_kinds
from repairkit.restore_engine.records import decode_value
from repairkit.runtime.source import read_restore_dir, read_updates
from repairkit.snapshot import ContentTypeRef, Snapshot, Value
from repairkit.tagged_values import encode_value
from repairkit.updates_file import UPDATES_FILE, read_updates_file, render_updates_file
from repairkit.writers.restore_dir import write_restore_dir
from repairkit.writers.sql import render_sql

from .conftest import FIXTURES

ACCIDENT = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))
BLANKED_PKS = ACCIDENT["blanked"]["pks"]


@pytest.fixture(scope="module")
def backup() -> Snapshot:
    return read_snapshot(FIXTURES / "backup")


@pytest.fixture(scope="module")
def current() -> Snapshot:
    return read_snapshot(FIXTURES / "current")


def backup_emails(backup: Snapshot) -> dict[Any, Value]:
    table = backup.tables["repairdemo_partner"]
    index = table.column_names.index("email")
    return {pk: row[index] for pk, row in table.decode(BLANKED_PKS).items()}


def cells(updates: tuple[PlannedUpdate, ...]) -> set[tuple[str, Any, str]]:
    return {(u.table, u.pk, u.column) for u in updates}


def test_repair_findings_blanked_restores_exactly_the_blanked_emails(
    backup: Snapshot, current: Snapshot
) -> None:
    updates = plan_repairs([backup], current, finding_kinds=[FindingKind.BLANKED])
    assert [u.pk for u in updates] == BLANKED_PKS
    expected = backup_emails(backup)
    for update in updates:
        assert (update.table, update.column) == ("repairdemo_partner", "email")
        assert update.corrupted == ""
        assert update.restored == expected[update.pk] and "@" in str(update.restored)
        assert (update.source, update.reason) == ("backup", "blanked")


def test_legitimate_edits_are_never_repaired_by_findings(
    backup: Snapshot, current: Snapshot
) -> None:
    edits = {
        (table, record["pk"], record["column"])
        for table, records in ACCIDENT["changed"].items()
        for record in records
        if record["cause"] == "edit"
    }
    assert edits  # the fixtures do have edits to leave alone
    kinds = [FindingKind(kind) for kind in ("blanked", "truncated", "mojibake", "replaced", "bulk")]
    updates = plan_repairs([backup], current, finding_kinds=kinds)
    assert not cells(updates) & edits
    assert len(updates) == len(BLANKED_PKS)


def test_repair_field_gives_the_same_ten(backup: Snapshot, current: Snapshot) -> None:
    by_field = plan_repairs([backup], current, fields={"repairdemo_partner": ["email"]})
    by_finding = plan_repairs([backup], current, finding_kinds=[FindingKind.BLANKED])
    assert [(u.pk, u.corrupted, u.restored) for u in by_field] == [
        (u.pk, u.corrupted, u.restored) for u in by_finding
    ]
    assert {u.reason for u in by_field} == {"requested"}


def test_repair_field_repairs_an_edit_when_asked_for_exactly_that(
    backup: Snapshot, current: Snapshot
) -> None:
    updates = plan_repairs([backup], current, fields={"repairdemo_partner": ["street"]})
    street = {u.pk: u for u in updates}
    assert street[15].corrupted == "Kirchstraße 12a"  # the edit of accident.json
    edit = next(r for r in ACCIDENT["changed"]["repairdemo_partner"] if r["pk"] == 15)
    assert street[15].restored == edit["before"] and edit["column"] == "street"


def test_the_newest_backup_that_has_the_row_wins(backup: Snapshot, current: Snapshot) -> None:
    # An older backup (here: the current state itself, labelled as old) is not asked
    # when the newest one has the row; the repair says which backup it comes from.
    older = read_snapshot(FIXTURES / "current")
    older.label = "older"
    updates = plan_repairs([older, backup], current, fields={"repairdemo_partner": ["email"]})
    assert [u.pk for u in updates] == BLANKED_PKS
    assert {u.source for u in updates} == {"backup"}
    assert plan_repairs([backup, older], current, fields={"repairdemo_partner": ["email"]}) == ()


@pytest.mark.parametrize(
    ("fields", "kinds", "message"),
    [
        ({"nope": ["email"]}, (), "--repair 'nope': no such table in current"),
        ({"repairdemo_partner": ["mail"]}, (), "repairdemo_partner has no column 'mail'"),
        ({"repairdemo_partner": ["id"]}, (), "'id' is the primary key"),
        (None, ("dangling",), "a dangling link is a missing row"),
        (None, ("blanked", "broken"), "'broken': no such finding kind"),
    ],
)
def test_unknown_or_unrepairable_requests_are_refused(
    backup: Snapshot,
    current: Snapshot,
    fields: dict[str, list[str]] | None,
    kinds: tuple[str, ...],
    message: str,
) -> None:
    with pytest.raises(PlanError, match=message.replace("(", r"\(")):
        plan_repairs([backup], current, fields=fields, finding_kinds=repairable_kinds(kinds))


# -- the command line ----------------------------------------------------------


def merge(output: Path, *options: str) -> Any:
    arguments = [
        "merge", str(FIXTURES / "backup"), "--current", str(FIXTURES / "current"),
        "-o", str(output), "--jobs", "1", *options,
    ]  # fmt: skip
    return CliRunner().invoke(cli, arguments)


def test_merge_writes_the_repairs_next_to_the_rows(tmp_path: Path) -> None:
    result = merge(tmp_path / "repair", "--repair-findings", "blanked,truncated")
    assert result.exit_code == 0, result.output
    assert "repairdemo_partner.email: 10 from backup (blanked)" in result.output
    plan = json.loads((tmp_path / "repair" / "plan.json").read_text(encoding="utf-8"))
    assert plan["summary"]["updates"] == 10 and plan["summary"]["reinstated"] == 69
    assert [u["pk"] for u in plan["updates"]] == BLANKED_PKS
    restore = (tmp_path / "repair" / "restore.py").read_text(encoding="utf-8")
    assert f'UPDATES_FILE = "{UPDATES_FILE}"' in restore
    updates = read_updates(tmp_path / "repair")
    assert [(u.pk, u.corrupted) for u in updates] == [(pk, "") for pk in BLANKED_PKS]
    assert len(read_restore_dir(tmp_path / "repair")) == 6  # the rows are still read


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--repair", "nope.email"], "--repair 'nope': no such table"),
        (["--repair", "repairdemo_partner.mail"], "has no column 'mail'"),
        (["--repair", "repairdemo_partner"], "is not TABLE.FIELD"),
        (["--repair-findings", "dangling"], "a dangling link is a missing row"),
        (["--repair-findings", "blanked,garbage"], "'garbage': no such finding kind"),
        (["--repair-findings", "blanked", "--emit", "fixture"], "loaddata overwrites whole rows"),
    ],
)
def test_merge_refuses_bad_repair_options_with_exit_2(
    tmp_path: Path, options: list[str], message: str
) -> None:
    result = merge(tmp_path / "repair", *options)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "repair" / "plan.json").exists()


def test_only_repairs_make_a_restore_dir_without_data_files(
    backup: Snapshot, current: Snapshot, tmp_path: Path
) -> None:
    updates = plan_repairs([backup], current, finding_kinds=[FindingKind.BLANKED])
    plan = add_updates(RestorePlan(("backup",), "current", (), (), ()), updates)
    write_restore_dir(plan, tmp_path / "repair")
    assert sorted(p.name for p in (tmp_path / "repair").iterdir()) == ["restore.py", UPDATES_FILE]
    assert read_restore_dir(tmp_path / "repair") == []
    assert len(read_updates(tmp_path / "repair")) == 10


def test_an_updates_file_that_restore_py_does_not_name_is_refused(
    backup: Snapshot, current: Snapshot, tmp_path: Path
) -> None:
    result = merge(tmp_path / "repair", "--repair-findings", "blanked")
    assert result.exit_code == 0, result.output
    restore = tmp_path / "repair" / "restore.py"
    restore.write_text(restore.read_text().replace('UPDATES_FILE = "updates.json"\n', ""))
    with pytest.raises(DumpFormatError, match="not named in restore.py"):
        read_updates(tmp_path / "repair")
    (tmp_path / "repair" / UPDATES_FILE).unlink()
    assert read_updates(tmp_path / "repair") == []


# -- the forms -------------------------------------------------------------------

TYPED_VALUES: list[Value] = [
    None, True, 0, 3.5, "", "O'Brien \"x\" \n é 🌿", Decimal("12.50"), datetime.date(2024, 2, 29),
    datetime.datetime(2024, 3, 1, 10, 0, 5), datetime.time(9, 30), ContentTypeRef("app", "model"),
]  # fmt: skip


def test_updates_file_keeps_every_value_and_its_type(tmp_path: Path) -> None:
    updates = [
        PlannedUpdate("t", index, "c", value, TYPED_VALUES[-1 - index], "backup", "requested")
        for index, value in enumerate(TYPED_VALUES)
    ]
    path = tmp_path / UPDATES_FILE
    path.write_text(render_updates_file(updates), encoding="utf-8")
    read = read_updates_file(path)
    for update, back in zip(updates, read, strict=True):
        for before, after in ((update.corrupted, back.corrupted), (update.restored, back.restored)):
            # As the restore engine takes them, from this file as from the standalone script.
            engine = decode_value(encode_value(before))
            assert after == engine and type(after) is type(engine)
    assert read[2].where == "updates.json, entry 3"


@pytest.mark.parametrize(
    ("dialect", "same"),
    [("sqlite", '"email" IS \'\''), ("postgresql", '"email" IS NOT DISTINCT FROM \'\''),
     ("mysql", "`email` <=> ''")],
)  # fmt: skip
def test_sql_updates_compare_null_safely_in_each_dialect(
    backup: Snapshot, current: Snapshot, dialect: str, same: str
) -> None:
    updates = plan_repairs([backup], current, finding_kinds=[FindingKind.BLANKED])
    plan = add_updates(RestorePlan(("backup",), "current", (), (), ()), updates)
    text = render_sql(plan, dialect).text
    assert text.count("UPDATE ") == 10
    assert f"AND {same};" in text
    assert text.index("UPDATE ") < text.index("UNION ALL") < text.rindex("COMMIT;")
