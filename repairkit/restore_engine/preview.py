"""The dry run's preview: per table, the rows it would insert, with their final values.

Final means as the site's fields take them, after everything the engine
does to a row of the data: content types as the site's ids, datetimes made
aware in UTC where the site uses time zones, the model's default in the
columns the data lacks. Values are shortened as ``repairkit diff`` shows
them (``repairkit.report.shorten``; this module cannot import repairkit,
see the package's docstring).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any, NamedTuple

PREVIEW_ROWS = 20  # per table by default: enough to see what comes back, not a dump
_PREVIEW_WIDTH = 60  # as the diff's MAX_VALUE_WIDTH


class RowPreview(NamedTuple):
    pk: Any
    where: str | None  # the row's place in the data ("repairdemo_partner.py:7"), if known
    values: tuple[tuple[str, Any], ...]  # (column, final value), the table's columns in order


class TablePreview(NamedTuple):
    table: str
    inserted: int  # rows the run inserts, of which ``rows`` holds the first
    rows: tuple[RowPreview, ...]


def format_preview(previews: list[TablePreview]) -> str:
    """Return the preview as printed: a block per table that gets rows, a line per row."""
    lines: list[str] = []
    for preview in previews:
        if not preview.inserted:
            continue
        lines.append(f"would insert into {preview.table} ({_count_rows(preview.inserted)}):")
        for row in preview.rows:
            where = f" ({row.where})" if row.where else ""
            values = ", ".join(f"{column}={shorten_value(v)}" for column, v in row.values)
            lines.append(f"  {row.pk!r}{where}: {values}")
        more = preview.inserted - len(preview.rows)
        if more > 0:
            lines.append(f"  and {more} more (--preview-rows N shows more)")
        lines.append("")
    return "\n".join(lines)


def _count_rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def shorten_value(value: Any, width: int = _PREVIEW_WIDTH) -> str:
    """Show a value as a Python literal cut to ``width`` characters, as the diff does."""
    if isinstance(value, (Decimal, datetime.date, datetime.time, uuid.UUID)):
        text = str(value)
    else:
        text = repr(value)
    if len(text) <= width:
        return text
    return f"{text[: width - 12]}…({len(text)} chars)"
