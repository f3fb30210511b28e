"""``manage.py repairkit …`` on the real demo Lino site, which lists ``repairkit.django``.

The command is repairkit's own command line, with the site's settings and
its database as the defaults for ``--settings`` and ``--current``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import demo_plans
from .conftest import FIXTURES
from .restore_site import SiteDatabase

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")


@pytest.fixture
def site(tmp_path: Path) -> SiteDatabase:
    return SiteDatabase(sqlite=demo_plans.copy_current_database(tmp_path))


def test_merge_takes_the_sites_database_and_models(site: SiteDatabase, tmp_path: Path) -> None:
    out = tmp_path / "repair"
    run = site.manage("repairkit", "merge", FIXTURES / "backup", "-o", out)
    assert "total                     69" in run.stdout
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["current"] == "django:repairdemo.settings"
    assert plan["links"] and not any(link["inferred"] for link in plan["links"])
    assert "inferred from column names" not in run.stdout  # the models told


def test_the_sites_database_can_be_given_to_diff(site: SiteDatabase) -> None:
    run = site.manage(
        "repairkit", "diff", FIXTURES / "current", "django:repairdemo.settings", check=False
    )
    assert run.returncode == 0, run.output  # the copy is the state fixtures/current was dumped from
    assert "No differences." in run.stdout


def test_help_and_errors_are_repairkits_own(site: SiteDatabase, tmp_path: Path) -> None:
    run = site.manage("repairkit", "--help")
    assert "Usage: manage.py repairkit [OPTIONS] COMMAND [ARGS]..." in run.stdout
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("", encoding="utf-8")
    run = site.manage("repairkit", "merge", FIXTURES / "backup", "-o", tmp_path / "full",
                      check=False)  # fmt: skip
    assert run.returncode == 2
    assert "directory is not empty" in run.stderr
