"""``updates.json``: the field repairs of a restore directory, as plain data.

The data files of a restore directory hold rows to insert, in the dump
grammar that repairkit's Lino reader knows; that grammar has no form for
"set this field, but only where it still holds that value". The updates
therefore go into one JSON file next to ``restore.py``: a reviewer can read
and edit it (delete an entry to keep a field as it is), and the runtime
reads it with ``json``, never executing anything.

Values that JSON has (text, numbers, booleans, null) are written as they
are; the others in the one tagged vocabulary of the restore forms
(``repairkit.tagged_values``), as JSON lists: ``["Decimal", "12.50"]``,
``["date", "2024-03-01"]``, ``["content_type", "app_label", "model"]``, ...
The runtime reads them with the restore engine's own decoder, so that a
value comes back equal and of the same type in every form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repairkit.errors import DumpFormatError, EmitError
from repairkit.plan import PlannedUpdate
from repairkit.restore_engine.records import decode_value
from repairkit.snapshot import Pk
from repairkit.tagged_values import encode_value

UPDATES_FILE = "updates.json"
FORMAT = "repairkit-updates-2"  # 2: values in the tagged vocabulary of the engine
_KEYS = ("table", "pk", "column", "corrupted", "restored")
_ABOUT = (
    "Field repairs: each sets column to restored in the row pk of table, only if the column"
    " still holds corrupted when restore.py runs. Delete an entry (its line) to keep that field"
    " as it is; source and reason are for review."
)


@dataclass(frozen=True, slots=True)
class FileUpdate:
    """One update as the runtime reads it, and where it is written."""

    table: str
    pk: Pk
    column: str
    corrupted: Any  # as the restore engine takes them (``decode_value``)
    restored: Any
    where: str  # "updates.json, entry 3": what a reviewer looks for


def render_updates_file(updates: Sequence[PlannedUpdate]) -> str:
    """Return the text of ``updates.json`` for ``updates``.

    :raises EmitError: for a value that has no JSON form (a float that is not finite).
    """
    entries = []
    for update in updates:
        entry: dict[str, Any] = {"table": update.table, "pk": update.pk, "column": update.column}
        for name in ("corrupted", "restored"):
            value = getattr(update, name)
            if isinstance(value, float) and not math.isfinite(value):
                raise EmitError(
                    f"{update.table} pk {update.pk!r}, column {update.column!r}: no JSON form"
                    f" for the {name} value {value!r}"
                )
            entry[name] = encode_value(value)
        entry.update(source=update.source, reason=update.reason)
        entries.append(entry)
    # One entry per line, so that a reviewer deletes an update as a line (and its comma).
    lines = ",\n  ".join(json.dumps(entry, ensure_ascii=False) for entry in entries)
    return (
        f'{{\n "format": "{FORMAT}",\n "about": {json.dumps(_ABOUT)},\n'
        f' "updates": [\n  {lines}\n ]\n}}\n'
    )


def read_updates_file(path: Path) -> list[FileUpdate]:
    """Read the updates of ``path``, in their order.

    :raises DumpFormatError: if the file is not valid JSON or not an updates file.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DumpFormatError(path, getattr(err, "lineno", None), f"not valid JSON: {err}") from err
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DumpFormatError(path, None, f"not a repairkit updates file (format {FORMAT!r})")
    entries = document.get("updates")
    if not isinstance(entries, list):
        raise DumpFormatError(path, None, "'updates' must be a list")
    updates = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}, entry {number}"
        if not isinstance(entry, dict) or any(key not in entry for key in _KEYS):
            raise DumpFormatError(path, None, f"entry {number}: needs {', '.join(_KEYS)}")
        table, pk, column = entry["table"], entry["pk"], entry["column"]
        if not (isinstance(table, str) and isinstance(column, str)):
            raise DumpFormatError(path, None, f"entry {number}: table and column must be texts")
        if isinstance(pk, bool) or not isinstance(pk, (int, str)):
            raise DumpFormatError(path, None, f"entry {number}: pk must be a number or text")
        try:
            corrupted, restored = (
                _decode(entry["corrupted"]),
                _decode(entry["restored"]),
            )
        except ValueError as err:
            raise DumpFormatError(path, None, f"entry {number}: {err}") from err
        updates.append(FileUpdate(table, pk, column, corrupted, restored, where))
    return updates


def _decode(value: Any) -> Any:
    """Read one value as the restore engine takes it: a scalar, or a tagged list.

    :raises ValueError: for a list that is not a tagged value, or any other JSON.
    """
    if isinstance(value, list):
        try:
            return decode_value(tuple(value))
        except (ValueError, TypeError, IndexError, ArithmeticError) as err:
            raise ValueError(f"{value!r} is not a valid tagged value: {err}") from err
    if isinstance(value, dict):
        raise ValueError(f"{value!r} is not a value: expected a JSON scalar or a tagged list")
    return value
