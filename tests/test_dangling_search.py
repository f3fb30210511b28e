"""The dangling-link finder reads, of a table whose link targets lost rows, only the
rows that may hold a deleted key: the same findings as decoding every row.

``integer_tokens`` finds the keys as digit tokens; ``Table.records_holding``
asks a store for the rows that may hold them (a superset: false positives
are decoded and checked); a store that cannot tell has every row decoded.
A SQL dump's store also reads, of the rows that may, the link columns
alone, and of a row whose integers are not all plain digits (``'016'``),
those columns always. The dumps of servers are in ``test_read_sql_servers``.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.findings import Finding, find_findings
from repairkit.integer_tokens import integer_keys, matching_lines, token_patterns
from repairkit.readers import read_snapshot
from repairkit.snapshot import MemoryRowStore, Snapshot, Table, Value

from .conftest import FIXTURES, REPO
from .test_read_sql import SQLITE3, sqlite_cli_dump

sys.path.insert(0, str(REPO / "benchmarks"))
import dumpgen  # noqa: E402 -- the benchmark's generator, beside the tests
from corruption_corpus import CorpusBuilder  # noqa: E402
from dump_rewrite import write_dump  # noqa: E402

BACKUP = FIXTURES / "backup"


def _holds(record: dict[str, Value], keys: set[int]) -> bool:
    return any(type(value) is int and value in keys for value in record.values())


def _decoded_in_memory(snapshot: Snapshot) -> Snapshot:
    """Return ``snapshot`` with its rows in stores that cannot search: every row is decoded."""
    tables = [
        Table(
            t.name, t.columns, t.pk, MemoryRowStore(t.decode()), model=t.model,
            parent=t.parent, key=t.key,
        )
        for t in snapshot.tables.values()
    ]  # fmt: skip
    return Snapshot(snapshot.label, tables, snapshot.info)


def _findings_both_ways(old: Snapshot, new: Snapshot) -> tuple[list[Finding], list[Finding]]:
    searched = find_findings(diff_snapshots(old, new), old, new)
    old_all, new_all = _decoded_in_memory(old), _decoded_in_memory(new)
    return searched, find_findings(diff_snapshots(old_all, new_all), old_all, new_all)


# -- the token search ------------------------------------------------------------------------


def test_a_key_is_found_as_a_whole_run_of_digits_only() -> None:
    lines = [b"(12,'a')", b"(123,'a')", b"(5123,1)", b"('x',-12)", b"(1,2)", b"12", b"(0.12)"]
    data = b"head\n" + b"\n".join(lines) + b"\n"
    starts = [5]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    assert matching_lines(data, starts, token_patterns({12, 123})) == [0, 1, 3, 5, 6]
    assert matching_lines(data, starts, token_patterns({2})) == [4]
    assert matching_lines(data, starts, token_patterns({99})) == []


def test_every_line_holding_a_key_is_found_among_random_lines() -> None:
    rng = random.Random(7)
    keys = {rng.randrange(-300, 300) for _ in range(20)}
    lines = [
        b",".join(str(rng.randrange(-400, 400)).encode() for _ in range(rng.randrange(1, 5)))
        for _ in range(2000)
    ]
    data = b"\n".join(lines) + b"\n"
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found = matching_lines(data, starts, token_patterns(keys))
    wanted = {abs(key) for key in keys}
    expected = [
        index
        for index, line in enumerate(lines)
        if any(abs(int(token)) in wanted for token in line.split(b","))
    ]
    assert found == expected  # here every token is a whole value: no false positive either


def test_thousands_of_keys_are_searched_in_several_patterns_quietly(
    capfd: pytest.CaptureFixture[str],
) -> None:
    keys = set(range(10**6, 10**6 + 6000, 2))  # too many for one DFA
    patterns = token_patterns(keys)
    assert len(patterns) > 1
    lines = [b"(%d,'x')" % number for number in range(10**6 - 50, 10**6 + 6050)]
    data = b"\n".join(lines) + b"\n"
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found = matching_lines(data, starts, patterns)
    assert found == [i for i in range(len(lines)) if 10**6 - 50 + i in keys]
    assert capfd.readouterr().err == ""


def test_keys_that_are_not_all_integers_cannot_be_searched() -> None:
    assert integer_keys({1, 2}) == {1, 2}
    assert integer_keys({1, "2"}) is None
    assert integer_keys({True}) is None


# -- the Lino store ----------------------------------------------------------------------------


def test_a_lino_table_gives_every_row_holding_a_key_and_some_that_only_look_so() -> None:
    snapshot = read_snapshot(BACKUP)
    false_positives = 0
    for table in snapshot.tables.values():
        every = table.records()
        for keys in ({2}, {1, 12}, {10**12}):
            holding = table.records_holding(keys)
            assert holding is not None
            exact = {pk for pk, record in every.items() if _holds(record, keys)}
            assert exact <= holding.keys(), (table.name, keys)
            assert all(holding[pk] == every[pk] for pk in holding)
            false_positives += len(holding.keys() - exact)
    assert false_positives > 0  # digits in dates, texts and other columns are decoded and checked


def test_a_lino_table_gives_exactly_the_rows_holding_a_key_in_the_columns_asked() -> None:
    snapshot = read_snapshot(BACKUP)
    searched = 0
    for table in snapshot.tables.values():
        every = table.records()
        for column in table.column_names:
            for keys in ({2}, {1, 12}):
                holding = table.records_holding(keys, [column])
                assert holding is not None
                exact = {
                    pk for pk, record in every.items() if _holds({column: record[column]}, keys)
                }
                assert holding.keys() == exact, (table.name, column, keys)
                assert all(holding[pk] == every[pk] for pk in holding)
                searched += len(exact)
    assert searched > 0


def test_a_lino_file_changed_since_reading_is_refused_by_the_search(tmp_path: Path) -> None:
    dump = tmp_path / "backup"
    shutil.copytree(BACKUP, dump)
    table = read_snapshot(dump).tables["repairdemo_person"]
    data_file = next(dump.glob("repairdemo_person*.py"))
    text = data_file.read_text(encoding="utf-8")
    first_row = text.index("loader.save(")
    data_file.write_text(text[:first_row] + text[first_row:].replace("'", '"', 2))  # same size
    changed = r"repairdemo_person.*changed while it was being read"
    with pytest.raises(DumpFormatError, match=changed):
        table.records_holding({2})


def test_unchanged_rows_pointing_at_a_deleted_key_are_found_as_by_decoding_all(
    tmp_path: Path,
) -> None:
    builder = CorpusBuilder.from_dump(BACKUP)
    orders = builder.records["repairdemo_order"]
    pointing = sorted(pk for pk, record in orders.items() if record["partner_id"] == 2)
    assert pointing
    builder.deleted["repairdemo_partner"].add(2)
    write_dump(BACKUP, tmp_path / "new", builder)
    old, new = read_snapshot(BACKUP), read_snapshot(tmp_path / "new")
    searched, decoded = _findings_both_ways(old, new)
    assert searched == decoded
    by_table = {(f.table, f.fields): f.pks for f in searched}
    assert by_table["repairdemo_order", ("partner_id",)] == tuple(pointing)
    # The search decoded the rows that hold a 2 anywhere, not only those pointing at partner 2.
    holding = new.tables["repairdemo_order"].records_holding({2})
    assert holding is not None and set(pointing) < holding.keys()


def test_a_large_generated_lino_dump_gives_the_findings_of_decoding_every_row(
    tmp_path: Path,
) -> None:
    dumpgen.generate(tmp_path, 20_000, 0.01, seed=5)
    builder = CorpusBuilder.from_dump(tmp_path / "old")
    partners = builder.records[dumpgen.PARTNERS.db_table]
    countries = sorted({r["country_id"] for r in partners.values() if r["country_id"]})[:3]
    builder.deleted[dumpgen.COUNTRIES.db_table].update(countries)
    write_dump(tmp_path / "old", tmp_path / "lost", builder)
    old, new = read_snapshot(tmp_path / "old"), read_snapshot(tmp_path / "lost")
    searched, decoded = _findings_both_ways(old, new)
    assert searched == decoded
    pointing = sorted(pk for pk, r in partners.items() if r["country_id"] in countries)
    assert [(f.table, f.pks) for f in searched] == [(dumpgen.PARTNERS.db_table, tuple(pointing))]


# -- SQL dumps ---------------------------------------------------------------------------------


def test_leading_zeros_are_searched_when_asked() -> None:
    lines = [b"(7,0042)", b"(7,'042')", b"(7,1042)", b"(7,42)"]
    data = b"\n".join(lines) + b"\n"
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    assert matching_lines(data, starts, token_patterns({42})) == [3]
    assert matching_lines(data, starts, token_patterns({42}, leading_zeros=True)) == [0, 1, 3]


def _without_partner(partner: int, work: Path) -> Path:
    """Return a copy of the backup database that lost one partner, its links left dangling."""
    database = work / "lost.sqlite3"
    shutil.copyfile(FIXTURES / "backup.sqlite3", database)
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("DELETE FROM repairdemo_partner WHERE id = ?", (partner,))
        connection.commit()
    return database


def _orders_of(partner: int, database: Path) -> tuple[int, ...]:
    """Ask SQLite itself which orders point at ``partner``."""
    with closing(sqlite3.connect(database)) as connection:
        query = "SELECT id FROM repairdemo_order WHERE partner_id = ? ORDER BY id"
        return tuple(pk for (pk,) in connection.execute(query, (partner,)))


def assert_dangling_orders_found(
    old: Path | str, new: Path | str, partner: int, orders: tuple[int, ...]
) -> None:
    """The findings of ``old`` against ``new`` are those of decoding every row, and the
    ``orders`` of the lost ``partner`` are found by searching, without decoding the others."""
    old_snapshot, new_snapshot = read_snapshot(old), read_snapshot(new)
    searched, decoded = _findings_both_ways(old_snapshot, new_snapshot)
    assert searched == decoded
    by_table = {(f.table, f.fields): f.pks for f in searched}
    assert by_table["repairdemo_order", ("partner_id",)] == orders, searched
    holding = new_snapshot.tables["repairdemo_order"].records_holding({partner}, ["partner_id"])
    assert holding is not None and holding.keys() == set(orders)


def test_a_sqlite_dump_gives_the_findings_of_decoding_every_row(tmp_path: Path) -> None:
    lost = _without_partner(16, tmp_path)
    orders = _orders_of(16, lost)
    assert len(orders) == 5
    old = sqlite_cli_dump(FIXTURES / "backup.sqlite3", tmp_path / "old.sql")
    assert_dangling_orders_found(old, sqlite_cli_dump(lost, tmp_path / "new.sql"), 16, orders)


def test_a_key_spelled_otherwise_in_a_sqlite_dump_is_found_too(tmp_path: Path) -> None:
    """``0016``, ``'016'`` and ``160e-1`` are 16 in an INTEGER column; no token 16 shows the
    last, and only a search that allows leading zeros the first, a tuple the table's
    pattern matches."""
    lost = _without_partner(16, tmp_path)
    orders = _orders_of(16, lost)
    text = sqlite_cli_dump(lost, tmp_path / "written.sql").read_text(encoding="utf-8")
    for order, spelling in zip(orders[:3], ("0016", "'016'", "160e-1"), strict=True):
        head = f"INSERT INTO repairdemo_order VALUES({order},"
        assert text.count(head + "16,") == 1
        text = text.replace(head + "16,", head + spelling + ",")
    new = tmp_path / "new.sql"
    new.write_text(text, encoding="utf-8")
    reloaded = tmp_path / "reloaded.sqlite3"
    subprocess.run([SQLITE3, str(reloaded)], input=text.encode(), check=True, timeout=60)
    assert _orders_of(16, reloaded) == orders  # SQLite reads both spellings as 16
    old = sqlite_cli_dump(FIXTURES / "backup.sqlite3", tmp_path / "old.sql")
    assert_dangling_orders_found(old, new, 16, orders)


def test_a_live_sqlite_database_gives_the_findings_of_decoding_every_row(tmp_path: Path) -> None:
    lost = _without_partner(16, tmp_path)
    old = f"sqlite:///{FIXTURES / 'backup.sqlite3'}"
    assert_dangling_orders_found(old, f"sqlite:///{lost}", 16, _orders_of(16, lost))
