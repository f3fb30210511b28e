"""Restore plans made by hand from the demo site's fixtures, for the emitters' end-to-end tests.

The plan puts back what ``demo/accident.py`` deleted (from ``fixtures/backup``,
in dependency order), and can add new persons whose texts are hostile.
It is built here rather than by ``plan_restore`` so that these tests check
the emitters alone.
"""

from __future__ import annotations

import datetime
import json
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from repairkit.links import collect_tables, infer_links
from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan
from repairkit.readers import read_snapshot
from repairkit.snapshot import Table

from .conftest import FIXTURES

# Parents first, as a plan orders them.
DELETED_TABLES = (
    "repairdemo_partner", "repairdemo_person", "repairdemo_company", "repairdemo_order",
    "repairdemo_orderitem", "repairdemo_note",
)  # fmt: skip
HOSTILE_TEXTS = (
    "O'Brien \\'; DROP TABLE repairdemo_partner; --",
    "%s {} %(name)s {0}",
    "line one\r\nline two\rthree\n",
    "Ctrl-Z \x1a end",
    "replacement \ufffd and emoji 🌿😀",
    "NUL \x00 inside",
    "quotes \" '' `back` $$dollar$$",
)
HOSTILE_PK_START = 900


def accident_plan(hostile: Sequence[str] = ()) -> RestorePlan:
    """Return a plan reinstating the accident's deleted rows, plus a person per hostile text."""
    backup = read_snapshot(FIXTURES / "backup")
    deleted = json.loads((FIXTURES / "accident.json").read_text())["deleted"]
    planned = []
    for name in DELETED_TABLES:
        table = backup.tables[name]
        rows = [
            PlannedRow(pk, values, "backup", Reason.MISSING)
            for pk, values in sorted(table.decode(deleted[name]).items())
        ]
        rows += _hostile_rows(table, hostile)
        planned.append(PlannedTable(name, table.model, table.columns, table.pk, tuple(rows)))
    links = infer_links(collect_tables([backup]))
    return RestorePlan(("backup",), "current", tuple(planned), (), links)


def _hostile_rows(table: Table, texts: Sequence[str]) -> list[PlannedRow]:
    made = []
    for offset, text in enumerate(texts):
        pk = HOSTILE_PK_START + offset
        values: dict[str, Any] | None = None
        if table.name == "repairdemo_partner":
            values = {
                "id": pk, "name": text, "email": "", "street": text[:200], "city": "",
                "country_id": None, "is_active": True,
                "created": datetime.datetime(2001, 2, 3, 4, 5, 6), "remark": text * 3,
            }  # fmt: skip
        elif table.name == "repairdemo_person":
            values = {
                "partner_ptr_id": pk, "first_name": text[:100], "last_name": "Hostile",
                "birth_date": datetime.date(1, 1, 1), "gender": "F",
            }  # fmt: skip
        if values is not None:
            row = tuple(values[column.name] for column in table.columns)
            made.append(PlannedRow(pk, row, "hostile", Reason.MISSING))
    return made


def copy_current_database(directory: Path) -> Path:
    """Copy the demo site's database after the accident to ``directory``; return the copy."""
    target = directory / "site.sqlite3"
    shutil.copyfile(FIXTURES / "current.sqlite3", target)
    return target


def read_rows(database: Path, table: str, pk: str, pks: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Return the rows of ``table`` with these primary keys, as stored, ordered by key."""
    marks = ", ".join("?" * len(pks))
    connection = sqlite3.connect(database)
    try:
        return connection.execute(
            f'SELECT * FROM "{table}" WHERE "{pk}" IN ({marks}) ORDER BY "{pk}"', list(pks)
        ).fetchall()
    finally:
        connection.close()


def checksums(database: Path) -> dict[str, int]:
    """Return a hash of every table's rows ordered by rowid, by table name."""
    connection = sqlite3.connect(database)
    try:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
        return {
            name: hash(tuple(connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid')))
            for name in names
        }
    finally:
        connection.close()
