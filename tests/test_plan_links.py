"""Foreign keys: inferred from the demo dumps, they match what the demo site's models say.

The models are read by ``repairkit.site_schema`` in a subprocess, since
``django.setup()`` can run once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from repairkit.links import (
    Link,
    collect_tables,
    find_generic_links,
    infer_links,
    order_tables,
)
from repairkit.readers import read_snapshot
from repairkit.snapshot import Column, MemoryRowStore, Table

from .conftest import DEMO, FIXTURES, REPO

pytest.importorskip("lino", reason="the demo site needs Lino (pip install -e .[test])")

READ_SCHEMA = """
import json, sys
from repairkit.site_schema import read_site_schema
schema = read_site_schema("repairdemo.settings")
json.dump({
    "links": [[l.table, l.column, l.target] for l in schema.links],
    "generic_links": [[g.table, g.type_column, g.id_column] for g in schema.generic_links],
    "unique": {table: [list(s) for s in sets] for table, sets in schema.unique.items()},
}, sys.stdout)
"""


@pytest.fixture(scope="module")
def site_schema() -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(DEMO), str(REPO)]))
    result = subprocess.run(
        [sys.executable, "-c", READ_SCHEMA], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # Lino may print a locale warning before the JSON document.
    schema: dict[str, Any] = json.loads(result.stdout[result.stdout.index("{") :])
    return schema


@pytest.mark.parametrize("moment", ["backup", "current"])
def test_every_foreign_key_of_the_demo_models_is_inferred(
    moment: str, site_schema: dict[str, Any]
) -> None:
    tables = collect_tables([read_snapshot(FIXTURES / moment)])
    inferred = {(link.table, link.column, link.target) for link in infer_links(tables)}
    exact = {tuple(link) for link in site_schema["links"] if link[0] in tables}
    assert exact  # the demo has nine foreign keys; an empty comparison would prove nothing
    assert inferred == exact
    found = [[g.table, g.type_column, g.id_column] for g in find_generic_links(tables)]
    assert found == site_schema["generic_links"]


def test_only_guessed_links_are_marked_inferred() -> None:
    tables = collect_tables([read_snapshot(FIXTURES / "backup")])
    marks = {(link.table, link.column): link.inferred for link in infer_links(tables)}
    assert marks[("repairdemo_person", "partner_ptr_id")] is False  # MTI, read from restore.py
    assert marks[("repairdemo_note", "owner_type_id")] is False  # content type, read too
    assert marks[("repairdemo_orderitem", "order_id")] is True
    assert marks[("repairdemo_category", "parent_id")] is True  # no Parent model: a tree
    assert ("repairdemo_note", "owner_id") not in marks  # a generic link's object id
    assert ("repairdemo_company", "vat_id") not in marks  # no Vat model: a plain column


def test_site_schema_reads_unique_columns(site_schema: dict[str, Any]) -> None:
    assert site_schema["unique"]["django_content_type"] == [["app_label", "model"]]


def table(name: str, model: str, *columns: str) -> Table:
    return Table(name, [Column(c) for c in columns], columns[0], MemoryRowStore({}), model=model)


def test_same_app_wins_and_ambiguous_names_are_not_guessed() -> None:
    tables = {
        t.name: t
        for t in [
            table("a_user", "a.User", "id"),
            table("b_user", "b.User", "id"),
            table("a_entry", "a.Entry", "id", "user_id"),
            table("c_entry", "c.Entry", "id", "user_id", "parent_id"),
        ]
    }
    assert set(infer_links(tables)) == {
        Link("a_entry", "user_id", "a_user", inferred=True),
        Link("c_entry", "parent_id", "c_entry", inferred=True),
    }


def test_tables_are_ordered_by_what_they_point_to_and_cycles_are_broken() -> None:
    edges = {("child", "parent", True), ("parent", "other", False), ("other", "parent", False)}
    assert order_tables(["child", "other", "parent"], edges) == ["other", "parent", "child"]
    assert order_tables(["b", "a"], set()) == ["b", "a"]
