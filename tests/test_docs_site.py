"""The documentation site builds with Sphinx, warnings as errors, and covers every page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

pytest.importorskip("sphinx", reason="the docs site needs Sphinx (pip install -e .[test])")

DOCS = REPO / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS),
         str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    return out


def test_every_markdown_page_is_on_the_site(site: Path) -> None:
    pages = {path.stem for path in DOCS.glob("*.md")}
    built = {path.stem for path in site.glob("*.html")}
    assert pages <= built, pages - built


def test_the_command_reference_comes_from_the_commands(site: Path) -> None:
    reference = (site / "commands.html").read_text(encoding="utf-8")
    for command in ("diff", "merge"):
        assert f'id="repairkit-{command}"' in reference
    assert "--repair-findings" in reference and "--format" in reference


def test_the_api_page_documents_the_pipeline(site: Path) -> None:
    api = (site / "api.html").read_text(encoding="utf-8")
    for name in ("readers.read_snapshot", "diff.diff_snapshots", "plan.plan_restore",
                 "errors.DumpFormatError"):  # fmt: skip
        assert f'id="repairkit.{name}"' in api, name
