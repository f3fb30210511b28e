"""Columns that a dump writes as text and its restore.py marks: UUIDs, durations, bytes, JSON.

dump2py writes such a value as ``repr(field.value_to_string(obj))``, a plain
string, and nothing says what it was. repairkit's restore directories
write the same strings and mark the column in its ``create_<table>``
function, in the style of dump2py's own ``if x is not None: x = Decimal(x)``:

    if id is not None: id = uuid.UUID(id)
    if length is not None: length = parse_duration(length)
    if data is not None: data = base64.b64decode(data, validate=True)
    if value is not None: value = json.loads(value)

Each marker is Python that turns the text back into the value (restore.py
imports what they call), and it is what the reader does, without running
it: one table here serves the writer (``writers/lino_values.py``), the
reading of restore.py, the grammar of the rows and their decoding.

``None`` is SQL NULL in every such column; JSON null is the text
``'null'``, so that the two stay apart (docs/values.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from repairkit.snapshot import ColumnKind, JsonValue, Value
from repairkit.values import to_json_value


@dataclass(frozen=True, slots=True)
class TextKind:
    """How one kind of value is written as text, marked and read back."""

    kind: ColumnKind
    python_type: type
    call: str  # the marker's function, as restore.py calls it
    arguments: str  # after the value, in the marker's call
    imports: str  # the line of restore.py's header that the call needs
    noun: str  # for messages: "a UUID"
    # The texts the grammar allows (what ``encode`` writes), or None for any text.
    text_pattern: str | None
    encode: Callable[[Value], str]
    decode: Callable[[str], Value]

    def marker(self, name: str) -> str:
        """Return the statement of ``create_<table>`` that marks column ``name``."""
        return f"if {name} is not None: {name} = {self.call}({name}{self.arguments})"


def _encode_uuid(value: Value) -> str:
    assert isinstance(value, uuid.UUID)
    return str(value)


def _encode_duration(value: Value) -> str:
    from django.utils.duration import duration_string  # what DurationField.value_to_string writes

    assert isinstance(value, datetime.timedelta)
    return str(duration_string(value))


def _decode_duration(text: str) -> datetime.timedelta:
    from django.utils.dateparse import parse_duration  # the marker's own call

    try:
        parsed: datetime.timedelta | None = parse_duration(text)
    except OverflowError as err:
        raise ValueError(f"out of range: {err}") from err
    if parsed is None:
        raise ValueError("not a duration that Django's parse_duration reads")
    return parsed


def _encode_bytes(value: Value) -> str:
    assert isinstance(value, bytes)
    return base64.b64encode(value).decode("ascii")  # as BinaryField.value_to_string


def _decode_bytes(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as err:
        raise ValueError(f"not base64: {err}") from err


def _encode_json(value: Value) -> str:
    # The text as the source stored it: a database without a JSON type gets it back.
    assert isinstance(value, JsonValue)
    return value.stored_text


TEXT_KINDS: dict[ColumnKind, TextKind] = {
    kind.kind: kind
    for kind in (
        TextKind(
            ColumnKind.UUID, uuid.UUID, "uuid.UUID", "", "import uuid", "a UUID",
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            _encode_uuid, uuid.UUID,
        ),
        TextKind(
            ColumnKind.DURATION, datetime.timedelta, "parse_duration", "",
            "from django.utils.dateparse import parse_duration", "a duration",
            # Django's duration_string: [-]D HH:MM:SS[.ffffff], days only when not 0;
            # at most 9 digits of days, as timedelta holds.
            r"(?:-?(?:0|[1-9][0-9]{0,8}) )?(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
            r"(?:\.[0-9]{6})?",
            _encode_duration, _decode_duration,
        ),
        TextKind(
            ColumnKind.BINARY, bytes, "base64.b64decode", ", validate=True", "import base64",
            "base64 data",
            r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
            _encode_bytes, _decode_bytes,
        ),
        TextKind(
            ColumnKind.JSON, JsonValue, "json.loads", "", "import json", "a JSON document",
            None, _encode_json, to_json_value,
        ),
    )
}  # fmt: skip
MARKER_CALLS = {kind.call: kind.kind for kind in TEXT_KINDS.values()}
_TEXT_PATTERNS = {
    kind.kind: re.compile(kind.text_pattern, re.ASCII)
    for kind in TEXT_KINDS.values()
    if kind.text_pattern is not None
}


def text_kind_of(value: Value) -> ColumnKind | None:
    """Return the kind of column that ``value`` is written in as text, or None."""
    for kind in TEXT_KINDS.values():
        if isinstance(value, kind.python_type):
            return kind.kind
    return None


def decode_text(kind: ColumnKind, text: str) -> Value:
    """Return the value that the text of a column of ``kind`` stands for.

    :raises ValueError: if the text is not one the grammar allows, or does not decode.
    """
    text_kind = TEXT_KINDS[kind]
    pattern = _TEXT_PATTERNS.get(kind)
    if pattern is not None and not pattern.fullmatch(text):
        raise ValueError(f"not {text_kind.noun} as repairkit writes it")
    return text_kind.decode(text)
