"""INSERT rows kept as their tuples' text: checked when read, decoded when asked, as before.

The reference is the value-by-value reading every SQL dump had, which
the tables read whole still take (``read_dump_table``): a table read
fingerprint first must decode to exactly the rows, and values of exactly
the types, that reading gives, on real dumps of ``sqlite3 .dump``,
``pg_dump --inserts`` and ``mariadb-dump``. Each dump holds rows that the
fast pattern accepts and rows it leaves to the slow way (a 29 February, a
float, a NUL, an exponent), and the tests check that both kinds occur.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers.sql.converters import make_converter
from repairkit.readers.sql.dump import read_dump_table, read_sql_dump
from repairkit.readers.sql.dump_lines import numbered_lines
from repairkit.readers.sql.insert_rows import InsertRowStore, tuple_check
from repairkit.readers.sql.schema import read_create_table
from repairkit.readers.sql.statements import Dialect, StatementSplitter
from repairkit.readers.sql.values import ValuesParser
from repairkit.snapshot import Snapshot

from .conftest import ServerDatabase
from .test_read_sql_types import mariadb, mariadb_dump, pg_dump_of_script

SQLITE3 = shutil.which("sqlite3")
needs_sqlite3 = pytest.mark.skipif(SQLITE3 is None, reason="needs the sqlite3 command line tool")

SQLITE_SCHEMA = """
CREATE TABLE "kinds" ("id" integer NOT NULL PRIMARY KEY, "name" varchar(50) NOT NULL,
    "note" text NULL, "flag" bool NOT NULL, "born" date NULL, "seen" datetime NULL,
    "amount" decimal NULL, "ratio" real NULL, "data" BLOB NULL, "big" bigint NULL);
"""
SQLITE_ROWS = [
    (1, "plain", "x", 1, "2020-01-31", "2020-01-31 10:00:00", 12.5, 0.25, b"\x00\xff", 1 << 40),
    (2, "O'Brien ''quoted''", "line\nbreak", 0, "2020-02-29", "2021-12-31 23:59:59.123456",
     -3016.4999999999999, None, None, -(1 << 62)),
    (3, "café ☕ \\ back", "cr\r\nlf", 1, None, None, None, 1e300, b"", None),
    (4, "", "", 0, "1999-12-31", "1999-12-31 00:00:00", 0, -0.0, None, 0),
    (5, "nul\x00inside", None, 1, "2000-06-15", None, 7.82, 3.0, b"'", 9),
    (6, "12", "007", 0, "2400-02-29", "2400-02-29 12:00:00", 1e20, None, None, 12),
]  # fmt: skip


def sqlite_dump(tmp_path: Path, name: str, schema: str, rows: list[tuple[object, ...]]) -> Path:
    """Return the ``sqlite3 .dump`` of a database holding ``rows`` in the table ``kinds``."""
    database = tmp_path / f"{name}.sqlite3"
    connection = sqlite3.connect(database)
    connection.executescript(schema)
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        connection.executemany(f'INSERT INTO "kinds" VALUES ({marks})', rows)
    connection.commit()
    connection.close()
    target = tmp_path / f"{name}.sql"
    with target.open("wb") as out:
        subprocess.run([SQLITE3, str(database), ".dump"], stdout=out, check=True)  # type: ignore[list-item]
    return target


def typed(rows: dict[object, tuple[object, ...]]) -> dict[object, list[tuple[str, object]]]:
    """Return rows with each value's type, so that 1 and '1', 1 and True stay apart."""
    return {key: [(type(value).__name__, value) for value in row] for key, row in rows.items()}


def assert_reads_as_the_reference(path: Path, dialect: Dialect, table: str) -> None:
    """Read ``table`` fingerprint first and value by value; both must give the same rows."""
    snapshot = read_sql_dump(path, dialect)
    store = snapshot.tables[table].store
    assert isinstance(store, InsertRowStore)
    reference = read_dump_table(path, dialect, table)
    assert reference is not None
    pk = snapshot.tables[table].pk
    names = snapshot.tables[table].column_names
    expected = {
        row[pk]: tuple(row[name] for name in names) for row in reference
    }  # the reference holds every column; the snapshot those it keeps
    assert typed(store.decode()) == typed(expected)
    assert typed(store.decode([next(iter(expected))])) == typed(
        {next(iter(expected)): expected[next(iter(expected))]}
    )


def tuples_of(path: Path, dialect: Dialect, table: str) -> list[str]:
    """Return the text of every row tuple of a dump's INSERTs into ``table``, split the slow way."""
    values = ValuesParser(dialect)
    with path.open("rb") as stream:
        lines = numbered_lines(path, stream, dialect)
        statements = list(StatementSplitter(path, lines, dialect))
    found: list[str] = []
    for statement in statements:
        text = statement.text
        head = re.match(r"INSERT INTO (\S+) VALUES ?", text)
        if head is None or head.group(1).split(".")[-1].strip('"`') != table:
            continue
        position: int | None = head.end()
        while position is not None:
            start = values.row_start(text, position)
            _, end = values.row(text, start)
            found.append(text[start:end])
            position = values.next_row(text, end)
    return found


def assert_both_paths_taken(path: Path, create: str, dialect: Dialect, table: str) -> None:
    """Check that the fast pattern accepts some of the dump's tuples and refuses others."""
    schema = read_create_table(create, 1)
    check = tuple_check(schema, dialect, True)
    converters = [make_converter(declared, dialect) for declared in schema.types]
    values = ValuesParser(dialect)
    found = tuples_of(path, dialect, table)
    verdicts = {check.end_of(text, 0, converters, values) >= 0 for text in found}
    assert verdicts == {True, False}, found


@needs_sqlite3
def test_a_sqlite_dump_reads_as_the_value_by_value_reading(tmp_path: Path) -> None:
    path = sqlite_dump(tmp_path, "kinds", SQLITE_SCHEMA, SQLITE_ROWS)
    assert_reads_as_the_reference(path, Dialect.SQLITE, "kinds")
    create = SQLITE_SCHEMA.strip().rstrip(";")
    assert_both_paths_taken(path, create, Dialect.SQLITE, "kinds")


@needs_sqlite3
def test_a_changed_value_in_a_large_dump_is_found_and_only_it(tmp_path: Path) -> None:
    rows = [
        (i, f"name {i}", f"note {i}", i % 2, "2001-02-03", "2001-02-03 04:05:06", i / 4, None,
         None, i * 7)
        for i in range(1, 20_001)
    ]  # fmt: skip
    changed = list(rows)
    changed[12_344] = (*rows[12_344][:2], "note changed", *rows[12_344][3:])
    before, after = (
        read_sql_dump(sqlite_dump(tmp_path, name, SQLITE_SCHEMA, data), Dialect.SQLITE)
        for name, data in (("old", rows), ("new", changed))
    )
    old_table, new_table = before.tables["kinds"], after.tables["kinds"]
    assert isinstance(old_table.store, InsertRowStore)
    differing = [
        pk for pk in old_table.pks if old_table.fingerprints[pk] != new_table.fingerprints[pk]
    ]
    assert differing == [12_345]
    table_diff = diff_snapshots(before, after).tables["kinds"]
    assert [(c.pk, [(f.column, f.old, f.new) for f in c.fields]) for c in table_diff.changed] == [
        (12_345, [("note", "note 12345", "note changed")])
    ]


def sqlite_text_dump(tmp_path: Path, schema: str, inserts: list[str]) -> Path:
    path = tmp_path / "hostile.sql"
    body = "".join(statement + "\n" for statement in inserts)
    path.write_text(f"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n{schema}\n{body}COMMIT;\n")
    return path


PLAIN = 'CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY, "v" varchar(10) NOT NULL);'
CHECKED = (
    'CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY,'
    ' "v" varchar(10) NOT NULL CHECK (length("v") < 3));'
)


@pytest.mark.parametrize(
    ("schema", "bad", "problem"),
    [
        (PLAIN, "INSERT INTO t VALUES(3,'c',zz);", "unexpected 'zz' where a value belongs"),
        (PLAIN, "INSERT INTO t VALUES(3,'c');", None),
        (PLAIN, "INSERT INTO t VALUES(3,'c','d');", "t has 2 columns, the row has 3 values"),
        (PLAIN, "INSERT INTO t VALUES(3,NULL);", "SQLite refuses this row: NOT NULL constraint"),
        (PLAIN, "INSERT INTO t VALUES(1,'again');", "SQLite refuses this row: UNIQUE constraint"),
        (PLAIN, "INSERT INTO t VALUES('x','c');", "t.id (integer): text 'x' in a integer column"),
        (CHECKED, "INSERT INTO t VALUES(3,'long');", "SQLite refuses this row: CHECK constraint"),
        (CHECKED, "INSERT INTO t VALUES(1,'c');", "SQLite refuses this row: UNIQUE constraint"),
    ],
)
def test_a_bad_row_after_good_ones_is_refused_on_its_line(
    tmp_path: Path, schema: str, bad: str, problem: str | None
) -> None:
    good = [f"INSERT INTO t VALUES({i},'{chr(96 + i)}');" for i in (1, 2)]
    after = ["INSERT INTO t VALUES(4,'d');"]
    path = sqlite_text_dump(tmp_path, schema, [*good, bad, *after])
    if problem is None:
        assert read_sql_dump(path, Dialect.SQLITE).tables["t"].decode()[3] == (3, "c")
        return
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, Dialect.SQLITE)
    assert (caught.value.line, caught.value.problem.startswith(problem)) == (6, True), str(
        caught.value
    )


@pytest.mark.parametrize(
    ("dialect", "bad", "problem"),
    [
        (Dialect.POSTGRES, "(5, 3000000000)", "t.v (integer): 3000000000 is out of range"),
        (Dialect.POSTGRES, "(5, 'x')", "t.v (integer): not an integer: 'x'"),
        (Dialect.MYSQL, "(5,1.5)", "t.v (integer): Decimal('1.5') into an integer column"),
    ],
)
def test_a_malformed_tuple_of_a_multi_row_insert_names_its_line(
    tmp_path: Path, dialect: Dialect, bad: str, problem: str
) -> None:
    head = "-- PostgreSQL database dump\n" if dialect is Dialect.POSTGRES else "-- MySQL dump\n"
    path = tmp_path / "bad.sql"
    path.write_text(
        head + "CREATE TABLE t (id integer NOT NULL PRIMARY KEY, v integer);\n"
        + "INSERT INTO t VALUES (1, 2),\n(3, 4),\n" + bad + ",\n(6, 7);\n"
    )  # fmt: skip
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, dialect)
    assert (caught.value.line, caught.value.problem.startswith(problem)) == (5, True), str(
        caught.value
    )


POSTGRES_SCHEMA = r"""
CREATE TABLE kinds (
    id integer PRIMARY KEY, small smallint, big bigint, name varchar(40), t text,
    flag boolean, born date, seen timestamp with time zone, naive timestamp,
    amount numeric(12, 2), ratio double precision, b bytea, u uuid, j jsonb, d interval
);
INSERT INTO kinds VALUES
    (1, 32767, 9223372036854775807, 'plain', 'back\slash ''q''', true, '2020-01-31',
     '2020-01-31 10:00:00+01', '2020-01-31 10:00:00.5', 12.50, 0.25, '\x00ff', NULL,
     '{"a": 1}', '1 day'),
    (2, -32768, -5, 'café ☕', E'line\nbreak\ttab', false, '2020-02-29',
     '2021-12-31 23:59:59.123456+00', NULL, -3016.50, 'NaN', NULL,
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'null', NULL),
    (3, NULL, NULL, '', '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, 0, 0, '12', '007', true, '1999-12-31', '1999-12-31 00:00:00+05:30',
     '1999-12-31 00:00:00', 0.01, 1e300, '', NULL, '[]', '-00:00:01');
"""


@pytest.mark.slow
def test_a_pg_dump_with_inserts_reads_as_the_value_by_value_reading(
    postgres_database: ServerDatabase, tmp_path: Path
) -> None:
    path = pg_dump_of_script(postgres_database, tmp_path, POSTGRES_SCHEMA, "--inserts")
    assert_reads_as_the_reference(path, Dialect.POSTGRES, "kinds")
    create = "CREATE TABLE kinds (" + POSTGRES_SCHEMA.split("(", 1)[1].split(";")[0]
    assert_both_paths_taken(path, create, Dialect.POSTGRES, "kinds")


MARIADB_SCHEMA = r"""
CREATE TABLE kinds (id int PRIMARY KEY, big bigint unsigned, name varchar(40), t longtext,
    flag bool, born date, seen datetime(6), amount decimal(12, 2), ratio double, b longblob);
INSERT INTO kinds VALUES
    (1, 18446744073709551615, 'plain', 'back\\slash \'q\'', 1, '2020-01-31',
     '2020-01-31 10:00:00.000000', 12.50, 0.25, 0x00FF80),
    (2, 0, 'café ☕', 'line\nbreak\ttab\0nul', 0, '2020-02-29', '2021-12-31 23:59:59.123456',
     -3016.50, 1e300, ''),
    (3, NULL, '', '', NULL, NULL, NULL, NULL, NULL, NULL),
    (4, 12, '12', '007', 1, '1999-12-31', '1999-12-31 00:00:00', 0.01, -0.5, 'text');
"""


@pytest.mark.slow
@pytest.mark.parametrize("options", [[], ["--skip-extended-insert"], ["--hex-blob"]])
def test_a_mariadb_dump_reads_as_the_value_by_value_reading(
    mariadb_database: ServerDatabase, tmp_path: Path, options: list[str]
) -> None:
    mariadb(mariadb_database, MARIADB_SCHEMA)
    path = mariadb_dump(mariadb_database, tmp_path / "dump.sql", *options)
    assert_reads_as_the_reference(path, Dialect.MYSQL, "kinds")
    create = "CREATE TABLE kinds (" + MARIADB_SCHEMA.split("(", 1)[1].split(";")[0]
    assert_both_paths_taken(path, create, Dialect.MYSQL, "kinds")


def test_the_fingerprint_scheme_tells_dialects_and_types_apart(tmp_path: Path) -> None:
    def snapshot(declared: str) -> Snapshot:
        path = tmp_path / f"{declared}.sql"
        path.write_text(
            "-- PostgreSQL database dump\nSET standard_conforming_strings = on;\n"
            f"CREATE TABLE t (id integer NOT NULL PRIMARY KEY, v {declared});\n"
            "INSERT INTO t VALUES (1, 5);\n"
        )
        return read_sql_dump(path, Dialect.POSTGRES)

    as_text, as_number = snapshot("text"), snapshot("bigint")
    assert (
        as_text.tables["t"].store.fingerprint_scheme
        != as_number.tables["t"].store.fingerprint_scheme
    )
    changed = diff_snapshots(as_text, as_number).tables["t"].changed
    assert [(c.fields[0].old, c.fields[0].new) for c in changed] == [("5", 5)]
