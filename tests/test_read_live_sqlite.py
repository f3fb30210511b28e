"""A live SQLite database is fingerprinted by its raw rows and decoded on demand.

What the fingerprinted tables decode, and what a diff of them finds, is
compared with what converting every row (the reader's full read, as it
was before fingerprints) makes of the same database: on small tables
holding values that a careless fingerprint would confuse, and on the field
site (tests/files/fieldsite), which holds every Django field type.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError, DumpReadError
from repairkit.readers.django_tables import is_skipped_table
from repairkit.readers.live.catalog import read_content_types, table_specs
from repairkit.readers.live.sql import connect_database, read_database_url
from repairkit.readers.live.sqlite_checks import readable_rows_check
from repairkit.readers.live.tables import (
    RowConverter,
    TableSpec,
    as_many_to_many,
    build_table,
    parent_table,
)
from repairkit.snapshot import Snapshot

from .field_site import FieldDatabase


def _database(path: Path, *statements: str, rows: Sequence[tuple[Any, ...]] = ()) -> str:
    """Create the SQLite file ``path``; the last statement runs once per row of ``rows``."""
    connection = sqlite3.connect(path)
    with connection:
        for statement in statements[:-1] if rows else statements:
            connection.execute(statement)
        if rows:
            connection.executemany(statements[-1], rows)
    connection.close()
    return f"sqlite:///{path}"


def _fully_converted(url: str) -> Snapshot:
    """Read ``url`` as the reader did before fingerprints: every row converted."""
    engine = connect_database(url)
    try:
        specs = table_specs(*engine.catalog())
        content_types = read_content_types(engine, specs)
        tables = [
            build_table(spec, engine.rows(spec), content_types, parent_table(spec))
            for spec in (as_many_to_many(spec) for spec in specs.values())
            if not is_skipped_table(spec.name)
        ]
    finally:
        engine.close()
    return Snapshot(url, tables, {"format": "database"})


def _changes(old: Snapshot, new: Snapshot) -> dict[str, Any]:
    changeset = diff_snapshots(old, new)
    return {
        name: (diff.deleted, diff.added, diff.changed)
        for name, diff in changeset.tables.items()
        if diff.has_differences
    }


# Values whose fingerprints a hash of the values would confuse: hash(-1) == hash(-2),
# hash('1') == hash(b'1'), hash(1) == hash(1.0).
CONFUSED = [(-1, -2), ("1", b"1"), (1, 1.0), (0, 0.0), (b"", ""), (None, "")]


def test_a_diff_finds_what_a_hash_of_the_values_would_hide(tmp_path: Path) -> None:
    # No declared type: SQLite keeps each value in the storage class it was given.
    table = "CREATE TABLE t (id integer PRIMARY KEY, n integer, v)"
    insert = "INSERT INTO t VALUES (?, ?, ?)"
    # The integer column n also holds the first pair, -1 and -2.
    old_rows = [(i, old if i == 0 else 0, old) for i, (old, _) in enumerate(CONFUSED)]
    new_rows = [(i, new if i == 0 else 0, new) for i, (_, new) in enumerate(CONFUSED)]
    old = _database(tmp_path / "old.sqlite3", table, insert, rows=old_rows)
    new = _database(tmp_path / "new.sqlite3", table, insert, rows=new_rows)
    old_table, new_table = read_database_url(old).tables["t"], read_database_url(new).tables["t"]
    assert old_table.store.fingerprint_scheme == new_table.store.fingerprint_scheme
    # Every row is stored differently, so none may be skipped as equal.
    assert all(old_table.fingerprints[i] != new_table.fingerprints[i] for i in range(len(CONFUSED)))
    found = _changes(read_database_url(old), read_database_url(new))
    assert found == _changes(_fully_converted(old), _fully_converted(new))
    changed = {change.pk: change.fields for change in found["t"][2]}
    assert [(field.column, field.old, field.new) for field in changed[0]] == [
        ("n", -1, -2),
        ("v", -1, -2),
    ]
    assert [(field.old, field.new) for field in changed[1]] == [("1", b"1")]
    assert [(field.old, field.new) for field in changed[4]] == [(b"", "")]
    # The value model holds 1 and 1.0 (and 0 and 0.0) as one number (values.same_value).
    assert 2 not in changed and 3 not in changed


def test_real_storage_stays_apart_from_integer_storage_in_a_text_column(tmp_path: Path) -> None:
    # A text column keeps the REAL 1.0 as the text '1.0' and the INTEGER 1 as '1'.
    table = "CREATE TABLE t (id integer PRIMARY KEY, v varchar(10), r real)"
    old = _database(tmp_path / "old.sqlite3", table, "INSERT INTO t VALUES (1, 1, 1)")
    new = _database(tmp_path / "new.sqlite3", table, "INSERT INTO t VALUES (1, 1.0, 1.5)")
    found = _changes(read_database_url(old), read_database_url(new))
    assert found == _changes(_fully_converted(old), _fully_converted(new))
    fields = found["t"][2][0].fields
    assert [(field.column, field.old, field.new) for field in fields] == [
        ("v", "1", "1.0"),
        ("r", 1.0, 1.5),
    ]


DECLARED = [
    "integer", "bigint", "real", "decimal", "decimal(10, 2)", "bool", "date", "datetime",
    "time", "varchar(20)", "text", "BLOB", "uuid", "json", "interval",
]  # fmt: skip
STORED: list[object] = [
    None, 0, 1, 2, -1, 2**63 - 1, 0.5, 1.0, -0.0, 1e300, float("inf"), 1e25, 1e26, 12.5,
    "", " ", "abc", "1", "1.5", "NaN", "t", "f", "true", "\\x00ff", "\\xzz", b"", b"\x00\xff",
    "2024-01-31", "2024-02-28", "2024-02-29", "2023-02-29", "2024-02-30", "2024-04-31",
    "2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01", "0001-01-01", "9999-12-31",
    "2024-1-31", " 2024-01-31", "2024-01-31 ", "2024-01-31T10:00:00", "+2024-01-31",
    "2024-01-31 10:00:00", "2024-01-31 23:59:59.999999", "2024-01-31 24:00:00",
    "2024-01-31 10:60:00", "2024-01-31 10:00:60", "2024-01-31 10:00:00.1234567",
    "2024-01-31 10:00:00.12345", "2024-01-31 10:00:00Z", "2024-01-31 10:00:00+01:00",
    "0001-01-01 00:00:00", "2024-01-31 10:00", "10:00:00", "23:59:59.999999", "24:00:00",
    "10:00", "10:00:00.5", "10:00:00+01:00", "12345678-1234-5678-1234-567812345678",
    '{"a": 1}', "[1, 2", "2024-01-31 10:00:00.123456", "2024-01-31 10:00:00.123456\x00x",
    "10:00:00.123456\x00x", "2024-01-31\x00", "2024-01-31 10:00:00\x00", "1\x00", "t\x00",
]  # fmt: skip


def _converts(converter: RowConverter, value: object) -> bool:
    try:
        converter.row([value])
    except (ValueError, ArithmeticError):
        return False
    return True


def _random_texts(rng: random.Random, count: int) -> list[str]:
    """Texts near the forms of dates, datetimes and times, with a fault here and there."""
    forms = ["2024-01-31", "2024-01-31 10:20:30", "2024-01-31 10:20:30.123456", "10:20:30"]
    texts = []
    for _ in range(count):
        text = list(rng.choice(forms))
        for _ in range(rng.randint(1, 3)):
            text[rng.randrange(len(text))] = rng.choice("0123456789 -:.T9")
        texts.append("".join(text))
    return texts


def test_the_checks_vouch_only_for_values_that_convert(tmp_path: Path) -> None:
    rng = random.Random(5)
    pool = STORED + _random_texts(rng, 3000)
    connection = sqlite3.connect(tmp_path / "every.sqlite3")
    columns = ", ".join(f"c{i} {declared}" for i, declared in enumerate(DECLARED))
    connection.execute(f"CREATE TABLE t (id integer PRIMARY KEY, {columns})")
    placeholders = ", ".join("?" * (len(DECLARED) + 1))
    connection.executemany(
        f"INSERT INTO t VALUES ({placeholders})",
        [(key, *[value] * len(DECLARED)) for key, value in enumerate(pool)],
    )
    connection.commit()
    connection.close()
    engine = connect_database(f"sqlite:///{tmp_path / 'every.sqlite3'}")
    try:
        spec = table_specs(*engine.catalog())["t"]
        vouched = 0
        for column in spec.columns[1:]:
            one = TableSpec("t", (column,), (column.name,))
            check = readable_rows_check(one, {})
            assert check is not None or column.value_type.value == "text"
            converter = RowConverter(one, {})
            query = f'SELECT "{column.name}", {check or 1} FROM t ORDER BY id'
            for value, ok in engine.connection.execute(query):
                if ok:
                    vouched += 1
                    assert _converts(converter, value), (column.declared, value)
    finally:
        engine.close()
    assert vouched > len(pool) * 3  # the checks are not vacuous


def test_the_forms_django_writes_are_vouched_for(tmp_path: Path) -> None:
    table = (
        "CREATE TABLE t (id integer PRIMARY KEY, d date, dt datetime, tm time, b bool,"
        " m decimal(10, 2), f real, n integer)"
    )
    rows = [
        (1, "2024-01-31", "2024-12-31 23:59:59", "00:00:00", 0, 12.5, 0.1, 7),
        (2, "1999-02-28", "2024-02-28 10:00:00.123456", "23:59:59.999999", 1, -3, 1e300, None),
        (3, None, None, None, None, None, None, None),
    ]
    url = _database(tmp_path / "t.sqlite3", table, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows=rows)  # fmt: skip
    engine = connect_database(url)
    try:
        spec = table_specs(*engine.catalog())["t"]
        check = readable_rows_check(spec, {})
        assert [ok for (ok,) in engine.connection.execute(f"SELECT {check} FROM t")] == [1, 1, 1]
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("declared", "bad"),
    [
        ("integer", "abc"), ("bool", 2), ("bool", 1.0), ("date", "2024-02-30"),
        ("datetime", "2024-01-31 24:00:00"), ("datetime", "0001-01-01 00:30:00+01:00"),
        ("time", "25:00:00"), ("decimal", "abc"), ("json", "[1, 2"), ("BLOB", "\\xzz"),
    ],
)  # fmt: skip
def test_a_value_that_does_not_fit_is_refused_while_reading_as_before(
    tmp_path: Path, declared: str, bad: object
) -> None:
    good = {"integer": 1, "bool": 1, "date": "2024-01-31", "datetime": "2024-01-31 10:00:00",
            "time": "10:00:00", "decimal": 1.5, "json": "[]", "BLOB": b"x"}[declared]  # fmt: skip
    rows = [(key, good) for key in range(1, 50)] + [(50, bad)] + [(51, "[")]
    url = _database(
        tmp_path / "bad.sqlite3",
        f"CREATE TABLE a (id integer PRIMARY KEY, v {declared})",
        "CREATE TABLE b (id integer PRIMARY KEY, v integer)",
        "INSERT INTO b VALUES (1, 'a later table: not reached')",
        "INSERT INTO a VALUES (?, ?)",
        rows=rows,
    )
    with pytest.raises(DumpFormatError) as before:
        engine = connect_database(url)
        try:
            spec = as_many_to_many(table_specs(*engine.catalog())["a"])
            try:
                build_table(spec, engine.rows(spec), {})
            except ValueError as err:
                raise DumpFormatError(url, None, str(err)) from err
        finally:
            engine.close()
    with pytest.raises(DumpFormatError) as now:
        read_database_url(url)
    assert str(now.value) == str(before.value)
    assert "not reached" not in str(now.value)


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        # No primary key: keyed by the first column, whose values repeat.
        ("CREATE TABLE t (code varchar(5), n integer)", [("a", 1), ("b", 2), ("a", 3)]),
        # SQLite lets a primary key other than an INTEGER PRIMARY KEY hold NULL.
        ("CREATE TABLE t (code varchar(5) PRIMARY KEY, n integer)", [(None, 1), ("b", 2)]),
        ("CREATE TABLE t (a integer, b varchar(5), n integer, PRIMARY KEY (a, b))",
         [(1, None, 1), (1, "x", 2)]),
        # 1 and 1.0 are one key.
        ("CREATE TABLE t (code, n integer)", [(1, 1), (1.0, 2)]),
    ],
)  # fmt: skip
def test_keys_that_repeat_or_hold_null_are_read_whole_as_before(
    tmp_path: Path, table: str, rows: list[tuple[Any, ...]]
) -> None:
    marks = ", ".join("?" * len(rows[0]))
    url = _database(tmp_path / "keys.sqlite3", table, f"INSERT INTO t VALUES ({marks})", rows=rows)
    read = read_database_url(url).tables["t"]
    converted = _fully_converted(url).tables["t"].decode()
    assert read.decode() == converted
    assert read.decode(list(converted)[:1]) == dict(list(converted.items())[:1])


def test_a_row_written_after_its_fingerprint_was_read_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    url = _database(
        path,
        "CREATE TABLE t (id integer PRIMARY KEY, v text)",
        "INSERT INTO t VALUES (?, ?)",
        rows=[(1, "a"), (2, "b")],
    )
    table = read_database_url(url).tables["t"]
    assert table.decode([2]) == {2: (2, "b")}
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE t SET v = 'changed' WHERE id = 2")
    connection.close()
    assert table.decode([1]) == {1: (1, "a")}
    with pytest.raises(DumpReadError, match="the row 2 changed or went away"):
        table.decode([2])


def test_decoding_reads_the_same_file_after_a_change_of_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _database(tmp_path / "here.sqlite3", "CREATE TABLE t (id integer PRIMARY KEY, v text)",
              "INSERT INTO t VALUES (1, 'a')")  # fmt: skip
    monkeypatch.chdir(tmp_path)
    table = read_database_url("sqlite:///here.sqlite3").tables["t"]
    monkeypatch.chdir(tmp_path.parent)
    assert table.decode() == {1: (1, "a")}


@pytest.fixture(scope="module")
def field_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[FieldDatabase, FieldDatabase]:
    """The field site on SQLite, before and after its accident."""
    work = tmp_path_factory.mktemp("fieldsite-sqlite")
    before = FieldDatabase("sqlite", str(work / "before.sqlite3"))
    before.django("migrate", "-v", "0")
    before.python("from fieldsite import populate; populate.fill()")
    after = before.copy(str(work / "after.sqlite3"))
    after.python("from fieldsite import accident; accident.happen()")
    return before, after


def test_decoded_rows_equal_the_fully_converted_rows_of_the_field_site(
    field_site: tuple[FieldDatabase, FieldDatabase],
) -> None:
    for database in field_site:
        live, full = read_database_url(database.url), _fully_converted(database.url)
        assert live.tables.keys() == full.tables.keys()
        for name, table in live.tables.items():
            decoded, converted = table.decode(), full.tables[name].decode()
            assert list(decoded) == list(converted), name
            for pk, row in decoded.items():
                assert repr(row) == repr(converted[pk]), (name, pk)
            some = list(itertools.islice(converted, 0, None, 3))
            assert table.decode(some) == {pk: converted[pk] for pk in some}


def test_a_diff_of_the_field_site_finds_what_full_conversion_finds(
    field_site: tuple[FieldDatabase, FieldDatabase],
) -> None:
    before, after = field_site
    found = _changes(read_database_url(before.url), read_database_url(after.url))
    assert found  # the accident changed rows
    assert found == _changes(_fully_converted(before.url), _fully_converted(after.url))
