"""The same data compares equal whatever it came from (docs/values.md).

For each moment of the demo site (``backup``, ``current``), the real site
writes ``dumpdata`` fixtures in all four formats and in compressed forms
from a copy of the moment's database, and repairkit reads them, the Lino
dump of that moment, and the database itself (``sqlite:///``, and
``django:repairdemo.settings`` through the CLI in a subprocess, since
Django is set up once per process). Then:

- any two sources of the same moment diff to nothing;
- any source of ``backup`` against any of ``current`` diffs to exactly what
  ``fixtures/accident.json`` says happened;
- the public API (``read_snapshots``, ``diff_snapshots``, ``find_findings``)
  gives, for every pair of one moment both ways, what ``repairkit diff
  --format json`` prints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from itertools import combinations, permutations
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import repairkit
from repairkit.cli import cli
from repairkit.diff import Changeset, diff_snapshots
from repairkit.readers import read_snapshot
from repairkit.readers.fixture.align import align_snapshots
from repairkit.report import render_json
from repairkit.snapshot import ContentTypeRef, Snapshot

from .conftest import DEMO, FIXTURES

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")
pytestmark = pytest.mark.slow

MOMENTS = ["backup", "current"]
# dumpdata --format and the file name it writes; .zip is made from the .json,
# because dumpdata cannot write zip files but loaddata reads them.
FIXTURE_FILES = {
    "backup": ["site.json", "site.jsonl", "site.xml", "site.yaml", "site.json.gz", "site.xml.bz2"],
    "current": [
        "site.json",
        "site.jsonl",
        "site.xml",
        "site.yaml",
        "site.yaml.xz",
        "site.json.zip",
    ],
}
ACCIDENT = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))


def site_env(database: Path) -> dict[str, str]:
    return dict(
        os.environ, REPAIRDEMO_DB=str(database), DJANGO_SETTINGS_MODULE="repairdemo.settings"
    )


def run_site(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*args], env=site_env(database), cwd=DEMO, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def start_dumps(moment: str, work: Path) -> list[subprocess.Popen[str]]:
    """Copy the moment's database and start the site's dumpdata runs, all at once."""
    database = work / "site.sqlite3"
    shutil.copyfile(FIXTURES / f"{moment}.sqlite3", database)
    runs = []
    for name in FIXTURE_FILES[moment]:
        if not name.endswith(".zip"):
            form = name.split(".")[1]
            command = [
                sys.executable,
                "manage.py",
                "dumpdata",
                "--format",
                form,
                "-o",
                str(work / name),
            ]
            runs.append(subprocess.Popen(
                command, env=site_env(database), cwd=DEMO, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            ))  # fmt: skip
    return runs


def collect_sources(moment: str, work: Path) -> dict[str, str]:
    """Return {source name: source} once the dumps of ``start_dumps`` are written."""
    sources = {"lino": str(FIXTURES / moment)}
    for name in FIXTURE_FILES[moment]:
        if name.endswith(".zip"):
            inner = name.removesuffix(".zip")
            with zipfile.ZipFile(work / name, "w") as archive:
                archive.write(work / inner, inner)
        sources[name.removeprefix("site.")] = str(work / name)
    sources["sqlite"] = f"sqlite:///{work / 'site.sqlite3'}"  # absolute: four slashes in all
    return sources


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    work = {moment: tmp_path_factory.mktemp(moment) for moment in MOMENTS}
    runs = [run for moment in MOMENTS for run in start_dumps(moment, work[moment])]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    return {moment: collect_sources(moment, work[moment]) for moment in MOMENTS}


@pytest.fixture(scope="module")
def snapshots(sources: dict[str, dict[str, str]]) -> dict[str, dict[str, Snapshot]]:
    return {
        moment: {name: read_snapshot(source) for name, source in by_name.items()}
        for moment, by_name in sources.items()
    }


def diff(old: Snapshot, new: Snapshot) -> Changeset:
    old, new = align_snapshots([old, new])
    return diff_snapshots(old, new)


def describe(changeset: Changeset) -> dict[str, Any]:
    """Return a changeset in accident.json's terms, values as JSON would give them."""
    tables = changeset.tables.values()
    changed: dict[str, list[dict[str, Any]]] = {}
    for diff_ in tables:
        for row in diff_.changed:
            for field in row.fields:
                changed.setdefault(diff_.table, []).append(
                    {
                        "pk": row.pk,
                        "column": field.column,
                        "before": plain(field.old),
                        "after": plain(field.new),
                    }
                )
    return {
        "added": {d.table: list(d.added) for d in tables if d.added},
        "deleted": {d.table: list(d.deleted) for d in tables if d.deleted},
        "changed": changed,
        "schema": {
            d.table: [d.old_only_columns, d.new_only_columns]
            for d in tables
            if d.old_only_columns or d.new_only_columns
        },
        "old_only_tables": changeset.old_only_tables,
        "new_only_tables": changeset.new_only_tables,
    }


def plain(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # the demo's decimals have two places; SQLite keeps only the value
    if isinstance(value, ContentTypeRef):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[attr-defined]
    return value


def expected_accident() -> dict[str, Any]:
    changed = {
        table: [
            {key: record[key] for key in ("pk", "column", "before", "after")} for record in records
        ]
        for table, records in ACCIDENT["changed"].items()
    }
    return {
        "added": ACCIDENT["added"], "deleted": ACCIDENT["deleted"], "changed": changed,
        "schema": {}, "old_only_tables": {}, "new_only_tables": {},
    }  # fmt: skip


def source_names() -> list[str]:
    names = {"lino", "sqlite"}
    for files in FIXTURE_FILES.values():
        names.update(name.removeprefix("site.") for name in files)
    return sorted(names)


@pytest.mark.parametrize("moment", MOMENTS)
def test_every_pair_of_one_moment_diffs_to_nothing(
    moment: str, snapshots: dict[str, dict[str, Snapshot]]
) -> None:
    found = {}
    for (name_a, a), (name_b, b) in combinations(snapshots[moment].items(), 2):
        changeset = diff(a, b)
        if changeset.has_differences:
            found[f"{name_a} vs {name_b}"] = describe(changeset)
    assert not found, json.dumps(found, indent=1, default=str)[:4000]


def test_every_pair_across_the_accident_diffs_to_what_happened(
    snapshots: dict[str, dict[str, Snapshot]],
) -> None:
    expected = expected_accident()
    wrong = {}
    for name_a, a in snapshots["backup"].items():
        for name_b, b in snapshots["current"].items():
            got = describe(diff(a, b))
            if got != expected:
                wrong[f"{name_a} -> {name_b}"] = got
    assert not wrong, json.dumps(wrong, indent=1, default=str)[:4000]


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_api_diffs_every_pair_as_the_command_does(
    moment: str, sources: dict[str, dict[str, str]]
) -> None:
    differ = []
    for (name_a, a), (name_b, b) in permutations(sources[moment].items(), 2):
        old, new = repairkit.read_snapshots([a, b])
        changeset = repairkit.diff_snapshots(old, new)
        findings = repairkit.find_findings(changeset, old, new)
        by_api = json.loads(render_json(changeset, findings=findings))
        result = CliRunner().invoke(cli, ["diff", a, b, "--format", "json"])
        assert result.exit_code == (1 if changeset.has_differences else 0), result.output
        if json.loads(result.output) != by_api or changeset.has_differences:
            differ.append(f"{name_a} -> {name_b}")
    assert not differ, differ


def test_the_matrix_covers_every_format(snapshots: dict[str, dict[str, Snapshot]]) -> None:
    assert sorted({*snapshots["backup"], *snapshots["current"]}) == source_names()
    for suffix in (".gz", ".bz2", ".xz", ".zip"):
        assert any(name.endswith(suffix) for files in FIXTURE_FILES.values() for name in files)


@pytest.mark.parametrize(
    ("old", "new", "live"),
    [("backup", "backup", "new"), ("backup", "current", "new"), ("backup", "current", "old")],
)
def test_django_source_diffs_like_the_others(
    sources: dict[str, dict[str, str]], old: str, new: str, live: str
) -> None:
    """``django:repairdemo.settings`` against the Lino dump and a fixture, through the CLI."""
    database = Path(sources[new if live == "new" else old]["sqlite"].removeprefix("sqlite:///"))
    others = (
        [sources[old]["lino"], sources[old]["json"]]
        if live == "new"
        else [sources[new]["lino"], sources[new]["xml"]]
    )
    nothing: dict[str, Any] = {key: {} for key in expected_accident()}
    expected = expected_accident() if old != new else nothing
    for other in others:
        pair = (
            [other, "django:repairdemo.settings"]
            if live == "new"
            else ["django:repairdemo.settings", other]
        )
        result = run_site(
            database, sys.executable, "-m", "repairkit", "diff", *pair, "--format", "json"
        )
        assert result.returncode == (1 if old != new else 0), result.stderr
        report = json.loads(result.stdout)
        got = {
            "added": {t: d["added"] for t, d in report["tables"].items() if d["added"]},
            "deleted": {t: d["deleted"] for t, d in report["tables"].items() if d["deleted"]},
            "changed": {
                t: [{"pk": c["pk"], "column": col, "before": v[0], "after": v[1]}
                    for c in d["changed"] for col, v in c["fields"].items()]
                for t, d in report["tables"].items() if d["changed"]
            },
            "schema": {t: d["schema"] for t, d in report["tables"].items() if d.get("schema")},
            "old_only_tables": report["old_only_tables"],
            "new_only_tables": report["new_only_tables"],
        }  # fmt: skip
        assert got == expected, pair
