"""A large integer-keyed SQLite table is fingerprinted in key ranges, by a pool of workers.

What the ranged read finds is compared with what converting every row
(the reader's full read, as it was before fingerprints) finds in the same
files. Keys spread far apart make a table of a few hundred rows span
enough keys to be split into ranges.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from repairkit.errors import DumpFormatError
from repairkit.readers.live.catalog import table_specs
from repairkit.readers.live.sql import connect_database, read_database_url
from repairkit.readers.live.sqlite_fingerprints import (
    RANGED_KEY_SPAN,
    RANGES,
    read_fingerprint_parts,
)
from repairkit.workers import worker_pool

from .test_read_live_sqlite import _changes, _database, _fully_converted

TABLE = "CREATE TABLE t (id integer PRIMARY KEY, n integer, v, day date, at datetime)"
INSERT = "INSERT INTO t VALUES (?, ?, ?, ?, ?)"
STEP = 2 * RANGED_KEY_SPAN // 300  # 300 rows spanning twice the keys that make a table ranged
# Stored values that a careless row encoding would confuse, in a column without a type.
VALUES: list[Any] = [-1, -2, 1, 1.0, 0.0, -0.0, "1", b"1", "", b"", None, "a\x00b", "a\x00c"]


def _rows(changed: bool) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(300):
        value = VALUES[i % len(VALUES)]
        if changed and i % 20 == 0:  # each value and the next, once at least
            value = VALUES[(i + 1) % len(VALUES)]
        rows.append((i * STEP, i, value, "2024-01-31", f"2024-01-31 10:{i % 60:02}:00"))
    if changed:
        del rows[101]
        rows.append((300 * STEP, 300, "added", None, None))
    return rows


def test_a_ranged_read_through_a_pool_diffs_as_the_full_conversion(tmp_path: Path) -> None:
    old = _database(tmp_path / "old.sqlite3", TABLE, INSERT, rows=_rows(False))
    new = _database(tmp_path / "new.sqlite3", TABLE, INSERT, rows=_rows(True))
    with worker_pool(2) as map_files:
        ranged = [read_database_url(url, map_files=map_files) for url in (old, new)]
    in_process = [read_database_url(url) for url in (old, new)]
    assert _changes(*ranged) == _changes(*in_process)
    assert _changes(*ranged) == _changes(*map(_fully_converted, (old, new)))
    assert dict(ranged[0].tables["t"].fingerprints) == dict(in_process[0].tables["t"].fingerprints)
    # Each value is told apart from the next, which a hash of the values would confuse.
    old_prints, new_prints = (snapshot.tables["t"].fingerprints for snapshot in ranged)
    assert all(old_prints[i * STEP] != new_prints[i * STEP] for i in range(0, 300, 20))
    assert sum(old_prints[k] == new_prints.get(k) for k in old_prints) == 300 - 15 - 1
    assert ranged[1].tables["t"].decode() == _fully_converted(new).tables["t"].decode()


def test_a_table_spanning_many_keys_is_split_into_ranges_in_key_order(tmp_path: Path) -> None:
    url = _database(tmp_path / "old.sqlite3", TABLE, INSERT, rows=_rows(False))
    engine = connect_database(url)
    try:
        spec = table_specs(*engine.catalog())["t"]
        parts = read_fingerprint_parts(engine.connection, engine.uri, spec, {}, map)
    finally:
        engine.close()
    assert parts is not None and len(parts) == RANGES
    keys = [key for part_keys, _ in parts for key in part_keys]
    assert keys == [i * STEP for i in range(300)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_first_faulty_row_in_key_order_is_refused_as_by_a_full_read(
    tmp_path: Path, jobs: int
) -> None:
    rows = _rows(False)
    rows[250] = (*rows[250][:3], "2024-02-30", rows[250][4])  # in the last range
    rows[120] = (*rows[120][:3], rows[120][3], "2024-01-31 24:00:00")  # in an earlier one
    url = _database(tmp_path / "bad.sqlite3", TABLE, INSERT, rows=rows)
    with pytest.raises(ValueError) as full:
        _fully_converted(url)
    with worker_pool(jobs) as map_files, pytest.raises(DumpFormatError) as ranged:
        read_database_url(url, map_files=map_files)
    assert str(full.value) in str(ranged.value)
    assert "hour must be in 0..23" in str(ranged.value)  # the datetime's, not the date's


@pytest.mark.parametrize("odd_key", [None, 5.5])
def test_a_key_that_is_not_an_integer_is_read_row_by_row_as_before(
    tmp_path: Path, odd_key: object
) -> None:
    # Not an INTEGER PRIMARY KEY: SQLite lets such a key hold a NULL or a real.
    table = TABLE.replace("id integer PRIMARY KEY", "id bigint PRIMARY KEY")
    rows = [*_rows(False), (odd_key, 0, "odd", None, None)]
    url = _database(tmp_path / "odd.sqlite3", table, INSERT, rows=rows)
    with worker_pool(2) as map_files:
        read = read_database_url(url, map_files=map_files).tables["t"]
    assert read.decode() == _fully_converted(url).tables["t"].decode()


def test_a_text_key_in_an_integer_column_is_refused_as_by_a_full_read(tmp_path: Path) -> None:
    table = TABLE.replace("id integer PRIMARY KEY", "id bigint PRIMARY KEY")
    url = _database(
        tmp_path / "odd.sqlite3", table, INSERT, rows=[*_rows(False), ("x", 0, 0, None, None)]
    )
    with pytest.raises(ValueError) as full:
        _fully_converted(url)
    with worker_pool(2) as map_files, pytest.raises(DumpFormatError) as ranged:
        read_database_url(url, map_files=map_files)
    assert str(full.value) in str(ranged.value)
