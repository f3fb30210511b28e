"""history, timeline and merge across a week of real dumps of the demo site.

The series is made once per test session by the site itself: ``prep``
("mon"), three days of ``demo/history_steps.py`` ("tue", "wed", "thu") and
``demo/accident.py`` ("today"); after each, real ``dump2py`` writes a Lino
dump and the real ``sqlite3`` tool writes ``.dump`` of the database. The
days' rows: note 20 edited twice then deleted, note 60 deleted and created
again with the same key, note 50 deleted on purpose on tue, and the accident
(four partners deleted with their orders, items and notes; ten emails
blanked) between thu and today.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.runtime.source import read_restore_dir
from repairkit.snapshot_time import TimeSource, read_dump_time

from .conftest import DEMO, ServerDatabase
from .restore_site import SiteDatabase

DAYS = ["mon", "tue", "wed", "thu", "today"]
BACKUPS = DAYS[:-1]
pytestmark = pytest.mark.slow


class Series:
    """The week's snapshots on disk: ``lino/DAY/`` and ``sql/DAY.sql``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def lino(self, day: str) -> str:
        return str(self.root / "lino" / day)

    def sql(self, day: str) -> str:
        return str(self.root / "sql" / f"{day}.sql")


@pytest.fixture(scope="session")
def week(tmp_path_factory: pytest.TempPathFactory) -> Series:
    """Run the demo site through the week, dumping it each day in both forms."""
    if shutil.which("sqlite3") is None:
        pytest.fail("the sqlite3 command line tool is needed (.ci/run installs it)")
    root = tmp_path_factory.mktemp("week")
    (root / "lino").mkdir()
    (root / "sql").mkdir()
    site = SiteDatabase(sqlite=root / "site.sqlite3")
    site.manage("prep", "--noinput")
    for day in DAYS:
        if day in ("tue", "wed", "thu"):
            site.manage("run", DEMO / "history_steps.py", day)
        elif day == "today":
            site.manage("run", DEMO / "accident.py", root / "accident.json")
        site.manage("dump2py", root / "lino" / day)
        with open(root / "sql" / f"{day}.sql", "w", encoding="utf-8") as out:
            subprocess.run(["sqlite3", str(site.sqlite), ".dump"], stdout=out, check=True)
    # The days follow each other in seconds; give each dump the time of its day.
    for index, day in enumerate(DAYS):
        stamp = 1_762_228_800 + index * 86_400  # 2025-11-04 04:00 UTC, then one day later each
        for path in [root / "sql" / f"{day}.sql", *(root / "lino" / day).iterdir()]:
            os.utime(path, (stamp, stamp))
    return Series(root)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def as_json(*args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(*args, "--format", "json")
    assert code in (0, 1), err
    return json.loads(out)  # type: ignore[no-any-return]


FORMS = ["lino", "sql"]


def backups(week: Series, form: str, days: Sequence[str] = BACKUPS) -> list[str]:
    return [getattr(week, form)(day) for day in days]


def label(form: str, day: str) -> str:
    return day if form == "lino" else f"{day}.sql"


@pytest.mark.parametrize("form", FORMS)
def test_history_shows_a_row_edited_twice_then_deleted(week: Series, form: str) -> None:
    current = getattr(week, form)("today")
    doc = as_json("history", *backups(week, form), "--current", current,
                  "--table", "repairdemo_note", "--pk", "20")  # fmt: skip
    states = doc["rows"]["20"]
    assert [s["snapshot"] for s in states] == [label(form, d) for d in DAYS]
    assert [s["present"] for s in states] == [True, True, True, False, False]
    assert states[0]["changed"] == {} and states[0]["values"]["id"] == 20
    old_body = states[0]["values"]["body"]
    assert states[1]["changed"] == {"body": [old_body, "Called back: wants the blue one."]}
    assert states[2]["changed"] == {
        "body": ["Called back: wants the blue one.", "Delivered on Wednesday, paid cash."]
    }
    assert states[3] == {"snapshot": label(form, "thu"), "present": False}


@pytest.mark.parametrize("form", FORMS)
def test_history_shows_a_row_deleted_and_created_again(week: Series, form: str) -> None:
    current = getattr(week, form)("today")
    doc = as_json("history", *backups(week, form), "--current", current,
                  "--table", "repairdemo_note", "--pk", "60")  # fmt: skip
    states = doc["rows"]["60"]
    assert [s["present"] for s in states] == [True, False, False, True, True]
    assert doc["returns"] == {"60": [label(form, "thu")]}
    back = states[3]
    assert back["values"]["subject"] == "Second visit"
    assert back["changed"]["subject"][1] == "Second visit"
    assert states[4]["changed"] == {}
    code, text, _ = run("history", *backups(week, form), "--current", current,
                        "--table", "repairdemo_note", "--pk", "60")  # fmt: skip
    assert code == 0
    thu = [line for line in text.splitlines() if line.startswith(f"  {label(form, 'thu')} ")][-1]
    assert "back (re-created): " in thu and "subject='Second visit'" in thu


@pytest.mark.parametrize("form", FORMS)
def test_history_of_a_table_counts_rows_lost_and_gained_per_step(week: Series, form: str) -> None:
    current = getattr(week, form)("today")
    doc = as_json("history", *backups(week, form), "--current", current,
                  "--table", "repairdemo_note")  # fmt: skip
    steps = [(s["from"], s["to"], s["lost"], s["gained"]) for s in doc["steps"]]
    assert steps[:3] == [
        (label(form, "mon"), label(form, "tue"), [50, 60], []),
        (label(form, "tue"), label(form, "wed"), [], []),
        (label(form, "wed"), label(form, "thu"), [20], [60]),
    ]
    accident = json.loads((Path(week.root) / "accident.json").read_text(encoding="utf-8"))
    assert steps[3][2] == accident["deleted"]["repairdemo_note"]
    assert steps[3][3] == accident["added"]["repairdemo_note"]


@pytest.mark.parametrize("form", FORMS)
def test_timeline_names_the_accident_and_the_last_good_backup(week: Series, form: str) -> None:
    current = getattr(week, form)("today")
    code, out, _ = run("timeline", *backups(week, form), "--current", current, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["snapshots"] == [label(form, d) for d in DAYS]
    assert [s["accident"] for s in doc["steps"]] == [False, False, False, True]
    assert doc["accident"] == {"from": label(form, "thu"), "to": label(form, "today")}
    assert doc["last_good"] == label(form, "thu")
    first, _, third, last = doc["steps"]
    assert (first["lost"], first["gained"], first["damaged"]) == (2, 1, 0)
    assert (third["lost"], third["gained"]) == (1, 2)
    assert last["lost"] == 69 and last["damaged"] == 10
    assert [f["kind"] for f in last["findings"]] == ["blanked"]
    code, text, _ = run("timeline", *backups(week, form), "--current", current)
    assert f"Last good backup: {label(form, 'thu')}" in text
    assert f"ACCIDENT {label(form, 'thu')} -> {label(form, 'today')}: -69" in text


@pytest.mark.parametrize("command", ["history", "timeline"])
def test_backups_given_in_the_wrong_order_are_put_in_time_order(week: Series, command: str) -> None:
    shuffled = backups(week, "lino", ["wed", "mon", "thu", "tue"])
    extra = ["--table", "repairdemo_note", "--pk", "20"] if command == "history" else []
    code, out, err = run(command, *shuffled, "--current", week.lino("today"), *extra,
                         "--format", "json")  # fmt: skip
    assert code in (0, 1)
    assert "not given oldest first; their times say mon, tue, wed, thu" in err
    doc = json.loads(out)
    if command == "history":
        assert [s["snapshot"] for s in doc["rows"]["20"]] == DAYS
        assert doc["snapshots"][0]["time"] == "2025-11-04T04:00:00"
        assert doc["snapshots"][0]["time_source"] == "file time"
    else:
        assert doc["snapshots"] == DAYS and doc["last_good"] == "thu"


def test_keep_order_takes_the_order_given_and_says_so(week: Series) -> None:
    shuffled = backups(week, "lino", ["tue", "mon"])
    code, out, err = run("history", *shuffled, "--keep-order", "--table", "repairdemo_note",
                         "--pk", "50", "--format", "json")  # fmt: skip
    assert code == 0
    assert "--keep-order: taking the backups as given, though their times say mon, tue" in err
    assert [s["snapshot"] for s in json.loads(out)["rows"]["50"]] == ["tue", "mon"]


def test_tied_file_times_are_ordered_by_the_data(week: Series, tmp_path: Path) -> None:
    """Copies made together (same file times) are told apart by the newest ``created``."""
    copies = []
    for day in ["wed", "tue", "mon"]:
        target = tmp_path / day
        shutil.copytree(week.lino(day), target)
        for path in target.iterdir():
            os.utime(path, (1_800_000_000, 1_800_000_000))
        copies.append(str(target))
    doc = as_json("history", *copies, "--table", "repairdemo_note", "--pk", "20")
    assert [s["label"] for s in doc["snapshots"]] == ["mon", "tue", "wed"]
    tue = doc["snapshots"][1]
    assert tue["time_source"] == "newest value in the data"
    assert (
        tue["time"] == "2025-11-03T10:00:00" and "repairdemo_partner.created" in tue["time_detail"]
    )


@pytest.mark.parametrize("form", FORMS)
def test_merge_in_the_wrong_order_warns_and_takes_the_newest_values(
    week: Series, form: str, tmp_path: Path
) -> None:
    out = tmp_path / "repair"
    shuffled = backups(week, form, ["thu", "wed", "tue", "mon"])
    code, _, err = run("merge", *shuffled, "--current", getattr(week, form)("today"),
                       "-o", str(out), "--format", "json")  # fmt: skip
    assert code == 0, err
    assert "not given oldest first" in err
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["backups"] == [label(form, d) for d in BACKUPS]
    rows = {(t["table"], r["pk"]): r for t in plan["tables"] for r in t["rows"]}
    # The accident's rows come from thu, the newest backup, not from mon.
    assert rows[("repairdemo_partner", 7)]["source"] == label(form, "thu")
    assert rows[("repairdemo_partner", 7)]["gone_since"] is None
    # Old deletions: every newer backup lacks them.
    assert rows[("repairdemo_note", 50)] | {} == {
        **rows[("repairdemo_note", 50)],
        "last_seen": label(form, "mon"), "first_missing": label(form, "tue"),
        "gone_since": label(form, "tue"),
    }  # fmt: skip
    assert rows[("repairdemo_note", 20)]["gone_since"] == label(form, "thu")
    assert rows[("repairdemo_note", 20)]["source"] == label(form, "wed")
    assert ("repairdemo_note", 60) not in rows  # today has it again


def test_merge_marks_old_deletions_in_the_plan_and_the_data_files(
    week: Series, tmp_path: Path
) -> None:
    out = tmp_path / "repair"
    code, text, err = run("merge", *backups(week, "lino"), "--current", week.lino("today"),
                          "-o", str(out))  # fmt: skip
    assert code == 0, err
    assert "  repairdemo_note 50: gone since tue (last seen in mon)" in text
    assert "  repairdemo_note 20: gone since thu (last seen in wed)" in text
    assert "Backups, oldest first: mon 2025-11-04 04:00:00 (file time of mon/" in err
    notes = (out / "repairdemo_note.py").read_text(encoding="utf-8")
    header = notes.split("loader.save", 1)[0]
    assert "# - pk 50: gone since 'tue' (last seen in 'mon')\n" in header
    assert "# - pk 20: gone since 'thu' (last seen in 'wed')\n" in header
    assert "pk 7:" not in header  # lost in the last step
    # The restore runtime reads the data files with that header as it reads any.
    restored = {table.name: len(table.rows) for table in read_restore_dir(out)}
    assert restored["repairdemo_note"] == 15 and restored["repairdemo_partner"] == 4


def test_merge_since_leaves_rows_gone_before_that_backup_out(week: Series, tmp_path: Path) -> None:
    out = tmp_path / "repair"
    code, text, err = run("merge", *backups(week, "lino"), "--current", week.lino("today"),
                          "-o", str(out), "--since", "thu", "--format", "json")  # fmt: skip
    assert code == 0, err
    plan = json.loads(text)
    rows = {(t["table"], r["pk"]) for t in plan["tables"] for r in t["rows"]}
    assert ("repairdemo_note", 50) not in rows and ("repairdemo_note", 20) not in rows
    accident = json.loads((Path(week.root) / "accident.json").read_text(encoding="utf-8"))
    assert rows == {(name, pk) for name, pks in accident["deleted"].items() for pk in pks}
    assert all(r["gone_since"] is None for t in plan["tables"] for r in t["rows"])
    code, _, err = run("merge", *backups(week, "lino"), "--current", week.lino("today"),
                       "-o", str(tmp_path / "other"), "--since", "fri")  # fmt: skip
    assert code == 2 and "--since 'fri': no such backup" in err


def test_pg_dump_and_mariadb_dump_say_when_they_were_made(
    postgres_database: ServerDatabase, mariadb_database: ServerDatabase, tmp_path: Path
) -> None:
    """pg_dump --verbose writes 'Completed on', mariadb-dump 'Dump completed on'."""
    pg, maria = tmp_path / "pg.sql", tmp_path / "maria.sql"
    with open(pg, "w", encoding="utf-8") as out:
        subprocess.run(
            ["pg_dump", "--verbose", "-h", postgres_database.host, "-U", postgres_database.user,
             postgres_database.name], stdout=out, stderr=subprocess.DEVNULL, check=True,
        )  # fmt: skip
    with open(maria, "w", encoding="utf-8") as out:
        subprocess.run(
            ["mariadb-dump", "-h", mariadb_database.host, "-u", mariadb_database.user,
             mariadb_database.name], stdout=out, check=True,
        )  # fmt: skip
    made = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    pg_time, maria_time = read_dump_time(str(pg)), read_dump_time(str(maria))
    assert pg_time is not None and maria_time is not None
    assert pg_time.source is TimeSource.HEADER and "pg_dump: 'Completed on " in pg_time.detail
    assert abs(pg_time.when - made) < datetime.timedelta(minutes=1)
    assert (
        maria_time.source is TimeSource.HEADER
        and "mariadb: 'Dump completed on" in maria_time.detail
    )
    # mariadb-dump writes the server's local time; this machine's server runs in UTC.
    assert abs(maria_time.when - made) < datetime.timedelta(minutes=1)
