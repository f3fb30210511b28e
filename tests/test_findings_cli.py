"""`repairkit diff` on the real fixtures names the bulk update that blanked
``repairdemo_partner.email`` as one finding, and nothing for the legitimate edits.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from repairkit.cli import cli

from .conftest import FIXTURES

ACCIDENT = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))


def run_diff(*options: str) -> str:
    result = CliRunner().invoke(
        cli, ["diff", str(FIXTURES / "backup"), str(FIXTURES / "current"), *options]
    )
    assert result.exit_code == 1, result.output  # 1: there are differences
    return result.output


def test_json_has_one_finding_for_the_blanked_emails() -> None:
    findings = json.loads(run_diff("--format", "json"))["findings"]
    blanked = ACCIDENT["blanked"]
    assert findings == [
        {
            "kind": "blanked",
            "table": blanked["table"],
            "fields": [blanked["column"]],
            "pks": blanked["pks"],
            "explanation": "10 rows of repairdemo_partner had email set to '' at once,"
            " non-empty before: 2, 5, 10, 14, 20 and 5 more",
        }
    ]
    edits = [
        (table, change["column"], change["pk"])
        for table, changes in ACCIDENT["changed"].items()
        for change in changes
        if change["cause"] == "edit"
    ]
    assert len(edits) == 6
    covered = {
        (f["table"], field, pk) for f in findings for field in f["fields"] for pk in f["pks"]
    }
    assert not covered & set(edits)


def test_text_names_the_finding_between_counts_and_details() -> None:
    output = run_diff()
    lines = output.splitlines()
    start = lines.index("Findings (1), damage to look at:")
    assert lines[start + 1] == (
        "  blanked  10 rows of repairdemo_partner had email set to '' at once,"
        " non-empty before: 2, 5, 10, 14, 20 and 5 more"
    )
    assert lines[start + 2] == ""
    total = next(index for index, line in enumerate(lines) if line.startswith("total "))
    assert total < start  # after the counts table
    assert start < lines.index("repairdemo_category")  # before the details


def test_summary_keeps_the_findings() -> None:
    output = run_diff("--summary")
    assert "Findings (1), damage to look at:" in output
    assert "changed (" not in output


def test_a_table_filter_limits_the_findings() -> None:
    output = json.loads(run_diff("--table", "repairdemo_product", "--format", "json"))
    assert output["findings"] == []
