"""The HTML report of diff and merge, opened in a real headless browser (Debian's chromium).

The page must render, hold the changed cells, and stay inert with a hostile
value: a value holding ``<script>`` is text on the page, never code.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli

from .conftest import FIXTURES, IN_CI

BACKUP, CURRENT = str(FIXTURES / "backup"), str(FIXTURES / "current")
HOSTILE = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"


def chromium() -> str:
    """Return the browser's path, or skip (fail in CI, which installs it)."""
    path = shutil.which("chromium")
    if path is None:
        message = "chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run this test")
        pytest.skip(message)
    return path


def browse(page: Path, screenshot: Path) -> str:
    """Render ``page`` in headless chromium: take a screenshot, return the DOM as rendered."""
    browser = chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"]
    url = page.resolve().as_uri()
    shot = subprocess.run(
        [browser, *flags, f"--screenshot={screenshot}", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.returncode == 0, shot.stderr
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return dom.stdout


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_the_diff_report_renders_with_the_changed_cells(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    code, output = run("diff", BACKUP, CURRENT, "--format", "html", "-o", str(page))
    assert code == 1, output  # differences, as for the text form
    dom = browse(page, tmp_path / "report.png")
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<title>repairkit diff backup current</title>" in dom
    assert "69 rows deleted, 15 added, 16 changed in 9 tables." in dom
    # A changed cell, old -> new, as the accident (demo/README.md) renamed it:
    changed = "<td class=\"changed\"><del>'Niederland'</del> → <ins>'Niederlande'</ins></td>"
    assert changed in dom
    # The blanked e-mails are a finding, and the chart has a bar per table that lost rows:
    assert '<span class="kind">blanked</span> 10 rows of repairdemo_partner' in dom
    assert dom.count("<rect ") == 6
    assert re.search(r'<tr class="deleted"><td>7</td><td>repairdemo\.person</td>', dom)


def test_a_hostile_value_stays_text(tmp_path: Path) -> None:
    rows = [{"model": "app.note", "pk": 1, "fields": {"body": "fine"}}]
    (tmp_path / "old.json").write_text(json.dumps(rows), encoding="utf-8")
    rows[0]["fields"]["body"] = HOSTILE
    rows.append({"model": "app.note", "pk": 2, "fields": {"body": HOSTILE}})
    (tmp_path / "new.json").write_text(json.dumps(rows), encoding="utf-8")
    page = tmp_path / "report.html"
    old, new = str(tmp_path / "old.json"), str(tmp_path / "new.json")
    assert run("diff", old, new, "--format", "html", "-o", str(page))[0] == 1
    dom = browse(page, tmp_path / "report.png")
    assert "PWNED</title>" not in dom  # the scripts did not run
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;document.title=" in dom and "&lt;img src=x onerror=" in dom


def test_merge_writes_the_plan_as_a_page(tmp_path: Path) -> None:
    out = tmp_path / "repair"
    code, output = run("merge", BACKUP, "--current", CURRENT, "-o", str(out))
    assert code == 0, output
    dom = browse(out / "report.html", tmp_path / "plan.png")
    assert "69 rows come back into 6 tables from backup" in dom
    assert "<h2>repairdemo_orderitem: 36 rows to come back</h2>" in dom
    assert dom.count('<tr class="added">') == 69
