"""Error messages that help: the name that was meant, and no exception class names."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import did_you_mean

from .conftest import FIXTURES

BACKUP, CURRENT = str(FIXTURES / "backup"), str(FIXTURES / "current")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_a_mistyped_table_gets_the_name_that_was_meant() -> None:
    code, output = run("diff", BACKUP, CURRENT, "--table", "repairdemo_parnter")
    assert code == 2
    assert output == (
        "Error: no table 'repairdemo_parnter' in"
        f" {BACKUP} or {CURRENT} (did you mean 'repairdemo_partner'?)\n"
    )


def test_merge_options_suggest_tables_and_columns(tmp_path: Path) -> None:
    out = str(tmp_path / "r")
    code, output = run(
        "merge", BACKUP, "--current", CURRENT, "-o", out, "--only", "repairdemo_persn:1"
    )
    assert code == 2 and "(did you mean 'repairdemo_person'?)" in output
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", out,
                       "--repair", "repairdemo_partner.emial")  # fmt: skip
    assert code == 2 and "(did you mean 'email'?)" in output
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", out,
                       "--exclude-table", "repairdemo_ordr")  # fmt: skip
    assert code == 2 and "(did you mean 'repairdemo_order'?)" in output


def test_library_errors_show_no_class_names(tmp_path: Path) -> None:
    code, output = run("diff", str(tmp_path / "nope"), CURRENT)
    assert code == 2
    assert output.startswith("Error: ") and "Error: Dump" not in output and "NotFound" not in output


def test_only_names_about_as_close_as_the_closest_are_suggested() -> None:
    known = ["repairdemo_partner", "repairdemo_person", "repairdemo_note", "repairdemo_order"]
    assert did_you_mean("repairdemo_partnr", known) == " (did you mean 'repairdemo_partner'?)"
    assert did_you_mean("zzz", known) == ""
    assert did_you_mean("colour", ["color", "colon"]) == " (did you mean 'color'?)"
