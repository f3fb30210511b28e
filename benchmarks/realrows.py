"""Make two dump2py dumps of a real Lino site's rows, repeated to size, and the same rows in SQLite.

The rows of ``bench_diff.py --rows-like real``. Every step uses the real
producer:

1. **The site**: Lino Così with its own demo data and demo bookings
   (``lino_site/cosi_bench_settings.py``), prepared once with ``prep`` into
   a SQLite file (about 6,000 rows: partners with accents and quotes,
   products with babel columns, invoices, their items and ledger movements
   with dates, decimals and foreign keys). ``lino_site/describe_columns.py``,
   run by the site, writes what its models say of each column.
2. **Grown to size**: the tables in ``GROWN_TABLES`` (the site's business
   data) are repeated, in SQL on a copy of that file, until the old dump
   holds about the asked number of rows: copy ``k`` of a row adds ``k *
   offset`` to its key and to every foreign key into a grown table, so that
   foreign keys stay valid and inheritance children keep their parent's key;
   keys into the other tables (countries, places, accounts, users, ...) stay
   as they are. A text column under a unique index gets `` #k``.
3. **The new state** (``realrows_changes.py``): a copy of the old file in
   which a fraction of the grown rows is deleted, added or changed.
4. **The dumps**: the site's own ``dump2py`` of each SQLite file (and, for
   the fixture-json format, its own ``dumpdata``).

The SQLite files are the benchmark's ``sqldiff`` baseline and the source of
its SQLite formats; ``generate_real`` returns the changes made, which is
what a diff must find.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from realrows_changes import change_database, quoted

SITE_FILES = Path(__file__).resolve().parent / "lino_site"
SETTINGS = "cosi_bench_settings"
# Bump when the made data changes, so that --keep makes it again.
REALROWS_VERSION = 2
# The site's business data, repeated to size; every other table stays as prepared.
GROWN_TABLES = (
    "contacts_partner",
    "contacts_person",
    "contacts_company",
    "contacts_role",
    "phones_contactdetail",
    "sepa_account",
    "products_product",
    "trading_tradingrule",
    "accounting_voucher",
    "trading_vatproductinvoice",
    "trading_invoiceitem",
    "accounting_movement",
)
PRODUCER_TIMEOUT = 3600  # seconds; dump2py of a million rows takes minutes


class LinoSite:
    """The benchmark's Lino site: its settings copied into a work directory."""

    def __init__(self, work: Path) -> None:
        self.work = work

    def __repr__(self) -> str:
        return f"<LinoSite {SETTINGS} in {self.work}>"

    def django(self, database: Path, *args: str, **env: str) -> str:
        """Run ``django-admin ARGS`` on ``database``; return its output or raise with it."""
        environment = dict(
            os.environ,
            PYTHONPATH=str(self.work),
            DJANGO_SETTINGS_MODULE=SETTINGS,
            LINO_APP_DB=str(database),
            **env,
        )
        # Lino writes media and caches beside its settings: run in the work directory.
        done = subprocess.run(
            [sys.executable, "-m", "django", *args], env=environment, cwd=self.work,
            capture_output=True, text=True, timeout=PRODUCER_TIMEOUT, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip()[-800:]
            raise RuntimeError(f"django-admin {' '.join(args)} failed: {message}")
        return done.stdout


def _site_stamp() -> dict[str, str]:
    """Return what the prepared site depends on: our site files and Lino's versions."""
    from importlib.metadata import version

    stamp = {name: version(name) for name in ("lino", "lino-xl", "lino-cosi", "Django")}
    for path in sorted(SITE_FILES.glob("*.py")):
        stamp[path.name] = path.read_text(encoding="utf-8")
    return stamp


def prepare_site(work: Path, keep: bool) -> tuple[LinoSite, Path, dict[str, Any]]:
    """Prepare the site with its demo data once; return it, its database and its columns.

    With `keep`, a site prepared from the same files and Lino versions is reused.
    """
    stamp_path = work / "prepared-from.json"
    prepared, columns_path = work / "prepared.sqlite3", work / "columns.json"
    site = LinoSite(work)
    if keep and stamp_path.exists() and json.loads(stamp_path.read_text()) == _site_stamp():
        print(f"reusing the prepared Lino site in {work} (--keep)", flush=True)
        return site, prepared, json.loads(columns_path.read_text())
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for path in SITE_FILES.glob("*.py"):
        shutil.copyfile(path, work / path.name)
    print("preparing the Lino site with its demo data (prep) ...", flush=True)
    start = time.perf_counter()
    site.django(prepared, "prep", "--noinput")
    site.django(prepared, "run", "describe_columns.py", BENCH_COLUMNS_OUT=str(columns_path))
    print(f"prepared in {time.perf_counter() - start:.1f} s", flush=True)
    stamp_path.write_text(json.dumps(_site_stamp()))
    return site, prepared, json.loads(columns_path.read_text())


# -- growing -----------------------------------------------------------------------


def primary_key(db: sqlite3.Connection, table: str) -> str:
    """Return the one primary key column of `table`; raise if it has none or several."""
    keys = [row[1] for row in db.execute(f"PRAGMA table_info({quoted(table)})") if row[5]]
    if len(keys) != 1:
        raise RuntimeError(f"{table}: expected one primary key column, found {keys}")
    return str(keys[0])


def foreign_keys(db: sqlite3.Connection, table: str) -> dict[str, str]:
    """Return each foreign key column of `table` and the table it points to."""
    return {row[3]: row[2] for row in db.execute(f"PRAGMA foreign_key_list({quoted(table)})")}


def unique_columns(db: sqlite3.Connection, table: str) -> list[list[str]]:
    """Return the columns of each unique index of `table` other than its primary key."""
    found = []
    for index in db.execute(f"PRAGMA index_list({quoted(table)})").fetchall():
        if index[2] and index[3] != "pk":
            found.append([c[2] for c in db.execute(f"PRAGMA index_info({quoted(index[1])})")])
    return found


def count_rows(db: sqlite3.Connection, tables: Iterable[str]) -> int:
    return sum(db.execute(f"SELECT count(*) FROM {quoted(t)}").fetchone()[0] for t in tables)


def _copy_expressions(
    db: sqlite3.Connection, table: str, columns: dict[str, Any], grown: set[str]
) -> list[str]:
    """Return, per column of `table`, the SQL that makes copy `k` of a row (of `copies`).

    Keys and foreign keys into grown tables move by ``k * offset``; a text
    column under a unique index that no moved column is part of gets `` #k``.
    """
    pk, fks = primary_key(db, table), foreign_keys(db, table)
    moved = {pk} | {column for column, target in fks.items() if target in grown}
    tagged = set()
    for index in unique_columns(db, table):
        if moved.isdisjoint(index):
            text = [c for c in index if columns.get(c, {}).get("kind") == "text"]
            if not text:
                raise RuntimeError(f"{table}: cannot repeat rows under unique index {index}")
            tagged.add(text[0])
    names = [row[1] for row in db.execute(f"PRAGMA table_info({quoted(table)})")]
    expressions = []
    for name in names:
        if name in moved:
            expressions.append(f"{quoted(name)} + copies.k * :offset")
        elif name in tagged:
            expressions.append(f"{quoted(name)} || ' #' || copies.k")
        else:
            expressions.append(quoted(name))
    return expressions


def grow_database(
    prepared: Path,
    out: Path,
    rows: int,
    columns: dict[str, Any],
    grown: tuple[str, ...] = GROWN_TABLES,
) -> int:
    """Copy the prepared database to `out`, its `grown` tables repeated; return the copies.

    The copies (the prepared rows count as the first) are as many as make the
    tables of the site's models (`columns`) hold about `rows` rows, at least one.
    """
    out.unlink(missing_ok=True)
    shutil.copyfile(prepared, out)
    db = sqlite3.connect(out)
    try:
        missing = set(grown) - set(columns)
        if missing:
            raise RuntimeError(f"the prepared site has no table {sorted(missing)}")
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        dumped = [t for t in columns if t in tables]
        per_copy = count_rows(db, grown)
        fixed = count_rows(db, dumped) - per_copy
        copies = max(1, round((rows - fixed) / per_copy))
        largest = max(
            db.execute(f"SELECT max({quoted(primary_key(db, t))}) FROM {quoted(t)}").fetchone()[0]
            or 0
            for t in grown
        )
        # A power of ten, so that copy k of row 17 is k0..017: easy to read in a dump.
        offset = 10 ** math.ceil(math.log10(largest + 1))
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TEMP TABLE copies (k INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO copies VALUES (?)", [(k,) for k in range(1, copies)])
        for table in grown:
            expressions = _copy_expressions(db, table, columns[table], set(grown))
            pk = quoted(primary_key(db, table))
            # Copy by copy, in key order, so that rowids follow the keys as in a real site.
            db.execute(
                f"INSERT INTO {quoted(table)} SELECT {', '.join(expressions)} "
                f"FROM copies, {quoted(table)} WHERE {pk} < :offset ORDER BY copies.k, {pk}",
                {"offset": offset},
            )
        db.commit()
        broken = db.execute("PRAGMA foreign_key_check").fetchmany(3)
        if broken:
            raise RuntimeError(f"growing broke foreign keys, e.g. {broken}")
    finally:
        db.close()
    return copies


# -- dumping -----------------------------------------------------------------------


def dump2py(site: LinoSite, database: Path, out_dir: Path) -> int:
    """Dump `database` with the site's own ``dump2py``; return the rows it wrote.

    The rows are counted from each table's first data file header
    (``Loading N objects ...``), as dump2py wrote them.
    """
    shutil.rmtree(out_dir, ignore_errors=True)
    site.django(database, "dump2py", "--noinput", str(out_dir))
    total = 0
    for path in out_dir.glob("*.py"):
        if path.name == "restore.py":
            continue
        with open(path, encoding="utf-8") as f:
            f.readline()
            header = f.readline()
        if " objects (part " in header and "(part 1 of" not in header:
            continue
        total += int(header.split("Loading ", 1)[1].split(" ", 1)[0])
    return total


def dumpdata(workdir: Path, paths: dict[str, Path]) -> None:
    """Write each side's SQLite file as a fixture with the site's own ``dumpdata``."""
    site = LinoSite(workdir / "lino-site")
    for side, path in paths.items():
        site.django(workdir / f"{side}.sqlite3", "dumpdata", "--output", str(path))


def field_names(columns: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Return the field name a fixture gives each column of each table (`partner_id`: `partner`)."""
    return {
        table: {column: info["field"] for column, info in fields.items()}
        for table, fields in columns.items()
    }


def generate_real(
    workdir: Path, rows: int, fraction: float, seed: int, keep: bool
) -> dict[str, Any]:
    """Make both SQLite files and both dump2py dumps; return the manifest of what differs."""
    site, prepared, columns = prepare_site(workdir / "lino-site", keep)
    start = time.perf_counter()
    old_db, new_db = workdir / "old.sqlite3", workdir / "new.sqlite3"
    copies = grow_database(prepared, old_db, rows, columns)
    grown_at = time.perf_counter()
    expected = change_database(old_db, new_db, columns, GROWN_TABLES, fraction, seed)
    changed_at = time.perf_counter()
    counts = {
        side: dump2py(site, workdir / f"{side}.sqlite3", workdir / side) for side in ("old", "new")
    }
    dumped_at = time.perf_counter()
    print(
        f"  {copies} copies of the demo rows; growing {grown_at - start:.1f} s, "
        f"changing {changed_at - grown_at:.1f} s, dump2py of both {dumped_at - changed_at:.1f} s",
        flush=True,
    )
    return {
        "rows": counts,
        "expected": expected,
        "copies": copies,
        "field_names": field_names({t: columns[t] for t in expected}),
    }
