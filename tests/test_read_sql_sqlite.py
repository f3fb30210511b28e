"""SQLite dumps read as SQLite itself stores them: type affinity, blobs, hostile statements.

The oracle is the engine: each hand-written dump is also loaded into
``sqlite3.connect(":memory:")`` with ``executescript``, and repairkit's reading
must give the same value, of the same storage class, in every column.
Real ``sqlite3 .dump`` output of a database holding every storage class
must read as the same database read live (``sqlite:///``).
"""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers.live.sql import read_database_url
from repairkit.readers.sql.dump import read_sql_dump
from repairkit.readers.sql.sqlite import affinity_of, store
from repairkit.readers.sql.sqlite_grammar import SqliteGrammar
from repairkit.readers.sql.statements import Dialect, Statement
from repairkit.readers.sql.values import MAX_NESTING, ValuesParser

SQLITE3 = shutil.which("sqlite3")
HEAD = "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
# One column per affinity, and the declared types Django writes on SQLite.
TYPES = [
    "varchar(10)", "integer", "decimal", "real", "blob", "", "bool", "text", "datetime",
    "numeric(10, 2)", "bigint", "double precision", "char(32)",
]  # fmt: skip
TEXTS = [
    " 12 ", "3.0", "1e5", "0x10", "12abc", "+5", ".5", "5.", "-0", "1e400", "\u0661\u0662",
    "1_000", "", "NaN", "t", "1.9", " ", "\t7\n", "9223372036854775808", "-9223372036854775808",
    "1e", "1.5e-3", "00012",
]  # fmt: skip
NUMBERS = [
    "0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "1" + "0" * 30, "9" * 5000, "1.9", "1e20",
    "0.1", "1e-7", "3.0", "0.0", "-0.0", "9007199254740993.0", "1e18", "1e19", "1e999",
    "-1e999", "1e-400", "1.5e300", "1e99999999", "1e99999999999999999999", "7.8200000000000002842",
    "0x10", "0xffffffffffffffff", "TRUE", "FALSE", "NULL",
]  # fmt: skip


def random_literal(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(NUMBERS)
    if kind == 1:
        return "'" + rng.choice(TEXTS) + "'"
    if kind == 2:
        return "X'" + rng.randbytes(rng.randrange(4)).hex() + "'"
    if kind == 3:
        return str(rng.randrange(-(10**12), 10**12))
    # The REALs .dump writes: up to 20 significant digits, exponents a database holds.
    number = rng.uniform(-10, 10) * 10.0 ** rng.randrange(-20, 20)
    text = rng.choice(["%.15g", "%.17g", "%.20g", "%r"]) % number
    return text if kind == 4 else "'" + text + "'"


def engine_row(script: str) -> tuple[object, ...]:
    connection = sqlite3.connect(":memory:")
    connection.executescript(script)
    row = connection.execute("SELECT * FROM t").fetchone()
    connection.close()
    return tuple(row)


def same_stored(engine: object, mine: object) -> bool:
    """Tell whether two stored values are the same storage class and value (``-0.0`` apart)."""
    return type(engine) is type(mine) and repr(engine) == repr(mine)


def test_every_literal_is_stored_as_the_engine_stores_it() -> None:
    rng = random.Random(15)
    columns = ", ".join(f"c{i} {declared}" for i, declared in enumerate(TYPES))
    mismatches: list[tuple[object, ...]] = []
    refused: list[tuple[str, str]] = []
    for _ in range(1500):
        literals = [random_literal(rng) for _ in TYPES]
        insert = f"INSERT INTO t VALUES({','.join(literals)});"
        engine = engine_row(f"CREATE TABLE t({columns});\n{insert}")
        _, raw = next(ValuesParser(Dialect.SQLITE).rows(insert, insert.index("VALUES") + 6))
        for declared, literal, value, stored in zip(TYPES, literals, raw, engine, strict=True):
            try:
                ours = store(value, affinity_of(declared))
            except ValueError:
                # Refused by name: a REAL whose 15-digit text SQLite computes in long double.
                refused.append((declared, literal))
                assert isinstance(stored, str) and isinstance(value, (int, Decimal))
                continue
            if not same_stored(stored, ours):
                mismatches.append((declared, literal, stored, ours))
    assert mismatches == []
    assert len(refused) < 100, refused


def dump_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "hostile.sql"
    path.write_text(HEAD + body + "COMMIT;\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("declared", "literal", "expected"),
    [
        ("varchar(10)", "1.9", "1.9"),
        ("text", "TRUE", "1"),
        ("text", "9223372036854775808", "9.22337203685478e+18"),
        ("integer", "1.9", 1.9),
        ("integer", "'12'", 12),
        ("integer", "1e99999999", float("inf")),
        ("varchar(10)", "X'00ff'", b"\x00\xff"),
        ("blob", "X''", b""),
        ("decimal", "'NaN'", "NaN"),
        ("decimal", "7.8200000000000002842", Decimal("7.82")),
        ("text", "'a'||char(10)||'b'", "a\nb"),
    ],
)
def test_values_the_issue_names_read_as_sqlite_stores_them(
    tmp_path: Path, declared: str, literal: str, expected: object
) -> None:
    path = dump_file(
        tmp_path, f"CREATE TABLE t(id integer PRIMARY KEY, v {declared});\n"
        f"INSERT INTO t VALUES(1,{literal});\n",
    )  # fmt: skip
    value = read_sql_dump(path, Dialect.SQLITE).tables["t"].decode()[1][1]
    assert (type(value), value) == (type(expected), expected)
    assert type(engine_row(path.read_text()).__getitem__(1)) in (str, int, float, bytes)


def test_nan_in_a_numeric_column_is_no_change_against_itself(tmp_path: Path) -> None:
    body = "CREATE TABLE t(id integer PRIMARY KEY, v decimal);\nINSERT INTO t VALUES(1,'NaN');\n"
    path = dump_file(tmp_path, body)
    changes = diff_snapshots(
        read_sql_dump(path, Dialect.SQLITE), read_sql_dump(path, Dialect.SQLITE)
    )
    assert changes.tables["t"].changed == ()


@pytest.mark.skipif(SQLITE3 is None, reason="needs the sqlite3 command line tool")
def test_a_real_dump_of_every_storage_class_reads_as_the_live_database(tmp_path: Path) -> None:
    database = tmp_path / "every.sqlite3"
    connection = sqlite3.connect(database)
    columns = ", ".join(f"c{i} {declared}" for i, declared in enumerate(TYPES))
    connection.execute(f"CREATE TABLE t(id integer PRIMARY KEY, {columns})")
    rng = random.Random(9)
    numbers: list[object] = [None, 0, -(2**63), 2**63 - 1, 1.9, 1e-300, 7.82, 2.0**60, "12"]
    texts: list[object] = [None, "", "a\nb\r\tc", "NaN", "\u2028é👍", "1.9", "12", b"\x00\xff"]
    pools = {
        "integer": numbers, "bigint": numbers, "real": numbers, "double precision": numbers,
        "decimal": [*numbers, "NaN"], "numeric(10, 2)": [*numbers, "NaN"], "bool": [0, 1, None],
        "datetime": [None, "2024-02-29 23:59:59.999999", "2024-01-01 00:00:00"],
    }  # fmt: skip
    for key in range(1, 200):
        row = [key] + [rng.choice(pools.get(declared, numbers + texts)) for declared in TYPES]
        connection.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(row))})", row)
    connection.commit()
    connection.close()
    dump = tmp_path / "every.sql"
    with dump.open("wb") as out:
        subprocess.run([str(SQLITE3), str(database), ".dump"], stdout=out, check=True)
    from_dump = read_sql_dump(dump, Dialect.SQLITE).tables["t"].decode()
    live = read_database_url(f"sqlite:///{database}").tables["t"].decode()
    assert from_dump.keys() == live.keys()
    differ = [
        (key, column, dumped, stored)
        for key in live
        for column, (dumped, stored) in enumerate(zip(from_dump[key], live[key], strict=True))
        if not same_stored(dumped, stored)
    ]
    assert differ == []


def test_a_concatenation_sqlite_refuses_is_refused_with_its_words(tmp_path: Path) -> None:
    terms = "||".join(["'ab'"] * 200_000)
    body = f"CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES(1,{terms});\n"
    path = dump_file(tmp_path, body)
    with pytest.raises(sqlite3.OperationalError, match="Expression tree is too large"):
        engine_row(path.read_text())
    with pytest.raises(DumpFormatError, match=r"hostile.sql:4: SQLite refuses .*too large"):
        read_sql_dump(path, Dialect.SQLITE)


def test_a_concatenation_sqlite_loads_is_read_whole(tmp_path: Path) -> None:
    terms = "||".join(["'ab'"] * 900)
    body = f"CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES(1,{terms});\n"
    path = dump_file(tmp_path, body)
    assert engine_row(path.read_text())[1] == "ab" * 900
    assert read_sql_dump(path, Dialect.SQLITE).tables["t"].decode()[1][1] == "ab" * 900


def test_functions_nested_too_deep_are_a_named_limit(tmp_path: Path) -> None:
    nested = "replace(" * (MAX_NESTING + 1) + "'a'" + ",'a','b')" * (MAX_NESTING + 1)
    body = f"CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES(1,{nested});\n"
    with pytest.raises(DumpFormatError, match=f"nested more than {MAX_NESTING} deep"):
        read_sql_dump(dump_file(tmp_path, body), Dialect.SQLITE)


def test_a_table_beyond_sqlites_column_limit_is_refused(tmp_path: Path) -> None:
    columns = ", ".join(f"c{i} text" for i in range(10_000))
    path = dump_file(tmp_path, f"CREATE TABLE t(id integer PRIMARY KEY, {columns});\n")
    with pytest.raises(sqlite3.OperationalError, match="too many columns"):
        engine_row(path.read_text())
    with pytest.raises(DumpFormatError, match=r"hostile.sql:3: .*10001 columns; sqlite allows"):
        read_sql_dump(path, Dialect.SQLITE)


ROWS = (
    "CREATE TABLE t(id integer PRIMARY KEY, v text);\n"
    "INSERT INTO t VALUES(1,'a');\nINSERT INTO t VALUES(2,'b');\n"
)


@pytest.mark.parametrize(
    ("change", "rows"),
    [
        ("DELETE FROM t;\nINSERT INTO t VALUES(3,'c');\n", {3: (3, "c")}),
        (
            "DELETE FROM sqlite_sequence;\nINSERT INTO sqlite_sequence VALUES('t',2);\n",
            {1: (1, "a"), 2: (2, "b")},
        ),
        ("DROP TABLE t;\n", None),
        ("DROP TABLE t;\nCREATE TABLE t(id integer PRIMARY KEY, v text);\n", {}),
    ],
)
def test_statements_that_empty_tables_are_applied_as_the_engine_loads_them(
    tmp_path: Path, change: str, rows: dict[int, tuple[object, ...]] | None
) -> None:
    # AUTOINCREMENT makes SQLite keep sqlite_sequence, which .dump empties and refills.
    path = dump_file(tmp_path, ROWS.replace("PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT") + change)
    connection = sqlite3.connect(":memory:")
    connection.executescript(path.read_text())
    tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_schema")}
    snapshot = read_sql_dump(path, Dialect.SQLITE)
    if rows is None:
        assert "t" not in tables and "t" not in snapshot.tables
        return
    engine = {row[0]: tuple(row) for row in connection.execute("SELECT * FROM t")}
    assert snapshot.tables["t"].decode() == engine == rows


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("UPDATE t SET v = 'x';", "changes rows of ['t'] in place"),
        ("DELETE FROM t WHERE id = 1;", "changes rows of ['t'] in place"),
        ("ALTER TABLE t RENAME TO u;", "changes the table's columns or name (RENAME)"),
        ("ALTER TABLE t DROP COLUMN v;", "changes the table's columns or name (DROP COLUMN)"),
    ],
)
def test_statements_that_change_some_rows_are_refused_by_line(
    tmp_path: Path, change: str, problem: str
) -> None:
    path = dump_file(tmp_path, ROWS + change + "\n")
    with pytest.raises(DumpFormatError, match=r"hostile.sql:6: ") as caught:
        read_sql_dump(path, Dialect.SQLITE)
    assert problem in caught.value.problem


def engine_refusal(script: str) -> str:
    """Return what SQLite says when it loads ``script`` as ``sqlite3 db < dump.sql`` does, or ''."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        connection.executescript(script)
        # A transaction left open at the end is rolled back when the shell exits.
        return "cut off" if connection.in_transaction else ""
    except sqlite3.Error as err:
        return str(err)
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("body", "engine_says", "line", "problem"),
    [
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v blob);\nINSERT INTO t VALUES(1,X'0g');\n",
            "unrecognized token",
            4,
            "not a hexadecimal blob: X'0g'",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v text NOT jNULL);\n",
            "syntax error",
            3,
            'SQLite refuses this statement: near "jNULL": syntax error',
        ),
        (
            "CREATE TABLE t(id text PRIMARY KEY AUTOINCREMENT, v text);\n",
            "AUTOINCREMENT is only allowed",
            3,
            "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v text NOT NULL);\n"
            "INSERT INTO t VALUES(1,NULL);\n",
            "NOT NULL constraint failed",
            4,
            "SQLite refuses this row: NOT NULL constraint failed: t.v",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, n integer CHECK (n >= 0));\n"
            "INSERT INTO t VALUES(1,-5);\n",
            "CHECK constraint failed",
            4,
            "SQLite refuses this row: CHECK constraint failed",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES('one','a');\n",
            "datatype mismatch",
            4,
            "t.id (integer): text 'one' in a integer column",
        ),
        (  # a row read the slow way (no pattern takes 29 February) keeps its key from SQLite
            "CREATE TABLE t(id integer PRIMARY KEY, d date);\n"
            "INSERT INTO t VALUES(1,'2020-02-29');\n"
            "INSERT INTO t VALUES(1,'2020-01-01');\n",
            "UNIQUE constraint failed",
            5,
            "SQLite refuses this row: UNIQUE constraint failed: t.id",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, d date);\n"
            "INSERT INTO t VALUES(1,'2020-01-01');\n"
            "INSERT INTO t VALUES(1,'2020-02-29');\n",
            "UNIQUE constraint failed",
            5,
            "SQLite refuses this row: UNIQUE constraint failed: t.id",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, d date);\n"
            "INSERT INTO t VALUES(1,'2020-02-29');\n"
            "INSERT INTO t VALUES(2,'2020-02-29');\nCREATE UNIQUE INDEX t_d ON t (d);\n",
            "UNIQUE constraint failed",
            5,
            "SQLite refuses this row: UNIQUE constraint failed: t.d",
        ),
        (  # sqlite3 .dump writes a table's indexes after its rows
            "CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES(1,'a');\n"
            "INSERT INTO t VALUES(2,'a');\nCREATE UNIQUE INDEX t_v ON t (v);\n",
            "UNIQUE constraint failed",
            5,
            "SQLite refuses this row: UNIQUE constraint failed: t.v",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES(1,'{no');\n"
            "CREATE INDEX t_a ON t (json_extract(v, '$.a'));\n",
            "malformed JSON",
            4,
            "SQLite refuses this row: malformed JSON",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v text);\nCREATE INDEX t_v ON t (v);\n"
            "CREATE INDEX t_v ON t (v);\n",
            "index t_v already exists",
            5,
            "SQLite refuses this statement: index t_v already exists",
        ),
        (
            "CREATE TABLE t(id integer PRIMARY KEY, v text);\nBEGIN TRANSACTION;\n",
            "cannot start a transaction within a transaction",
            4,
            "a second BEGIN inside the transaction begun on line 2",
        ),
    ],
)
def test_what_sqlite_refuses_to_load_is_refused_at_its_line(
    tmp_path: Path, body: str, engine_says: str, line: int, problem: str
) -> None:
    path = dump_file(tmp_path, body)
    assert engine_says in engine_refusal(path.read_text(encoding="utf-8"))
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, Dialect.SQLITE)
    assert caught.value.line == line
    assert problem in caught.value.problem


def test_indexes_that_refuse_no_row_are_made_and_dropped_as_sqlite_does(tmp_path: Path) -> None:
    body = (
        "CREATE TABLE t(id integer PRIMARY KEY, v text);\nINSERT INTO t VALUES(1,'a');\n"
        "INSERT INTO t VALUES(2,'a');\nCREATE INDEX t_v ON t (v);\nDROP INDEX t_v;\n"
        "CREATE INDEX t_v ON t (v, id);\nINSERT INTO t VALUES(3,'a');\n"
    )
    path = dump_file(tmp_path, body)
    assert engine_refusal(path.read_text(encoding="utf-8")) == ""
    rows = read_sql_dump(path, Dialect.SQLITE).tables["t"].decode()
    assert rows == {1: (1, "a"), 2: (2, "a"), 3: (3, "a")}


def test_a_dump_cut_off_before_its_commit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.sql"
    path.write_text(HEAD + "CREATE TABLE t(id integer PRIMARY KEY, v text);\n", encoding="utf-8")
    assert engine_refusal(path.read_text(encoding="utf-8")) == "cut off"
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, Dialect.SQLITE)
    assert caught.value.line == 2  # the BEGIN TRANSACTION without its COMMIT
    assert "no COMMIT: the dump is cut off" in caught.value.problem


def test_a_dump_that_rolls_back_is_no_complete_backup(tmp_path: Path) -> None:
    path = tmp_path / "errors.sql"
    path.write_text(
        HEAD + "CREATE TABLE t(id integer PRIMARY KEY, v text);\nROLLBACK; -- due to errors\n",
        encoding="utf-8",
    )
    with pytest.raises(DumpFormatError, match=r"errors.sql:4: the dump undoes its own statements"):
        read_sql_dump(path, Dialect.SQLITE)


def test_the_check_runs_nothing_of_the_dump_but_table_definitions(tmp_path: Path) -> None:
    target = tmp_path / "written.sqlite3"
    body = (
        f"CREATE TABLE t(id integer PRIMARY KEY, v text);\nATTACH DATABASE '{target}' AS other;\n"
    )
    with pytest.raises(DumpFormatError, match="hostile.sql:4: not SQL that a dump holds"):
        read_sql_dump(dump_file(tmp_path, body), Dialect.SQLITE)
    assert not target.exists()
    # Behind the reader's own refusals, the scratch database permits nothing else either.
    grammar = SqliteGrammar(tmp_path / "d.sql", kept_rows=lambda table: ())
    try:
        grammar.check(Statement("CREATE TABLE v(id integer PRIMARY KEY, w text)", 6), True)
        for text, carried_out in [
            ("CREATE TABLE u AS SELECT 1 AS id", True),
            ("INSERT INTO v VALUES(1, 'a')", True),
            (f"ATTACH DATABASE '{target}' AS other", False),
        ]:
            with pytest.raises(DumpFormatError, match="d.sql:7: SQLite refuses .*not authorized"):
                grammar.check(Statement(text, 7), carried_out)
    finally:
        grammar.close()
    assert not target.exists()


def test_a_check_with_a_function_is_created_and_judges_the_rows(tmp_path: Path) -> None:
    # Django's JSONField on SQLite: CHECK ((JSON_VALID("value") OR "value" IS NULL)).
    table = (
        'CREATE TABLE t(id integer PRIMARY KEY, v text CHECK ((JSON_VALID("v") OR "v" IS NULL)));\n'
    )
    good = dump_file(tmp_path, table + "INSERT INTO t VALUES(1,'{\"k\": [1, 2]}');\n")
    assert read_sql_dump(good, Dialect.SQLITE).tables["t"].decode()[1][1] is not None
    bad = dump_file(tmp_path, table + "INSERT INTO t VALUES(1,'{not json');\n")
    assert "CHECK constraint failed" in engine_refusal(bad.read_text(encoding="utf-8"))
    with pytest.raises(DumpFormatError, match=r"hostile.sql:4: SQLite refuses this row: CHECK"):
        read_sql_dump(bad, Dialect.SQLITE)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (  # SQLite reads the column E with the type '\303\251'"v" text
            "CREATE TABLE t(id integer PRIMARY KEY, E'\\303\\251'\"v\" text);\n",
            "SQLite reads the columns of 't' as ['id', 'E']",
        ),
        ("CREATE TABLE t(id integer PRIMARY KEY, v text);\n\x1dCOMMIT;\n", "not SQL that a dump"),
    ],
)
def test_a_table_or_statement_sqlite_reads_otherwise_is_refused(
    tmp_path: Path, body: str, problem: str
) -> None:
    with pytest.raises(DumpFormatError, match=re.escape(problem)):
        read_sql_dump(dump_file(tmp_path, body), Dialect.SQLITE)
