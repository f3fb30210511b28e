"""The library under history, timeline and "gone since", on small snapshots built in memory.

The end-to-end tests on a real week of dumps are in test_history.py; these
pin the rules: the accident judgement, time order and ties, keys given as
text, and which rows --since keeps out.
"""

from __future__ import annotations

import datetime

import pytest

from repairkit.absence import find_absences
from repairkit.history import HistoryError, count_steps, trace_rows
from repairkit.plan import plan_restore
from repairkit.readers import read_snapshot
from repairkit.snapshot import Column, MemoryRowStore, Row, Snapshot, Table
from repairkit.snapshot_time import SnapshotTime, TimeSource, order_by_time
from repairkit.timeline import LOSS_MIN_ROWS, build_timeline

from .conftest import FIXTURES


def snapshot(label: str, rows: dict[int, str]) -> Snapshot:
    """Return a one-table snapshot: ``note`` with columns id, text."""
    stored: dict[int | str, Row] = {pk: (pk, text) for pk, text in rows.items()}
    table = Table("note", [Column("id"), Column("text")], "id", MemoryRowStore(stored))
    return Snapshot(label, [table])


def at(day: int, source: TimeSource = TimeSource.FILE) -> SnapshotTime:
    return SnapshotTime(datetime.datetime(2026, 11, day, 4), source, f"day {day}")


def test_timeline_of_the_fixtures_names_the_accident() -> None:
    backup, current = read_snapshot(FIXTURES / "backup"), read_snapshot(FIXTURES / "current")
    timeline = build_timeline([backup, current])
    step = timeline.steps[0]
    assert (step.lost, step.gained, step.damaged) == (69, 15, 10)
    assert step.accident and "69 of" in step.why and "blanked" in step.why
    assert timeline.last_good == "backup"
    assert timeline.present["repairdemo_note"] == (90, 79)


def test_a_few_deletions_are_no_accident_and_many_at_once_are() -> None:
    rows = {pk: f"note {pk}" for pk in range(1, 201)}
    few = {pk: text for pk, text in rows.items() if pk > LOSS_MIN_ROWS - 1}  # 9 rows lost
    many = {pk: text for pk, text in few.items() if pk > 30}  # 21 more: over 10 and 2%
    timeline = build_timeline([snapshot("a", rows), snapshot("b", few), snapshot("c", many)])
    assert [step.accident for step in timeline.steps] == [False, True]
    assert timeline.accident is timeline.steps[1]
    assert timeline.last_good == "b"
    assert timeline.steps[1].why == "21 of 191 rows lost at once"


def test_no_accident_leaves_last_good_empty() -> None:
    timeline = build_timeline([snapshot("a", {1: "x"}), snapshot("b", {1: "x", 2: "y"})])
    assert timeline.accident is None and timeline.last_good is None


def test_time_order_sorts_and_says_when_the_order_given_differs() -> None:
    order = order_by_time([at(3), at(1), at(2)], lambda index: None)
    assert order.order == (1, 2, 0) and order.contradicted and not order.as_given
    in_order = order_by_time([at(1), at(2)], lambda index: None)
    assert in_order.as_given and not in_order.contradicted


def test_tied_times_are_settled_by_the_data_and_keep_their_place() -> None:
    tied = SnapshotTime(datetime.datetime(2026, 11, 9, 4), TimeSource.FILE, "copied")
    data = {0: at(6, TimeSource.DATA), 2: at(5, TimeSource.DATA)}
    # 0 and 2 were copied together on the 9th; 1 is from the 1st; the data orders 2 before 0.
    order = order_by_time([tied, at(1), tied], data.get)
    assert order.order == (1, 2, 0)
    assert order.times[0] is data[0] and order.times[1] == at(1)


def test_without_a_time_for_every_backup_the_order_given_is_kept() -> None:
    order = order_by_time([at(3), None, at(1)], lambda index: None)
    assert order.order == (0, 1, 2) and order.undated == (1,) and not order.contradicted


def test_trace_rows_finds_numeric_keys_given_as_text_and_sees_returns() -> None:
    week = [snapshot("a", {13: "x"}), snapshot("b", {}), snapshot("c", {13: "y"})]
    (history,) = trace_rows(week, "note", ["13"])
    assert [state.present for state in history.states] == [True, False, True]
    assert history.returns == ("c",) and history.states[2].changed == {"text": ("x", "y")}
    assert history.states[2].values == {"id": 13, "text": "y"}
    with pytest.raises(HistoryError, match="note '14': no snapshot has this row"):
        trace_rows(week, "note", ["14"])
    with pytest.raises(HistoryError, match="no table 'nope'"):
        count_steps(week, ["nope"])


def test_gone_since_and_since_keep_old_deletions_apart() -> None:
    mon = snapshot("mon", {1: "old deletion", 2: "accident", 3: "kept"})
    tue = snapshot("tue", {2: "accident", 3: "kept"})
    today = snapshot("today", {3: "kept"})
    plan = plan_restore([mon, tue], today)
    absences = {a.pk: a for a in find_absences(plan, [mon, tue])}
    assert (absences[1].last_seen, absences[1].gone_since) == ("mon", "tue")
    assert (absences[2].last_seen, absences[2].first_missing, absences[2].gone_since) == (
        "tue", "today", None,
    )  # fmt: skip
    since_tue = plan_restore([mon, tue], today, since=1)
    assert [row.pk for table in since_tue.tables for row in table.rows] == [2]
