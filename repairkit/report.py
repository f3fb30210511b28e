"""Render a Changeset for people (text) and for programs (JSON)."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from repairkit.diff import Changeset, FieldChange, RowChange, TableDiff
from repairkit.findings import Finding
from repairkit.snapshot import ContentTypeRef, JsonValue, Pk, Value
from repairkit.value_paths import ABSENT, PathChange, changed_paths

MAX_VALUE_WIDTH = 60
PATHS_SHOWN = 10  # per changed value in the text: the JSON output lists them all


def json_value(value: Value) -> Any:
    """Turn a snapshot value into a JSON-compatible one.

    Dates and times become ISO strings, Decimals strings (exact), content
    types ``"app_label.model"``, UUIDs dashed text, durations their ISO 8601
    text, binary data lower-case hex, JSON documents the document itself.
    """
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (Decimal, ContentTypeRef, uuid.UUID)):
        return str(value)
    if isinstance(value, datetime.timedelta):
        from django.utils.duration import duration_iso_string

        return duration_iso_string(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, JsonValue):
        return value.load()
    return value


def changeset_to_json(
    changeset: Changeset, *, summary_only: bool = False, findings: Sequence[Finding] | None = None
) -> dict[str, Any]:
    """Return the JSON document for ``changeset``, with a ``"findings"`` list if given."""
    tables: dict[str, Any] = {}
    for name, diff in changeset.tables.items():
        if not diff.has_differences:
            continue
        entry: dict[str, Any] = {
            "deleted": len(diff.deleted) if summary_only else list(diff.deleted),
            "added": len(diff.added) if summary_only else list(diff.added),
            "changed": len(diff.changed)
            if summary_only
            else [_row_change_to_json(change) for change in diff.changed],
        }
        if diff.old_only_columns or diff.new_only_columns:
            entry["schema"] = {
                "old_only_columns": list(diff.old_only_columns),
                "new_only_columns": list(diff.new_only_columns),
            }
        tables[name] = entry
    summary = changeset.summary
    document: dict[str, Any] = {
        "old": changeset.old,
        "new": changeset.new,
        "tables": tables,
        "old_only_tables": changeset.old_only_tables,
        "new_only_tables": changeset.new_only_tables,
        "summary": {"deleted": summary.deleted, "added": summary.added, "changed": summary.changed},
    }
    if findings is not None:
        document["findings"] = [finding_to_json(finding) for finding in findings]
    return document


def _row_change_to_json(change: RowChange) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "pk": change.pk,
        "fields": {f.column: [json_value(f.old), json_value(f.new)] for f in change.fields},
    }
    paths = [
        path_change_to_json(field.column, path)
        for field in change.fields
        for path in changed_paths(field.old, field.new)
    ]
    if paths:
        entry["paths"] = paths
    return entry


def path_change_to_json(column: str, change: PathChange) -> dict[str, Any]:
    """Return one changed path of a structured value; a side that is absent is left out."""
    entry: dict[str, Any] = {"column": column, "path": column + change.path}
    if change.old is not ABSENT:
        entry["old"] = change.old
    if change.new is not ABSENT:
        entry["new"] = change.new
    return entry


def finding_to_json(finding: Finding) -> dict[str, Any]:
    """Return one finding as a JSON object."""
    return {
        "kind": finding.kind.value,
        "table": finding.table,
        "fields": list(finding.fields),
        "pks": list(finding.pks),
        "explanation": finding.explanation,
    }


def render_json(
    changeset: Changeset, *, summary_only: bool = False, findings: Sequence[Finding] | None = None
) -> str:
    """Return ``changeset`` as a JSON text."""
    document = changeset_to_json(changeset, summary_only=summary_only, findings=findings)
    return json.dumps(document, indent=2, ensure_ascii=False)


def render_text(
    changeset: Changeset, *, summary_only: bool = False, findings: Sequence[Finding] | None = None
) -> str:
    """Return ``changeset`` as text: a summary table, the findings if given, then the details."""
    return "\n".join(_text_lines(changeset, summary_only, findings)) + "\n"


def _text_lines(
    changeset: Changeset, summary_only: bool, findings: Sequence[Finding] | None
) -> Iterator[str]:
    yield f"Differences from {changeset.old} to {changeset.new}"
    yield ""
    if not changeset.has_differences:
        yield "No differences."
        return
    diffs = [diff for diff in changeset.tables.values() if diff.has_differences]
    summary = changeset.summary
    width = max([len(d.table) for d in diffs] + [len("table"), len("total")])
    row = "{:<" + str(width) + "}  {:>8}  {:>8}  {:>8}"
    yield row.format("table", "deleted", "added", "changed")
    for diff in diffs:
        yield row.format(diff.table, len(diff.deleted), len(diff.added), len(diff.changed))
    yield row.format("total", summary.deleted, summary.added, summary.changed)
    for title, tables in (
        (f"Tables only in {changeset.old}", changeset.old_only_tables),
        (f"Tables only in {changeset.new}", changeset.new_only_tables),
    ):
        if tables:
            yield ""
            yield f"{title}:"
            for name, count in tables.items():
                yield f"  {name} ({count} rows)"
    schema_changes = [d for d in diffs if d.old_only_columns or d.new_only_columns]
    if schema_changes:
        yield ""
        yield "Schema changes (not counted as changed values):"
        for diff in schema_changes:
            for label, columns in (
                (changeset.old, diff.old_only_columns),
                (changeset.new, diff.new_only_columns),
            ):
                if columns:
                    yield f"  {diff.table}: columns only in {label}: {', '.join(columns)}"
    if findings is not None:
        yield ""
        yield from _finding_lines(findings)
    if summary_only:
        return
    for diff in diffs:
        if diff.has_row_differences:
            yield ""
            yield from _table_details(diff)


def _finding_lines(findings: Sequence[Finding]) -> Iterator[str]:
    if not findings:
        yield "Findings: none (no blanked, cut, mis-encoded or dangling values, no bulk update)."
        return
    yield f"Findings ({len(findings)}), damage to look at:"
    width = max(len(finding.kind.value) for finding in findings)
    for finding in findings:
        yield f"  {finding.kind.value:<{width}}  {finding.explanation}"


def _table_details(diff: TableDiff) -> Iterator[str]:
    yield f"{diff.table}"
    if diff.deleted:
        yield f"  deleted ({len(diff.deleted)}): {format_pks(diff.deleted)}"
    if diff.added:
        yield f"  added ({len(diff.added)}): {format_pks(diff.added)}"
    if diff.changed:
        yield f"  changed ({len(diff.changed)}):"
        for change in diff.changed:
            lines = [line for field in change.fields for line in field_change_lines(field)]
            for index, line in enumerate(lines):
                key = f"{change.pk!r}" if index == 0 else ""
                yield f"    {key:>8}  {line}"


def field_change_lines(field: FieldChange, paths_shown: int = PATHS_SHOWN) -> list[str]:
    """Return ``column: old -> new``, or for a structured value one such line per changed path."""
    paths = changed_paths(field.old, field.new)
    if not paths:
        return [f"{field.column}: {shorten(field.old)} -> {shorten(field.new)}"]
    lines = [
        f"{field.column}{path.path}: {shorten_part(path.old)} -> {shorten_part(path.new)}"
        for path in paths[:paths_shown]
    ]
    if len(paths) > paths_shown:
        lines.append(f"{field.column}: and {len(paths) - paths_shown} more changed paths")
    return lines


def format_pks(pks: Iterable[Pk]) -> str:
    """Write primary keys compactly: runs of consecutive integers as ``13-15``."""
    parts: list[str] = []
    run: list[int] = []

    def close_run() -> None:
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
            run.clear()

    for pk in pks:
        if isinstance(pk, int) and run and pk == run[-1] + 1:
            run.append(pk)
        elif isinstance(pk, int):
            close_run()
            run.append(pk)
        else:
            close_run()
            parts.append(repr(pk))
    close_run()
    return ", ".join(parts)


def shorten(value: Value, width: int = MAX_VALUE_WIDTH) -> str:
    """Show a value as a Python literal, cut to ``width`` characters."""
    if isinstance(value, (Decimal, ContentTypeRef, datetime.date, datetime.time, uuid.UUID)):
        text = str(value)
    elif isinstance(value, JsonValue):
        text = f"json:{value.text}"
    else:
        text = repr(value)
    return _cut(text, width)


def shorten_part(part: object, width: int = MAX_VALUE_WIDTH) -> str:
    """Show a part of a JSON document (or ``ABSENT``) as a Python literal, cut to ``width``."""
    return _cut(repr(part), width)


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return f"{text[: width - 12]}…({len(text)} chars)"
