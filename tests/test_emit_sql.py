"""SQL restore scripts: hostile values round-trip on SQLite, PostgreSQL and MariaDB;
failures change nothing.

Each script is applied with the engine's own command-line client and the
rows are read back through the engine's Python driver.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from repairkit.errors import EmitError, UnstorableValueError
from repairkit.snapshot import ContentTypeRef, Value
from repairkit.writers.sql import render_sql
from repairkit.writers.sql.check import check_expressions, check_statements

from . import demo_plans
from .sql_targets import (
    COLUMNS,
    EXISTING_ROW_ID,
    MariaDBTarget,
    PostgreSQLTarget,
    SQLiteTarget,
    Target,
    iterate_positions,
    make_plan,
    row,
)  # fmt: skip

HOSTILE_TEXTS = (
    "'", "\\", "\\'; DROP TABLE x; --", "%s {} %(x)s {0}", "a\r\nb\rc\n", "Ctrl-Z \x1a",
    "\ufffd", "emoji 😀🌿", "$$ $tag$ :var \\. \\q", "-- no comment /* nor this */",
    "\t tab é ü ß «» \u2028", "", " ",
)  # fmt: skip
PERSON = ContentTypeRef("repairdemo", "person")
NOTE = ContentTypeRef("repairdemo", "note")


def hostile_rows(engine: str) -> list[tuple[Value, ...]]:
    """Return rows with every hostile value that ``engine`` can store exactly."""
    rows = [
        row(pk, text, weird_col=text[:50], flag=pk % 2 == 0)
        for pk, text in enumerate(HOSTILE_TEXTS, 1)
    ]
    # SQLite keeps decimals as 8-byte floats: 15 significant digits (longer ones are reported).
    many_digits = (
        Decimal("12345.6789012345")
        if engine == "sqlite"
        else Decimal("12345678901234567890.1234567890")
    )
    rows += [
        # Refers to the next row, which comes later: foreign keys must be deferred.
        row(100, "x'y\r\n😀" * 150_000, amount=many_digits, day=datetime.date(1, 1, 1),
            moment=datetime.datetime(1, 1, 1, 0, 0, 0), parent_id=101, owner_type_id=PERSON),
        row(101, "edges", amount=Decimal("-0"), day=datetime.date(9999, 12, 31),
            moment=datetime.datetime(9999, 12, 31, 23, 59, 59), flag=True, owner_type_id=NOTE),
        row(102, "small", amount=Decimal("-0.0000000001"), parent_id=100),
    ]  # fmt: skip
    if engine != "postgresql":
        rows.append(row(103, "NUL \x00 inside", weird_col="\x00"))
    return rows


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.slow),
    pytest.param("mysql", marks=pytest.mark.slow),
])  # fmt: skip
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """Yield a fresh database of each engine holding the test schema."""
    if request.param == "sqlite":
        yield SQLiteTarget(tmp_path / "target.sqlite3")
    elif request.param == "postgresql":
        yield PostgreSQLTarget(request.getfixturevalue("postgres_database"))
    else:
        yield MariaDBTarget(request.getfixturevalue("mariadb_database"))


def expected(values: tuple[Value, ...]) -> dict[str, Value]:
    record = dict(zip([column.name for column in COLUMNS], values, strict=True))
    if isinstance(record["amount"], Decimal) and record["amount"].is_zero():
        record["amount"] = Decimal(0)  # no engine keeps the sign of zero
    return record


def apply_ok(target: Target, script: str) -> None:
    done = target.apply(script)
    assert done.returncode == 0, done.stderr


def test_hostile_values_round_trip(target: Target) -> None:
    rows = hostile_rows(target.dialect)
    script = render_sql(make_plan(rows), target.dialect, utf8mb4=True)
    apply_ok(target, script.text)
    found = target.rows()
    for values in rows:
        assert found[values[0]] == expected(values), f"row {values[0]}"  # type: ignore[index]


def test_row_whose_key_is_taken_is_left_alone(target: Target) -> None:
    before = target.rows()[EXISTING_ROW_ID]
    script = render_sql(
        make_plan([row(EXISTING_ROW_ID, "from the backup"), row(1, "new")]), target.dialect
    )
    apply_ok(target, script.text)
    found = target.rows()
    assert found[EXISTING_ROW_ID] == before
    assert found[1]["select"] == "new"


def test_statement_failing_anywhere_leaves_database_unchanged(target: Target) -> None:
    script = render_sql(make_plan(hostile_rows(target.dialect)[:12]), target.dialect, utf8mb4=True)
    failing = "INSERT INTO {} ({}, {}) VALUES (9999, NULL, {});".format(
        target.quote('odd"name'), target.quote("id"), target.quote("select"),
        "TRUE" if target.dialect != "sqlite" else "1",
    )  # fmt: skip
    # From the first statement inside the transaction to COMMIT itself.
    first = next(i for i, s in enumerate(script.statements) if s.startswith(("BEGIN", "START"))) + 1
    last = next(i for i, s in enumerate(script.statements) if s.startswith("COMMIT"))
    before = target.checksums()
    for position in iterate_positions(last - first + 1):
        statement = script.statements[first + position]
        broken = script.text.replace(statement, failing + "\n" + statement, 1)
        done = target.apply(broken)
        assert done.returncode != 0, f"statement before {statement[:60]!r} did not fail"
        assert target.checksums() == before, f"failure before {statement[:60]!r} left changes"


@pytest.mark.parametrize("position", [0, 5, 11])
def test_row_violating_a_check_leaves_database_unchanged(target: Target, position: int) -> None:
    rows = hostile_rows(target.dialect)[:12]
    rows.insert(position, row(200, "bad row", weird_col="forbidden"))
    before = target.checksums()
    done = target.apply(render_sql(make_plan(rows), target.dialect, utf8mb4=True).text)
    assert done.returncode != 0
    assert target.checksums() == before


def test_dangling_reference_fails_the_script(target: Target) -> None:
    rows = [row(1, "fine"), row(2, "points nowhere", parent_id=4242)]
    before = target.checksums()
    done = target.apply(render_sql(make_plan(rows), target.dialect).text)
    assert done.returncode != 0
    assert "4242" not in done.stdout and target.checksums() == before


def test_missing_content_type_fails_the_script(target: Target) -> None:
    rows = [row(1, "fine"), row(2, "unknown owner", owner_type_id=ContentTypeRef("gone", "model"))]
    before = target.checksums()
    done = target.apply(render_sql(make_plan(rows), target.dialect).text)
    assert done.returncode != 0
    assert "gone.model" in done.stderr or target.dialect != "postgresql"  # psql shows the row
    assert target.checksums() == before


@pytest.mark.slow
def test_postgresql_sequences_move_forward_never_back(postgres_database: object) -> None:
    target = PostgreSQLTarget(postgres_database)  # type: ignore[arg-type]
    target.query("SELECT setval(pg_get_serial_sequence('\"odd\"\"name\"', 'id'), 10000)")
    apply_ok(target, render_sql(make_plan([row(1, "low")]), "postgresql").text)
    assert target.query("SELECT nextval(pg_get_serial_sequence('\"odd\"\"name\"', 'id'))") == [
        (10001,)
    ]
    apply_ok(target, render_sql(make_plan([row(20000, "high")]), "postgresql").text)
    assert target.query("SELECT nextval(pg_get_serial_sequence('\"odd\"\"name\"', 'id'))") == [
        (20001,)
    ]


@pytest.mark.slow
def test_mysql_four_byte_character_in_utf8mb3_column_fails(mariadb_database: object) -> None:
    target = MariaDBTarget(mariadb_database)  # type: ignore[arg-type]
    target.query('ALTER TABLE `odd"name` MODIFY `weird col` varchar(50) CHARACTER SET utf8mb3 NULL')
    script = render_sql(make_plan([row(1, "fine"), row(2, "x", weird_col="emoji 😀")]), "mysql")
    assert [(w.table, w.pk, w.column) for w in script.warnings] == [('odd"name', 2, "weird col")]
    before = target.checksums()
    done = target.apply(script.text)
    assert done.returncode != 0 and "Incorrect string value" in done.stderr
    assert target.checksums() == before


def test_nul_is_reported_for_postgresql() -> None:
    plan = make_plan([row(1, "fine"), row(7, "a\x00b")])
    with pytest.raises(UnstorableValueError) as raised:
        render_sql(plan, "postgresql")
    assert [(p.table, p.pk, p.column) for p in raised.value.problems] == [('odd"name', 7, "select")]
    assert "pk=7 column 'select'" in str(raised.value)


def test_four_byte_characters_warn_for_mysql_unless_utf8mb4_is_asserted() -> None:
    plan = make_plan([row(1, "plain é"), row(2, "emoji 😀")])
    assert [(w.pk, w.column) for w in render_sql(plan, "mysql").warnings] == [(2, "select")]
    assert render_sql(plan, "mysql", utf8mb4=True).warnings == ()
    assert render_sql(plan, "postgresql").warnings == ()


def test_decimal_beyond_sqlite_precision_is_reported() -> None:
    plan = make_plan([row(3, "x", amount=Decimal("1234567890.1234567"))])
    with pytest.raises(UnstorableValueError, match="17 significant digits"):
        render_sql(plan, "sqlite")
    assert "1234567890.1234567" in render_sql(plan, "postgresql").text


def test_lone_surrogate_is_reported_everywhere() -> None:
    plan = make_plan([row(1, "bad \ud800")])
    for dialect in ("sqlite", "postgresql", "mysql"):
        with pytest.raises(UnstorableValueError, match="surrogate"):
            render_sql(plan, dialect)


def test_statement_that_sqlparse_splits_is_refused() -> None:
    with pytest.raises(EmitError, match="statement 2 does not parse as one"):
        # The text "it'); DROP TABLE t; SELECT ('x" written without doubling its quotes.
        check_statements(["BEGIN;", "INSERT INTO t VALUES ('it'); DROP TABLE t; SELECT ('x');"])


@pytest.mark.parametrize(
    "expression",
    [
        "'it'); DROP TABLE t; --'",
        "1 -- comment",
        "(SELECT 1",
        "'a' || 'b'",
        "1; SELECT 2",
        "'it''s'; DROP TABLE t; --'",
        "1; 2",
        "NULL; DROP TABLE t",
    ],
)
def test_value_expression_that_is_not_self_contained_is_refused(expression: str) -> None:
    with pytest.raises(EmitError):
        check_expressions(["'fine'", "12.50", "CAST(X'5C' AS TEXT)", expression])


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(EmitError, match="unknown SQL dialect 'oracle'"):
        render_sql(make_plan([row(1, "x")]), "oracle")


def run_sqlite3(database: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("sqlite3") or "/usr/bin/sqlite3", str(database)],
        input=script, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_demo_accident_is_undone_on_sqlite(tmp_path: Path) -> None:
    """The demo site's deleted rows come back equal to the backup database's, hostile rows too."""
    plan = demo_plans.accident_plan(demo_plans.HOSTILE_TEXTS)
    database = demo_plans.copy_current_database(tmp_path)
    # Person 27's empty gender is None in the dump and '' in the NOT NULL
    # column; the reader knows it is a choicelist and gives ''.
    done = run_sqlite3(database, render_sql(plan, "sqlite").text)
    assert done.returncode == 0, done.stderr
    backup = demo_plans.FIXTURES / "backup.sqlite3"
    for table in plan.tables:
        pks = [r.pk for r in table.rows if r.source == "backup"]
        restored = demo_plans.read_rows(database, table.name, table.pk, pks)
        assert restored == demo_plans.read_rows(backup, table.name, table.pk, pks), table.name
    names = [
        r[1] for r in demo_plans.read_rows(database, "repairdemo_partner", "id", range(900, 907))
    ]
    assert names == list(demo_plans.HOSTILE_TEXTS)
