"""SQL dumps read as data: ``sqlite3 .dump`` of the demo databases, and broken SQL.

The SQLite dumps are written by the real ``sqlite3`` command line tool (and
by Python's ``iterdump``) from copies of ``fixtures/backup.sqlite3`` and
``fixtures/current.sqlite3``, the site's database at the moments of the Lino
dumps ``fixtures/backup`` and ``fixtures/current``. Each SQL dump must read
as the same snapshot as the Lino dump of its moment, and backup against
current must show exactly what ``fixtures/accident.json`` says happened.
PostgreSQL and MariaDB dumps are in ``test_read_sql_servers.py``.
"""

from __future__ import annotations

import datetime
import gzip
import json
import re
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from repairkit.diff import Changeset, Summary, diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers import detect_format, read_snapshot
from repairkit.readers.fixture.align import align_snapshots
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.readers.sql.dump import read_sql_dump
from repairkit.readers.sql.statements import Dialect
from repairkit.snapshot import ColumnKind, ContentTypeRef, Snapshot

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
MOMENTS = ["backup", "current"]
SQLITE3 = shutil.which("sqlite3")

# A Lino dump writes None for an empty choicelist value (the ORM reads '' as
# None), but a ChoiceListField cannot be NULL: the database, and so a SQL
# dump, holds ''. Read raw, these columns differ in exactly that way; the
# command line aligns them (readers/live/align.py), and then nothing differs.
CHOICELIST_COLUMNS = {"repairdemo_person": {"gender"}}


def assert_same_moment(lino: Snapshot, sql: Snapshot) -> None:
    """Assert that two readings of one database at one moment hold the same data."""
    raw = diff_snapshots(lino, sql)
    assert raw.old_only_tables == {} and raw.new_only_tables == {}
    for name, table in raw.tables.items():
        assert (table.deleted, table.added) == ((), ()), name
        assert (table.old_only_columns, table.new_only_columns) == ((), ()), name
        for row in table.changed:
            for change in row.fields:
                assert change.column in CHOICELIST_COLUMNS.get(name, ()), (name, row)
                assert (change.old, change.new) == (None, ""), (name, row)
    aligned = diff_snapshots(*align_snapshots([lino, sql]))
    assert aligned.summary == Summary(0, 0, 0)
    assert not aligned.has_differences


def assert_tells_accident(changeset: Changeset) -> None:
    """Assert that ``changeset`` is exactly what fixtures/accident.json says happened."""
    accident = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))
    assert changeset.old_only_tables == {} and changeset.new_only_tables == {}
    tables = changeset.tables.values()
    assert {t.table: list(t.added) for t in tables if t.added} == accident["added"]
    assert {t.table: list(t.deleted) for t in tables if t.deleted} == accident["deleted"]
    changed = {
        t.table: sorted(
            (row.pk, change.column, as_json(change.old), as_json(change.new))
            for row in t.changed
            for change in row.fields
        )
        for t in tables
        if t.changed
    }
    expected = {
        table: sorted(
            (r["pk"], r["column"], as_json(r["before"]), as_json(r["after"])) for r in records
        )
        for table, records in accident["changed"].items()
    }
    assert changed == expected


def as_json(value: Any) -> Any:
    """Return ``value`` as accident.json writes it; decimals by value ("12.9" is "12.90")."""
    if isinstance(value, Decimal):
        return ("decimal", value.normalize())
    if isinstance(value, str) and value.replace(".", "", 1).isdigit() and "." in value:
        return ("decimal", Decimal(value).normalize())
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def sqlite_cli_dump(database: Path, target: Path) -> Path:
    """Write ``sqlite3 DATABASE .dump`` of a copy of ``database`` to ``target``."""
    if SQLITE3 is None:
        pytest.skip("the sqlite3 command line tool is not installed")
    copy = target.with_suffix(".sqlite3")
    shutil.copyfile(database, copy)
    with target.open("wb") as out:
        subprocess.run([SQLITE3, str(copy), ".dump"], stdout=out, check=True, timeout=60)
    return target


@pytest.fixture(scope="module")
def sqlite_dumps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("sqlite-dumps")
    return {m: sqlite_cli_dump(FIXTURES / f"{m}.sqlite3", work / f"{m}.sql") for m in MOMENTS}


@pytest.fixture(scope="module")
def sqlite_snapshots(sqlite_dumps: dict[str, Path]) -> dict[str, Snapshot]:
    return {moment: read_snapshot(path) for moment, path in sqlite_dumps.items()}


def test_sqlite_dump_is_detected_by_its_first_lines(sqlite_dumps: dict[str, Path]) -> None:
    assert detect_format(str(sqlite_dumps["backup"])).name == "sqlite-dump"


@pytest.mark.parametrize("moment", MOMENTS)
def test_sqlite_dump_reads_as_the_lino_dump_of_the_same_moment(
    moment: str, sqlite_snapshots: dict[str, Snapshot]
) -> None:
    assert_same_moment(read_lino_dump(FIXTURES / moment), sqlite_snapshots[moment])


def test_sqlite_dumps_diff_to_exactly_the_accident(sqlite_snapshots: dict[str, Snapshot]) -> None:
    assert_tells_accident(diff_snapshots(sqlite_snapshots["backup"], sqlite_snapshots["current"]))


def test_sql_values_come_out_in_the_value_model(sqlite_snapshots: dict[str, Snapshot]) -> None:
    snapshot = sqlite_snapshots["backup"]
    partner = snapshot.tables["repairdemo_partner"].records([2, 18])
    assert partner[2]["is_active"] is False
    assert partner[2]["created"] == datetime.datetime(2024, 11, 14, 13, 18, 59)
    assert partner[18]["remark"] == "Two lines:\nfirst line\nsecond line"
    assert snapshot.tables["repairdemo_product"].records([1])[1]["price"] == Decimal("7.82")
    note = snapshot.tables["repairdemo_note"]
    assert note.column("owner_type_id").kind is ColumnKind.CONTENT_TYPE
    owners = {row[1] for row in note.decode().values()}
    assert ContentTypeRef("repairdemo", "person") in owners and None in owners
    person = snapshot.tables["repairdemo_person"]
    assert person.parent == "repairdemo_partner"
    assert person.column("partner_ptr_id").kind is ColumnKind.PARENT_LINK


def test_python_iterdump_reads_as_the_cli_dump(
    tmp_path: Path, sqlite_snapshots: dict[str, Snapshot]
) -> None:
    connection = sqlite3.connect(FIXTURES / "backup.sqlite3")
    try:
        text = "\n".join(connection.iterdump()) + "\n"
    finally:
        connection.close()
    path = tmp_path / "backup.sql"
    path.write_text(text, encoding="utf-8")
    changeset = diff_snapshots(sqlite_snapshots["backup"], read_snapshot(path))
    assert not changeset.has_differences


def test_gzipped_dump_reads_the_same(
    tmp_path: Path, sqlite_dumps: dict[str, Path], sqlite_snapshots: dict[str, Snapshot]
) -> None:
    path = tmp_path / "backup.sql.gz"
    path.write_bytes(gzip.compress(sqlite_dumps["backup"].read_bytes()))
    assert detect_format(str(path)).name == "sqlite-dump"
    assert not diff_snapshots(sqlite_snapshots["backup"], read_snapshot(path)).has_differences


# Broken SQL: each case is a real dump with one mutation, or a few lines of
# a real dump tool's output, and must fail naming the file and line.


def mutate(dump: Path, target: Path, find: str, replace: str) -> int:
    """Copy ``dump`` to ``target`` with the first line starting with ``find`` replaced.

    Return the number of the line replaced.
    """
    lines = dump.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith(find))
    lines[number - 1] = replace if replace != "CUT" else lines[number - 1][: len(find) + 20]
    if replace == "CUT":
        lines = lines[:number]
    target.write_text("\n".join(lines), encoding="utf-8")
    return number


def test_dump_cut_off_inside_a_string_names_the_line(
    tmp_path: Path, sqlite_dumps: dict[str, Path]
) -> None:
    path = tmp_path / "cut.sql"
    line = mutate(sqlite_dumps["backup"], path, "INSERT INTO repairdemo_partner VALUES(5,", "CUT")
    with pytest.raises(DumpFormatError, match="unterminated string") as caught:
        read_snapshot(path, "sqlite-dump")
    assert (caught.value.path, caught.value.line) == (path, line)


def test_insert_into_a_table_the_dump_does_not_create(
    tmp_path: Path, sqlite_dumps: dict[str, Path]
) -> None:
    path = tmp_path / "unknown.sql"
    line = mutate(
        sqlite_dumps["backup"], path, "INSERT INTO repairdemo_category VALUES(3,",
        "INSERT INTO repairdemo_kategorie VALUES(3,'Hardware',NULL);",
    )  # fmt: skip
    with pytest.raises(
        DumpFormatError, match="'repairdemo_kategorie', which the dump does not create"
    ) as caught:
        read_snapshot(path, "sqlite-dump")
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("replacement", "problem"),
    [
        (
            "INSERT INTO repairdemo_category VALUES(3,'Hardware',NULL,4);",
            "has 3 columns, the row has 4",
        ),
        (
            "INSERT INTO repairdemo_category VALUES(3,'Hardware',load_extension('x'));",
            "call to load_extension",
        ),
        ("INSERT INTO repairdemo_category VALUES(3,'Hardware' NULL);", "expected ',' or ')'"),
        ("this is not SQL at all;", "not SQL that a dump holds: 'this is not SQL at all'"),
        ("UPDATE repairdemo_category SET name = 'x';", "['repairdemo_category'] in place"),
    ],
)
def test_garbage_in_a_dump_names_the_line(
    tmp_path: Path, sqlite_dumps: dict[str, Path], replacement: str, problem: str
) -> None:
    path = tmp_path / "garbage.sql"
    line = mutate(
        sqlite_dumps["backup"], path, "INSERT INTO repairdemo_category VALUES(3,", replacement
    )
    with pytest.raises(DumpFormatError, match=re.escape(problem)) as caught:
        read_snapshot(path, "sqlite-dump")
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_bad_value_for_the_column_type_names_table_column_and_line(
    tmp_path: Path, sqlite_dumps: dict[str, Path]
) -> None:
    path = tmp_path / "date.sql"
    line = mutate(
        sqlite_dumps["backup"], path, "INSERT INTO repairdemo_order VALUES(1,",
        "INSERT INTO repairdemo_order VALUES(1,16,'2025-13-27','17:15:00',"
        "'2025-10-24 09:28:50',1498.81,'');",
    )  # fmt: skip
    with pytest.raises(DumpFormatError, match=r"repairdemo_order\.order_date \(date\)") as caught:
        read_snapshot(path, "sqlite-dump")
    assert caught.value.line == line


def test_content_type_missing_from_the_dump(tmp_path: Path, sqlite_dumps: dict[str, Path]) -> None:
    path = tmp_path / "ct.sql"
    line = mutate(
        sqlite_dumps["backup"], path, "INSERT INTO repairdemo_note VALUES(1,",
        "INSERT INTO repairdemo_note VALUES(1,999,1,'2025-01-01',NULL,'s','b');",
    )  # fmt: skip
    with pytest.raises(DumpFormatError, match="999 is not an id of django_content_type") as caught:
        read_snapshot(path, "sqlite-dump")
    assert caught.value.line == line


def _renumber_company_and_product(text: str, notes_too: bool) -> str:
    """Swap the content type ids of company (7) and product (8), in the notes too if asked."""
    swapped = {"7": "8", "8": "7"}
    text = re.sub(
        r"(?m)^(INSERT INTO django_content_type VALUES\()([78]),",
        lambda found: found.group(1) + swapped[found.group(2)] + ",",
        text,
    )
    if notes_too:
        text = re.sub(
            r"(?m)^(INSERT INTO repairdemo_note VALUES\(\d+,)([78]),",
            lambda found: found.group(1) + swapped[found.group(2)] + ",",
            text,
        )
    return text


@pytest.mark.parametrize("notes_too", [True, False])
def test_content_type_ids_count_by_what_they_name(
    tmp_path: Path, sqlite_dumps: dict[str, Path], notes_too: bool
) -> None:
    """A note's owner type is the model its id names in the dump's own content type table.

    The notes stay text until decoded: the same text under another map of ids
    is not the same row, and other texts under a renumbered map may be.
    """
    backup = read_snapshot(sqlite_dumps["backup"])
    path = tmp_path / "renumbered.sql"
    text = sqlite_dumps["backup"].read_text(encoding="utf-8")
    path.write_text(_renumber_company_and_product(text, notes_too), encoding="utf-8")
    renumbered = read_snapshot(path)
    assert_owner_types_follow_the_map(backup, renumbered, notes_too)


def assert_owner_types_follow_the_map(
    backup: Snapshot, renumbered: Snapshot, notes_too: bool
) -> None:
    """Assert what the demo's notes become with company and product's content type ids swapped.

    With the notes' ids swapped too nothing differs; with the map alone,
    exactly the notes of companies and products change owner type.
    """
    notes = diff_snapshots(backup, renumbered).tables["repairdemo_note"]
    table = backup.tables["repairdemo_note"]
    owner = table.column_names.index("owner_type_id")
    owners = {
        pk: row[owner]
        for pk, row in table.decode().items()
        if row[owner] is not None and row[owner].model in ("company", "product")
    }
    assert owners  # the demo's notes belong to companies and products
    if notes_too:
        assert (notes.deleted, notes.added, notes.changed) == ((), (), ())
    else:
        changed = {row.pk: row.fields for row in notes.changed}
        assert sorted(changed) == sorted(owners)
        for pk, fields in changed.items():
            assert [(field.column, field.old) for field in fields] == [
                ("owner_type_id", owners[pk])
            ]


PG_HEAD = "--\n-- PostgreSQL database dump\n--\n\n"
PG_TABLE = "CREATE TABLE public.t (\n    id bigint NOT NULL,\n    name text NOT NULL\n);\n\n"


def test_copy_block_without_end_marker(tmp_path: Path) -> None:
    path = tmp_path / "copy.sql"
    path.write_text(
        PG_HEAD + PG_TABLE + "COPY public.t (id, name) FROM stdin;\n1\ta\n2\tb\n", encoding="utf-8"
    )
    assert detect_format(str(path)).name == "pg-dump"
    with pytest.raises(DumpFormatError, match=r"COPY data not ended by a line '\\\.'") as caught:
        read_snapshot(path)
    assert caught.value.line == 10


def test_copy_text_format_escapes(tmp_path: Path) -> None:
    path = tmp_path / "copy.sql"
    rows = "1\ttab\\there\\nnew line \\\\ back\\\\slash\n2\t\\N\n\\.\n"
    path.write_text(
        PG_HEAD + PG_TABLE + "COPY public.t (id, name) FROM stdin;\n" + rows
        + "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
        encoding="utf-8",
    )  # fmt: skip
    table = read_sql_dump(path, Dialect.POSTGRES).tables["t"]
    assert table.decode() == {1: (1, "tab\there\nnew line \\ back\\slash"), 2: (2, None)}


def test_mysql_backslash_escapes_and_extended_insert(tmp_path: Path) -> None:
    path = tmp_path / "my.sql"
    path.write_text(
        "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n"
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `ok` tinyint(1) NOT NULL,\n"
        "  `price` decimal(10,2) DEFAULT NULL,\n  `name` longtext NOT NULL,\n"
        "  PRIMARY KEY (`id`)\n);\n"
        "INSERT INTO `t` VALUES (1,1,12.90,'It\\'s a \\\"test\\\"\\nline 2 \\\\ ;'),"
        "(2,0,NULL,'O''Neill');\n",
        encoding="utf-8",
    )
    table = read_snapshot(path).tables["t"]
    assert table.decode() == {
        1: (1, True, Decimal("12.90"), 'It\'s a "test"\nline 2 \\ ;'),
        2: (2, False, None, "O'Neill"),
    }


def test_sqlite_text_functions_are_applied_and_no_others(tmp_path: Path) -> None:
    # Older sqlite3 writes 'a'||char(10)||'b'; 3.3x replace(...,char(10)); newer unistr().
    path = tmp_path / "functions.sql"
    path.write_text(
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        'CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY, "a" text, "b" text, "c" text);\n'
        "INSERT INTO t VALUES(1,'x'||char(13,10)||'y',"
        "replace(replace('1\\r\\n2','\\r',char(13)),'\\n',char(10)),unistr('caf\\u00e9 \\\\'));\n"
        "COMMIT;\n",
        encoding="utf-8",
    )
    assert read_snapshot(path).tables["t"].decode() == {1: (1, "x\r\ny", "1\r\n2", "café \\")}


def test_pg_function_bodies_and_e_strings(tmp_path: Path) -> None:
    path = tmp_path / "functions.sql"
    path.write_text(
        PG_HEAD + "CREATE FUNCTION public.f() RETURNS trigger\n    LANGUAGE plpgsql\n"
        "    AS $_$\nBEGIN\n  INSERT INTO nowhere VALUES ('x;');\nEND;\n$_$;\n\n"
        + PG_TABLE
        + "INSERT INTO public.t VALUES (1, E'It\\'s\\ta ''tab''');\n"
        + "INSERT INTO public.t VALUES (2, 'plain ''quoted''');\n"
        + "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
        encoding="utf-8",
    )
    table = read_snapshot(path).tables["t"]
    assert table.decode() == {1: (1, "It's\ta 'tab'"), 2: (2, "plain 'quoted'")}


def test_mysql_delimiter_blocks_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "trigger.sql"
    path.write_text(
        "-- MySQL dump 10.13  Distrib 8.0.36\n"
        "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n);\n"
        "INSERT INTO `t` VALUES (1),(2);\n"
        "DELIMITER ;;\n"
        "/*!50003 CREATE*/ /*!50003 TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW BEGIN\n"
        "  INSERT INTO nowhere VALUES (1);\nEND */;;\n"
        "DELIMITER ;\n"
        "INSERT INTO `t` VALUES (3);\n",
        encoding="utf-8",
    )
    assert sorted(read_snapshot(path).tables["t"].pks) == [1, 2, 3]


def test_many_to_many_table_is_keyed_by_its_pair(tmp_path: Path) -> None:
    # As the live readers and fixtures key it: a fixture knows no ``id`` for it.
    path = tmp_path / "m2m.sql"
    path.write_text(
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        'CREATE TABLE "app_user" ("id" integer NOT NULL PRIMARY KEY);\n'
        'CREATE TABLE "app_group" ("id" integer NOT NULL PRIMARY KEY);\n'
        'CREATE TABLE "app_user_groups" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,'
        ' "user_id" bigint NOT NULL REFERENCES "app_user" ("id"),'
        ' "group_id" bigint NOT NULL REFERENCES "app_group" ("id"));\n'
        "INSERT INTO app_user VALUES(1);\nINSERT INTO app_group VALUES(7);\n"
        "INSERT INTO app_user_groups VALUES(3,1,7);\nCOMMIT;\n",
        encoding="utf-8",
    )
    table = read_snapshot(path).tables["app_user_groups"]
    assert table.column_names == ("user_id", "group_id")
    assert table.decode() == {"(1, 7)": (1, 7)}


def test_cut_off_gzip_file(tmp_path: Path, sqlite_dumps: dict[str, Path]) -> None:
    compressed = gzip.compress(sqlite_dumps["backup"].read_bytes())
    path = tmp_path / "cut.sql.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DumpFormatError, match="cannot decompress") as caught:
        read_snapshot(path, "sqlite-dump")
    assert caught.value.line is not None and caught.value.line > 1


def test_a_primary_key_naming_no_column_is_refused_at_its_table(tmp_path: Path) -> None:
    path = tmp_path / "pk.sql"
    path.write_text(
        "CREATE TABLE public.t (\n    i integer NOT NULL,\n    v text\n);\n"
        "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
        encoding="utf-8",
    )
    with pytest.raises(DumpFormatError, match=r"pk.sql:1: the primary key of 't' names \['id'\]"):
        read_sql_dump(path, Dialect.POSTGRES)
