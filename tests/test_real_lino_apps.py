"""Real Lino applications from the registry, beyond the demo site: every source, every form.

Each application of ``APPS`` (settings and accident in ``tests/lino_apps/``)
is prepared once per test session with its own demo data (``prep``), dumped
in every source format (dump2py, ``sqlite3 .dump``, ``dumpdata`` JSON and
the SQLite file itself), copied and taken through an accident done by the
site's own ORM, and dumped again. Then:

- every pair of sources of one moment diffs to nothing;
- for every source and every ``--emit`` form, ``repairkit merge`` plans the
  restore, the output is applied as docs/emit.md says to a copy of the
  damaged database, and every table is compared with the pre-accident
  database through the sqlite3 module (all columns); a second apply must
  change nothing.

The table of outcomes is printed (``pytest -s``). A cell that is not exact
must be listed in ``EXPECTED_REFUSALS`` with its reason; a listed cell that
turns exact fails too, so that the list only ever shrinks.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from repairkit import diff_snapshots, read_snapshots

pytest.importorskip("lino_cosi", reason="the real Lino apps come with pip install -e .[test]")
pytest.importorskip("lino_patrols", reason="the real Lino apps come with pip install -e .[test]")
pytestmark = pytest.mark.slow

APPS_DIR = Path(__file__).resolve().parent / "lino_apps"
TIMEOUT = 300
APPS = ("cosi", "patrols")
SOURCES = ("dump2py", "sql-dump", "json", "sqlite-url")
FORMS = ("restore-dir", "fixture", "sql", "django")
# The column each accident blanks with a bulk update (tests/lino_apps/*_accident.py).
BLANKED = {"cosi": ("contacts_partner", "street"), "patrols": ("users_user", "first_name")}
# Tables left out of the comparison, with the reason:
# - sqlite_sequence: SQLite's AUTOINCREMENT counters; inserting rows with
#   their old ids moves them, which is the database's business, not data;
# - django_session: Django's sessions, never restored (readers/django_tables.py).
UNCOMPARED_TABLES = frozenset({"sqlite_sequence", "django_session"})

# (app, source, form) -> why the cell is not exact yet; "*" matches any.
# A cell listed by name (no "*") that turns exact fails the test: take it out.
EXPECTED_REFUSALS: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class LinoSite:
    """One Lino application, its settings copied into a work directory."""

    app: str
    work: Path

    @property
    def settings(self) -> str:
        return f"{self.app}_settings"

    def env(self, database: Path) -> dict[str, str]:
        """Return the environment that points the site at ``database``."""
        # The settings live in the work directory: Lino writes media and caches
        # beside its settings module, and the test's tree must stay clean.
        return dict(
            os.environ,
            PYTHONPATH=str(self.work),
            DJANGO_SETTINGS_MODULE=self.settings,
            LINO_APP_DB=str(database),
        )

    def run(self, database: Path, *args: object) -> subprocess.CompletedProcess[str]:
        """Run a command with the site's environment, from the work directory."""
        return subprocess.run(
            [*map(str, args)], env=self.env(database), cwd=self.work,
            capture_output=True, text=True, timeout=TIMEOUT,
        )  # fmt: skip

    def django(self, database: Path, *args: object) -> subprocess.CompletedProcess[str]:
        """Run ``django-admin ARGS`` on ``database`` and insist that it succeeds."""
        done = self.run(database, sys.executable, "-m", "django", *args)
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}{done.stderr}"
        return done


@dataclass(frozen=True)
class Prepared:
    """An application before and after its accident, in every source format."""

    site: LinoSite
    before: Path
    after: Path
    sources: dict[str, tuple[str, str]]  # source -> (backup, current) as merge takes them
    seconds: dict[str, float]
    timed_columns: frozenset[tuple[str, str]]  # (table, column) declared datetime or time


def dump_moment(site: LinoSite, database: Path, moment: str) -> dict[str, str]:
    """Dump ``database`` in every source format; return source -> path or URL."""
    work = site.work
    site.django(database, "dump2py", work / f"{moment}-dump2py")
    with (work / f"{moment}.sql").open("w", encoding="utf-8") as sql:
        subprocess.run(["sqlite3", str(database), ".dump"], stdout=sql, check=True)
    site.django(database, "dumpdata", "-o", work / f"{moment}.json")
    return {
        "dump2py": str(work / f"{moment}-dump2py"),
        "sql-dump": str(work / f"{moment}.sql"),
        "json": str(work / f"{moment}.json"),
        "sqlite-url": f"sqlite:///{database}",
    }


def prepare(app: str, work: Path) -> Prepared:
    """Prepare the site with its demo data, dump it, damage a copy, dump that."""
    for name in (f"{app}_settings.py", f"{app}_accident.py"):
        shutil.copyfile(APPS_DIR / name, work / name)
    site = LinoSite(app, work)
    before, after = work / "before.db", work / "after.db"
    started = time.monotonic()
    site.django(before, "prep", "--noinput")
    seconds = {"prep": time.monotonic() - started}
    started = time.monotonic()
    backup = dump_moment(site, before, "before")
    shutil.copyfile(before, after)
    site.django(after, "run", work / f"{app}_accident.py")
    current = dump_moment(site, after, "after")
    seconds["dumps and accident"] = time.monotonic() - started
    sources = {source: (backup[source], current[source]) for source in SOURCES}
    return Prepared(site, before, after, sources, seconds, timed_columns(before))


def timed_columns(database: Path) -> frozenset[tuple[str, str]]:
    """Return the (table, column) pairs whose declared type is datetime or time."""
    connection = sqlite3.connect(database)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return frozenset(
            (table, column)
            for table in tables
            for _, column, declared, *_ in connection.execute(f'PRAGMA table_info("{table}")')
            if declared.lower() in ("datetime", "time")
        )
    finally:
        connection.close()


@pytest.fixture(scope="session", params=APPS)
def prepared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return prepare(request.param, tmp_path_factory.mktemp(f"lino-{request.param}"))


# --- the same moment from every source ----------------------------------------------------------


# (app, source, source) -> the (table, column) pairs that differ at one moment, and why.
# Every other pair of sources must agree; a listed pair that agrees fails: take it out.
KNOWN_DISAGREEMENTS: dict[tuple[str, str, str], tuple[frozenset[tuple[str, str]], str]] = {}


@pytest.mark.parametrize("moment", [0, 1], ids=["before", "after"])
def test_every_pair_of_sources_of_one_moment_agrees(prepared: Prepared, moment: int) -> None:
    app = prepared.site.app
    wrong = []
    for first, second in itertools.combinations(SOURCES, 2):
        old, new = read_snapshots(
            [prepared.sources[first][moment], prepared.sources[second][moment]]
        )
        changes = diff_snapshots(old, new)
        differing = (
            {
                (name, change.column)
                for name, table in changes.tables.items()
                for row in table.changed
                for change in row.fields
            }
            | {
                (name, "(rows deleted or added)")
                for name, table in changes.tables.items()
                if table.deleted or table.added
            }
            | {(name, "(table)") for name in [*changes.old_only_tables, *changes.new_only_tables]}
        )
        known, reason = KNOWN_DISAGREEMENTS.get((app, first, second), (frozenset(), ""))
        print(f"  {app:8} {first:10} {second:10} {'agree' if not differing else sorted(differing)}"
              + (f"  [{reason}]" if known else ""))  # fmt: skip
        if differing != known:
            wrong.append(f"{first} vs {second}: {changes.summary} differ in {sorted(differing)}")
    assert not wrong, "\n".join(wrong)


# --- restoring: one cell ------------------------------------------------------------------------

Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def database_rows(database: Path) -> Rows:
    """Return every compared table's column names and rows, read through the sqlite3 module."""
    connection = sqlite3.connect(database)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in UNCOMPARED_TABLES
        ]
        rows: Rows = {}
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            names = tuple(column[0] for column in cursor.description)
            rows[table] = (names, sorted(cursor.fetchall(), key=repr))
        return rows
    finally:
        connection.close()


def expected_rows(prepared: Prepared, source: str, form: str) -> Rows:
    """Return the rows the restored database must hold.

    Rows that survived the accident stay as the damaged database holds them,
    except the blanked column, which ``--repair`` puts back; loaddata writes
    whole rows and cannot repair a field (docs/merge.md), so with ``--emit
    fixture`` the survivors keep the blanked value. The rows the accident took
    come back as the source holds them (``SOURCE_PRECISION``).
    """
    before, after = database_rows(prepared.before), database_rows(prepared.after)
    blanked_table, blanked_column = BLANKED[prepared.site.app]
    expected: Rows = {}
    for table, (names, rows) in before.items():
        survivors = {row[0]: row for row in after.get(table, ((), []))[1]}
        if form == "fixture" and table == blanked_table:
            index = names.index(blanked_column)
            rows = [
                (*row[:index], survivors[row[0]][index], *row[index + 1 :])
                if row[0] in survivors else row
                for row in rows
            ]  # fmt: skip
        cut = SOURCE_PRECISION.get(source)
        timed = [i for i, name in enumerate(names) if (table, name) in prepared.timed_columns]
        if cut and timed:
            rows = [
                row if row[0] in survivors else tuple(
                    cut(value) if i in timed and isinstance(value, str) else value
                    for i, value in enumerate(row)
                )
                for row in rows
            ]  # fmt: skip
        expected[table] = (names, sorted(rows, key=repr))
    return expected


def _to_second(text: str) -> str:
    return _FRACTION.sub("", text)


def _to_millisecond(text: str) -> str:
    # As Django writes them to SQLite: no fraction at all when it is zero.
    cut = _FRACTION.sub(lambda match: match.group(0)[:4] + "000", text)
    return cut.removesuffix(".000000")


_FRACTION = re.compile(r"\.\d{6}$")
# What a source format itself cannot hold; the restore can only put back what the
# backup holds, so restored rows are compared as the source holds them.
SOURCE_PRECISION: dict[str, Callable[[str], str]] = {
    "dump2py": _to_second,  # dump2py writes datetimes and times to the second
    "json": _to_millisecond,  # dumpdata's JSON encoder cuts them to milliseconds
}
SOURCE_LOSSES = {
    "dump2py": "dump2py writes datetimes and times to the second",
    "json": "dumpdata's JSON encoder cuts datetimes and times to milliseconds",
}


def compare(expected: Rows, actual: Rows) -> str:
    """Return which tables differ and how, or '' when every row is equal."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table, ((), []))[1], actual.get(table, ((), []))[1]
        if want != got:
            missing = [row for row in want if row not in got]
            extra = [row for row in got if row not in want]
            example = f" e.g. {missing[0]!r:.120} -> {extra[0]!r:.120}" if missing and extra else ""
            problems.append(f"{table} -{len(missing)} +{len(extra)}{example}")
    return "; ".join(problems)


def merge(
    prepared: Prepared, source: str, form: str, out: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``repairkit merge`` as a user would, with the site's models (--settings)."""
    backup, current = prepared.sources[source]
    command = [
        sys.executable, "-m", "repairkit", "merge", backup, "--current", current, "-o", out,
        "--emit", form, "--settings", prepared.site.settings, "--jobs", "1",
    ]  # fmt: skip
    if form == "sql":
        command += ["--dialect", "sqlite"]
    if form != "fixture":  # loaddata overwrites whole rows: no field repair in a fixture
        command += ["--repair", ".".join(BLANKED[prepared.site.app])]
    return prepared.site.run(prepared.after, *command)


def apply(site: LinoSite, target: Path, form: str, out: Path) -> subprocess.CompletedProcess[str]:
    """Apply what ``merge --emit form`` wrote into ``out`` to ``target``, as docs/emit.md says."""
    if form == "sql":
        (script,) = out.glob("repair.*.sql")
        with script.open(encoding="utf-8") as sql:
            return subprocess.run(
                ["sqlite3", "-bail", str(target)], stdin=sql, capture_output=True, text=True,
                timeout=TIMEOUT,
            )  # fmt: skip
    if form == "fixture":
        return site.run(target, sys.executable, "-m", "django", "loaddata", out / "repair.json")
    if form == "restore-dir":  # the Lino way: manage.py run restore.py --apply
        return site.run(
            target, sys.executable, "-m", "django", "run", out / "restore.py", "--apply"
        )
    return site.run(
        target, sys.executable, out / "repair_django.py", "--settings", site.settings, "--apply"
    )


def run_cell(prepared: Prepared, source: str, form: str) -> str:
    """Merge, apply twice, compare; return ``exact`` or what went wrong."""
    work = prepared.site.work
    out = work / f"repair-{source}-{form}"
    merged = merge(prepared, source, form, out)
    # Exit 3: a plan that leaves rows out; whether what comes back is exact, the
    # driver-level comparison below tells.
    if merged.returncode not in (0, 3):
        return "refused: " + last_line(merged.stderr or merged.stdout)
    target = work / f"target-{source}-{form}.db"
    shutil.copyfile(prepared.after, target)
    expected = expected_rows(prepared, source, form)
    for attempt in ("first", "second"):
        applied = apply(prepared.site, target, form, out)
        if applied.returncode != 0:
            return f"apply failed ({attempt}): {last_line(applied.stderr or applied.stdout)}"
        difference = compare(expected, database_rows(target))
        if difference:
            return f"wrong ({attempt} apply): {difference}"
    return "exact"


def last_line(text: str) -> str:
    """Return the line that says what went wrong: the last naming an error, else the last."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if ("rror" in line or " pk " in line) and not line.startswith(("File ", "raise ")):
            return line[:300]
    return lines[-1][:300] if lines else "(no message)"


# --- the matrix ---------------------------------------------------------------------------------


def expected_reason(app: str, source: str, form: str) -> str | None:
    """Return why the cell is expected not to be exact yet, or None."""
    for cell, reason in EXPECTED_REFUSALS.items():
        if all(
            part in ("*", wanted) for part, wanted in zip(cell, (app, source, form), strict=True)
        ):
            return reason
    return None


def test_every_form_restores_exactly(prepared: Prepared) -> None:
    app = prepared.site.app
    cells = [(source, form) for source in SOURCES for form in FORMS]
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        outcomes = dict(
            zip(cells, pool.map(lambda cell: run_cell(prepared, *cell), cells), strict=True)
        )
    seconds = dict(prepared.seconds, matrix=time.monotonic() - started)
    print(f"\n{app}: source x form -> outcome ({len(cells)} checks)")
    for (source, form), outcome in outcomes.items():
        reason = expected_reason(app, source, form)
        print(f"  {app:8} {source:10} {form:12} {outcome}" + (f"  [{reason}]" if reason else ""))
    exact = sum(outcome == "exact" for outcome in outcomes.values())
    for name, loss in SOURCE_LOSSES.items():
        print(f"  compared as the source holds it: {name}: {loss}")
    print(f"  {app}: {exact} of {len(cells)} exact; seconds: "
          + ", ".join(f"{step} {value:.0f}" for step, value in seconds.items()))  # fmt: skip
    unexpected = [
        f"{source} x {form}: {outcome}"
        for (source, form), outcome in outcomes.items()
        if outcome != "exact" and expected_reason(app, source, form) is None
    ]
    now_exact = [
        f"{source} x {form}"
        for (source, form), outcome in outcomes.items()
        if outcome == "exact" and (app, source, form) in EXPECTED_REFUSALS
    ]
    assert not unexpected, "not exact:\n" + "\n".join(unexpected)
    assert not now_exact, "exact now, remove from EXPECTED_REFUSALS: " + ", ".join(now_exact)


# --- the site's models --------------------------------------------------------------------------

READ_VALUE_TYPES = """
import json, sys
from repairkit.site_schema import read_site_schema
types = read_site_schema("cosi_settings").value_types["contacts_role"]
json.dump({column: kind.value for column, kind in types.items()}, sys.stdout)
"""


def test_a_key_to_an_inheritance_child_holds_the_parents_integer_id(tmp_path: Path) -> None:
    # contacts_role.person_id points at contacts_person, whose key is the parent
    # link partner_ptr_id: the value is contacts_partner's integer id, not text.
    shutil.copyfile(APPS_DIR / "cosi_settings.py", tmp_path / "cosi_settings.py")
    site = LinoSite("cosi", tmp_path)
    done = site.run(tmp_path / "unused.db", sys.executable, "-c", READ_VALUE_TYPES)
    assert done.returncode == 0, done.stderr
    types = json.loads(done.stdout[done.stdout.index("{") :])  # after Lino's locale warning
    assert types["person_id"] == types["company_id"] == types["id"] == "integer"
