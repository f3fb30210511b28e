"""pg_dump COPY rows kept as lines: checked when read, decoded when asked, as before.

The reference is the value-by-value reading of a line (``decode_copy_line``,
the converters every SQL dump goes through): the fast check must never let
a line through that the reference refuses, and must refuse it when the
dump is read, with the reference's message and line, not only once the
row is decoded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers.sql.converters import make_converter
from repairkit.readers.sql.copy_rows import CopyRowStore, decode_copy_line
from repairkit.readers.sql.dump import read_sql_dump
from repairkit.readers.sql.schema import read_create_table
from repairkit.readers.sql.statements import Dialect
from repairkit.snapshot import MemoryRowStore

HEAD = "--\n-- PostgreSQL database dump\n--\n\n"
KEY = "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n"

EDGES = {
    "bigint": ["0", "-5", "9223372036854775807", "9223372036854775808", "007", "1.5", "", " 1"],
    "integer": ["2147483647", "2147483648", "-2147483648", "999999999", "1e3"],
    "smallint": ["32767", "32768", "9999", "-32768"],
    "boolean": ["t", "f", "true", "T", "1", "x", ""],
    "numeric(12,2)": ["1.50", "-0.01", "NaN", "1e5", ".5", "1.", "12345678901234567890.123"],
    "date": ["2020-02-29", "2021-02-29", "2020-04-31", "2020-01-31", "0001-01-01",
             "9999-12-31", "2020-13-01", "2020-00-10", "20200101", "2020-1-1", "infinity"],
    "timestamp with time zone": ["2020-01-01 10:00:00+01", "2020-01-01 10:00:00.123456+00",
                                 "2020-01-01 24:00:00+00", "2020-01-01 23:59:60+00",
                                 "2020-01-01 10:00:00+05:30", "2020-01-01 10:00:00+14",
                                 "2020-01-01 10:00:00+05:53:28", "0001-01-01 00:00:00+01",
                                 "2020-01-01 10:00:00.1234567+00", "2020-02-29 10:00:00+00"],
    "timestamp without time zone": ["2020-06-30 23:59:59", "2020-06-31 00:00:00",
                                    "2020-06-30T23:59:59"],
    "character varying(20)": ["café", "a\\tb", "a\\\\b", "caf\\303\\251", "bad\\303", "\\x41",
                              "x\\N", "end\\", "\\q", "\\r\\n", "\\N\\N"],
    "text": ["", " ", "\\b\\f\\v", "\\101"],
    "jsonb": ['{"a": 1}', "{bad", "null", '"\\\\u00e9"'],
    "uuid": ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "nope"],
    "interval": ["1 day 02:00:00", "1 mon"],
    "double precision": ["1.5", "NaN", "x"],
    "bytea": ["\\\\x00ff", "\\\\x0", "abc"],
    "time without time zone": ["10:00:00", "25:00:00"],
}  # fmt: skip
CASES = [(declared, text) for declared, texts in EDGES.items() for text in texts]


def write_dump(path: Path, declared: str, lines: list[str]) -> Path:
    table = f"CREATE TABLE public.t (\n    id bigint NOT NULL,\n    v {declared}\n);\n\n"
    data = "".join(line + "\n" for line in lines)
    path.write_text(HEAD + table + "COPY public.t (id, v) FROM stdin;\n" + data + "\\.\n\n" + KEY)
    return path


def reference(declared: str, line: str, number: int, path: Path) -> object:
    """Return what the value-by-value reading makes of ``line``: the row, or the error's text."""
    schema = read_create_table(f"CREATE TABLE public.t (id bigint NOT NULL, v {declared})", 1)
    converters = [make_converter(kind, Dialect.POSTGRES) for kind in schema.types]
    try:
        return decode_copy_line(path, schema, converters, line, number)
    except DumpFormatError as err:
        return str(err)


@pytest.mark.parametrize(("declared", "text"), CASES)
def test_a_copy_line_reads_as_the_value_by_value_reading(
    tmp_path: Path, declared: str, text: str
) -> None:
    line = "7\t" + text
    path = write_dump(tmp_path / "dump.sql", declared, ["1\t\\N", line])
    expected = reference(declared, line, 12, path)
    try:
        snapshot = read_sql_dump(path, Dialect.POSTGRES)
    except DumpFormatError as err:
        assert str(err) == expected  # refused when read, as the reference refuses it
        return
    assert not isinstance(expected, str), f"accepted {text!r}; the reference says {expected}"
    table = snapshot.tables["t"]
    assert isinstance(table.store, CopyRowStore)
    assert table.decode() == {1: (1, None), 7: expected}


def test_unchanged_lines_are_not_decoded_and_changed_ones_are(tmp_path: Path) -> None:
    lines = [f"{i}\tname {i}" for i in range(1, 101)]
    old = write_dump(tmp_path / "old.sql", "text", lines)
    new = write_dump(tmp_path / "new.sql", "text", [*lines[:49], "50\tchanged", *lines[50:]])
    before, after = (read_sql_dump(path, Dialect.POSTGRES) for path in (old, new))
    old_table, new_table = before.tables["t"], after.tables["t"]
    differing = [
        pk for pk in old_table.pks if old_table.fingerprints[pk] != new_table.fingerprints[pk]
    ]
    assert differing == [50]
    changed = diff_snapshots(before, after).tables["t"].changed
    assert [(c.pk, c.fields[0].old, c.fields[0].new) for c in changed] == [
        (50, "name 50", "changed")
    ]


def test_other_column_types_are_not_taken_for_the_same_text(tmp_path: Path) -> None:
    as_text = read_sql_dump(write_dump(tmp_path / "a.sql", "text", ["1\t5"]), Dialect.POSTGRES)
    as_number = read_sql_dump(write_dump(tmp_path / "b.sql", "bigint", ["1\t5"]), Dialect.POSTGRES)
    changed = diff_snapshots(as_text, as_number).tables["t"].changed
    assert [(c.fields[0].old, c.fields[0].new) for c in changed] == [("5", 5)]


def test_duplicate_key_names_the_second_line(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "dump.sql", "text", ["1\ta", "2\tb", "1\tc"])
    with pytest.raises(DumpFormatError, match=r"duplicate primary key 1 in t") as caught:
        read_sql_dump(path, Dialect.POSTGRES)
    assert caught.value.line == 13


def test_many_to_many_copy_is_keyed_by_its_pair(tmp_path: Path) -> None:
    path = tmp_path / "m2m.sql"
    tables = (
        "CREATE TABLE public.app_user (\n    id integer NOT NULL\n);\n\n"
        "CREATE TABLE public.app_group (\n    id integer NOT NULL\n);\n\n"
        "CREATE TABLE public.app_user_groups (\n    id integer NOT NULL,\n"
        "    user_id integer NOT NULL,\n    group_id integer NOT NULL\n);\n\n"
    )
    data = (
        "COPY public.app_user_groups (id, user_id, group_id) FROM stdin;\n1\t3\t5\n2\t3\t6\n\\.\n\n"
    )
    keys = "".join(
        f"ALTER TABLE ONLY public.{name}\n    ADD CONSTRAINT {name}_pkey PRIMARY KEY (id);\n"
        for name in ("app_user", "app_group", "app_user_groups")
    ) + "".join(
        f"ALTER TABLE ONLY public.app_user_groups\n    ADD CONSTRAINT {column}_fk FOREIGN KEY"
        f" ({column}) REFERENCES public.{target}(id);\n"
        for column, target in (("user_id", "app_user"), ("group_id", "app_group"))
    )
    path.write_text(HEAD + tables + data + keys)
    m2m = read_sql_dump(path, Dialect.POSTGRES).tables["app_user_groups"]
    assert isinstance(m2m.store, CopyRowStore)
    assert m2m.column_names == ("user_id", "group_id")
    assert m2m.decode() == {"(3, 5)": (3, 5), "(3, 6)": (3, 6)}
    assert m2m.decode(["(3, 6)"]) == {"(3, 6)": (3, 6)}


def test_truncate_and_insert_beside_copy_keep_the_dump_order(tmp_path: Path) -> None:
    path = tmp_path / "mixed.sql"
    table = "CREATE TABLE public.t (\n    id bigint NOT NULL,\n    v text\n);\n\n"
    path.write_text(
        HEAD + table
        + "COPY public.t (id, v) FROM stdin;\n1\tgone\n\\.\n\nTRUNCATE public.t;\n"
        + "INSERT INTO public.t VALUES (2, 'inserted');\n"
        + "COPY public.t (id, v) FROM stdin;\n3\tcopied\n\\.\n\n" + KEY
    )  # fmt: skip
    table_read = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    assert isinstance(table_read.store, MemoryRowStore)  # decoded whole: rows of both kinds
    assert table_read.decode() == {2: (2, "inserted"), 3: (3, "copied")}


def test_a_fault_deep_in_a_long_copy_block_is_named_on_its_line(tmp_path: Path) -> None:
    """Lines are checked many at a time; the first bad one is still named, as one by one."""
    lines = [f"{i}\t2020-01-{1 + i % 28:02d}" for i in range(1, 10_001)]
    lines[6000] = "6001\t2021-02-29"
    path = write_dump(tmp_path / "dump.sql", "date", lines)
    with pytest.raises(DumpFormatError) as caught:
        read_sql_dump(path, Dialect.POSTGRES)
    assert str(caught.value) == reference("date", lines[6000], 10 + 6001, path)


def test_long_copy_blocks_of_texts_read_as_the_value_by_value_reading(tmp_path: Path) -> None:
    texts = ["café", "a\\tb", "a\\\\b", "", " ", "\\r\\n", "naïve \\\\N", "x"]
    lines = [f"{i}\t{texts[i % len(texts)]} {i}" for i in range(1, 9_001)]
    path = write_dump(tmp_path / "dump.sql", "text", lines)
    table = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    expected = {i: reference("text", line, 10 + i, path) for i, line in enumerate(lines, 1)}
    assert table.decode() == expected
