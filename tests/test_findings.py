"""Findings: each detector on the real texts of the demo dump, grouping and thresholds
on damaged copies of it, and the link graph that ``dangling`` follows.

Damaged copies are written in dump2py format by ``benchmarks/corruption_corpus.py``
and read back by the real reader, like any dump.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.findings import Finding, FindingKind, find_findings
from repairkit.findings.damage import classify_change
from repairkit.readers import read_snapshot
from repairkit.snapshot import Pk, Value

from .conftest import FIXTURES, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from corruption_corpus import CorpusBuilder  # noqa: E402
from dump_rewrite import write_dump  # noqa: E402

BACKUP = FIXTURES / "backup"
TEXT_TABLES = ("repairdemo_partner", "repairdemo_person", "repairdemo_note", "repairdemo_product")


def real_texts() -> list[str]:
    """Every distinct non-empty text of the demo dump's text columns."""
    snapshot = read_snapshot(BACKUP)
    texts = {
        value
        for name in TEXT_TABLES
        for record in snapshot.tables[name].records().values()
        for value in record.values()
        if isinstance(value, str) and value.strip()
    }
    return sorted(texts)


def as_cp1252(text: str) -> str:
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode())


def findings_after(
    tmp_path: Path,
    edits: dict[tuple[str, Pk], dict[str, Value]],
    deleted: dict[str, set[Pk]] | None = None,
    old: Path = BACKUP,
) -> list[Finding]:
    """Write a copy of ``old`` with ``edits`` and ``deleted`` rows; return the findings."""
    builder = CorpusBuilder.from_dump(old)
    for (table, pk), values in edits.items():
        builder.change(table, pk, values, "test")
    for table, pks in (deleted or {}).items():
        builder.deleted[table].update(pks)
    target = tmp_path / f"copy{len(list(tmp_path.iterdir()))}"
    write_dump(old, target, builder)
    old_snapshot, new_snapshot = read_snapshot(old), read_snapshot(target)
    return find_findings(diff_snapshots(old_snapshot, new_snapshot), old_snapshot, new_snapshot)


# -- one value at a time, on every real text ------------------------------------------------


def test_every_real_text_blanked_or_cut_is_damage() -> None:
    texts = real_texts()
    assert len(texts) > 100
    for text in texts:
        assert classify_change(text, "") is FindingKind.BLANKED, text
        assert classify_change(text, None) is FindingKind.BLANKED, text
        for cut in range(1, len(text)):
            if text[:cut].strip():
                assert classify_change(text, text[:cut]) is FindingKind.TRUNCATED, (text, cut)


def test_every_real_non_ascii_text_misread_is_mojibake_or_replaced() -> None:
    texts = [text for text in real_texts() if not text.isascii()]
    assert len(texts) > 30
    for text in texts:
        garbled = as_cp1252(text)
        assert classify_change(text, garbled) is FindingKind.MOJIBAKE, text
        assert classify_change(text, as_cp1252(garbled)) is FindingKind.MOJIBAKE, text  # twice
        assert classify_change(garbled, text) is FindingKind.MOJIBAKE, text  # the reverse
        question_marks = text.encode("ascii", errors="replace").decode()
        assert classify_change(text, question_marks) is FindingKind.REPLACED, text
        replacement_chars = text.encode().decode("ascii", errors="replace")
        assert classify_change(text, replacement_chars) is FindingKind.REPLACED, text


def test_every_real_text_replaced_as_a_whole_by_marks_is_replaced() -> None:
    texts = [text for text in real_texts() if any(char.isalpha() for char in text)]
    assert len(texts) > 30
    for text in texts:
        for marks in ("????", "??", "\ufffd", "?" * (len(text) + 3)):
            assert classify_change(text, marks) is FindingKind.REPLACED, (text, marks)
    assert classify_change("Anna", "?") is None  # one '?' may be a person's "unknown"


def test_legitimate_edits_of_the_accident_are_no_damage() -> None:
    accident = json.loads((FIXTURES / "accident.json").read_text(encoding="utf-8"))
    edits = [c for changes in accident["changed"].values() for c in changes if c["cause"] == "edit"]
    assert len(edits) == 6
    for edit in edits:
        assert classify_change(edit["before"], edit["after"]) is None, edit


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Peeters", "Peeters-Dubois"),  # a longer name is not a cut
        ("Muller", "Müller"),  # a spelling corrected
        ("Really?", "Really!"),  # a '?' that was a '?'
        ("Why? Because", "Why? Since"),
        (None, "x@example.org"),  # filled in
        (False, True),
        (0, None),  # not blanked: 0 is a value; but None after 0 is
    ],
)
def test_plausible_edits(old: Value, new: Value) -> None:
    expected = FindingKind.BLANKED if new is None else None
    assert classify_change(old, new) is expected


# -- grouping and thresholds, on damaged copies of the real dump ----------------------------


def test_columns_blanked_in_the_same_rows_are_one_finding(tmp_path: Path) -> None:
    partners = read_snapshot(BACKUP).tables["repairdemo_partner"].records()
    assert partners[8]["email"] == ""  # so the update leaves it as it was
    pks = [2, 3, 5, 6, 8, 9]
    edits = {("repairdemo_partner", pk): {"email": "", "street": ""} for pk in pks}
    edits["repairdemo_partner", 11] = {"remark": ""}  # another column, another event
    findings = findings_after(tmp_path, edits)
    assert [(f.kind, f.fields, f.pks) for f in findings] == [
        (FindingKind.BLANKED, ("email", "street"), tuple(pks)),
        (FindingKind.BLANKED, ("remark",), (11,)),
    ]
    assert findings[0].explanation == (
        "6 rows of repairdemo_partner had email and street (email in 5, street in 6)"
        " set to '' at once, non-empty before: 2, 3, 5, 6, 8 and 1 more"
    )
    assert repr(findings[0]) == "<Finding blanked repairdemo_partner.email+street 6 rows>"
    assert findings[1].explanation == (
        "1 row of repairdemo_partner had remark set to '', non-empty before: 11"
    )


@pytest.mark.parametrize(("rows", "reported"), [(4, False), (5, True)])
def test_bulk_needs_five_rows(tmp_path: Path, rows: int, reported: bool) -> None:
    edits = {("repairdemo_order", pk): {"remark": "Migrated"} for pk in range(1, rows + 1)}
    findings = findings_after(tmp_path, edits)
    assert [(f.kind, f.fields, len(f.pks)) for f in findings] == (
        [(FindingKind.BULK, ("remark",), rows)] if reported else []
    )


def test_bulk_needs_half_of_the_columns_changes(tmp_path: Path) -> None:
    edits = {("repairdemo_order", pk): {"remark": "Migrated"} for pk in range(1, 6)}
    for pk in range(6, 12):  # six other remarks that day, all different
        edits["repairdemo_order", pk] = {"remark": f"Call back on day {pk}"}
    assert findings_after(tmp_path, edits) == []


def test_a_lone_cut_after_a_whole_word_is_an_edit_but_a_column_width_is_not(
    tmp_path: Path,
) -> None:
    partners = read_snapshot(BACKUP).tables["repairdemo_partner"].records()
    assert partners[4]["name"] == "Bäckerei Schmitz GmbH"
    lone = findings_after(tmp_path, {("repairdemo_partner", 4): {"name": "Bäckerei Schmitz"}})
    assert lone == []
    # "Bäckerei" + " " and "Anna" + " " at width 8 and 4 differ; cut two names at one width.
    width = {pk: str(r["name"]).find(" ") for pk, r in partners.items() if " " in str(r["name"])}
    same = [pk for pk in width if width[pk] == 4][:2]
    assert len(same) == 2
    edits = {("repairdemo_partner", pk): {"name": str(partners[pk]["name"])[:4]} for pk in same}
    findings = findings_after(tmp_path, edits)
    assert [(f.kind, f.fields, f.pks) for f in findings] == [
        (FindingKind.TRUNCATED, ("name",), tuple(sorted(same)))
    ]
    assert "cut at 4 characters" in findings[0].explanation


def test_deleted_parent_rows_leave_dangling_links(tmp_path: Path) -> None:
    snapshot = read_snapshot(BACKUP)
    orders = snapshot.tables["repairdemo_order"].records()
    notes = snapshot.tables["repairdemo_note"].records()
    # Person 2 loses its partner row; order 1 loses the row its items and notes point to.
    findings = findings_after(tmp_path, {}, {"repairdemo_partner": {2}, "repairdemo_order": {1}})
    by_fields = {(f.table, f.fields): f for f in findings}
    assert all(f.kind is FindingKind.DANGLING for f in findings)
    assert by_fields["repairdemo_person", ("partner_ptr_id",)].pks == (2,)
    assert by_fields["repairdemo_order", ("partner_id",)].pks == tuple(
        sorted(pk for pk, r in orders.items() if r["partner_id"] == 2 and pk != 1)
    )
    items = snapshot.tables["repairdemo_orderitem"].records()
    assert by_fields["repairdemo_orderitem", ("order_id",)].pks == tuple(
        sorted(pk for pk, r in items.items() if r["order_id"] == 1)
    )
    owned = sorted(
        pk for pk, r in notes.items()
        if str(r["owner_type_id"]) == "repairdemo.order" and r["owner_id"] == 1
    )  # fmt: skip
    if owned:
        assert by_fields["repairdemo_note", ("owner_type_id", "owner_id")].pks == tuple(owned)
    assert "repairdemo_partner 2" in by_fields["repairdemo_person", ("partner_ptr_id",)].explanation


def test_links_that_dangled_before_are_not_reported_again(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    builder = CorpusBuilder.from_dump(BACKUP)
    builder.deleted["repairdemo_partner"].add(2)
    write_dump(BACKUP, broken, builder)
    order = next(
        pk for pk, r in builder.records["repairdemo_order"].items() if r["partner_id"] == 2
    )
    findings = findings_after(
        tmp_path, {("repairdemo_order", order): {"remark": "Paid"}}, old=broken
    )
    assert findings == []


def test_a_tree_that_loses_a_node_leaves_its_children_dangling(tmp_path: Path) -> None:
    snapshot = read_snapshot(BACKUP)
    categories = snapshot.tables["repairdemo_category"].records()
    products = snapshot.tables["repairdemo_product"].records()
    assert categories[9]["parent_id"] == 8
    findings = findings_after(tmp_path, {}, {"repairdemo_category": {8}})
    assert [(f.kind, f.table, f.fields, f.pks) for f in findings] == [
        (FindingKind.DANGLING, "repairdemo_category", ("parent_id",), (9,)),
        (
            FindingKind.DANGLING,
            "repairdemo_product",
            ("category_id",),
            tuple(sorted(pk for pk, r in products.items() if r["category_id"] == 8)),
        ),
    ]
