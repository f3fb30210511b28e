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
from repairkit.readers.sql.kept_texts import KeptTexts
from repairkit.readers.sql.statements import Dialect
from repairkit.snapshot import Snapshot

from .conftest import ServerDatabase
from .test_read_sql_copy import HEAD, write_dump
from .test_read_sql_inserts import tuples_of, typed
from .test_read_sql_types import pg_dump, psql

CHANGED = "the file changed while it was being read"


def kept_texts_of(snapshot: Snapshot, table: str) -> KeptTexts:
    store = snapshot.tables[table].store
    assert isinstance(store, CopyRowStore)
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


def test_copy_lines_read_again_are_the_lines_read(tmp_path: Path) -> None:
    lines = ["1\tcafé ☕", "2\tplain", "3\t\\N", "4\ta\\tb\\nc", "5\t€"]
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    kept = kept_texts_of(snapshot, "t")
    assert (read_again(kept), kept.held) == (lines, [])
    assert snapshot.tables["t"].decode([1, 5]) == {1: (1, "café ☕"), 5: (5, "€")}


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


def test_a_compressed_dump_holds_its_texts(tmp_path: Path) -> None:
    lines = ["1\tcafé", "2\tplain"]
    plain = write_dump(tmp_path / "dump.sql", "text", lines)
    compressed = tmp_path / "dump.sql.gz"
    compressed.write_bytes(gzip.compress(plain.read_bytes()))
    snapshot = read_sql_dump(compressed, Dialect.POSTGRES)
    assert kept_texts_of(snapshot, "t").held == lines  # no seeking into a gzip file
    compressed.unlink()
    assert snapshot.tables["t"].decode() == {1: (1, "café"), 2: (2, "plain")}


POSTGRES_ROWS = r"""
CREATE TABLE partner (id integer PRIMARY KEY, name text, note text);
INSERT INTO partner SELECT i, 'café ☕ ' || i,
    CASE WHEN i % 5 = 0 THEN E'line\nbreak' WHEN i % 3 = 0 THEN 'back\slash ''q''' END
    FROM generate_series(1, 60) AS i;
CREATE TABLE code (label text, code varchar(10) PRIMARY KEY);
INSERT INTO code VALUES ('zwei', 'b'), ('één', 'a'), (NULL, 'ç');
"""


@pytest.mark.slow
@pytest.mark.parametrize("options", [[]])
def test_pg_dump_texts_read_again_are_the_texts_read(
    postgres_database: ServerDatabase, tmp_path: Path, options: list[str]
) -> None:
    script = tmp_path / "rows.sql"
    script.write_text(POSTGRES_ROWS)
    psql(postgres_database, script)
    path = pg_dump(postgres_database, tmp_path / "dump.sql", *options)
    snapshot = read_sql_dump(path, Dialect.POSTGRES)
    for table in ("partner", "code"):
        kept = kept_texts_of(snapshot, table)
        # Every one by its place, those of INSERTs of many lines too (a tuple with a
        # line break, ``--rows-per-insert``).
        texts = tuples_of(path, Dialect.POSTGRES, table) if options else copy_lines_of(path, table)
        assert (read_again(kept), kept.held) == (texts, [])
        assert_decodes_as_the_reference(path, Dialect.POSTGRES, table)
