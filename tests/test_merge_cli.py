"""The ``repairkit merge`` command: summary, plan.json, restore directory, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from repairkit.cli import cli

from .conftest import DEMO, FIXTURES, REPO

BACKUP, CURRENT = str(FIXTURES / "backup"), str(FIXTURES / "current")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def read_plan(output: Path) -> dict[str, Any]:
    with (output / "plan.json").open(encoding="utf-8") as stream:
        plan: dict[str, Any] = json.load(stream)
    return plan


def accident() -> dict[str, Any]:
    with (FIXTURES / "accident.json").open(encoding="utf-8") as stream:
        result: dict[str, Any] = json.load(stream)
    return result


def test_merge_prints_rows_per_table_and_source(tmp_path: Path) -> None:
    code, output = run("merge", BACKUP, "--current", CURRENT, "--output", str(tmp_path / "r"))
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == "Restore plan: put back into current what is missing, from backup"
    rows = [line.split() for line in lines]
    assert ["table", "rows", "from"] in rows
    assert ["repairdemo_orderitem", "36", "backup"] in rows
    assert ["repairdemo_partner", "4", "backup"] in rows
    assert ["total", "69"] in rows
    assert "No conflicts: nothing left out." in lines
    assert "  repairdemo_order.partner_id -> repairdemo_partner" in lines  # an inferred link


def test_merge_writes_plan_json_and_the_restore_directory(tmp_path: Path) -> None:
    out = tmp_path / "repair"
    code, output = run("merge", BACKUP, "--current", CURRENT, "--output", str(out))
    assert code == 0, output
    deleted = accident()["deleted"]
    files = {path.name for path in out.iterdir()}
    assert files == {"plan.json", "report.html", "restore.py"} | {f"{name}.py" for name in deleted}
    plan = read_plan(out)
    assert plan["backups"] == ["backup"] and plan["current"] == "current"
    assert plan["summary"]["reinstated"] == 69 and plan["left_out"] == []
    assert {t["table"]: [r["pk"] for r in t["rows"]] for t in plan["tables"]} == deleted
    first = plan["tables"][0]["rows"][0]
    assert first == {
        "table": "repairdemo_partner", "pk": 7, "source": "backup", "reason": "missing",
        "needed_by": None, "last_seen": "backup", "first_missing": "current", "gone_since": None,
    }  # fmt: skip
    inferred = {(k["table"], k["column"]) for k in plan["links"] if k["inferred"]}
    assert ("repairdemo_orderitem", "product_id") in inferred
    assert f"Wrote {out}/: restore.py, 6 data files, plan.json and report.html" in output


def test_json_format_prints_plan_json(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(out), "--format", "json")
    assert code == 0
    assert json.loads(output) == read_plan(out)


def test_only_says_what_it_pulled_in(tmp_path: Path) -> None:
    code, output = run(
        "merge", BACKUP, "--current", CURRENT, "-o", str(tmp_path / "r"),
        "--only", "repairdemo_orderitem:197", "--only", "repairdemo_country:NL",
    )  # fmt: skip
    assert code == 0, output
    lines = output.splitlines()
    # Item 197 belongs to order 48 of person 27.
    assert "  repairdemo_order 48: pointed to by rows of repairdemo_orderitem" in lines
    assert "  repairdemo_partner 27: pointed to by rows of repairdemo_order" in lines
    assert "  repairdemo_person 27: child part of rows of repairdemo_partner" in lines
    assert "  repairdemo_country 'NL'" in lines  # in the current state: kept
    rows = read_plan(tmp_path / "r")["tables"]
    needed = {(r["table"], r["pk"]): r["needed_by"] for t in rows for r in t["rows"]}
    assert needed[("repairdemo_order", 48)] == {"table": "repairdemo_orderitem", "pk": 197}
    assert needed[("repairdemo_orderitem", 197)] is None


def test_nothing_to_reinstate_still_writes_a_plan(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, output = run("merge", CURRENT, "--current", CURRENT, "-o", str(out))
    assert code == 0
    assert "Nothing to reinstate." in output
    assert sorted(path.name for path in out.iterdir()) == ["plan.json", "report.html"]
    assert read_plan(out)["tables"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--table", "nope"], "--table 'nope': no such table"),
        (["--only", "nope:1"], "--only 'nope': no such table"),
        (["--only", "repairdemo_partner:999"], "no backup has primary key 999"),
        (["--only", "repairdemo_partner"], "'repairdemo_partner' is not TABLE:PK,PK"),
        (["--only", "repairdemo_partner:"], "is not TABLE:PK,PK"),
    ],
)
def test_bad_selection_exits_2_and_names_it(
    tmp_path: Path, options: list[str], message: str
) -> None:
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(tmp_path / "r"), *options)
    assert code == 2
    assert message in output
    assert not (tmp_path / "r").exists()


def test_a_missing_dump_exits_2(tmp_path: Path) -> None:
    code, output = run("merge", str(tmp_path / "nope"), "--current", CURRENT, "-o", str(tmp_path))
    assert code == 2 and "nope: no such file or directory" in output


def test_a_non_empty_output_directory_is_refused_unless_force(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run("merge", BACKUP, "--current", CURRENT, "-o", str(out))[0] == 0
    before = (out / "plan.json").read_text(encoding="utf-8")
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(out), "--only", "nope:1")
    assert code == 2 and "not empty; pass --force" in output
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(out), "--force",
                       "--only", "repairdemo_partner:27")  # fmt: skip
    assert code == 0, output
    assert (out / "plan.json").read_text(encoding="utf-8") != before
    assert {path.name for path in out.iterdir()} == {
        "plan.json", "report.html", "restore.py", "repairdemo_partner.py", "repairdemo_person.py"
    }  # fmt: skip


def test_force_never_removes_files_a_merge_does_not_write(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(tmp_path), "--force")
    assert code == 2 and "notes.txt" in output
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("name", ["notes.json", "my_helper.py", "fix.sql"])
def test_force_keeps_a_users_file_beside_an_earlier_merge(tmp_path: Path, name: str) -> None:
    out = tmp_path / "r"
    assert run("merge", BACKUP, "--current", CURRENT, "-o", str(out))[0] == 0
    (out / name).write_text("mine", encoding="utf-8")
    before = sorted(path.name for path in out.iterdir())
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(out), "--force")
    assert code == 2 and name in output and "no merge wrote" in output
    assert sorted(path.name for path in out.iterdir()) == before
    assert (out / name).read_text(encoding="utf-8") == "mine"


def test_a_failing_merge_with_force_keeps_the_earlier_output(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run("merge", BACKUP, "--current", CURRENT, "-o", str(out))[0] == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    # --only naming an unknown table fails after the dumps are read.
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(out), "--force",
                       "--only", "nope:1")  # fmt: skip
    assert code == 2, output
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_help_has_an_example() -> None:
    code, output = run("merge", "--help")
    assert code == 0
    assert "Example:" in output and "repairkit merge backup-1101/ backup-1114/" in output


def test_settings_give_exact_links(tmp_path: Path) -> None:
    pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")
    out = tmp_path / "r"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(DEMO), str(REPO)]))
    command = [
        sys.executable, "-m", "repairkit", "merge", BACKUP, "--current", CURRENT,
        "-o", str(out), "--settings", "repairdemo.settings",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inferred" not in result.stdout
    plan = read_plan(out)
    assert plan["links"] and not any(link["inferred"] for link in plan["links"])
    assert plan["summary"]["reinstated"] == 69
