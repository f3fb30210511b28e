"""Live PostgreSQL and MariaDB tables are fingerprinted by the server and decoded on demand.

Every test runs on fresh databases of the real servers. What a
fingerprinted table decodes is compared with what converting every row
(the reader's full scan, as it was before fingerprints) makes of the
same database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError, DumpNotFoundError, DumpReadError
from repairkit.readers import read_snapshots
from repairkit.readers.live.catalog import read_content_types, table_specs
from repairkit.readers.live.server_rows import ServerRowStore
from repairkit.readers.live.sql import connect_database, read_database_url
from repairkit.readers.live.tables import (
    RowConverter,
    as_many_to_many,
    build_table,
    parent_table,
)
from repairkit.snapshot import Snapshot

from .conftest import ServerDatabase, new_mariadb_database, new_postgres_database

ENGINES = ("postgresql", "mysql")

# Values of two text columns that a careless row encoding would confuse.
TRICKY_PAIRS = [
    (None, None), (None, ""), ("", None), ("", ""), ("NULL", None), (None, "NULL"),
    ("a", "bc"), ("ab", "c"), ("a,b", None), ("a", "b"), ("a,b", "c"), ("a", "b,c"),
    ('"', None), ("\\", None), ('\\"', None), ("N", None), ("0:", None), ("1:a", None),
    ("(a)", None), ("a b", ""), ("é", None), ("e\u0301", None),
]  # fmt: skip


def _database(engine: str) -> AbstractContextManager[ServerDatabase]:
    return new_postgres_database() if engine == "postgresql" else new_mariadb_database()


@pytest.fixture(params=ENGINES)
def databases(request: pytest.FixtureRequest) -> Iterator[tuple[ServerDatabase, ServerDatabase]]:
    with _database(request.param) as old, _database(request.param) as new:
        yield old, new


def _execute(
    database: ServerDatabase, *statements: str, rows: Sequence[tuple[Any, ...]] = ()
) -> None:
    """Run ``statements``; the last one is run once per row of ``rows`` if any are given."""
    if database.engine == "postgresql":
        import psycopg

        with psycopg.connect(database.url) as connection:
            for statement in statements[:-1] if rows else statements:
                connection.execute(statement)
            if rows:
                connection.cursor().executemany(statements[-1], rows)
        return
    import pymysql

    connection = pymysql.connect(
        host=database.host, port=database.port, user=database.user, password=database.password,
        database=database.name, charset="utf8mb4", autocommit=True,
    )  # fmt: skip
    with connection, connection.cursor() as cursor:
        for statement in statements[:-1] if rows else statements:
            cursor.execute(statement)
        if rows:
            cursor.executemany(statements[-1], rows)


def _fully_converted(url: str) -> Snapshot:
    """Read ``url`` as the reader did before fingerprints: every row converted."""
    engine = connect_database(url)
    try:
        specs = table_specs(*engine.catalog())
        content_types = read_content_types(engine, specs)
        tables = [
            build_table(spec, engine.rows(spec), content_types, parent_table(spec))
            for spec in (as_many_to_many(spec) for spec in specs.values())
        ]
    finally:
        engine.close()
    return Snapshot(url, tables)


def _typed_table(engine: str) -> list[str]:
    if engine == "postgresql":
        return [
            "CREATE TABLE things (id integer PRIMARY KEY, name text, price numeric(10, 2),"
            " at timestamptz, day date, doc jsonb, raw json, ref uuid, spent interval,"
            " data bytea, done boolean, ratio double precision, tags text[], ip inet)",
            "INSERT INTO things VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        ]
    return [
        "CREATE TABLE things (id integer PRIMARY KEY, name varchar(50), price decimal(10, 2),"
        " at datetime(6), day date, doc json, raw longtext, ref char(36), spent time(3),"
        " data varbinary(20), done bool, ratio double, tags varchar(20), ip varchar(40))",
        "INSERT INTO things VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
    ]


def _typed_rows(engine: str) -> list[tuple[Any, ...]]:
    tags, spent = ("{a,b}", "2 days 03:04:05.5") if engine == "postgresql" else ("a,b", "3:04")
    at = "2024-02-29 12:30:45.123456" + ("+01" if engine == "postgresql" else "")
    return [
        (1, "Müller's \"shop\"", "12.50", at, "2024-02-29", '{"b": null, "a": [1, 2.5]}',
         '{"a" : 1}', "12345678-1234-5678-1234-567812345678", spent, b"\x00\xff",
         True, 0.1, tags, "::1"),
        (2, None, None, None, None, "null", None, None, None, None, None, None, None, None),
        (3, "", "-0.00", at, "0001-01-01", '"text"', "[]", None, None, b"", False, 1e300, None,
         "10.0.0.1"),
    ]  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_decoded_rows_equal_the_fully_converted_rows(engine: str) -> None:
    with _database(engine) as database:
        _execute(database, *_typed_table(engine), rows=_typed_rows(engine))
        _execute(
            database,
            "CREATE TABLE pairs (a integer, b varchar(10), n integer, PRIMARY KEY (a, b))",
            "INSERT INTO pairs VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', NULL)",
        )
        live = read_database_url(database.url)
        full = _fully_converted(database.url)
        for name in ("things", "pairs"):
            table = live.tables[name]
            assert isinstance(table.store, ServerRowStore)
            expected = full.tables[name].decode()
            assert list(table.pks) == list(expected)
            assert table.decode() == expected
            some = list(expected)[1:]
            assert table.decode(some) == {pk: expected[pk] for pk in some}
            assert table.decode(["no such key"]) == {}


def test_an_interval_of_months_is_refused_while_reading_as_by_a_full_read() -> None:
    with new_postgres_database() as database:
        _execute(
            database,
            "CREATE TABLE spans (id integer PRIMARY KEY, spent interval)",
            "INSERT INTO spans VALUES (1, '3 days'), (2, '1 year 2 days'), (3, NULL)",
        )
        with pytest.raises(ValueError, match="spans.spent: interval '1 year 2 days' holds"):
            _fully_converted(database.url)
        with pytest.raises(DumpFormatError, match="spans.spent: interval '1 year 2 days' holds"):
            read_database_url(database.url)
        _execute(database, "UPDATE spans SET spent = '-2 days 00:00:01' WHERE id = 2")
        table = read_database_url(database.url).tables["spans"]
        assert table.decode() == _fully_converted(database.url).tables["spans"].decode()


def test_tricky_values_get_distinct_fingerprints_and_equal_rows_equal_ones(
    databases: tuple[ServerDatabase, ServerDatabase],
) -> None:
    old, new = databases
    rows = [(pk, a, b) for pk, (a, b) in enumerate(TRICKY_PAIRS)]
    for database in (old, new):
        _execute(
            database,
            "CREATE TABLE texts (id integer PRIMARY KEY, a varchar(10), b varchar(10))",
            "INSERT INTO texts VALUES (%s, %s, %s)",
            rows=rows,
        )
    old_table, new_table = (read_database_url(db.url).tables["texts"] for db in (old, new))
    assert old_table.store.fingerprint_scheme == new_table.store.fingerprint_scheme
    assert len(set(old_table.fingerprints.values())) == len(TRICKY_PAIRS)
    assert old_table.fingerprints == new_table.fingerprints


def test_the_diff_of_two_databases_equals_the_diff_of_their_converted_rows(
    databases: tuple[ServerDatabase, ServerDatabase],
) -> None:
    old, new = databases
    rows = [(pk, f"name {pk}", None if pk % 3 else "") for pk in range(300)]
    changed = [(pk, a, b) for pk, a, b in rows]
    changed[6] = (6, "name 6", None)  # '' became NULL
    changed[7] = (7, "name 7", "")  # NULL became ''
    changed[11] = (11, "name 1", "1")  # a character moved from one column to the next
    del changed[20]
    changed.append((1000, "added", None))
    for database, content in ((old, rows), (new, changed)):
        _execute(
            database,
            "CREATE TABLE texts (id integer PRIMARY KEY, a varchar(10), b varchar(10))",
            "INSERT INTO texts VALUES (%s, %s, %s)",
            rows=content,
        )
    live = diff_snapshots(read_database_url(old.url), read_database_url(new.url))
    full = diff_snapshots(_fully_converted(old.url), _fully_converted(new.url))
    assert live.tables == full.tables
    assert [change.pk for change in live.tables["texts"].changed] == [6, 7, 11]
    assert live.tables["texts"].deleted == (20,) and live.tables["texts"].added == (1000,)


def test_a_row_written_after_reading_is_reported_not_mixed_in(
    databases: tuple[ServerDatabase, ServerDatabase],
) -> None:
    database, _ = databases
    _execute(
        database,
        "CREATE TABLE texts (id integer PRIMARY KEY, a varchar(10))",
        "INSERT INTO texts VALUES (1, 'one'), (2, 'two')",
    )
    table = read_database_url(database.url).tables["texts"]
    _execute(database, "UPDATE texts SET a = 'uno' WHERE id = 1")
    assert table.decode([2]) == {2: (2, "two")}
    with pytest.raises(DumpReadError, match="texts: the row 1 changed"):
        table.decode([1, 2])
    _execute(database, "DELETE FROM texts WHERE id = 2")
    with pytest.raises(DumpReadError, match="texts: the row 2 changed or went away"):
        table.decode([2])


def test_a_column_of_another_type_or_other_content_types_changes_the_scheme(
    databases: tuple[ServerDatabase, ServerDatabase],
) -> None:
    old, new = databases
    for database, number_type, models in ((old, "integer", "'a', 'b'"), (new, "text", "'b', 'a'")):
        _execute(
            database,
            "CREATE TABLE django_content_type (id integer PRIMARY KEY,"
            " app_label varchar(100), model varchar(100))",
            f"INSERT INTO django_content_type VALUES (1, 'app', {models.split(', ')[0]}),"
            f" (2, 'app', {models.split(', ')[1]})",
            f"CREATE TABLE counts (id integer PRIMARY KEY, n {number_type})",
            "INSERT INTO counts VALUES (1, '5')",
            "CREATE TABLE notes (id integer PRIMARY KEY, owner_type_id integer"
            " REFERENCES django_content_type (id))",
            "INSERT INTO notes VALUES (1, 1)",
        )
    old_snapshot, new_snapshot = read_database_url(old.url), read_database_url(new.url)
    for name in ("counts", "notes"):
        old_table, new_table = old_snapshot.tables[name], new_snapshot.tables[name]
        assert old_table.fingerprints == new_table.fingerprints  # the same text ...
        assert old_table.store.fingerprint_scheme != new_table.store.fingerprint_scheme
    changes = diff_snapshots(old_snapshot, new_snapshot).tables  # ... and other values
    assert [(c.old, c.new) for c in changes["counts"].changed[0].fields] == [(5, "5")]
    assert [str(c.new) for c in changes["notes"].changed[0].fields] == ["app.b"]


def _packed_and_row_by_row(url: str, name: str) -> tuple[list[tuple[int, int]] | None, list[Any]]:
    """Return a table's (key, hash) pairs as the server packs them, and as read row by row."""
    engine = connect_database(url)
    try:
        specs = table_specs(*engine.catalog())
        converter = RowConverter(specs[name], read_content_types(engine, specs))
        parts = engine.fingerprint_parts(specs[name], converter)
        rows = [tuple(row) for row in engine.fingerprints(specs[name], converter)]
    finally:
        engine.close()
    if parts is None:
        return None, rows
    return [pair for keys, prints in parts for pair in zip(keys, prints, strict=True)], rows


def test_mariadb_packs_the_hashes_of_many_pages_as_it_hashes_each_row() -> None:
    with new_mariadb_database() as database:
        keys = [-40_000 + 7 * i for i in range(10_000)]  # negative, sparse, over three pages
        _execute(
            database,
            "CREATE TABLE many (id bigint PRIMARY KEY, a varchar(20))",
            "INSERT INTO many VALUES (%s, %s)",
            rows=[(key, None if key % 5 else f"é {key}") for key in keys],
        )
        packed, row_by_row = _packed_and_row_by_row(database.url, "many")
        assert packed is not None and [key for key, _ in packed] == keys
        assert packed == row_by_row
        table = read_database_url(database.url).tables["many"]
        assert list(table.pks) == keys
        assert table.decode([keys[4097]]) == {keys[4097]: (keys[4097], None)}


# A key that repeats across the end of a page: the next page, after that key, skips a row.
ACROSS_A_PAGE = [(key, "a") for key in range(1, 4097)] + [(4096, "b")]


@pytest.mark.parametrize(
    ("definition", "rows", "packs"),
    [
        ("id integer, a varchar(20)", [(1, "a"), (1, "b"), (2, "c")], True),  # no primary key
        ("id integer, a varchar(20)", ACROSS_A_PAGE, False),
        ("id integer, a varchar(20)", [(None, "a"), (1, "b")], False),
        ("id bigint unsigned PRIMARY KEY, a varchar(20)", [(1, "a"), (2**64 - 1, "b")], False),
    ],
)
def test_mariadb_pages_hold_every_row_or_the_rows_are_read_one_by_one(
    definition: str, rows: list[tuple[Any, ...]], packs: bool
) -> None:
    with new_mariadb_database() as database:
        _execute(
            database,
            f"CREATE TABLE odd ({definition})",
            "INSERT INTO odd VALUES (%s, %s)",
            rows=rows,
        )
        packed, row_by_row = _packed_and_row_by_row(database.url, "odd")
        assert len(row_by_row) == len(rows)
        # Rows of one key come in no order, either way.
        assert (sorted(packed) if packed is not None else None) == (
            sorted(row_by_row) if packs else None
        )


def test_server_databases_are_read_side_by_side_and_fail_in_order() -> None:
    with new_postgres_database() as first, new_mariadb_database() as second:
        for database in (first, second):
            _execute(
                database,
                "CREATE TABLE texts (id integer PRIMARY KEY, a varchar(10))",
                "INSERT INTO texts VALUES (1, 'one'), (2, 'two')",
            )
        together = read_snapshots([first.url, second.url])
        alone = [read_database_url(first.url), read_database_url(second.url)]
        for read, expected in zip(together, alone, strict=True):
            assert read.label == expected.label
            assert read.tables["texts"].decode() == expected.tables["texts"].decode()
        missing = first.url.rsplit("/", 1)[0] + "/repairkit_no_such_database"
        other_missing = second.url.rsplit("/", 1)[0] + "/repairkit_no_such_database"
        with pytest.raises(DumpNotFoundError) as caught:
            read_snapshots([first.url, missing, other_missing])
        assert "5432" in str(caught.value)
