"""Render a diff or a restore plan as one self-contained HTML page, to look at or to send.

The page needs nothing but a browser: styles are inline, the chart is an
inline SVG, and there is no script at all. Every value comes from a dump,
which is hostile input, so every text goes through ``html.escape``, and the
page's Content-Security-Policy forbids scripts and any load from elsewhere
even if something were missed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence

from repairkit.diff import Changeset, FieldChange, TableDiff
from repairkit.findings import Finding
from repairkit.plan import RestorePlan
from repairkit.report import PATHS_SHOWN, format_pks, shorten, shorten_part
from repairkit.snapshot import Snapshot, Value
from repairkit.value_paths import changed_paths
from repairkit.version import __version__

ROWS_SHOWN = 200  # per table and section: a page stays readable; the JSON output has them all
VALUE_WIDTH = 120

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.n { text-align: right; }
td { font-family: ui-monospace, monospace; white-space: pre-wrap; max-width: 40em; }
tr.deleted td { background: #fde2e2; } tr.added td { background: #e2f5e2; }
td.changed { background: #fff3bf; } td.changed del { color: #a00; } td.changed ins { color: #070; }
.note { color: #666; } .finding { margin: 0.3em 0; }
.kind { font-weight: bold; font-family: ui-monospace, monospace; } .path { color: #555; }
"""


def render_diff_html(
    changeset: Changeset, old: Snapshot, new: Snapshot, findings: Sequence[Finding]
) -> str:
    """Return the page for a diff: counts, a chart of rows lost, findings, then every table.

    Deleted rows are shown with their values from ``old``, added rows from
    ``new``, changed rows with the changed cells as old → new.
    """
    diffs = [diff for diff in changeset.tables.values() if diff.has_differences]
    summary = changeset.summary
    body = [
        f"<h1>Differences from {_text(changeset.old)} to {_text(changeset.new)}</h1>",
        f"<p>{summary.deleted} rows deleted, {summary.added} added, {summary.changed} changed"
        f" in {len(diffs)} tables.</p>",
    ]
    if not changeset.has_differences:
        body.append("<p>No differences.</p>")
        return _page(f"repairkit diff {changeset.old} {changeset.new}", body)
    body.append(_counts_table(diffs))
    body.append(_bar_chart("Rows deleted per table", [(d.table, len(d.deleted)) for d in diffs]))
    body.extend(_findings_section(findings))
    for name, rows in (
        (f"Tables only in {changeset.old}", changeset.old_only_tables),
        (f"Tables only in {changeset.new}", changeset.new_only_tables),
    ):
        if rows:
            items = "".join(f"<li>{_text(t)} ({n} rows)</li>" for t, n in rows.items())
            body.append(f"<h2>{_text(name)}</h2><ul>{items}</ul>")
    for diff in diffs:
        body.extend(_table_section(diff, old, new))
    return _page(f"repairkit diff {changeset.old} {changeset.new}", body)


def render_plan_html(plan: RestorePlan) -> str:
    """Return the page for a restore plan: what comes back from where, what is left out and why."""
    body = [
        f"<h1>Restore plan for {_text(plan.current)}</h1>",
        f"<p>{plan.row_count} rows come back into {len(plan.tables)} tables from"
        f" {_text(', '.join(plan.backups))}; {len(plan.left_out)} missing rows are left out;"
        f" {len(plan.updates)} field repairs.</p>",
        _bar_chart("Rows coming back per table", [(t.name, len(t.rows)) for t in plan.tables]),
    ]
    for table in plan.tables:
        names = [column.name for column in table.columns]
        header = ["source", "reason", *names]
        rows = [
            [_text(row.source), _text(row.reason.value), *(_value(v) for v in row.values)]
            for row in table.rows
        ]
        body.append(f"<h2>{_text(table.name)}: {_rows(len(table.rows))} to come back</h2>")
        body.append(_grid(header, rows, "added"))
    if plan.left_out:
        rows = [
            [_text(left.table), _text(repr(left.pk)), _text(left.kind.value), _text(left.detail)]
            for left in plan.left_out
        ]
        body.append(f"<h2>Left out: {len(plan.left_out)} missing rows, and why</h2>")
        body.append(_grid(["table", "pk", "reason", "detail"], rows, "deleted"))
    if plan.updates:
        rows = [
            [_text(u.table), _text(repr(u.pk)), _text(u.column), _change(u.corrupted, u.restored),
             _text(u.reason), _text(u.source)]
            for u in plan.updates
        ]  # fmt: skip
        body.append(f"<h2>Field repairs: {len(plan.updates)} values</h2>")
        body.append(_grid(["table", "pk", "column", "now → restored", "why", "from"], rows, ""))
    return _page(f"repairkit restore plan for {plan.current}", body)


def _page(title: str, body: Iterable[str]) -> str:
    policy = "default-src 'none'; style-src 'unsafe-inline'"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(body)
        + f'\n<p class="note">Written by repairkit {__version__}.</p>\n</body></html>\n'
    )


def _counts_table(diffs: Sequence[TableDiff]) -> str:
    rows = [
        [_text(d.table), *(str(n) for n in (len(d.deleted), len(d.added), len(d.changed)))]
        for d in diffs
    ]
    return _grid(["table", "deleted", "added", "changed"], rows, "", numeric_from=1)


def _findings_section(findings: Sequence[Finding]) -> Iterator[str]:
    yield f"<h2>Findings: {len(findings)}</h2>"
    if not findings:
        yield "<p>No blanked, cut, mis-encoded or dangling values, no bulk update.</p>"
    for finding in findings:
        yield (
            f'<p class="finding"><span class="kind">{_text(finding.kind.value)}</span> '
            f'{_text(finding.explanation)}<br><span class="note">rows: '
            f"{_text(format_pks(finding.pks))}</span></p>"
        )


def _table_section(diff: TableDiff, old: Snapshot, new: Snapshot) -> Iterator[str]:
    yield f"<h2>{_text(diff.table)}</h2>"
    for side, only in ((old.label, diff.old_only_columns), (new.label, diff.new_only_columns)):
        if only:
            yield f"<p>Columns only in {_text(side)}: {_text(', '.join(only))}</p>"
    for title, pks, snapshot, style in (
        ("deleted", diff.deleted, old, "deleted"),
        ("added", diff.added, new, "added"),
    ):
        if pks:
            table = snapshot.tables[diff.table]
            shown = pks[:ROWS_SHOWN]
            decoded = table.decode(shown)
            rows = [[_value(value) for value in decoded[pk]] for pk in shown]
            yield f"<h3>{_rows(len(pks))} {title}</h3>"
            yield _grid(list(table.column_names), rows, style)
            yield from _more(len(pks))
    if diff.changed:
        columns = sorted({f.column for change in diff.changed for f in change.fields})
        changed_rows = []
        for change in diff.changed[:ROWS_SHOWN]:
            fields = {f.column: f for f in change.fields}
            cells = [_text(repr(change.pk))]
            for column in columns:
                field = fields.get(column)
                cells.append(_field_change(field) if field else "")
            changed_rows.append(cells)
        yield f"<h3>{_rows(len(diff.changed))} changed</h3>"
        yield _grid(["pk", *columns], changed_rows, "", changed_cells=True)
        yield from _more(len(diff.changed))


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def _more(count: int) -> Iterator[str]:
    if count > ROWS_SHOWN:
        yield (
            f'<p class="note">and {count - ROWS_SHOWN} more (the page shows {ROWS_SHOWN};'
            " <code>--format json</code> lists them all)</p>"
        )


def _grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_class: str,
    *,
    numeric_from: int | None = None,
    changed_cells: bool = False,
) -> str:
    """Return an HTML table; ``rows`` hold cells that are already escaped HTML."""
    out = ["<table><thead><tr>", *(f"<th>{_text(h)}</th>" for h in header), "</tr></thead><tbody>"]
    style = f' class="{row_class}"' if row_class else ""
    for row in rows:
        out.append(f"<tr{style}>")
        for index, cell in enumerate(row):
            if numeric_from is not None and index >= numeric_from:
                out.append(f'<td class="n">{cell}</td>')
            elif changed_cells and cell and index > 0:
                out.append(f'<td class="changed">{cell}</td>')
            else:
                out.append(f"<td>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _bar_chart(title: str, counts: Sequence[tuple[str, int]]) -> str:
    """Return an inline SVG bar chart of ``counts``, largest first, without the zeros."""
    bars = sorted(((n, name) for name, n in counts if n), reverse=True)
    if not bars:
        return ""
    top, height, label_width, bar_width = bars[0][0], 20, 240, 400
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_width + bar_width + 60}"'
        f' height="{height * len(bars) + 10}"><title>{_text(title)}</title>'
    ]
    for index, (count, name) in enumerate(bars):
        y = index * height + 5
        width = max(1, round(bar_width * count / top))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{_text(name)}</text>"
            f'<rect x="{label_width}" y="{y + 2}" width="{width}" height="{height - 6}"'
            f' fill="#c0392b"><title>{_text(name)}: {count}</title></rect>'
            f'<text x="{label_width + width + 4}" y="{y + 14}" font-size="12">{count}</text>'
        )
    parts.append("</svg>")
    return f"<h2>{_text(title)}</h2>" + "".join(parts)


def _field_change(field: FieldChange) -> str:
    """Return a changed cell: old → new, or for a structured value each changed path so."""
    paths = changed_paths(field.old, field.new)
    if not paths:
        return _change(field.old, field.new)
    lines = [
        f'<span class="path">{_text(path.path)}</span>: <del>{_part(path.old)}</del>'
        f" → <ins>{_part(path.new)}</ins>"
        for path in paths[:PATHS_SHOWN]
    ]
    if len(paths) > PATHS_SHOWN:
        lines.append(f'<span class="note">and {len(paths) - PATHS_SHOWN} more changed paths</span>')
    return "<br>".join(lines)


def _part(part: object) -> str:
    return _text(shorten_part(part, VALUE_WIDTH))


def _change(old: Value, new: Value) -> str:
    return f"<del>{_value(old)}</del> → <ins>{_value(new)}</ins>"


def _value(value: Value) -> str:
    return _text(shorten(value, VALUE_WIDTH))


def _text(text: str) -> str:
    return html.escape(text, quote=True)
