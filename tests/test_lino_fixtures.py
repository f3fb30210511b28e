"""The Lino demo dumps in fixtures/ read back as exactly what the site's database holds.

For each moment (``backup``, ``current``), the demo site exports its own rows
through the Django ORM (``demo/export_rows.py``, run on a copy of the
moment's ``.sqlite3``), and every value that repairkit decodes from the
``dump2py`` directory of that moment must equal the site's value, with the
same Python type.
"""

from __future__ import annotations

import datetime
import json
import os
import pickle
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from repairkit.readers.lino.dump import read_lino_dump
from repairkit.snapshot import ContentTypeRef, Snapshot

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
DEMO = REPO / "demo"
MOMENTS = ["backup", "current"]

SiteRows = dict[str, dict[Any, dict[str, Any]]]


@pytest.fixture(scope="module")
def all_site_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SiteRows]:
    """Return the rows of each moment's database, as the demo site itself reads them."""
    return {moment: export_site_rows(moment, tmp_path_factory.mktemp(moment)) for moment in MOMENTS}


def export_site_rows(moment: str, work: Path) -> SiteRows:
    db = work / "site.sqlite3"
    shutil.copyfile(FIXTURES / f"{moment}.sqlite3", db)
    out = work / "rows.pickle"
    env = dict(os.environ, REPAIRDEMO_DB=str(db), DJANGO_SETTINGS_MODULE="repairdemo.settings")
    cmd = [sys.executable, str(DEMO / "manage.py"), "run", str(DEMO / "export_rows.py"), str(out)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open("rb") as stream:
        rows: SiteRows = pickle.load(stream)  # our own subprocess wrote it
    return rows


@pytest.fixture(scope="module", params=MOMENTS)
def moment(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def site_rows(moment: str, all_site_rows: dict[str, SiteRows]) -> SiteRows:
    return all_site_rows[moment]


@pytest.fixture(scope="module")
def snapshot(moment: str) -> Snapshot:
    return read_lino_dump(FIXTURES / moment)


def comparable(value: object) -> object:
    """Return ``value`` in the form export_rows.py writes (content types as strings)."""
    if isinstance(value, ContentTypeRef):
        return str(value)
    return value


def same_value(expected: object, got: object) -> bool:
    # True == 1 and Decimal("1") == 1 in Python, so the type must match too.
    return type(expected) is type(got) and expected == got


def test_dump_has_the_sites_tables(snapshot: Snapshot, site_rows: SiteRows) -> None:
    assert sorted(snapshot.tables) == sorted(site_rows)


def test_dump_has_the_sites_primary_keys(snapshot: Snapshot, site_rows: SiteRows) -> None:
    for name, rows in site_rows.items():
        table = snapshot.tables[name]
        assert sorted(table.pks, key=str) == sorted(rows, key=str), name


def test_dump_has_the_sites_columns(snapshot: Snapshot, site_rows: SiteRows) -> None:
    for name, rows in site_rows.items():
        for row in rows.values():
            assert sorted(snapshot.tables[name].column_names) == sorted(row), name
            break


def test_every_value_decodes_to_the_sites_value(snapshot: Snapshot, site_rows: SiteRows) -> None:
    mismatches = []
    compared = 0
    for name, rows in site_rows.items():
        records = snapshot.tables[name].records()
        for pk, row in rows.items():
            got_row = records.get(pk, {})
            for column, expected in row.items():
                got = comparable(got_row.get(column, "<missing>"))
                compared += 1
                if not same_value(expected, got):
                    mismatches.append(
                        f"{name} pk={pk!r} {column}: expected {expected!r}, got {got!r}"
                    )
    assert not mismatches, f"{len(mismatches)} of {compared} values differ:\n" + "\n".join(
        mismatches[:40]
    )


def test_fixtures_exercise_every_value_form(site_rows: SiteRows) -> None:
    """Guard the fixtures themselves: the comparisons above must cover these forms."""
    values = [
        value for rows in site_rows.values() for row in rows.values() for value in row.values()
    ]
    types = {type(value) for value in values}
    assert {bool, int, str, Decimal, datetime.date, datetime.datetime, datetime.time} <= types
    assert None in values
    assert any(isinstance(v, str) and "." in v and v.startswith("repairdemo.") for v in values)
    texts = [v for v in values if isinstance(v, str)]
    for needle in ["'", '"', "\\", "\n", "é", "ü", "😀"]:
        assert any(needle in text for text in texts), needle
    assert any("'" in text and '"' in text for text in texts)  # repr() must escape one
    assert isinstance(next(iter(site_rows["repairdemo_country"])), str)
    assert len(site_rows["repairdemo_orderitem"]) > 500  # three files with --max-row-count 250


def test_accident_json_tells_what_changed_between_the_databases(
    all_site_rows: dict[str, SiteRows],
) -> None:
    """fixtures/accident.json, which other tests trust, agrees with the two databases."""
    accident = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))
    backup, current = all_site_rows["backup"], all_site_rows["current"]
    added = {t: sorted(current[t].keys() - backup[t].keys()) for t in backup}
    deleted = {t: sorted(backup[t].keys() - current[t].keys()) for t in backup}
    assert {t: pks for t, pks in added.items() if pks} == accident["added"]
    assert {t: pks for t, pks in deleted.items() if pks} == accident["deleted"]
    changed: dict[str, list[tuple[object, str]]] = {}
    for table, rows in backup.items():
        for pk, row in rows.items():
            if pk in current[table]:
                for column, value in row.items():
                    if not same_value(value, current[table][pk][column]):
                        changed.setdefault(table, []).append((pk, column))
    documented = {
        table: [(record["pk"], record["column"]) for record in records]
        for table, records in accident["changed"].items()
    }
    assert changed == documented
