"""The public API is the pipeline: it gives the answers the command line gives.

The recovery shown in docs/api.md runs here exactly as written, and writes
what ``repairkit merge`` writes. Every pair of the shipped sources (the
Lino dumps, their SQLite databases and those databases' ``.dump``) diffs
the same, both ways, through ``read_snapshots`` + ``diff_snapshots`` as
through ``repairkit diff --format json``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import repairkit
from repairkit.cli import cli
from repairkit.report import render_json

from .conftest import FIXTURES, REPO

MOMENTS = ("backup", "current")


def api_snippet() -> str:
    """Return the one Python block of docs/api.md."""
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, blocks
    return blocks[0]


def test_the_documented_recovery_writes_what_merge_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fixtures").symlink_to(FIXTURES)
    monkeypatch.chdir(tmp_path)
    snippet = api_snippet()
    assert len(snippet.strip().splitlines()) <= 14  # "about ten lines"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "docs/api.md", "exec"), {})  # noqa: S102 -- our own documentation
    result = CliRunner().invoke(
        cli, ["merge", "fixtures/backup", "--current", "fixtures/current", "-o", "merged"]
    )
    assert result.exit_code == 0, result.output
    from_api = {path.name: path.read_text() for path in (tmp_path / "repair").iterdir()}
    from_cli = {path.name: path.read_text() for path in (tmp_path / "merged").iterdir()}
    assert "restore.py" in from_api
    assert from_api == {name: text for name, text in from_cli.items() if name in from_api}
    assert set(from_cli) - set(from_api) == {"plan.json", "report.html"}
    assert "blanked" in printed.getvalue() or "email" in printed.getvalue()
    assert "run restore.py" in printed.getvalue()


@pytest.fixture(scope="module")
def shipped_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Return, for each moment, the Lino dump, its SQLite database, and its ``.dump``."""
    work = tmp_path_factory.mktemp("sources")
    sources: dict[str, list[str]] = {}
    for moment in MOMENTS:
        database = FIXTURES / f"{moment}.sqlite3"
        sources[moment] = [str(FIXTURES / moment), f"sqlite:///{database}"]
        if shutil.which("sqlite3"):
            dump = work / f"{moment}.sql"
            with dump.open("wb") as stream:
                subprocess.run(["sqlite3", str(database), ".dump"], stdout=stream, check=True)
            sources[moment].append(str(dump))
    return sources


def diff_by_api(old: str, new: str) -> tuple[bool, Any]:
    old_snapshot, new_snapshot = repairkit.read_snapshots([old, new])
    changeset = repairkit.diff_snapshots(old_snapshot, new_snapshot)
    findings = repairkit.find_findings(changeset, old_snapshot, new_snapshot)
    return changeset.has_differences, json.loads(render_json(changeset, findings=findings))


def diff_by_cli(old: str, new: str) -> tuple[bool, Any]:
    result = CliRunner().invoke(cli, ["diff", old, new, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code == 1, json.loads(result.output)


def test_the_api_diffs_every_pair_of_one_moment_as_the_command_does(
    shipped_sources: dict[str, list[str]],
) -> None:
    for moment in MOMENTS:
        for old, new in permutations(shipped_sources[moment], 2):
            differs, by_api = diff_by_api(old, new)
            assert (differs, by_api) == diff_by_cli(old, new), (old, new)
            assert not differs, (old, new, by_api["summary"])


def test_the_api_diffs_across_moments_as_the_command_does(
    shipped_sources: dict[str, list[str]],
) -> None:
    for old in shipped_sources["backup"]:
        for new in shipped_sources["current"]:
            for pair in ((old, new), (new, old)):
                differs, by_api = diff_by_api(*pair)
                assert differs
                assert (differs, by_api) == diff_by_cli(*pair), pair


def test_emit_refuses_an_unknown_form() -> None:
    backup, current = repairkit.read_snapshots([FIXTURES / "backup", FIXTURES / "current"])
    plan = repairkit.plan_restore([backup], current)
    with pytest.raises(repairkit.EmitError, match="unknown output form 'csv'"):
        repairkit.emit(plan, "csv")


def test_emit_refuses_field_repairs_in_a_form_that_cannot_write_them() -> None:
    backup, current = repairkit.read_snapshots([FIXTURES / "backup", FIXTURES / "current"])
    updates = repairkit.plan_repairs(
        [backup], current, finding_kinds=[repairkit.FindingKind.BLANKED]
    )
    plan = repairkit.add_updates(repairkit.plan_restore([backup], current), updates)
    assert plan.updates
    with pytest.raises(repairkit.EmitError, match="cannot be written as a fixture"):
        repairkit.emit(plan, "fixture")
    assert "updates.json" in repairkit.emit(plan, "restore-dir").files


def test_every_output_form_names_its_files_and_how_to_apply_them() -> None:
    backup, current = repairkit.read_snapshots([FIXTURES / "backup", FIXTURES / "current"])
    plan = repairkit.plan_restore([backup], current)
    options = repairkit.EmitOptions(dialect="postgresql")
    for name, form in repairkit.OUTPUT_FORMS.items():
        emitted = repairkit.emit(plan, name, options if form.needs_dialect else None)
        assert emitted.files and emitted.how_to_apply.startswith("run"), name
        assert all(file in emitted.written or len(emitted.files) > 1 for file in emitted.files)
