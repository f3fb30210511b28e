"""SQL dumps read side by side in worker processes read as they do in this process.

``read_snapshots`` sends two or more SQL dumps or fixtures to the worker
pool, which reads them and sends the snapshots back pickled. The dumps
here are real ``sqlite3 .dump`` output of the demo site's databases
(``test_read_sql``); the pg_dump, mariadb-dump and dumpdata cases are in
``test_read_sql_servers``.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from repairkit import readers
from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.progress import ProgressStep
from repairkit.readers import read_snapshots
from repairkit.readers.sql.converters import ColumnConverters
from repairkit.readers.sql.statements import Dialect
from repairkit.snapshot import Snapshot
from repairkit.workers import worker_pool

from .test_read_sql import FIXTURES, MOMENTS, assert_tells_accident, sqlite_cli_dump


@pytest.fixture(scope="module")
def sqlite_dumps(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    work = tmp_path_factory.mktemp("worker-dumps")
    return [sqlite_cli_dump(FIXTURES / f"{m}.sqlite3", work / f"{m}.sql") for m in MOMENTS]


def assert_same_records(left: Snapshot, right: Snapshot) -> None:
    """Assert that two snapshots hold the same tables, fingerprints and decoded records."""
    assert list(left.tables) == list(right.tables)
    for name, table in left.tables.items():
        other = right.tables[name]
        assert table.column_names == other.column_names, name
        assert dict(table.fingerprints) == dict(other.fingerprints), name
        assert table.records() == other.records(), name


def test_dumps_read_in_workers_read_as_in_this_process(sqlite_dumps: list[Path]) -> None:
    here = read_snapshots(sqlite_dumps)
    steps: list[ProgressStep] = []
    with worker_pool(2) as map_files:
        there = read_snapshots(sqlite_dumps, map_files=map_files, progress=steps.append)
    for mine, theirs in zip(here, there, strict=True):
        assert_same_records(mine, theirs)
    assert_tells_accident(diff_snapshots(*there))
    # Both are reported started before either is read, and done with their rows.
    names = [path.name for path in sqlite_dumps]
    assert [(s.stage, s.done) for s in steps[:2]] == [(f"reading {n}", 0) for n in names]
    assert [(s.stage, s.done, s.rows) for s in steps[2:]] == [
        (f"reading {name}", 1, sum(map(len, snapshot.tables.values())))
        for name, snapshot in zip(names, here, strict=True)
    ]


def test_dumps_too_large_together_are_read_one_after_another(
    sqlite_dumps: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Side by side, each worker holds a whole reading at once: past a size, they take turns."""
    monkeypatch.setattr(readers, "SIDE_BY_SIDE_BYTES", sqlite_dumps[0].stat().st_size)
    steps: list[ProgressStep] = []
    with worker_pool(2) as map_files:
        read_snapshots(sqlite_dumps, map_files=map_files, progress=steps.append)
    names = [path.name for path in sqlite_dumps]
    assert [(s.stage, s.done) for s in steps] == [
        (f"reading {name}", done) for name in names for done in (0, 1)
    ]


def test_the_first_broken_dump_gives_the_error(tmp_path: Path, sqlite_dumps: list[Path]) -> None:
    broken = tmp_path / "broken.sql"
    text = sqlite_dumps[0].read_text(encoding="utf-8")
    broken.write_text(text.replace(" VALUES(", " VALUES((", 1), encoding="utf-8")
    later = tmp_path / "later.sql"
    later.write_text(text.replace(" VALUES(", " VALUES(,", 1), encoding="utf-8")
    with worker_pool(2) as map_files, pytest.raises(DumpFormatError) as caught:
        read_snapshots([sqlite_dumps[1], broken, later], map_files=map_files)
    assert caught.value.path == broken


def test_column_converters_pickle_as_the_types_they_were_made_from() -> None:
    made = ColumnConverters(["integer", "varchar(10)", "decimal(5, 2)", "bool"], Dialect.MYSQL)
    again = pickle.loads(pickle.dumps(made))
    assert (again.types, again.dialect) == (made.types, made.dialect)
    raws = ["12", "é", "1.50", 1]
    assert [convert(raw) for convert, raw in zip(again, raws, strict=True)] == [
        convert(raw) for convert, raw in zip(made, raws, strict=True)
    ]
    with pytest.raises(ValueError, match="out of range"):
        again[0]("99999999999999999999")
