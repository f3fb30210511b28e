"""The real-rows generator keeps a site consistent and reports exactly what it changed.

benchmarks/realrows.py grows a prepared site's tables and realrows_changes.py
makes the new state; the benchmark trusts the changes they report. Here a
small site with inheritance (a person is a partner), chains of foreign keys
(items of invoices of partners), a unique column and a table that is not
grown (users point at partners) is grown and changed, and both files are
compared row by row, independently of what the generator says.
"""

from __future__ import annotations

import sqlite3
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from realrows import grow_database  # noqa: E402
from realrows_changes import change_database  # noqa: E402

SCHEMA = """
CREATE TABLE country (id integer PRIMARY KEY, name varchar(50) NOT NULL);
CREATE TABLE partner (
    id integer PRIMARY KEY AUTOINCREMENT, name varchar(24) NOT NULL,
    country_id integer NULL REFERENCES country (id), balance decimal NULL,
    born date NULL, active bool NOT NULL, code varchar(10) NULL UNIQUE
);
CREATE TABLE person (
    partner_ptr_id integer PRIMARY KEY REFERENCES partner (id), first_name varchar(30) NOT NULL
);
CREATE TABLE invoice (
    id integer PRIMARY KEY, partner_id integer NOT NULL REFERENCES partner (id),
    total decimal NOT NULL
);
CREATE TABLE item (
    id integer PRIMARY KEY, invoice_id integer NOT NULL REFERENCES invoice (id),
    text text NOT NULL
);
CREATE TABLE user (id integer PRIMARY KEY, partner_id integer NULL REFERENCES partner (id));
"""
GROWN = ("partner", "person", "invoice", "item")


def _column(kind: str, field: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "field": field, "null": True, **extra}


# What describe_columns.py would say of the models of this site.
COLUMNS: dict[str, dict[str, Any]] = {
    "country": {"id": _column("other", "id"), "name": _column("text", "name", max_length=50)},
    "partner": {
        "id": _column("other", "id"),
        "name": _column("text", "name", max_length=24),
        "country_id": _column("fk", "country"),
        "balance": _column("decimal", "balance", decimal_places=2),
        "born": _column("date", "born"),
        "active": _column("bool", "active"),
        "code": _column("text", "code", max_length=10),
    },
    "person": {
        "partner_ptr_id": _column("fk", "partner_ptr"),
        "first_name": _column("text", "first_name", max_length=30),
    },
    "invoice": {
        "id": _column("other", "id"),
        "partner_id": _column("fk", "partner"),
        "total": _column("decimal", "total", decimal_places=2),
    },
    "item": {
        "id": _column("other", "id"),
        "invoice_id": _column("fk", "invoice"),
        "text": _column("text", "text"),
    },
    "user": {"id": _column("other", "id"), "partner_id": _column("fk", "partner")},
}


@pytest.fixture
def prepared(tmp_path: Path) -> Path:
    """A small site: 40 partners (every other one a person), 60 invoices, 120 items."""
    path = tmp_path / "prepared.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO country VALUES (?, ?)", [(i, f"Land {i}") for i in range(1, 6)])
    for i in range(1, 41):
        born = None if i % 3 else f"19{50 + i}-0{1 + i % 9}-1{i % 10}"
        balance = None if i % 4 == 0 else str(Decimal(i * 137) / 100)
        code = "=" if i == 7 else None
        db.execute(
            "INSERT INTO partner VALUES (?, ?, ?, ?, ?, ?, ?)",
            (i, f"Müller {i} & Söhne", 1 + i % 5, balance, born, i % 2, code),
        )
        if i % 2:
            db.execute("INSERT INTO person VALUES (?, ?)", (i, f"Zoë {i}"))
    db.executemany(
        "INSERT INTO invoice VALUES (?, ?, ?)",
        [(i, 1 + i % 40, str(Decimal(i * 1999) / 100)) for i in range(1, 61)],
    )
    db.executemany(
        "INSERT INTO item VALUES (?, ?, ?)",
        [(i, 1 + i % 60, f"Table en bois n° {i}") for i in range(1, 121)],
    )
    db.execute("INSERT INTO user VALUES (1, 1)")
    db.commit()
    db.close()
    return path


def rows_by_key(path: Path) -> dict[str, dict[Any, dict[str, Any]]]:
    """Return every table's rows as {key: {column: value}}, the key being the first column."""
    db = sqlite3.connect(path)
    try:
        found = {}
        for table in COLUMNS:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            names = [c[0] for c in cursor.description]
            found[table] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        return found
    finally:
        db.close()


def foreign_key_problems(path: Path) -> list[Any]:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        db.close()


def test_growing_repeats_the_rows_with_their_keys_moved_together(
    prepared: Path, tmp_path: Path
) -> None:
    grown = tmp_path / "old.sqlite3"
    copies = grow_database(prepared, grown, 2406, COLUMNS, GROWN)
    assert copies == 10  # 240 rows a copy; 5 countries and 1 user stay as they are
    before, after = rows_by_key(prepared), rows_by_key(grown)
    assert foreign_key_problems(grown) == []
    for table in GROWN:
        assert len(after[table]) == copies * len(before[table])
    assert after["country"] == before["country"] and after["user"] == before["user"]
    offset = 1000  # the power of ten above the largest key, 120
    for key, item in after["item"].items():
        original = before["item"][key % offset]
        assert item["invoice_id"] == original["invoice_id"] + key // offset * offset
        assert item["text"] == original["text"]
    for key in after["person"]:
        assert key in after["partner"]  # each copied person has its copied partner
    partner = after["partner"][3 * offset + 9]
    assert partner["country_id"] == before["partner"][9]["country_id"]  # not a grown table
    codes = sorted(p["code"] for p in after["partner"].values() if p["code"] is not None)
    assert codes == ["="] + [f"= #{k}" for k in range(1, copies)]


def independent_diff(old: Path, new: Path) -> dict[str, Any]:
    """Return the changes between two files, found by comparing their rows."""
    before, after = rows_by_key(old), rows_by_key(new)
    found = {}
    for table in COLUMNS:
        b, a = before[table], after[table]
        changed = {
            str(key): sorted(c for c in b[key] if b[key][c] != a[key][c])
            for key in b.keys() & a.keys()
            if b[key] != a[key]
        }
        entry = {"deleted": sorted(b.keys() - a.keys()), "added": sorted(a.keys() - b.keys())}
        if entry["deleted"] or entry["added"] or changed:
            found[table] = {**entry, "changed": changed}
    return found


def test_the_new_state_differs_exactly_as_reported_and_stays_consistent(
    prepared: Path, tmp_path: Path
) -> None:
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    grow_database(prepared, old, 2406, COLUMNS, GROWN)
    expected = change_database(old, new, COLUMNS, GROWN, 0.1, seed=3)
    found = independent_diff(old, new)
    for table in found:
        found[table]["added"].sort()
    assert {t: {**e, "added": sorted(e["added"])} for t, e in expected.items()} == found
    assert foreign_key_problems(new) == []
    assert set(found) >= {"partner", "person", "invoice", "item"}
    # Each kind happened; a deleted or added person went with its partner, and back.
    assert all(found[t]["deleted"] and found[t]["changed"] for t in ("partner", "invoice", "item"))
    assert found["partner"]["added"] and found["invoice"]["added"]
    assert set(found["person"]["deleted"]) <= set(found["partner"]["deleted"])
    assert set(found["person"]["added"]) <= set(found["partner"]["added"])
    new_rows = rows_by_key(new)
    for key in found["partner"]["deleted"]:
        assert key not in new_rows["person"]
    assert 1 in new_rows["partner"]  # a user points at it: never deleted
    assert "id" not in {c for e in found.values() for cols in e["changed"].values() for c in cols}
    assert "code" not in found["partner"]["changed"].get("7", [])  # unique: never changed
    # The same seed makes the same changes.
    again = change_database(old, tmp_path / "again.sqlite3", COLUMNS, GROWN, 0.1, seed=3)
    assert again == expected
