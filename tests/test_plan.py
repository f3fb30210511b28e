"""plan_restore on the real demo dumps: the accident's deletions come back, nothing else moves."""

from __future__ import annotations

import json
from typing import Any

import pytest

from repairkit.plan import Reason, RestorePlan, plan_restore
from repairkit.readers import read_snapshot
from repairkit.snapshot import Snapshot

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def backup() -> Snapshot:
    return read_snapshot(FIXTURES / "backup")


@pytest.fixture(scope="module")
def current() -> Snapshot:
    return read_snapshot(FIXTURES / "current")


@pytest.fixture(scope="module")
def plan(backup: Snapshot, current: Snapshot) -> RestorePlan:
    return plan_restore([backup], current)


@pytest.fixture(scope="module")
def accident() -> dict[str, Any]:
    with (FIXTURES / "accident.json").open(encoding="utf-8") as stream:
        result: dict[str, Any] = json.load(stream)
    return result


def planned_keys(plan: RestorePlan) -> dict[str, list[object]]:
    return {table.name: [row.pk for row in table.rows] for table in plan.tables}


def test_the_deleted_rows_are_exactly_what_is_planned(
    plan: RestorePlan, accident: dict[str, Any]
) -> None:
    assert planned_keys(plan) == accident["deleted"]
    assert plan.row_count == 69


def test_every_row_is_missing_and_comes_from_the_backup(plan: RestorePlan) -> None:
    rows = [row for table in plan.tables for row in table.rows]
    assert {row.reason for row in rows} == {Reason.MISSING}
    assert {row.source for row in rows} == {"backup"}
    assert all(row.needed_by is None for row in rows)
    assert plan.backups == ("backup",) and plan.current == "current"


def test_deleted_persons_and_company_bring_their_partner_rows(plan: RestorePlan) -> None:
    keys = planned_keys(plan)
    assert set(keys["repairdemo_person"]) | set(keys["repairdemo_company"]) == {7, 13, 19, 27}
    assert keys["repairdemo_partner"] == [7, 13, 19, 27]


def test_planned_values_are_the_backup_rows(plan: RestorePlan, backup: Snapshot) -> None:
    for table in plan.tables:
        source = backup.tables[table.name]
        assert table.columns == source.columns and table.pk == source.pk
        assert table.model == source.model
        expected = source.decode([row.pk for row in table.rows])
        assert {row.pk: row.values for row in table.rows} == expected


def test_rows_added_since_the_backup_are_not_touched(
    plan: RestorePlan, accident: dict[str, Any]
) -> None:
    keys = planned_keys(plan)
    for name, pks in accident["added"].items():
        assert not set(pks) & set(keys.get(name, [])), name


def test_edited_and_blanked_rows_keep_their_current_values(
    plan: RestorePlan, accident: dict[str, Any]
) -> None:
    # Rows present in both dumps are never reinstated: edits are kept, and the
    # blanked e-mails are a field repair, not something merge puts back.
    keys = planned_keys(plan)
    for name, changes in accident["changed"].items():
        for change in changes:
            assert change["pk"] not in keys.get(name, []), (name, change)
    assert set(accident["blanked"]["pks"]).isdisjoint(keys["repairdemo_partner"])


def test_nothing_is_left_out_and_no_edit_counts_as_a_reused_key(plan: RestorePlan) -> None:
    # Partner 29 had two columns edited (name in partner, last_name in person):
    # an edit, not a record that took over the key.
    assert plan.left_out == ()


def test_tables_come_after_the_tables_they_point_to(plan: RestorePlan) -> None:
    order = [table.name for table in plan.tables]
    position = order.index
    assert position("repairdemo_partner") < position("repairdemo_person")
    assert position("repairdemo_partner") < position("repairdemo_company")
    assert position("repairdemo_partner") < position("repairdemo_order")
    assert position("repairdemo_order") < position("repairdemo_orderitem")
    # Notes point to persons, companies and orders through their generic foreign key;
    # dump2py itself loads notes before partners.
    for owner in ("repairdemo_person", "repairdemo_company", "repairdemo_order"):
        assert position(owner) < position("repairdemo_note")


def test_the_plan_lists_the_links_it_used(plan: RestorePlan) -> None:
    shown = {(link.table, link.column, link.target, link.inferred) for link in plan.links}
    assert ("repairdemo_order", "partner_id", "repairdemo_partner", True) in shown
    assert ("repairdemo_person", "partner_ptr_id", "repairdemo_partner", False) in shown
    assert [(g.table, g.type_column, g.id_column) for g in plan.generic_links] == [
        ("repairdemo_note", "owner_type_id", "owner_id")
    ]


def test_the_current_state_planned_against_itself_is_empty(current: Snapshot) -> None:
    plan = plan_restore([current], current)
    assert plan.tables == () and plan.left_out == () and plan.row_count == 0


def test_a_row_damaged_only_in_repaired_or_blanked_columns_is_the_same_record() -> None:
    from repairkit.links import Link
    from repairkit.snapshot import Column, MemoryRowStore, Table

    def moment(label: str, title: str | None, links: dict[Any, tuple[Any, ...]]) -> Snapshot:
        return Snapshot(label, [
            Table("blog_article", [Column("id"), Column("title")], "id",
                  MemoryRowStore({3: (3, title)})),
            Table("blog_link", [Column("id"), Column("article_id")], "id", MemoryRowStore(links)),
        ])  # fmt: skip

    # The accident changed the one column of article 3 and deleted its links.
    backup = moment("backup", "Third", {7: (7, 3), 8: (8, 3)})
    links = [Link("blog_link", "article_id", "blog_article")]
    for damaged, repaired, same_record in [
        ("Other", None, False),  # another value in every column: another record
        ("Other", {"blog_article": ["title"]}, True),  # unless it is the column being repaired
        ("", None, True),  # a blanked value is damage, not another record
        (None, None, True),
    ]:
        plan = plan_restore([backup], moment("current", damaged, {}), links=links,
                            repaired=repaired)  # fmt: skip
        restored = {row.pk for table in plan.tables for row in table.rows}
        if same_record:
            assert not plan.left_out and restored == {7, 8}, damaged
        else:
            assert {(item.table, item.kind.value) for item in plan.left_out} == {
                ("blog_article", "reused_pk"),
                ("blog_link", "depends_on_left_out"),
            }
