"""A plain SQLite table's rowids: flags for the dense ones, a set for the rest, as one set.

``RowidSet`` must answer every question a Python set of the rowids
answers (is this rowid in? may this batch go in whole?) through the move
from a set to flags and every growth of the flags, for dense, sparse,
negative and huge rowids; and a repeated rowid deep in a large table must
still be refused with SQLite's words on its line.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.readers.sql.dump import read_sql_dump
from repairkit.readers.sql.rowid_sets import RowidSet
from repairkit.readers.sql.statements import Dialect


def _batch(chooser: random.Random, top: int) -> list[int]:
    """Return rowids mostly new and dense, some repeated, sparse, negative or beyond 64 bits."""
    kind = chooser.random()
    if kind < 0.7:
        start = chooser.randrange(top + 1)
        return list(range(start, start + chooser.randrange(1, 300)))
    if kind < 0.8:
        return [chooser.randrange(top + 1) for _ in range(chooser.randrange(1, 5))]
    if kind < 0.9:
        return [chooser.choice([-7, -(2**63), 2**40, 2**62, top * 50]) + chooser.randrange(3)]
    return [chooser.randrange(10), 2**64 + chooser.randrange(3)]


@pytest.mark.parametrize("seed", range(4))
def test_a_rowid_set_answers_as_a_python_set(seed: int) -> None:
    chooser = random.Random(seed)
    rowids, expected = RowidSet(), set[int]()
    for step in range(2_000):
        top = 30 * step + 100
        batch = _batch(chooser, top)
        takes = len(set(batch)) == len(batch) and expected.isdisjoint(batch)
        if chooser.random() < 0.2 and len(batch) == 1 and batch[0] < 2**63:
            if batch[0] not in expected:  # as a caller adds one rowid it saw is new
                rowids.add(batch[0])
                expected.add(batch[0])
        elif rowids.add_new(batch):
            assert takes
            expected.update(batch)
        else:
            # Refused as a set refuses it, or one beyond 64 bits: the caller adds one by one.
            assert not takes or max(batch) >= 2**63
            if takes:
                for rowid in batch:
                    rowids.add(rowid)
                expected.update(batch)
        probes = [*batch, chooser.randrange(-5, top + 5), top * 50 + 1]
        assert [p in rowids for p in probes] == [p in expected for p in probes]
    assert len(expected) > 20_000  # past the move to flags
    assert all(rowid in rowids for rowid in expected)


def test_a_rowid_twice_deep_in_a_large_plain_table_is_refused_with_sqlites_words(
    tmp_path: Path,
) -> None:
    count = 50_000
    rows = [f"INSERT INTO t VALUES({i},'row {i}');\n" for i in range(1, count + 1)]
    rows.insert(40_000, "INSERT INTO t VALUES(123,'again');\n")
    path = tmp_path / "dump.sql"
    path.write_text(
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        "CREATE TABLE t(id integer PRIMARY KEY, v text);\n" + "".join(rows) + "COMMIT;\n"
    )
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, Dialect.SQLITE)
    assert caught.value.line == 3 + 40_001
    assert "UNIQUE constraint failed: t.id" in caught.value.problem
