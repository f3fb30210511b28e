"""The diff of the real fixtures is exactly what demo/accident.py did (fixtures/accident.json)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

from repairkit.diff import Changeset, diff_snapshots
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.snapshot import Column, MemoryRowStore, Snapshot, Table
from repairkit.values import same_value

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def accident() -> dict[str, Any]:
    return json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def changeset() -> Changeset:
    return diff_snapshots(read_lino_dump(FIXTURES / "backup"), read_lino_dump(FIXTURES / "current"))


def test_deleted_and_added_rows_are_exactly_the_accident(
    changeset: Changeset, accident: dict[str, Any]
) -> None:
    deleted = {name: list(diff.deleted) for name, diff in changeset.tables.items() if diff.deleted}
    added = {name: list(diff.added) for name, diff in changeset.tables.items() if diff.added}
    assert deleted == accident["deleted"]
    assert added == accident["added"]


def test_changed_fields_are_exactly_the_accident(
    changeset: Changeset, accident: dict[str, Any]
) -> None:
    found = {
        (name, change.pk, field.column): (field.old, field.new)
        for name, diff in changeset.tables.items()
        for change in diff.changed
        for field in change.fields
    }
    expected = {
        (name, change["pk"], change["column"]): (change["before"], change["after"])
        for name, changes in accident["changed"].items()
        for change in changes
    }
    assert found.keys() == expected.keys()
    # accident.json writes values as JSON; compare through the same rendering.
    assert found[("repairdemo_product", 10, "price")] == (Decimal("58.41"), Decimal("12.90"))
    assert found[("repairdemo_order", 3, "delivery_time")] == (None, datetime.time(10, 30))
    for key, (old, new) in expected.items():
        if isinstance(old, str) and isinstance(new, str) and key[2] != "price":
            assert found[key] == (old, new)


def test_blanked_field_is_visible(changeset: Changeset, accident: dict[str, Any]) -> None:
    blanked = accident["blanked"]
    partner = changeset.tables[blanked["table"]]
    emptied = [
        c.pk for c in partner.changed if any(f.column == "email" and f.new == "" for f in c.fields)
    ]
    assert emptied == blanked["pks"]


def test_summary_counts(changeset: Changeset, accident: dict[str, Any]) -> None:
    summary = changeset.summary
    assert summary.deleted == sum(len(pks) for pks in accident["deleted"].values())
    assert summary.added == sum(len(pks) for pks in accident["added"].values())
    assert summary.changed == len(
        {(t, c["pk"]) for t, cs in accident["changed"].items() for c in cs}
    )
    assert changeset.has_differences


def test_a_dump_against_itself_has_no_differences() -> None:
    backup = read_lino_dump(FIXTURES / "backup")
    changeset = diff_snapshots(backup, read_lino_dump(FIXTURES / "backup"))
    assert not changeset.has_differences
    assert changeset.summary.changed == 0


def memory_table(name: str, columns: list[str], rows: dict[Any, tuple[Any, ...]]) -> Table:
    return Table(name, [Column(c) for c in columns], columns[0], MemoryRowStore(rows))


def test_tables_and_columns_found_in_one_snapshot_only() -> None:
    old = Snapshot("old", [
        memory_table("a", ["id", "x", "gone"], {1: (1, "p", "q")}),
        memory_table("only_old", ["id"], {1: (1,)}),
    ])  # fmt: skip
    new = Snapshot("new", [
        memory_table("a", ["id", "x", "fresh"], {1: (1, "p", "r")}),
        memory_table("only_new", ["id"], {1: (1,), 2: (2,)}),
    ])  # fmt: skip
    changeset = diff_snapshots(old, new)
    assert changeset.old_only_tables == {"only_old": 1}
    assert changeset.new_only_tables == {"only_new": 2}
    diff = changeset.tables["a"]
    assert diff.old_only_columns == ("gone",)
    assert diff.new_only_columns == ("fresh",)
    # a schema change is not a changed value
    assert diff.changed == ()
    assert changeset.has_differences


def test_table_filter() -> None:
    old = Snapshot(
        "old", [memory_table("a", ["id"], {1: (1,)}), memory_table("b", ["id"], {1: (1,)})]
    )
    new = Snapshot("new", [memory_table("a", ["id"], {}), memory_table("b", ["id"], {})])
    assert list(diff_snapshots(old, new, tables=["b"]).tables) == ["b"]


def test_true_and_one_are_different_values() -> None:
    assert not same_value(True, 1)
    assert not same_value(0, False)
    assert same_value(Decimal("1.0"), Decimal("1.00"))
    assert same_value(None, None)
    assert not same_value(None, "")
