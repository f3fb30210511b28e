"""plan_restore rules, each on a small site built in memory: sources, closure, conflicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from repairkit.errors import PlanError
from repairkit.plan import ConflictKind, LeftOut, Reason, RestorePlan, plan_restore
from repairkit.snapshot import (
    Column,
    ColumnKind,
    ContentTypeRef,
    MemoryRowStore,
    Pk,
    Row,
    Snapshot,
    Table,
)

PARENT_LINK = ColumnKind.PARENT_LINK

# name -> (model, columns, parent table). The order is a dump's load order, which
# puts children before parents on purpose: the plan must order them itself.
SITE: dict[str, tuple[str, tuple[Column, ...], str | None]] = {
    "shop_employee": ("shop.Employee", (
        Column("person_ptr_id", PARENT_LINK, "shop_person"), Column("badge"),
    ), "shop_person"),
    "shop_person": ("shop.Person", (
        Column("partner_ptr_id", PARENT_LINK, "shop_partner"), Column("first_name"),
    ), "shop_partner"),
    "shop_country": ("shop.Country", (Column("name"), Column("code")), None),
    "shop_partner": ("shop.Partner", (
        Column("id"), Column("name"), Column("email"), Column("city"), Column("country_id"),
    ), None),
    "shop_order": ("shop.Order", (Column("id"), Column("partner_id"), Column("total")), None),
    "shop_item": ("shop.Item", (Column("id"), Column("order_id"), Column("qty")), None),
    "shop_note": ("shop.Note", (
        Column("id"), Column("owner_type_id", ColumnKind.CONTENT_TYPE, "django_content_type"),
        Column("owner_id"), Column("subject"),
    ), None),
    "shop_husband": ("shop.Husband", (Column("id"), Column("wife_id")), None),
    "shop_wife": ("shop.Wife", (Column("id"), Column("husband_id")), None),
}  # fmt: skip
PERSON = ContentTypeRef("shop", "person")

Rows = Mapping[str, Mapping[Pk, Row]]


def snapshot(label: str, rows: Rows) -> Snapshot:
    """Build a snapshot of the shop site holding ``rows`` (table -> pk -> values)."""
    tables = []
    for name, (model, columns, parent) in SITE.items():
        pk = "code" if name == "shop_country" else columns[0].name
        store = MemoryRowStore(rows.get(name, {}))
        tables.append(Table(name, columns, pk, store, model=model, parent=parent))
    return Snapshot(label, tables)


# A person (partner 1 + person 1) with an order 10 and its items 100, 101, and a
# note about the person; partner 2, a plain partner; an employee (partner 3 ->
# person 3 -> employee 3). Country BE.
BASE: dict[str, dict[Pk, Row]] = {
    "shop_country": {"BE": ("Belgium", "BE")},
    "shop_partner": {
        1: (1, "Anna", "anna@example.org", "Eupen", "BE"),
        2: (2, "Bert", "bert@example.org", "Liège", "BE"),
        3: (3, "Cleo", "cleo@example.org", "Namur", None),
    },
    "shop_person": {1: (1, "Anna"), 3: (3, "Cleo")},
    "shop_employee": {3: (3, "B-3")},
    "shop_order": {10: (10, 1, "12.50")},
    "shop_item": {100: (100, 10, 1), 101: (101, 10, 2)},
    "shop_note": {500: (500, PERSON, 1, "Call back")},
}


def without(rows: Rows, **removed: Sequence[Pk]) -> dict[str, dict[Pk, Row]]:
    """Return a copy of ``rows`` without the given primary keys (keyword: table name)."""
    return {
        name: {pk: row for pk, row in table.items() if pk not in removed.get(name, ())}
        for name, table in rows.items()
    }


def changed(rows: Rows, table: str, pk: Pk, row: Row) -> dict[str, dict[Pk, Row]]:
    copy = {name: dict(table_rows) for name, table_rows in rows.items()}
    copy.setdefault(table, {})[pk] = row
    return copy


def planned(plan: RestorePlan) -> dict[tuple[str, Pk], tuple[Reason, tuple[str, Pk] | None]]:
    return {(t.name, r.pk): (r.reason, r.needed_by) for t in plan.tables for r in t.rows}


def left_out(plan: RestorePlan) -> dict[tuple[str, Pk], LeftOut]:
    return {(item.table, item.pk): item for item in plan.left_out}


ANNA_GONE = without(BASE, shop_partner=[1], shop_person=[1], shop_order=[10],
                    shop_item=[100, 101], shop_note=[500])  # fmt: skip


def test_a_deleted_record_comes_back_whole() -> None:
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", ANNA_GONE))
    assert set(planned(plan)) == {
        ("shop_partner", 1), ("shop_person", 1), ("shop_order", 10),
        ("shop_item", 100), ("shop_item", 101), ("shop_note", 500),
    }  # fmt: skip
    assert {reason for reason, _ in planned(plan).values()} == {Reason.MISSING}


def test_parents_come_first_whatever_the_dump_order() -> None:
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", ANNA_GONE))
    order = [table.name for table in plan.tables]
    assert order == ["shop_partner", "shop_person", "shop_order", "shop_item", "shop_note"]


def test_the_newest_backup_that_has_a_row_gives_its_values() -> None:
    older = changed(BASE, "shop_partner", 2, (2, "Bert (old)", "", "Liège", "BE"))
    newer = without(BASE, shop_partner=[3], shop_person=[3], shop_employee=[3])
    now = without(BASE, shop_partner=[2, 3], shop_person=[3], shop_employee=[3])
    plan = plan_restore([snapshot("b1", older), snapshot("b2", newer)], snapshot("now", now))
    rows = {(t.name, r.pk): r for t in plan.tables for r in t.rows}
    assert rows[("shop_partner", 2)].source == "b2"
    assert rows[("shop_partner", 2)].values == BASE["shop_partner"][2]
    # Cleo was gone before b2 was taken: only b1 has her.
    assert rows[("shop_partner", 3)].source == "b1"
    assert rows[("shop_employee", 3)].source == "b1"


def test_only_pulls_in_what_a_row_needs_over_several_levels() -> None:
    plan = plan_restore(
        [snapshot("b", BASE)], snapshot("now", ANNA_GONE), only={"shop_item": [101]}
    )
    assert planned(plan) == {
        ("shop_item", 101): (Reason.MISSING, None),
        ("shop_order", 10): (Reason.REFERENCED, ("shop_item", 101)),
        ("shop_partner", 1): (Reason.REFERENCED, ("shop_order", 10)),
        ("shop_person", 1): (Reason.CHILD, ("shop_partner", 1)),
    }
    assert ("shop_item", 100) not in planned(plan)  # not asked for, not needed


def test_a_grandchild_brings_its_parent_chain() -> None:
    now = without(BASE, shop_partner=[3], shop_person=[3], shop_employee=[3])
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", now), only={"shop_employee": [3]})
    assert planned(plan) == {
        ("shop_employee", 3): (Reason.MISSING, None),
        ("shop_person", 3): (Reason.PARENT, ("shop_employee", 3)),
        ("shop_partner", 3): (Reason.PARENT, ("shop_person", 3)),
    }
    assert [t.name for t in plan.tables] == ["shop_partner", "shop_person", "shop_employee"]


def test_a_reference_to_a_row_no_snapshot_has_is_left_out_with_what_needs_it() -> None:
    backup = changed(BASE, "shop_partner", 1, (1, "Anna", "anna@example.org", "Eupen", "XX"))
    plan = plan_restore([snapshot("b", backup)], snapshot("now", ANNA_GONE))
    assert planned(plan) == {}
    out = left_out(plan)
    assert out[("shop_partner", 1)].kind is ConflictKind.DANGLING
    assert "shop_country 'XX'" in out[("shop_partner", 1)].detail
    for key in [("shop_person", 1), ("shop_order", 10), ("shop_item", 100), ("shop_note", 500)]:
        assert out[key].kind is ConflictKind.DEPENDS_ON_LEFT_OUT, key
    assert "parent shop_partner 1" in out[("shop_person", 1)].detail


def test_a_left_out_child_keeps_its_parent_out_too() -> None:
    # Reinstating partner 1 without its person part would change the record's type.
    plan = plan_restore(
        [snapshot("b", BASE)], snapshot("now", ANNA_GONE), exclude_tables=["shop_person"]
    )
    out = left_out(plan)
    assert out[("shop_partner", 1)].kind is ConflictKind.DEPENDS_ON_LEFT_OUT
    assert "--exclude-table keeps shop_person out" in out[("shop_partner", 1)].detail
    assert ("shop_order", 10) in out and planned(plan) == {}


def test_a_reused_primary_key_is_reported_and_the_current_row_kept() -> None:
    # Partner 2 was deleted, and a new partner got key 2; its order 11 was deleted too.
    backup = changed(BASE, "shop_order", 11, (11, 2, "3.00"))
    now = changed(BASE, "shop_partner", 2, (2, "Zoe", "zoe@example.org", "Gent", "BE"))
    plan = plan_restore([snapshot("b", backup)], snapshot("now", now))
    out = left_out(plan)
    assert out[("shop_partner", 2)].kind is ConflictKind.REUSED_PK
    assert "3 of 4 columns (name, email, city)" in out[("shop_partner", 2)].detail
    assert out[("shop_order", 11)].kind is ConflictKind.DEPENDS_ON_LEFT_OUT
    assert planned(plan) == {}


def test_an_edit_is_not_a_reused_key() -> None:
    # Two of four columns differ: at most half is an edit (REUSED_PK_SHARE).
    now = changed(BASE, "shop_partner", 2, (2, "Bert", "", "Spa", "BE"))
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", now))
    assert plan.left_out == () and plan.tables == ()


def test_a_child_whose_parent_lost_its_type_is_reported_not_reattached() -> None:
    now = without(BASE, shop_person=[1])  # partner 1 is still there, no longer a person
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", now))
    out = left_out(plan)
    assert out[("shop_person", 1)].kind is ConflictKind.REUSED_PK
    assert "without its shop_person part" in out[("shop_person", 1)].detail
    assert planned(plan) == {}


def test_a_unique_value_taken_since_is_reported() -> None:
    now = changed(ANNA_GONE, "shop_partner", 9, (9, "Ann", "anna@example.org", "Eupen", "BE"))
    plan = plan_restore(
        [snapshot("b", BASE)], snapshot("now", now), unique={"shop_partner": [("email",)]}
    )
    out = left_out(plan)
    assert out[("shop_partner", 1)].kind is ConflictKind.UNIQUE_TAKEN
    assert "email='anna@example.org' is taken by shop_partner 9" in out[("shop_partner", 1)].detail
    assert out[("shop_person", 1)].kind is ConflictKind.DEPENDS_ON_LEFT_OUT
    assert planned(plan) == {}


def test_rows_pointing_to_each_other_are_both_planned() -> None:
    backup = {"shop_husband": {1: (1, 7)}, "shop_wife": {7: (7, 1)}}
    plan = plan_restore([snapshot("b", backup)], snapshot("now", {}))
    assert set(planned(plan)) == {("shop_husband", 1), ("shop_wife", 7)}
    assert sorted(t.name for t in plan.tables) == ["shop_husband", "shop_wife"]
    alone = plan_restore([snapshot("b", backup)], snapshot("now", {}), only={"shop_wife": [7]})
    assert planned(alone)[("shop_husband", 1)] == (Reason.REFERENCED, ("shop_wife", 7))


def test_table_restricts_what_is_asked_for_but_not_what_is_needed() -> None:
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", ANNA_GONE), tables=["shop_order"])
    assert planned(plan) == {
        ("shop_order", 10): (Reason.MISSING, None),
        ("shop_partner", 1): (Reason.REFERENCED, ("shop_order", 10)),
        ("shop_person", 1): (Reason.CHILD, ("shop_partner", 1)),
    }


def test_exclude_table_keeps_a_table_out_and_what_needs_it() -> None:
    plan = plan_restore(
        [snapshot("b", BASE)], snapshot("now", ANNA_GONE), exclude_tables=["shop_order"]
    )
    assert ("shop_order", 10) not in planned(plan)
    assert left_out(plan)[("shop_item", 100)].kind is ConflictKind.DEPENDS_ON_LEFT_OUT
    assert ("shop_partner", 1) in planned(plan) and ("shop_note", 500) in planned(plan)


def test_only_a_row_the_current_state_still_has_is_kept_as_it_is() -> None:
    plan = plan_restore([snapshot("b", BASE)], snapshot("now", BASE), only={"shop_partner": [2]})
    assert plan.tables == () and plan.kept == (("shop_partner", 2),)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tables": ["shop_nope"]}, "--table 'shop_nope': no such table"),
        ({"exclude_tables": ["shop_nope"]}, "--exclude-table 'shop_nope': no such table"),
        ({"only": {"shop_nope": [1]}}, "--only 'shop_nope': no such table"),
        ({"only": {"shop_partner": [99]}}, "--only shop_partner:99: no backup has primary key 99"),
    ],
)
def test_unknown_tables_and_keys_are_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        plan_restore([snapshot("b", BASE)], snapshot("now", ANNA_GONE), **options)  # type: ignore[arg-type]


def test_no_backup_is_an_error() -> None:
    with pytest.raises(PlanError, match="no backup given"):
        plan_restore([], snapshot("now", BASE))
