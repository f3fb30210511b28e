"""A series of snapshots, oldest first -> the site over time, and the step of the accident.

Each step (two consecutive snapshots) is diffed as ``repairkit diff`` would
and its findings are judged as there; a step is an accident when values were
damaged (any finding), or when many rows were lost at once: at least
``LOSS_MIN_ROWS`` rows and ``LOSS_MIN_SHARE`` of the rows the site had. The
last good backup is the snapshot before the first accident. Rules and
thresholds: docs/history.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from repairkit.diff import diff_snapshots
from repairkit.findings import Finding, find_findings
from repairkit.history import TableStep, count_step
from repairkit.snapshot import Snapshot

__all__ = ["LOSS_MIN_ROWS", "LOSS_MIN_SHARE", "Step", "Timeline", "build_timeline"]

# A day's work deletes a few rows; an accident deletes many at once. Both bounds
# must be met: ten rows of a million-row site are no accident, nor is one of
# the three rows a new site has.
LOSS_MIN_ROWS = 10
LOSS_MIN_SHARE = 0.02


@dataclass(frozen=True, slots=True)
class Step:
    """What happened between two consecutive snapshots."""

    before: str
    after: str
    tables: tuple[TableStep, ...]
    findings: tuple[Finding, ...]
    changed: int  # rows whose values differ (decoded and compared)
    accident: bool
    why: str  # the reason for ``accident``, or "" when there is none

    @property
    def lost(self) -> int:
        return sum(len(table.lost) for table in self.tables)

    @property
    def gained(self) -> int:
        return sum(len(table.gained) for table in self.tables)

    @property
    def damaged(self) -> int:
        """Count the rows that findings point at (a row in two findings counts once)."""
        return len({(finding.table, pk) for finding in self.findings for pk in finding.pks})


@dataclass(frozen=True, slots=True)
class Timeline:
    """The snapshots in time order, the steps between them, and the verdict."""

    snapshots: tuple[str, ...]
    present: dict[str, tuple[int, ...]]  # table -> rows in each snapshot
    steps: tuple[Step, ...]

    @property
    def accident(self) -> Step | None:
        """Return the first step judged an accident, if any."""
        return next((step for step in self.steps if step.accident), None)

    @property
    def last_good(self) -> str | None:
        """Return the label of the last snapshot before the first accident."""
        step = self.accident
        return step.before if step is not None else None


def build_timeline(snapshots: Iterable[Snapshot]) -> Timeline:
    """Diff each pair of consecutive ``snapshots`` (oldest first) and judge each step.

    Each snapshot is used once, as it comes: two are held at a time.
    """
    labels: list[str] = []
    present: dict[str, list[int]] = {}
    steps = []
    before: Snapshot | None = None
    for after in snapshots:
        for name, table in after.tables.items():
            present.setdefault(name, [0] * len(labels)).append(len(table))
        labels.append(after.label)
        for counts in present.values():
            counts.extend([0] * (len(labels) - len(counts)))  # tables this snapshot lacks
        if before is not None:
            steps.append(_judge_step(before, after))
        before = after
    return Timeline(tuple(labels), {n: tuple(c) for n, c in present.items()}, tuple(steps))


def _judge_step(before: Snapshot, after: Snapshot) -> Step:
    names = list(dict.fromkeys([*before.tables, *after.tables]))
    changeset = diff_snapshots(before, after)
    findings = tuple(find_findings(changeset, before, after))
    tables = tuple(count_step(before, after, names))
    why = _judge(findings, sum(len(table.lost) for table in tables), len(before))
    return Step(
        before=before.label,
        after=after.label,
        tables=tables,
        findings=findings,
        changed=changeset.summary.changed,
        accident=bool(why),
        why=why,
    )


def _judge(findings: Sequence[Finding], lost: int, rows_before: int) -> str:
    """Say why a step is an accident, or return "" when it looks like a day's work."""
    reasons = []
    kinds = sorted({finding.kind.value for finding in findings})
    if kinds:
        reasons.append(f"damaged values ({', '.join(kinds)})")
    if lost >= LOSS_MIN_ROWS and rows_before and lost / rows_before >= LOSS_MIN_SHARE:
        reasons.append(f"{lost} of {rows_before} rows lost at once")
    return "; ".join(reasons)
