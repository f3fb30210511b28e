"""Keys of several columns: the snapshot's rule, the restore directory's marker, the SQL forms.

The end-to-end proofs on real databases are in test_keys_e2e.py and
test_keys_fixtures.py; these are the quick checks of each piece.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.links import PairTable
from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan
from repairkit.readers.fixture.dump import read_django_fixture
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.snapshot import Column, MemoryRowStore, Table
from repairkit.values import render_key
from repairkit.writers import write_restore_dir
from repairkit.writers.fixture import render_fixture
from repairkit.writers.sql import render_sql

PAIRS = [(1, 1), (1, 2), (2, 2)]


def pair_plan() -> RestorePlan:
    columns = (
        Column("user_id", references="auth_user"),
        Column("group_id", references="auth_group"),
    )
    rows = tuple(PlannedRow(render_key(pair), pair, "backup", Reason.MISSING) for pair in PAIRS)
    table = PlannedTable(
        "auth_user_groups", "auth.User_groups", columns, "user_id", rows, ("user_id", "group_id")
    )
    return RestorePlan(("backup",), "current", (table,), (), ())


def test_a_key_must_start_with_the_pk_and_be_made_of_columns() -> None:
    store = MemoryRowStore({})
    columns = [Column("a"), Column("b")]
    assert Table("t", columns, "a", store, key=["a", "b"]).key == ("a", "b")
    assert Table("t", columns, "a", store).key == ("a",)
    with pytest.raises(ValueError, match="must start with"):
        Table("t", columns, "a", store, key=["b", "a"])
    with pytest.raises(ValueError, match="must start with"):
        Table("t", columns, "a", store, key=["a", "c"])


def test_a_restore_directory_marks_a_pair_and_reads_back_keyed_by_it(tmp_path: Path) -> None:
    write_restore_dir(pair_plan(), tmp_path / "out")
    assert "    # key: user_id, group_id\n" in (tmp_path / "out" / "restore.py").read_text()
    table = read_lino_dump(tmp_path / "out").tables["auth_user_groups"]
    assert table.key == ("user_id", "group_id")
    assert set(table.pks) == {"(1, 1)", "(1, 2)", "(2, 2)"}  # user 1 twice: no duplicate key


def test_sqlite_inserts_a_pair_once_and_lets_the_database_assign_the_id(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "site.sqlite3")
    connection.executescript(
        "CREATE TABLE auth_user (id integer PRIMARY KEY);"
        "CREATE TABLE auth_group (id integer PRIMARY KEY);"
        "INSERT INTO auth_user VALUES (1), (2); INSERT INTO auth_group VALUES (1), (2);"
        "CREATE TABLE auth_user_groups (id integer PRIMARY KEY AUTOINCREMENT,"
        " user_id integer NOT NULL REFERENCES auth_user (id),"
        " group_id integer NOT NULL REFERENCES auth_group (id), UNIQUE (user_id, group_id));"
        "INSERT INTO auth_user_groups (id, user_id, group_id) VALUES (7, 1, 2);"
    )
    script = render_sql(pair_plan(), "sqlite").text.replace(".bail on\n", "")
    assert 'ON CONFLICT ("user_id", "group_id") DO NOTHING' in script
    connection.commit()
    for _ in range(2):  # as two runs of the sqlite3 shell: each its own connection
        run = sqlite3.connect(tmp_path / "site.sqlite3")
        run.executescript(script)
        run.close()
    found = connection.execute("SELECT id, user_id, group_id FROM auth_user_groups").fetchall()
    assert sorted((user, group) for _, user, group in found) == PAIRS
    assert (7, 1, 2) in found  # the pair that was there keeps its id


def test_mysql_skips_a_pair_by_both_columns() -> None:
    script = render_sql(pair_plan(), "mysql").text
    assert (
        "WHERE `auth_user_groups`.`user_id` = `repairkit_rows`.`user_id`"
        " AND `auth_user_groups`.`group_id` = `repairkit_rows`.`group_id`);"
    ) in script
    assert "(1, 2)" in script


USER_GROUPS = PairTable("auth_user_groups", "auth_user", "user_id", "group_id", "groups")


def with_users(plan: RestorePlan, *pks: int) -> RestorePlan:
    columns = (Column("id"), Column("username"))
    rows = tuple(PlannedRow(pk, (pk, f"user{pk}"), "backup", Reason.MISSING) for pk in pks)
    users = PlannedTable("auth_user", "auth.User", columns, "id", rows)
    return dataclasses.replace(plan, tables=(users, *plan.tables))


def test_a_fixture_writes_links_in_their_owner_and_composite_keys_as_lists() -> None:
    plan = with_users(pair_plan(), 1, 2)
    objects = json.loads(render_fixture(plan, pair_tables={USER_GROUPS.table: USER_GROUPS}).text)
    assert objects == [  # as dumpdata writes them: loaddata sets the list again on every load
        {"model": "auth.user", "pk": 1, "fields": {"username": "user1", "groups": [1, 2]}},
        {"model": "auth.user", "pk": 2, "fields": {"username": "user2", "groups": [2]}},
    ]
    objects = json.loads(render_fixture(plan).text)  # not auto-created: a composite pk
    assert objects[3]["pk"] == [1, 2]


def test_a_fixture_writes_links_of_a_row_it_does_not_bring_back_without_pk() -> None:
    plan = with_users(pair_plan(), 1)  # user 2 is still in the current state
    objects = json.loads(render_fixture(plan, pair_tables={USER_GROUPS.table: USER_GROUPS}).text)
    assert objects == [  # rewriting user 2 would overwrite it: its link goes alone
        {"model": "auth.user", "pk": 1, "fields": {"username": "user1", "groups": [1, 2]}},
        {"model": "auth.user_groups", "pk": None, "fields": {"user": 2, "group": 2}},
    ]


def write(path: Path, objects: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps(objects), encoding="utf-8")
    return path


def test_a_composite_pk_in_a_fixture_is_keyed_by_the_fields_that_hold_it(tmp_path: Path) -> None:
    rows = [
        {
            "model": "shop.stock",
            "pk": ["acme", 0],
            "fields": {"shop": "acme", "number": 0, "qty": 5},
        },
        {"model": "shop.stock", "pk": ["0", 1], "fields": {"shop": "0", "number": 1, "qty": 0}},
    ]
    table = read_django_fixture(write(tmp_path / "f.json", rows)).tables["shop_stock"]
    assert table.key == ("shop", "number")
    assert set(table.pks) == {"('acme', 0)", "('0', 1)"}  # as the SQL readers render them


def test_an_ambiguous_composite_pk_in_a_fixture_is_refused_by_name(tmp_path: Path) -> None:
    rows = [{"model": "shop.stock", "pk": ["acme", 5], "fields": {"shop": "acme", "number": 5,
                                                                   "qty": 5}}]  # fmt: skip
    with pytest.raises(DumpFormatError, match=r"part 2 of its composite pk matches the fields"):
        read_django_fixture(write(tmp_path / "f.json", rows))


def test_a_composite_pk_in_an_xml_fixture_is_keyed_as_in_json(tmp_path: Path) -> None:
    # As Django 5.2's XML serializer writes a CompositePrimaryKey: its parts as JSON texts.
    xml = tmp_path / "f.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<django-objects version="1.0">'
        '<object model="shop.stock" pk=\'["acme", "0"]\'>'
        '<field name="shop" type="CharField">acme</field>'
        '<field name="number" type="IntegerField">0</field>'
        '<field name="qty" type="IntegerField">5</field></object></django-objects>\n',
        encoding="utf-8",
    )
    table = read_django_fixture(xml).tables["shop_stock"]
    assert table.key == ("shop", "number")
    assert set(table.pks) == {"('acme', 0)"}  # as the JSON and SQL readers render it


def test_a_fixture_mixing_composite_and_plain_pks_is_refused_at_the_row(tmp_path: Path) -> None:
    rows = [
        {"model": "shop.stock", "pk": 7, "fields": {"shop": "acme", "number": 0}},
        {"model": "shop.stock", "pk": ["acme", 1], "fields": {"shop": "acme", "number": 1}},
    ]
    with pytest.raises(DumpFormatError) as caught:
        read_django_fixture(write(tmp_path / "f.json", rows))
    assert caught.value.line is not None
    assert "does not match the composite pk of 2 parts" in caught.value.problem
