"""Time `repairkit merge` beside `repairkit diff` on the same dumps (bench_diff.py --merge).

Issue 14 asks that planning the restore of a 1M-row backup with 1% of its
rows missing take about the time of diffing it. The old dump is the
backup and the new dump the current state: the plan must put back
exactly the rows the generator deleted, each from the backup. A row the
generator changed so much that the planner takes its key for reused by
another record (real rows: a role given another person and company) is
left out of the plan, with exit status 3; that is the planner's caution,
noted, not a failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repairkit.cli import EXIT_LEFT_OUT


@dataclass(frozen=True, slots=True)
class MergeTiming:
    """The best wall time of the merges of one format, and what their plan put back."""

    name: str
    best: float
    diff_best: float
    problems: list[str]
    notes: list[str]

    @property
    def ratio(self) -> float:
        return self.best / self.diff_best


def time_merge(
    name: str,
    old: str,
    new: str,
    repairkit: str,
    expected: dict[str, Any],
    out_dir: Path,
    repeat: int,
    diff_best: float,
    run: Callable[[list[str], str], Any],
) -> MergeTiming:
    """Run ``repairkit merge OLD --current NEW`` ``repeat`` times; check the last plan.

    ``run`` is bench_diff's ``run_measured``; ``diff_best`` the best diff time
    of the same inputs, measured in the same run.
    """
    cmd = [repairkit, "merge", old, "--current", new, "--output", str(out_dir), "--force"]
    walls = []
    for _ in range(repeat):
        measured = run(cmd, str(out_dir.parent / "merge.txt"))
        if measured.returncode not in (0, EXIT_LEFT_OUT):
            failure = f"merge exited with status {measured.returncode}"
            return MergeTiming(name, float("nan"), diff_best, [failure], [])
        walls.append(measured.wall)
    problems, notes = check_plan(out_dir / "plan.json", expected)
    return MergeTiming(name, min(walls), diff_best, problems, notes)


def check_plan(plan_path: Path, expected: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return how the plan's rows differ from the rows the generator deleted, and notes."""
    plan = json.loads(plan_path.read_text())
    put_back: dict[str, set[str]] = {}
    for table in plan["tables"]:
        put_back.setdefault(table["table"], set()).update(str(row["pk"]) for row in table["rows"])
    problems = []
    for table, changes in expected.items():
        wanted = {str(pk) for pk in changes["deleted"]}
        have = put_back.pop(table, set())
        if have != wanted:
            problems.append(
                f"{table}: the plan puts back {len(have)} rows, {len(wanted)} were deleted"
                f" ({len(have - wanted)} extra, {len(wanted - have)} missing)"
            )
    problems.extend(f"{table}: put back, but nothing was deleted" for table in put_back)
    cautious = [
        row
        for row in plan["left_out"]
        if row["kind"] == "reused_pk"
        and str(row["pk"]) in {str(pk) for pk in expected.get(row["table"], {}).get("changed", {})}
    ]
    if len(plan["left_out"]) > len(cautious):
        problems.append(f"{len(plan['left_out']) - len(cautious)} rows left out")
    notes = [f"{row['table']} {row['pk']}, changed, kept as a reused key" for row in cautious]
    return problems, notes


def print_merges(timings: list[MergeTiming]) -> None:
    print("\nrepairkit merge (old as the backup, new as the current state) against its diff")
    for t in timings:
        verdict = "agrees" if not t.problems else "DISAGREES: " + "; ".join(t.problems)
        if t.notes:
            verdict += " (" + "; ".join(t.notes) + ")"
        print(
            f"  {t.name:<13} merge {t.best:.3f} s, diff {t.diff_best:.3f} s, {t.ratio:.2f}x;"
            f" plan {verdict}"
        )
