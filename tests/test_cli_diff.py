"""The ``repairkit diff`` command: output for people and programs, and exit status."""

from __future__ import annotations

import json

from click.testing import CliRunner

from repairkit.cli import cli

from .conftest import FIXTURES

BACKUP, CURRENT = str(FIXTURES / "backup"), str(FIXTURES / "current")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_differences_exit_1_and_show_summary_then_details() -> None:
    code, output = run("diff", BACKUP, CURRENT)
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == "Differences from backup to current"
    header = next(i for i, line in enumerate(lines) if line.startswith("table "))
    assert lines[header].split() == ["table", "deleted", "added", "changed"]
    assert ["repairdemo_partner", "4", "2", "12"] in [line.split() for line in lines[header:]]
    assert any(line.split() == ["total", "69", "15", "16"] for line in lines)
    assert "  deleted (4): 7, 13, 19, 27" in lines
    assert (
        "  deleted (36): 197-207, 226-229, 265-276, 312, 315, 358, 383-384, 410, 418, 545-546"
        in lines
    )
    assert any("2  email: 'alex.tamm2@example.org' -> ''" in line for line in lines)
    assert any("'NL'  name_de: 'Niederland' -> 'Niederlande'" in line for line in lines)


def test_no_differences_exit_0() -> None:
    code, output = run("diff", BACKUP, BACKUP)
    assert code == 0
    assert "No differences." in output


def test_json_output_shape() -> None:
    code, output = run("diff", "--format", "json", BACKUP, CURRENT)
    assert code == 1
    document = json.loads(output)
    assert document["old"] == "backup" and document["new"] == "current"
    assert document["summary"] == {"deleted": 69, "added": 15, "changed": 16}
    partner = document["tables"]["repairdemo_partner"]
    assert partner["deleted"] == [7, 13, 19, 27]
    assert partner["added"] == [61, 62]
    assert {"pk": 2, "fields": {"email": ["alex.tamm2@example.org", ""]}} in partner["changed"]
    product = document["tables"]["repairdemo_product"]["changed"]
    assert product == [{"pk": 10, "fields": {"price": ["58.41", "12.90"]}}]
    order = document["tables"]["repairdemo_order"]["changed"]
    assert order == [{"pk": 3, "fields": {"delivery_time": [None, "10:30:00"]}}]
    country = document["tables"]["repairdemo_country"]["changed"]
    assert country == [{"pk": "NL", "fields": {"name_de": ["Niederland", "Niederlande"]}}]


def test_table_option_and_summary() -> None:
    code, output = run(
        "diff", "--table", "repairdemo_note", "--summary", "--format", "json", BACKUP, CURRENT
    )
    assert code == 1
    document = json.loads(output)
    assert list(document["tables"]) == ["repairdemo_note"]
    assert document["tables"]["repairdemo_note"] == {"deleted": 13, "added": 2, "changed": 0}


def test_unknown_table_is_trouble() -> None:
    code, output = run("diff", "--table", "nope", BACKUP, CURRENT)
    assert code == 2
    assert "no table 'nope'" in output


def test_missing_dump_is_trouble(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, output = run("diff", BACKUP, str(tmp_path / "nowhere"))
    assert code == 2
    assert "nowhere" in output and "no such file or directory" in output


def test_every_command_has_help_with_an_example() -> None:
    for name in cli.commands:
        code, output = run(name, "--help")
        assert code == 0
        assert "Example:" in output, f"{name} --help has no example"
