"""SQL dump rows kept by their place in the file: read again when decoded, as they were read.

A COPY line or an INSERT tuple is kept as where its bytes are in the dump
(``readers.sql.kept_texts``) and read again when its row is decoded. The
texts read again must be the texts the reader read, character for
character, on real dumps of ``sqlite3 .dump``, ``pg_dump`` (COPY and
``--inserts``) and ``mariadb-dump``, with non-ASCII text, line breaks and
MySQL's raw BLOB bytes; a dump changed in between must be refused, naming
the file and the row's line; and keys that are no integers, or not the first
column, must key the rows as before.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.fingerprint_index import FingerprintIndex
from repairkit.fingerprints import INDEXED_ROWS
from repairkit.readers.sql.copy_rows import CopyRowStore
from repairkit.readers.sql.dump import read_dump_table, read_sql_dump
from repairkit.readers.sql.insert_rows import InsertRowStore
from repairkit.readers.sql.kept_texts import KeptTexts
from repairkit.readers.sql.line_places import RECENT_LINES
from repairkit.readers.sql.statements import Dialect
from repairkit.snapshot import Snapshot

from .conftest import ServerDatabase
from .test_read_sql_copy import HEAD, write_dump
from .test_read_sql_inserts import (
    SQLITE_ROWS,
    SQLITE_SCHEMA,
    needs_sqlite3,
    sqlite_dump,
    tuples_of,
    typed,
)
from .test_read_sql_types import mariadb, mariadb_dump, pg_dump_of_script

CHANGED = "the file changed while it was being read"


def kept_texts_of(snapshot: Snapshot, table: str) -> KeptTexts:
    store = snapshot.tables[table].store
    assert isinstance(store, (CopyRowStore, InsertRowStore))
    return store.kept_texts


def read_again(kept: KeptTexts) -> list[str]:
    return [text for _, text, _ in kept.read()]


def line_of(path: Path, text: bytes) -> int:
    """Return the number of the only line of ``path`` that holds ``text``."""
    numbers = [n for n, line in enumerate(path.read_bytes().split(b"\n"), 1) if text in line]
    assert len(numbers) == 1, numbers
    return numbers[0]


def copy_lines_of(path: Path, table: str) -> list[str]:
    """Return the data lines of the COPY block of ``table`` in a pg_dump."""
    text = path.read_text("utf-8")
    block = re.search(rf"^COPY public\.{table} .*? FROM stdin;\n(.*?)^\\\.$", text, re.M | re.S)
    assert block is not None
    return block.group(1).splitlines()


def assert_decodes_as_the_reference(path: Path, dialect: Dialect, table: str) -> None:
    """Decoding the rows kept by place gives what the value-by-value reading gives."""
    snapshot = read_sql_dump(path, dialect)
    reference = read_dump_table(path, dialect, table)
    assert reference is not None
    read = snapshot.tables[table]
    expected = {row[read.pk]: tuple(row[name] for name in read.column_names) for row in reference}
    assert typed(read.decode()) == typed(expected)
    some = list(expected)[1::2]
    assert typed(read.decode(some)) == typed({pk: expected[pk] for pk in some})


@needs_sqlite3
def test_sqlite_dump_tuples_read_again_are_the_tuples_read(tmp_path: Path) -> None:
    path = sqlite_dump(tmp_path, "kinds", SQLITE_SCHEMA, SQLITE_ROWS)
    kept = kept_texts_of(read_sql_dump(path, Dialect.SQLITE), "kinds")
    assert read_again(kept) == tuples_of(path, Dialect.SQLITE, "kinds")
    assert kept.held == []  # each by its place: one INSERT a line, non-ASCII or not
    assert_decodes_as_the_reference(path, Dialect.SQLITE, "kinds")


def test_copy_lines_read_again_are_the_lines_read(tmp_path: Path) -> None:
    lines = ["1\tcafé ☕", "2\tplain", "3\t\\N", "4\ta\\tb\\nc", "5\t€"]
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    kept = kept_texts_of(snapshot, "t")
    assert (read_again(kept), kept.held) == (lines, [])
    assert snapshot.tables["t"].decode([1, 5]) == {1: (1, "café ☕"), 5: (5, "€")}


@needs_sqlite3
def test_a_dump_changed_after_reading_is_refused_where_a_row_is_read_again(
    tmp_path: Path,
) -> None:
    schema = 'CREATE TABLE "kinds" ("id" integer NOT NULL PRIMARY KEY, "name" text NOT NULL);'
    rows: list[tuple[object, ...]] = [(i, f"name {i}") for i in range(1, 31)]
    path = sqlite_dump(tmp_path, "kinds", schema, rows)
    table = read_sql_dump(path, Dialect.SQLITE).tables["kinds"]
    path.write_bytes(path.read_bytes().replace(b"'name 17'", b"'name 71'"))  # the same size
    assert table.decode([16]) == {16: (16, "name 16")}  # a row not changed reads as it was
    with pytest.raises(DumpFormatError, match=CHANGED) as caught:
        table.decode([17])
    assert (caught.value.path, caught.value.line) == (path, line_of(path, b"'name 71'"))
    with path.open("ab") as grown:
        grown.write(b"-- one more line\n")
    with pytest.raises(DumpFormatError, match=CHANGED) as caught:
        table.decode([16])
    assert (caught.value.path, caught.value.line) == (path, line_of(path, b"'name 16'"))


def test_a_copy_dump_changed_after_reading_is_refused_on_the_line(tmp_path: Path) -> None:
    lines = [f"{i}\tcafé {i}" for i in range(1, 41)]
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    table = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    path.write_bytes(path.read_bytes().replace("café 33".encode(), b"cafe 33!"))
    with pytest.raises(DumpFormatError, match=CHANGED) as caught:
        table.decode()
    assert (caught.value.path, caught.value.line) == (path, line_of(path, b"cafe 33!"))
    path.unlink()
    with pytest.raises(DumpFormatError, match=CHANGED) as caught:
        table.decode([2])


def test_first_column_keys_found_when_read_are_the_converters(tmp_path: Path) -> None:
    lines = ["007\ta", "-5\tb", "9223372036854775807\tc", "-0\td"]  # 19 digits: the slow way
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    table = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    assert kept_texts_of(read_sql_dump(path, Dialect.POSTGRES), "t").first_keys is not None
    assert table.decode() == {7: (7, "a"), -5: (-5, "b"), 2**63 - 1: (2**63 - 1, "c"), 0: (0, "d")}


def key_dump(path: Path, lines: list[str], key: str) -> Path:
    """Write a pg_dump-like COPY of ``t (id bigint, v text)`` keyed by the column ``key``."""
    table = "CREATE TABLE public.t (\n    id bigint,\n    v text NOT NULL\n);\n\n"
    data = "".join(line + "\n" for line in lines)
    constraint = f"ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY ({key});\n"
    path.write_text(HEAD + table + "COPY public.t (id, v) FROM stdin;\n" + data + "\\.\n\n")
    path.write_text(path.read_text() + constraint)
    return path


def test_a_text_key_in_another_column_keys_the_lines_read_again(tmp_path: Path) -> None:
    path = key_dump(tmp_path / "dump.sql", ["1\tzwei", "\\N\teins", "3\tdrei ☕"], "v")
    table = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    assert isinstance(table.store, CopyRowStore)
    assert table.store.fingerprints.keys() == {"zwei", "eins", "drei ☕"}
    assert table.decode(["drei ☕", "eins"]) == {"eins": (None, "eins"), "drei ☕": (3, "drei ☕")}
    assert len(table.decode()) == 3


def test_a_repeated_key_is_named_before_a_later_fault(tmp_path: Path) -> None:
    path = key_dump(tmp_path / "dump.sql", ["1\ta", "2\ta", "3\t\\N"], "v")
    with pytest.raises(DumpFormatError, match="duplicate primary key 'a' in t") as caught:
        read_sql_dump(path, Dialect.POSTGRES)
    assert caught.value.line == line_of(path, b"2\ta")


def test_a_null_first_column_key_is_refused_on_its_line(tmp_path: Path) -> None:
    path = key_dump(tmp_path / "dump.sql", ["1\ta", "2\tb", "\\N\tc"], "id")
    with pytest.raises(DumpFormatError, match="primary key of t is None") as caught:
        read_sql_dump(path, Dialect.POSTGRES)
    assert caught.value.line == line_of(path, b"\\N\tc")


def test_a_large_integer_keyed_table_is_indexed_and_decodes_the_keys_asked(
    tmp_path: Path,
) -> None:
    count = INDEXED_ROWS + 5
    lines = [f"{i}\tname {i}" for i in range(count, 0, -1)]  # keys not ascending
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    table = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    assert isinstance(table.store, CopyRowStore)
    assert isinstance(table.store.fingerprints, FingerprintIndex)
    assert table.decode([7, count, 10**12, "7"]) == {
        7: (7, "name 7"),
        count: (count, f"name {count}"),
    }
    assert len(table.decode()) == count
    repeated = write_dump(tmp_path / "twice.sql", "text", [*lines, "7\tagain"])
    with pytest.raises(DumpFormatError, match="duplicate primary key 7 in t") as caught:
        read_sql_dump(repeated, Dialect.POSTGRES)
    assert caught.value.line == line_of(repeated, b"7\tagain")


def test_a_statement_whose_text_is_not_the_files_holds_its_tuples(tmp_path: Path) -> None:
    path = tmp_path / "dump.sql"
    path.write_text(
        "-- PostgreSQL database dump\n"
        "CREATE TABLE t (id integer NOT NULL PRIMARY KEY, v text);\n"
        "INSERT INTO t VALUES (1, 'a'), -- a comment the splitter drops\n(2, 'é');\n"
        "SET search_path = public; INSERT INTO t VALUES (3, 'c');\n"
        "INSERT INTO t VALUES\n(4, 'ü'),\n(5, 'e');\n"
    )
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    kept = kept_texts_of(snapshot, "t")
    assert kept.held == ["(1, 'a')", "(2, 'é')", "(3, 'c')"]
    assert read_again(kept) == ["(1, 'a')", "(2, 'é')", "(3, 'c')", "(4, 'ü')", "(5, 'e')"]
    assert snapshot.tables["t"].decode([2, 4]) == {2: (2, "é"), 4: (4, "ü")}


def mysql_head(data: str) -> bytes:
    """Return the head of a MariaDB dump of ``t (id, name, data)``, ``data`` declared so."""
    return (
        "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n"
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `name` varchar(40) DEFAULT NULL,\n"
        f"  `data` {data},\n  PRIMARY KEY (`id`)\n);\n"
    ).encode()


def mysql_tuple(i: int, blob: bool = False) -> bytes:
    """Return a row of ``t``: non-ASCII text, and in a BLOB bytes that are not UTF-8."""
    name = "café ☕" if i % 3 == 0 else "plain"
    data = (b"'\xff\x80'" if blob else b"-7") if i % 4 == 0 else b"NULL"
    return f"({i},'{name} {i}',".encode() + data + b")"


@pytest.mark.parametrize("blob", [False, True])  # a BLOB's literals are read one by one
def test_many_tuples_a_line_are_each_kept_by_place(tmp_path: Path, blob: bool) -> None:
    path = tmp_path / "dump.sql"
    lines = [
        b"INSERT INTO `t` VALUES "
        + b",".join(mysql_tuple(i, blob) for i in range(n, n + 5))
        + b";\n"
        for n in range(1, 40, 5)
    ]
    path.write_bytes(mysql_head("longblob" if blob else "int(11) DEFAULT NULL") + b"".join(lines))
    kept = kept_texts_of(read_sql_dump(path, Dialect.MYSQL), "t")
    texts = tuples_of(path, Dialect.MYSQL, "t")
    assert (read_again(kept), kept.held, len(texts)) == (texts, [], 40)
    assert kept.first_keys is not None  # found when read: keying the table reads none again
    assert_decodes_as_the_reference(path, Dialect.MYSQL, "t")


def test_a_tuple_a_line_after_the_head_line_is_kept_by_place(tmp_path: Path) -> None:
    path = tmp_path / "dump.sql"
    statements = [
        b"INSERT INTO `t` VALUES\n" + b",\n".join(mysql_tuple(i) for i in range(n, n + 10)) + b";\n"
        for n in range(1, 50, 10)
    ]
    path.write_bytes(mysql_head("int(11) DEFAULT NULL") + b"".join(statements))
    kept = kept_texts_of(read_sql_dump(path, Dialect.MYSQL), "t")
    texts = tuples_of(path, Dialect.MYSQL, "t")
    assert (read_again(kept), kept.held, len(texts)) == (texts, [], 50)
    assert_decodes_as_the_reference(path, Dialect.MYSQL, "t")


def test_a_statement_of_more_lines_than_are_placed_holds_its_first_tuples(
    tmp_path: Path,
) -> None:
    count = RECENT_LINES + 100
    path = tmp_path / "dump.sql"
    head = b"INSERT INTO `t` VALUES\n"
    first = head + b",\n".join(mysql_tuple(i) for i in range(1, 4)) + b";\n"
    rows = b",\n".join(f"({i},'é {i}',NULL)".encode() for i in range(10, count + 10))
    path.write_bytes(mysql_head("int(11) DEFAULT NULL") + first + head + rows + b";\n")
    kept = kept_texts_of(read_sql_dump(path, Dialect.MYSQL), "t")
    texts = tuples_of(path, Dialect.MYSQL, "t")
    # The lines read before the last RECENT_LINES have no known place: held, and correct.
    assert 0 < len(kept.held) < len(texts) and read_again(kept) == texts
    assert_decodes_as_the_reference(path, Dialect.MYSQL, "t")


@pytest.mark.parametrize("broken", [13, 29])  # a statement of two lines amid the run, or last
def test_a_run_of_one_line_inserts_keeps_each_tuple_by_place(tmp_path: Path, broken: int) -> None:
    path = tmp_path / "dump.sql"
    rows = [f"INSERT INTO public.t VALUES ({i}, 'ü {i}');\n" for i in range(1, 30)]
    rows[broken - 1] = f"INSERT INTO public.t VALUES ({broken}, 'line\nbreak ☕');\n"
    rows[20] = "INSERT INTO public.t VALUES (21, 'plain');\n"  # one byte a character
    path.write_text(
        "\ufeff-- PostgreSQL database dump\n"
        "CREATE TABLE public.t (id integer NOT NULL PRIMARY KEY, v text);\n" + "".join(rows),
        encoding="utf-8",
    )
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    kept = kept_texts_of(snapshot, "t")
    texts = tuples_of(path, Dialect.POSTGRES, "t")
    assert (read_again(kept), kept.held, len(texts)) == (texts, [], 29)
    assert kept.first_keys is not None
    assert snapshot.tables["t"].decode([broken, 21]) == {
        broken: (broken, "line\nbreak ☕"),
        21: (21, "plain"),
    }


def test_a_compressed_dump_holds_its_texts(tmp_path: Path) -> None:
    lines = ["1\tcafé", "2\tplain"]
    plain = write_dump(tmp_path / "dump.sql", "text", lines)
    compressed = tmp_path / "dump.sql.gz"
    compressed.write_bytes(gzip.compress(plain.read_bytes()))
    snapshot = read_sql_dump(compressed, Dialect.POSTGRES)
    assert kept_texts_of(snapshot, "t").held == lines  # no seeking into a gzip file
    compressed.unlink()
    assert snapshot.tables["t"].decode() == {1: (1, "café"), 2: (2, "plain")}


def test_a_compressed_dump_holds_the_tuples_of_its_runs(tmp_path: Path) -> None:
    rows = "".join(f"INSERT INTO public.t VALUES ({i}, 'ü {i}');\n" for i in range(1, 30))
    text = "-- PostgreSQL database dump\nCREATE TABLE public.t (id integer PRIMARY KEY, v text);\n"
    compressed = tmp_path / "dump.sql.gz"
    compressed.write_bytes(gzip.compress((text + rows).encode()))
    snapshot = read_sql_dump(compressed, Dialect.POSTGRES)
    kept = kept_texts_of(snapshot, "t")
    assert kept.held == [f"({i}, 'ü {i}')" for i in range(1, 30)]
    compressed.unlink()
    assert snapshot.tables["t"].decode([29]) == {29: (29, "ü 29")}


POSTGRES_ROWS = r"""
CREATE TABLE partner (id integer PRIMARY KEY, name text, note text);
INSERT INTO partner SELECT i, 'café ☕ ' || i,
    CASE WHEN i % 5 = 0 THEN E'line\nbreak' WHEN i % 3 = 0 THEN 'back\slash ''q''' END
    FROM generate_series(1, 60) AS i;
CREATE TABLE code (label text, code varchar(10) PRIMARY KEY);
INSERT INTO code VALUES ('zwei', 'b'), ('één', 'a'), (NULL, 'ç');
"""


@pytest.mark.slow
@pytest.mark.parametrize("options", [[], ["--inserts"], ["--rows-per-insert=7"]])
def test_pg_dump_texts_read_again_are_the_texts_read(
    postgres_database: ServerDatabase, tmp_path: Path, options: list[str]
) -> None:
    path = pg_dump_of_script(postgres_database, tmp_path, POSTGRES_ROWS, *options)
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    for table in ("partner", "code"):
        kept = kept_texts_of(snapshot, table)
        # Every one by its place, those of INSERTs of many lines too (a tuple with a
        # line break, ``--rows-per-insert``).
        texts = tuples_of(path, Dialect.POSTGRES, table) if options else copy_lines_of(path, table)
        assert (read_again(kept), kept.held) == (texts, [])
        assert_decodes_as_the_reference(path, Dialect.POSTGRES, table)


MARIADB_ROWS = r"""
CREATE TABLE partner (id int PRIMARY KEY, name varchar(40), note longtext, data longblob);
INSERT INTO partner VALUES (1, 'café ☕', 'line\nbreak', 0x00FF80), (2, 'plain', NULL, NULL),
    (3, 'O\'Brien', 'tab\there', 'text'), (4, '€', '', 0xC3);
CREATE TABLE code (label varchar(10), code varchar(10) PRIMARY KEY);
INSERT INTO code VALUES ('zwei', 'b'), ('één', 'a');
"""


@pytest.mark.slow
@pytest.mark.parametrize("options", [[], ["--skip-extended-insert"]])
def test_mariadb_dump_texts_read_again_are_the_texts_read(
    mariadb_database: ServerDatabase, tmp_path: Path, options: list[str]
) -> None:
    mariadb(mariadb_database, MARIADB_ROWS)
    path = mariadb_dump(mariadb_database, tmp_path / "dump.sql", *options)
    snapshot = read_sql_dump(path, Dialect.MYSQL)
    for table in ("partner", "code"):
        kept = kept_texts_of(snapshot, table)
        assert (read_again(kept), kept.held) == (tuples_of(path, Dialect.MYSQL, table), [])
        assert_decodes_as_the_reference(path, Dialect.MYSQL, table)


def test_copy_lines_over_many_reads_and_laps_of_the_ring_are_placed_exactly(
    tmp_path: Path,
) -> None:
    """Lines are read a block at a time: short ones many per block, a long one over many."""
    count = 3 * RECENT_LINES + 5  # short lines: more in one block than the ring's places
    lines = [f"{i}\t{'é' if i % 7 == 0 else 'x'}" for i in range(1, count + 1)]
    lines.insert(RECENT_LINES, f"{10**6}\t{'ab' * (3 << 19)}")  # 3 MB, over three reads
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a byte order mark
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    kept = kept_texts_of(snapshot, "t")
    assert kept.held == [] and read_again(kept) == lines
    decoded = snapshot.tables["t"].decode()
    assert len(decoded) == count + 1 and decoded[10**6] == (10**6, "ab" * (3 << 19))
    assert decoded[7] == (7, "é") and decoded[count] == (count, lines[-1].split("\t")[1])


@pytest.mark.parametrize("bad", [b"caf\xc3", b"\xff ok", b"caf\xc3\xa9\xa9"])
def test_a_line_that_is_not_utf8_is_named_as_when_lines_were_read_one_by_one(
    tmp_path: Path, bad: bytes
) -> None:
    lines = [f"{i}\tx" for i in range(1, 200_001)]  # the bad line is in the second read
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    data = path.read_bytes().replace(b"\n150000\tx\n", b"\n150000\t" + bad + b"\n")
    path.write_bytes(data)
    number = line_of(path, b"150000\t")
    raw = data.split(b"\n")[number - 1] + b"\n"
    with pytest.raises(UnicodeDecodeError) as decoding:
        raw.decode("utf-8")
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, Dialect.POSTGRES)
    assert (caught.value.line, caught.value.problem) == (number, f"not UTF-8: {decoding.value}")
