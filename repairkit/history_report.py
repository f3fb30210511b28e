"""Render row histories, table steps and timelines for people (text) and programs (JSON).

The JSON shapes are documented in docs/history.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from repairkit.history import RowHistory, RowState, TableStep
from repairkit.report import finding_to_json, format_pks, json_value, shorten
from repairkit.snapshot_time import SnapshotTime
from repairkit.timeline import Timeline

Times = Sequence[tuple[str, SnapshotTime | None]]  # label, time: in time order


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _times_json(times: Times) -> list[dict[str, Any]]:
    return [
        {
            "label": label,
            "time": time.when.isoformat() if time else None,
            "time_source": time.source.value if time else None,
            "time_detail": time.detail if time else None,
        }
        for label, time in times
    ]


def _time_lines(times: Times) -> Iterator[str]:
    yield "Snapshots in time order:"
    width = max(len(label) for label, _ in times)
    for label, time in times:
        yield f"  {label:<{width}}  {time if time else 'no time known'}"
    yield ""


def _state_json(state: RowState) -> dict[str, Any]:
    document: dict[str, Any] = {"snapshot": state.snapshot, "present": state.present}
    if state.present:
        document["changed"] = {
            name: [json_value(old), json_value(new)] for name, (old, new) in state.changed.items()
        }
        if state.values is not None:
            document["values"] = {name: json_value(v) for name, v in state.values.items()}
    return document


def render_rows_json(table: str, histories: Sequence[RowHistory], times: Times) -> str:
    """Return row histories as ``{"table", "snapshots", "rows": {pk: [state, ...]}}``."""
    return _dump({
        "table": table,
        "snapshots": _times_json(times),
        "rows": {str(h.pk): [_state_json(state) for state in h.states] for h in histories},
        "returns": {str(h.pk): list(h.returns) for h in histories if h.returns},
    })  # fmt: skip


def render_rows_text(table: str, histories: Sequence[RowHistory], times: Times) -> str:
    """Return one block per row: one line per snapshot, present or absent, and what changed."""
    lines = list(_time_lines(times))
    width = max(len(label) for label, _ in times)
    for history in histories:
        lines.append(f"{table} {history.pk!r}:")
        for state in history.states:
            lines.append(f"  {state.snapshot:<{width}}  {_state_text(state, history)}".rstrip())
        lines.append("")
    return "\n".join(lines)


def _state_text(state: RowState, history: RowHistory) -> str:
    if not state.present:
        return "absent"
    if state.values is not None:
        word = "back (re-created)" if state.snapshot in history.returns else "present"
        shown = ", ".join(f"{name}={shorten(value)}" for name, value in state.values.items())
        changes = _changes_text(state)
        return f"{word}: {shown}" + (f"; changed since last seen: {changes}" if changes else "")
    return f"present, changed: {_changes_text(state)}" if state.changed else "present, unchanged"


def _changes_text(state: RowState) -> str:
    return ", ".join(
        f"{name} {shorten(old)} -> {shorten(new)}" for name, (old, new) in state.changed.items()
    )


def render_steps_json(table: str | None, steps: Sequence[TableStep], times: Times) -> str:
    """Return the rows lost and gained per table and step, in JSON."""
    return _dump({
        "table": table,
        "snapshots": _times_json(times),
        "steps": [
            {"table": s.table, "from": s.before, "to": s.after, "present": s.present,
             "lost": list(s.lost), "gained": list(s.gained), "changed": s.changed}
            for s in steps
        ],
    })  # fmt: skip


def render_steps_text(steps: Sequence[TableStep], times: Times) -> str:
    """Return, per table, one line per step: rows lost and gained, with their keys."""
    lines = list(_time_lines(times))
    by_table: dict[str, list[TableStep]] = {}
    for step in steps:
        by_table.setdefault(step.table, []).append(step)
    for name, table_steps in by_table.items():
        lines.append(f"{name}:")
        for s in table_steps:
            lost = f"lost {len(s.lost)}" + (f" ({format_pks(s.lost)})" if s.lost else "")
            gained = f"gained {len(s.gained)}" + (f" ({format_pks(s.gained)})" if s.gained else "")
            lines.append(
                f"  {s.before} -> {s.after}: {s.present} rows, {lost}, {gained},"
                f" {s.changed} changed"
            )
        lines.append("")
    return "\n".join(lines)


def render_timeline_json(timeline: Timeline, times: Times) -> str:
    """Return the timeline: snapshots, steps with counts and findings, the accident."""
    accident = timeline.accident
    return _dump({
        "snapshots": list(timeline.snapshots),
        "times": _times_json(times),
        "steps": [
            {
                "from": step.before, "to": step.after, "lost": step.lost, "gained": step.gained,
                "changed": step.changed, "damaged": step.damaged, "accident": step.accident,
                "why": step.why or None,
                "tables": {
                    t.table: {"present": t.present, "lost": len(t.lost), "gained": len(t.gained)}
                    for t in step.tables if t.lost or t.gained
                },
                "findings": [finding_to_json(finding) for finding in step.findings],
            }
            for step in timeline.steps
        ],
        "present": {name: list(counts) for name, counts in timeline.present.items()},
        "accident": None if accident is None else {"from": accident.before, "to": accident.after},
        "last_good": timeline.last_good,
    })  # fmt: skip


def render_timeline_text(timeline: Timeline, times: Times) -> str:
    """Return a table: one column per snapshot, one line per table, then the verdict."""
    lines = list(_time_lines(times))
    names = list(timeline.present)
    first = max([len(n) for n in names] + [len("table")])
    cells: dict[str, list[str]] = {}
    for name in names:
        row = [str(timeline.present[name][0])]
        for index, step in enumerate(timeline.steps, start=1):
            counts = next((t for t in step.tables if t.table == name), None)
            text = str(timeline.present[name][index])
            if counts is not None and (counts.lost or counts.gained):
                text += f" (-{len(counts.lost)} +{len(counts.gained)})"
            row.append(text)
        cells[name] = row
    widths = [
        max([len(label)] + [len(cells[name][i]) for name in names])
        for i, label in enumerate(timeline.snapshots)
    ]
    header = [f"{label:>{w}}" for label, w in zip(timeline.snapshots, widths, strict=True)]
    lines.append(f"{'table':<{first}}  " + "  ".join(header))
    for name in names:
        shown = [f"{cell:>{w}}" for cell, w in zip(cells[name], widths, strict=True)]
        lines.append(f"{name:<{first}}  " + "  ".join(shown))
    lines.append("")
    lines.append("Steps (rows lost, gained, changed; findings):")
    for step in timeline.steps:
        mark = "ACCIDENT " if step.accident else ""
        lines.append(
            f"  {mark}{step.before} -> {step.after}: -{step.lost} +{step.gained}"
            f" ~{step.changed}, {step.damaged} rows damaged" + (f": {step.why}" if step.why else "")
        )
        for finding in step.findings:
            lines.append(f"      {finding.kind.value}: {finding.explanation}")
    lines.append("")
    accident = timeline.accident
    if accident is None:
        lines.append("No accident seen: no step lost many rows at once or damaged values.")
    else:
        lines.append(f"The accident happened between {accident.before} and {accident.after}.")
        lines.append(f"Last good backup: {timeline.last_good}")
    return "\n".join(lines) + "\n"
