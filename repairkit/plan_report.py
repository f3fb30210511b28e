"""Render a RestorePlan for people (a summary text) and for programs (plan.json)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from repairkit.absence import Absence
from repairkit.plan import Reason, RestorePlan
from repairkit.report import format_pks
from repairkit.snapshot import Pk

PLAN_FILE = "plan.json"
_NEEDED_AS = {
    Reason.PARENT.value: "parent of",
    Reason.CHILD.value: "child part of",
    Reason.REFERENCED.value: "pointed to by",
}


def plan_to_json(plan: RestorePlan) -> dict[str, Any]:
    """Return the JSON document for ``plan``: every row with its source and reason, no values.

    The values are in the data files of the restore directory; plan.json
    says what is put back and why, for review and for programs.
    """
    absences = {(a.table, a.pk): a for a in plan.absences}
    return {
        "backups": list(plan.backups),
        "current": plan.current,
        "summary": {
            "reinstated": plan.row_count,
            "left_out": len(plan.left_out),
            "by_reason": dict(Counter(row.reason.value for t in plan.tables for row in t.rows)),
            "updates": len(plan.updates),
        },
        "tables": [
            {
                "table": table.name,
                "model": table.model,
                "pk": table.pk,
                "rows": [
                    {
                        "table": table.name,
                        "pk": row.pk,
                        "source": row.source,
                        "reason": row.reason.value,
                        "needed_by": (
                            None
                            if row.needed_by is None
                            else {"table": row.needed_by[0], "pk": row.needed_by[1]}
                        ),
                        **_absence_json(absences.get((table.name, row.pk))),
                    }
                    for row in table.rows
                ],
            }
            for table in plan.tables
        ],
        "left_out": [
            {"table": item.table, "pk": item.pk, "kind": item.kind.value, "detail": item.detail}
            for item in plan.left_out
        ],
        "links": [
            {"table": k.table, "column": k.column, "target": k.target, "inferred": k.inferred}
            for k in plan.links
        ],
        "kept": [{"table": table, "pk": pk} for table, pk in plan.kept],
        # The values are in the script (updates.json, the SQL), as the rows' are.
        "updates": [
            {
                "table": u.table,
                "pk": u.pk,
                "column": u.column,
                "source": u.source,
                "reason": u.reason,
            }
            for u in plan.updates
        ],  # fmt: skip
        "generic_links": [
            {"table": g.table, "type_column": g.type_column, "id_column": g.id_column}
            for g in plan.generic_links
        ],
        "schema_drift": [
            {
                "backup": d.backup,
                "kind": d.kind.value,
                "table": d.table,
                "column": d.column,
                "detail": d.detail,
                "fix": d.fix,
                "blocking": d.blocking,
            }
            for d in plan.drift
        ],
        "mapping": list(plan.mapping),
    }


def _absence_json(absence: Absence | None) -> dict[str, Any]:
    """Return when a row was last seen, and whether every newer backup lacks it."""
    if absence is None:
        return {}
    return {
        "last_seen": absence.last_seen,
        "first_missing": absence.first_missing,
        "gone_since": absence.gone_since,
    }


def render_plan_json(plan: RestorePlan) -> str:
    """Return ``plan`` as a JSON text."""
    return json.dumps(plan_to_json(plan), indent=2, ensure_ascii=False) + "\n"


def render_plan_text(plan: RestorePlan) -> str:
    """Return a summary of ``plan``: rows per table and source, then left-out rows and links."""
    return "\n".join(_text_lines(plan)) + "\n"


def _text_lines(plan: RestorePlan) -> Iterator[str]:
    backups = ", ".join(plan.backups)
    yield f"Restore plan: put back into {plan.current} what is missing, from {backups}"
    yield ""
    if plan.tables:
        width = max([len(t.name) for t in plan.tables] + [len("table"), len("total")])
        line = "{:<" + str(width) + "}  {:>6}  {}"
        yield line.format("table", "rows", "from")
        for table in plan.tables:
            sources = Counter(r.source for r in table.rows)
            shown = ", ".join(
                name if len(sources) == 1 else f"{name} ({count})"
                for name, count in sources.items()
            )
            yield line.format(table.name, len(table.rows), shown).rstrip()
        yield line.format("total", plan.row_count, "").rstrip()
    else:
        yield "No rows to reinstate." if plan.updates else "Nothing to reinstate."
    pulled: dict[tuple[str, str, str], list[Pk]] = {}
    for table in plan.tables:
        for row in table.rows:
            if row.needed_by is not None:
                key = (table.name, row.reason.value, row.needed_by[0])
                pulled.setdefault(key, []).append(row.pk)
    if pulled:
        yield ""
        yield "Not asked for, but needed by rows that are (see plan.json for each row):"
        for (name, reason, needer), pks in pulled.items():
            yield f"  {name} {format_pks(pks)}: {_NEEDED_AS[reason]} rows of {needer}"
    yield from _gone_lines(plan)
    if plan.updates:
        yield ""
        yield f"Field repairs: put back damaged values of rows in {plan.current}"
        yield "(each only where the field still holds the value seen now):"
        counts = Counter((u.table, u.column, u.source, u.reason) for u in plan.updates)
        for (name, column, source, reason), count in counts.items():
            yield f"  {name}.{column}: {count} from {source} ({reason})"
    if plan.kept:
        yield ""
        yield f"Asked for with --only but in {plan.current} already, kept as they are:"
        for name, pk in plan.kept:
            yield f"  {name} {pk!r}"
    yield from drift_lines(plan)
    yield ""
    if plan.left_out:
        yield f"Left out, not reinstated ({len(plan.left_out)} rows):"
        for item in plan.left_out:
            yield f"  {item.table} {item.pk!r}: {item.kind.value}: {item.detail}"
    else:
        yield "No conflicts: nothing left out."
    inferred = [link for link in plan.links if link.inferred]
    if inferred:
        yield ""
        yield "Foreign keys inferred from column names (pass --settings to read the models):"
        for link in inferred:
            yield f"  {link}"


def _gone_lines(plan: RestorePlan) -> Iterator[str]:
    """Name the rows that every newer backup lacks: deleted long ago, perhaps on purpose."""
    gone: dict[tuple[str, str, str], list[Pk]] = {}
    for absence in plan.absences:
        if absence.gone_since is not None:
            key = (absence.table, absence.gone_since, absence.last_seen)
            gone.setdefault(key, []).append(absence.pk)
    if not gone:
        return
    yield ""
    yield "Gone since an older backup (every newer backup lacks them: deleted on purpose?"
    yield "pass --since BACKUP to restore only rows lost after that backup):"
    for (name, since, last_seen), pks in gone.items():
        yield f"  {name} {format_pks(pks)}: gone since {since} (last seen in {last_seen})"


def drift_lines(plan: RestorePlan, prefix: str = "") -> Iterator[str]:
    """Yield the "Schema drift" section: how the backups differ from today's schema."""
    if not plan.drift and not plan.mapping:
        return
    yield prefix.rstrip() if prefix else ""
    if plan.drift:
        blocking = sum(1 for item in plan.drift if item.blocking)
        yield (
            f"{prefix}Schema drift: the backups differ from today's schema"
            f" ({blocking} keep rows out):"
        )
        for item in plan.drift:
            mark = "!" if item.blocking else "-"
            yield f"{prefix}  {mark} {' '.join(str(item).split())}"
    if plan.mapping:
        yield f"{prefix}Mapping applied to the backups:"
        for line in plan.mapping:
            yield f"{prefix}  {line}"
