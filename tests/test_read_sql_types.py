"""Every kind of value through pg_dump, mariadb-dump and the live URLs, against the real servers.

A table of each server's own types (bytea, uuid, interval, json/jsonb,
inet, arrays, a composite key; BLOBs and binary strings on MariaDB) is
read live and from its dumps (COPY, ``--inserts``, ``--hex-blob`` and the
default raw bytes): all readings must hold the same values, of the same
Python type. Hostile dumps written by hand are loaded into a fresh database
by the server's own client, and must read as the database they made.
"""

from __future__ import annotations

import datetime
import subprocess
import uuid
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.readers.live.sql import read_database_url
from repairkit.readers.sql.dump import read_sql_dump
from repairkit.readers.sql.statements import Dialect
from repairkit.snapshot import JsonValue, Snapshot

from .conftest import ServerDatabase

pytestmark = pytest.mark.slow

POSTGRES_SCHEMA = r"""
CREATE TABLE kinds (
    id integer PRIMARY KEY, b bytea, u uuid, d interval, j jsonb, js json, ip inet,
    arr integer[], t text, n numeric(10, 2), f double precision
);
CREATE TABLE pairs (a text, b integer, v text, PRIMARY KEY (a, b));
INSERT INTO kinds VALUES
    (1, '\x00ff80'::bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:03:04.000005',
     '{"k": [1, null], "a": "\"q\""}', 'null', '192.168.0.1/24', '{1,2,3}',
     E'caf\303\251 back\\slash\ttab', 12.50, 'NaN'),
    (2, NULL, NULL, '-00:00:00.000001', 'null', NULL, '::1', '{}', '', NULL, 1.5),
    (3, ''::bytea, '00000000-0000-0000-0000-000000000000', '3 days -00:00:01', NULL,
     '"text"', NULL, NULL, E'\u2028', -0.01, '-Infinity');
INSERT INTO pairs VALUES ('acme', 0, 'x'), ('acme', 1, 'y'), ('0', 2, 'z');
"""


def psql(database: ServerDatabase, path: Path) -> None:
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", database.host, "-U", database.user,
         "-d", database.name, "-f", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip


def pg_dump(database: ServerDatabase, target: Path, *options: str) -> Path:
    with target.open("wb") as out:
        subprocess.run(
            ["pg_dump", "-h", database.host, "-U", database.user, *options, database.name],
            stdout=out, check=True,
        )  # fmt: skip
    return target


def pg_dump_of_script(database: ServerDatabase, tmp_path: Path, script: str, *options: str) -> Path:
    """Run ``script`` in ``database`` with psql, then return its pg_dump (with ``options``)."""
    path = tmp_path / "script.sql"
    path.write_text(script)
    psql(database, path)
    return pg_dump(database, tmp_path / "dump.sql", *options)


def typed_rows(snapshot: Snapshot, table: str) -> dict[object, list[tuple[str, object]]]:
    """Return a table's rows with each value's type, so that 1 and '1' stay apart."""
    rows = snapshot.tables[table].decode()
    return {key: [(type(value).__name__, value) for value in row] for key, row in rows.items()}


def test_postgresql_types_read_alike_live_and_from_every_pg_dump(
    postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(POSTGRES_SCHEMA, encoding="utf-8")
    psql(postgres_database, schema)
    live = read_database_url(postgres_database.url)
    dumps = {
        "copy": pg_dump(postgres_database, tmp_path / "copy.sql"),
        "inserts": pg_dump(postgres_database, tmp_path / "inserts.sql", "--inserts"),
        "column-inserts": pg_dump(postgres_database, tmp_path / "c.sql", "--column-inserts"),
    }
    for name, path in dumps.items():
        dumped = read_sql_dump(path, Dialect.POSTGRES)
        for table in ("kinds", "pairs"):
            assert typed_rows(dumped, table) == typed_rows(live, table), (name, table)
    row = live.tables["kinds"].decode()[1]
    assert row[1:5] == (
        b"\x00\xff\x80",
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        datetime.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5),
        JsonValue('{"a":"\\"q\\"","k":[1,null]}'),  # jsonb by value (docs/values.md)
    )
    assert row[5:9] == (JsonValue("null"), "192.168.0.1/24", "{1,2,3}", "café back\\slash\ttab")
    assert row[10] == "NaN"  # a NaN would not equal itself
    assert live.tables["kinds"].decode()[2][3] == datetime.timedelta(microseconds=-1)
    assert set(live.tables["pairs"].decode()) == {"('acme', 0)", "('acme', 1)", "('0', 2)"}


def test_an_interval_of_months_is_refused_not_counted_as_days(
    postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id integer PRIMARY KEY, d interval);\n"
                      "INSERT INTO t VALUES (1, '1 mon');\n")  # fmt: skip
    psql(postgres_database, schema)
    with pytest.raises(DumpFormatError, match=r"t\.d: interval '1 mon' holds years or months"):
        read_database_url(postgres_database.url)
    with pytest.raises(DumpFormatError, match=r"copy.sql:\d+: .*holds years or months"):
        read_sql_dump(pg_dump(postgres_database, tmp_path / "copy.sql"), Dialect.POSTGRES)


HOSTILE_PG_DUMP = r"""-- PostgreSQL database dump
SET standard_conforming_strings = off;
CREATE TABLE t (id integer NOT NULL, v text, n integer);
INSERT INTO t VALUES (1, 'back\\slash it\'s', 1.5);
INSERT INTO t VALUES (2, E'caf\303\251 \xc3\xa9 \u00e9', 2.5);
SET standard_conforming_strings = on;
INSERT INTO t VALUES (3, 'back\slash', -1.5);
INSERT INTO t VALUES (4, E'\x41\102', 7.49);
COPY t (id, v, n) FROM stdin;
5	caf\303\251 \\ \x41	4
\.
ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
"""


def test_a_hostile_pg_dump_reads_as_postgresql_loads_it(
    postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    dump = tmp_path / "hostile.sql"
    dump.write_text(HOSTILE_PG_DUMP, encoding="utf-8")
    psql(postgres_database, dump)
    loaded = read_database_url(postgres_database.url)
    assert typed_rows(read_sql_dump(dump, Dialect.POSTGRES), "t") == typed_rows(loaded, "t")
    assert loaded.tables["t"].decode() == {
        1: (1, "back\\slash it's", 2),
        2: (2, "café é é", 3),
        3: (3, "back\\slash", -2),
        4: (4, "AB", 7),
        5: (5, "café \\ A", 4),
    }


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("INSERT INTO t VALUES (9, E'\\303', 1);", "escaped bytes are not UTF-8"),
        ("INSERT INTO t VALUES (9, E'a\\000', 1);", "a zero byte"),
        ("INSERT INTO t VALUES (9, '1.9', '1.9');", "not an integer: '1.9'"),
        ("INSERT INTO t VALUES (9, 'x', 3000000000);", "out of range for integer"),
        ("TRUNCATE t CASCADE;", "changes rows of ['t'] in place"),
        ("UPDATE t SET v = 'x';", "changes rows of ['t'] in place"),
    ],
)
def test_pg_values_postgresql_refuses_are_refused_by_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    dump = tmp_path / "hostile.sql"
    dump.write_text(HOSTILE_PG_DUMP.replace("ALTER TABLE", line + "\nALTER TABLE"))
    with pytest.raises(DumpFormatError, match=r"hostile.sql:1[23]: ") as caught:
        read_sql_dump(dump, Dialect.POSTGRES)
    assert problem in caught.value.problem


MARIADB_SCHEMA = """
CREATE TABLE bin (id int PRIMARY KEY, b longblob, vb varbinary(10), t longtext);
INSERT INTO bin VALUES (1, 0x00FF80C3275C0A0D1A, 0x27225C, 'café'), (2, '', NULL, ''),
    (3, 0xC3A9, 0x00, 'x\\\\y');
CREATE TABLE pairs (a varchar(10), b int, PRIMARY KEY (a, b));
INSERT INTO pairs VALUES ('acme', 0), ('acme', 1);
"""


def mariadb(database: ServerDatabase, script: str) -> None:
    subprocess.run(
        ["mariadb", "-h", database.host, "-u", database.user, database.name],
        input=script.encode("utf-8"), check=True, capture_output=True,
    )  # fmt: skip


def mariadb_dump(database: ServerDatabase, target: Path, *options: str) -> Path:
    with target.open("wb") as out:
        subprocess.run(
            ["mariadb-dump", "-h", database.host, "-u", database.user, *options, database.name],
            stdout=out, check=True,
        )  # fmt: skip
    return target


def test_mariadb_blobs_read_alike_live_and_from_every_dump(
    mariadb_database: ServerDatabase, tmp_path: Path
) -> None:
    mariadb(mariadb_database, MARIADB_SCHEMA)
    live = read_database_url(mariadb_database.url)
    raw = mariadb_dump(mariadb_database, tmp_path / "raw.sql")
    with pytest.raises(UnicodeDecodeError):
        raw.read_bytes().decode("utf-8")  # the default dump writes BLOBs as raw bytes
    dumps = [
        raw,
        mariadb_dump(mariadb_database, tmp_path / "hex.sql", "--hex-blob"),
        mariadb_dump(mariadb_database, tmp_path / "single.sql", "--skip-extended-insert"),
    ]
    for path in dumps:
        dumped = read_sql_dump(path, Dialect.MYSQL)
        for table in ("bin", "pairs"):
            assert typed_rows(dumped, table) == typed_rows(live, table), (path.name, table)
    assert live.tables["bin"].decode()[1] == (1, b"\x00\xff\x80\xc3'\\\n\r\x1a", b"'\"\\", "café")


@pytest.mark.parametrize(
    ("statement", "rows"),
    [
        ("/*!40000 DELETE FROM bin */;", {}),
        ("/*M!999999 DELETE FROM bin */;", None),  # a version no server has: a comment
        ("TRUNCATE TABLE bin;", {}),
    ],
)
def test_a_mysql_dump_that_empties_a_table_reads_as_mariadb_loads_it(
    mariadb_database: ServerDatabase, tmp_path: Path, statement: str, rows: dict[int, object] | None
) -> None:
    mariadb(mariadb_database, MARIADB_SCHEMA)
    dump = mariadb_dump(mariadb_database, tmp_path / "dump.sql", "--hex-blob")
    text = dump.read_text(encoding="utf-8")
    hostile = tmp_path / "hostile.sql"
    hostile.write_text(text.replace("UNLOCK TABLES;", "UNLOCK TABLES;\n" + statement, 1))
    read = read_sql_dump(hostile, Dialect.MYSQL)
    mariadb(mariadb_database, hostile.read_text(encoding="utf-8"))
    loaded = read_database_url(mariadb_database.url)
    assert typed_rows(read, "bin") == typed_rows(loaded, "bin")
    if rows is not None:
        assert read.tables["bin"].decode() == rows


@pytest.mark.parametrize(
    "statement",
    [
        "/*!40000 DELETE FROM bin WHERE id = 2 */;",
        "UPDATE pairs, bin SET bin.t = 'x' WHERE bin.id = pairs.b;",
        "DELETE bin FROM bin JOIN pairs ON bin.id = pairs.b;",
    ],
)
def test_a_mysql_dump_that_changes_some_rows_is_refused_by_line(
    tmp_path: Path, statement: str
) -> None:
    dump = tmp_path / "hostile.sql"
    dump.write_text(
        "-- MariaDB dump\n"
        "CREATE TABLE `bin` (`id` int NOT NULL, `t` longtext, PRIMARY KEY (`id`));\n"
        "CREATE TABLE `pairs` (`a` varchar(10), `b` int, PRIMARY KEY (`a`, `b`));\n"
        f"INSERT INTO `bin` VALUES (1,'a'),(2,'b');\n{statement}\n"
    )
    with pytest.raises(DumpFormatError, match=r"hostile.sql:5: .*changes rows of .*'bin'"):
        read_sql_dump(dump, Dialect.MYSQL)
