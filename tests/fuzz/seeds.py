"""The inputs that the fuzzer mutates, made by the real producers.

Every format the readers accept gets one seed: the Lino dump shipped in
``fixtures/backup``, Django ``dumpdata`` of the demo site in all four
formats (and compressed the way ``loaddata`` reads them), ``sqlite3 .dump``
of ``fixtures/backup.sqlite3``, and ``pg_dump`` (COPY and ``--inserts``) of
a small database on the PostgreSQL server. Seeds are made once into a
directory and reused while their recipe is unchanged.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
DEMO = REPO / "demo"
RECIPE = "6"  # bump when the seeds below change, so that cached ones are made again

# Small seeds: a mutation then hits meaningful text more often, and a case takes milliseconds.
SEED_MODELS = ["repairdemo.country", "repairdemo.category", "repairdemo.product"]
SEED_TABLES = [model.replace(".", "_") for model in SEED_MODELS]
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}


@dataclass(frozen=True, slots=True)
class Seed:
    """One format's seed: the input as the user gives it, and the file inside it that mutates."""

    form: str  # a row of the results table
    reader: str  # the name in repairkit.readers.FORMATS
    source: Path  # what read_snapshot is given: a file, or a Lino dump directory
    target: Path  # the file that mutates (inside ``source`` for a Lino dump)


def make_seeds(work: Path) -> dict[str, list[Seed]]:
    """Make (or reuse) the seeds under ``work``; return them by format.

    A format whose producer is missing on this machine (no PostgreSQL
    server, say) gets no seed and so no cases.
    """
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / "recipe"
    if not stamp.is_file() or stamp.read_text() != RECIPE:
        for child in work.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        _make_fixtures(work)
        _make_sqlite_dump(work)
        _make_sqlite_constraints_dump(work)
        _make_pg_dumps(work)
        _make_restore_dir(work / "restore-dir")
        stamp.write_text(RECIPE)
    return _seeds_in(work)


def _seeds_in(work: Path) -> dict[str, list[Seed]]:
    lino = FIXTURES / "backup"
    seeds: dict[str, list[Seed]] = {
        "lino data file": [
            Seed("lino data file", "lino", lino, lino / name)
            for name in ("repairdemo_country.py", "repairdemo_category.py", "repairdemo_product.py")
        ],
        "lino restore.py": [Seed("lino restore.py", "lino", lino, lino / "restore.py")],
    }
    marked = work / "restore-dir"
    seeds["lino marked data file"] = [
        Seed("lino marked data file", "lino", marked, marked / "fuzz_thing.py")
    ]
    seeds["lino marked restore.py"] = [
        Seed("lino marked restore.py", "lino", marked, marked / "restore.py")
    ]
    for form in ("json", "jsonl", "xml", "yaml"):
        seeds[form] = [Seed(form, form, work / f"site.{form}", work / f"site.{form}")]
    seeds[".gz/.bz2/.xz/.zip"] = [
        Seed(".gz/.bz2/.xz/.zip", name.split(".")[1], work / name, work / name)
        for name in ("site.json.gz", "site.xml.bz2", "site.yaml.xz", "site.json.zip")
    ]
    for form, reader, name in (
        ("sqlite .dump", "sqlite-dump", "site.sql"),
        ("sqlite .dump constraints", "sqlite-dump", "constraints.sql"),
        ("pg_dump COPY", "pg-dump", "pg-copy.sql"),
        ("pg_dump --inserts", "pg-dump", "pg-inserts.sql"),
    ):
        if (work / name).is_file():
            seeds[form] = [Seed(form, reader, work / name, work / name)]
    return seeds


def _make_fixtures(work: Path) -> None:
    database = work / "site.sqlite3"
    shutil.copyfile(FIXTURES / "backup.sqlite3", database)
    env = dict(
        os.environ, REPAIRDEMO_DB=str(database), DJANGO_SETTINGS_MODULE="repairdemo.settings"
    )
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "dumpdata",
                *SEED_MODELS,
                "--format",
                form,
                "-o",
                str(work / f"site.{form}"),
            ],
            env=env,
            cwd=DEMO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for form in ("json", "jsonl", "xml", "yaml")
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        if run.returncode != 0:
            raise RuntimeError(f"dumpdata failed: {stderr}")
    (work / "site.json.gz").write_bytes(gzip.compress((work / "site.json").read_bytes()))
    (work / "site.xml.bz2").write_bytes(bz2.compress((work / "site.xml").read_bytes()))
    (work / "site.yaml.xz").write_bytes(lzma.compress((work / "site.yaml").read_bytes()))
    with zipfile.ZipFile(work / "site.json.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(work / "site.json", "site.json")
    database.unlink()


def _make_restore_dir(out: Path) -> None:
    """Write a restore directory with marked UUID, duration, binary and JSON columns.

    Its producer is repairkit's own writer, the only one that marks them.
    """
    import datetime

    from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan
    from repairkit.snapshot import Column, Value
    from repairkit.values import json_document, to_json_value
    from repairkit.writers import write_restore_dir

    documents = [
        to_json_value("null"), to_json_value('"plain words here"'),
        json_document({"name": "Brussels office", "tags": ["north", "é\u2028"], "n": 1.5}),
        None,
    ]  # fmt: skip
    rows: list[tuple[Value, ...]] = [
        (
            uuid.UUID(int=index * 7919 + 1), datetime.timedelta(days=index - 2, microseconds=index),
            bytes(range(index * 3)) if index % 4 else None, documents[index % len(documents)],
            uuid.UUID(int=index * 7919 - 7918) if index else None, f"Thing number {word}",
        )
        for index, word in enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"])
    ]  # fmt: skip
    columns = tuple(map(Column, ("id", "length", "data", "doc", "parent_id", "title")))
    planned = tuple(PlannedRow(str(row[0]), row, "seed", Reason.MISSING) for row in rows)
    table = PlannedTable("fuzz_thing", "fuzz.Thing", columns, "id", planned)
    write_restore_dir(RestorePlan(("seed",), "current", (table,), (), ()), out)


def _make_sqlite_dump(work: Path) -> None:
    if shutil.which("sqlite3") is None:
        return
    dump = subprocess.run(
        ["sqlite3", str(FIXTURES / "backup.sqlite3"), ".dump " + " ".join(SEED_TABLES)],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    (work / "site.sql").write_bytes(dump.stdout)


# Tables that SQLite judges by their constraints, beside one it need not: the reader
# decides a plain table's rows itself and hands the others to SQLite, and the
# fuzz check compares both with SQLite's own loading of the mutated dump.
_SQLITE_CONSTRAINTS_SCHEMA = """
CREATE TABLE plain_thing (id integer NOT NULL PRIMARY KEY, name varchar(40) NOT NULL,
    amount decimal, born date, seen datetime, active bool);
CREATE TABLE checked_thing (id integer NOT NULL PRIMARY KEY,
    qty integer NOT NULL CHECK (qty >= 0), code varchar(5) NOT NULL UNIQUE,
    label text COLLATE NOCASE UNIQUE);
CREATE TABLE keyed_thing (code varchar(8) NOT NULL PRIMARY KEY, n integer NOT NULL,
    note text) WITHOUT ROWID;
CREATE TABLE replaced_thing (id integer PRIMARY KEY ON CONFLICT REPLACE, name text);
CREATE TABLE indexed_thing (id integer NOT NULL PRIMARY KEY, email varchar(60));
CREATE UNIQUE INDEX indexed_thing_email ON indexed_thing (email);
"""


def _make_sqlite_constraints_dump(work: Path) -> None:
    if shutil.which("sqlite3") is None:
        return
    database = work / "constraints.sqlite3"
    connection = sqlite3.connect(database)
    with connection:
        connection.executescript(_SQLITE_CONSTRAINTS_SCHEMA)
        for i in range(1, 13):
            connection.execute(
                "INSERT INTO plain_thing VALUES (?, ?, ?, ?, ?, ?)",
                (i, f"Thing {i} O'Neill" if i % 3 == 0 else f"Thing {i}", f"{i * 2.5:.2f}",
                 f"2020-01-{i:02d}", f"2024-03-01 12:{i:02d}:00", i % 2),
            )  # fmt: skip
            connection.execute(
                "INSERT INTO checked_thing VALUES (?, ?, ?, ?)",
                (i, i * 3, f"C{i:03d}", None if i % 4 == 0 else f"Label {i}"),
            )
            connection.execute(
                "INSERT INTO keyed_thing VALUES (?, ?, ?)", (f"k{i:02d}", i, f"note {i}")
            )
            connection.execute("INSERT INTO replaced_thing VALUES (?, ?)", (i, f"name {i}"))
            connection.execute("INSERT INTO indexed_thing VALUES (?, ?)", (i, f"p{i}@example.org"))
    connection.close()
    dump = subprocess.run(
        ["sqlite3", str(database), ".dump"], capture_output=True, check=True, timeout=120
    )
    (work / "constraints.sql").write_bytes(dump.stdout)


# A small table of the value kinds pg_dump writes differently in COPY and in INSERTs.
_PG_SCHEMA = """
CREATE TABLE country (code varchar(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE partner (
    id integer PRIMARY KEY, name varchar(100) NOT NULL, notes text, balance numeric(12, 2),
    active boolean, born date, seen timestamptz, photo bytea, data jsonb,
    country_id varchar(2) REFERENCES country (code)
);
INSERT INTO country VALUES ('BE', 'Belgium'), ('DE', 'Germany'), ('EE', 'Estonia');
INSERT INTO partner
SELECT i, 'Partner ' || i || CASE WHEN i % 3 = 0 THEN ' O''Neill' ELSE '' END,
       CASE WHEN i % 4 = 0 THEN NULL
            ELSE E'line one\\nline two\\ttab \\\\ back ' || i || ' caf\u00e9' END,
       i * 12.5, i % 2 = 0, DATE '2020-01-01' + i,
       TIMESTAMPTZ '2024-03-01 12:00+00' + i * INTERVAL '1 hour',
       CASE WHEN i % 5 = 0 THEN NULL ELSE decode('00ff10' || lpad(to_hex(i), 2, '0'), 'hex') END,
       jsonb_build_object('n', i, 'tag', 'x' || i),
       (ARRAY['BE', 'DE', 'EE', NULL])[1 + i % 4]
FROM generate_series(1, 40) AS i;
"""


def _make_pg_dumps(work: Path) -> None:
    try:
        import psycopg
    except ImportError:
        return
    if shutil.which("pg_dump") is None:
        return
    name = f"repairkit_fuzz_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(**POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(**{**POSTGRES, "dbname": name}, autocommit=True) as database:
                database.execute(_PG_SCHEMA)
            base = ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--no-owner", name]
            for file_name, extra in (("pg-copy.sql", []), ("pg-inserts.sql", ["--inserts"])):
                dump = subprocess.run([*base, *extra], capture_output=True, check=True, timeout=120)
                (work / file_name).write_bytes(dump.stdout)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
