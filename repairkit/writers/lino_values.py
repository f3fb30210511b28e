"""Write values in the grammar that ``repairkit.readers.lino.values`` reads.

This is the inverse of the reader: every literal written here decodes back
to an equal value of the same type. Nothing else is ever written, so a
restore directory stays data that repairkit can read without executing it.

UUIDs, durations, binary data and JSON documents are written as dump2py
writes them, as text, in a column that restore.py marks as holding them
(``readers/lino/text_kinds.py``): ``column_kind`` says which columns need a
marker, and ``format_value`` writes such a value only in its marked column.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal

from repairkit.readers.lino.text_kinds import TEXT_KINDS, text_kind_of
from repairkit.snapshot import ColumnKind, ContentTypeRef, Value
from repairkit.values import normalize_datetime, normalize_time


class UnwritableValueError(ValueError):
    """A value has no form in the dump grammar; the caller adds table, row and column.

    ``index`` is the value's place among those given to ``column_kind``.
    """

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def column_kind(kind: ColumnKind, values: Iterable[Value]) -> ColumnKind:
    """Return the kind a column of ``kind`` is written as, given the values it holds.

    A column of UUIDs, durations, binary data or JSON documents is written as
    text under a marker of that kind, whatever its source called it (a
    parent link keyed by a UUID, say); any other column keeps its kind.

    :raises UnwritableValueError: for a column whose values need two markers,
        or a marker in a column of another kind (a decimal, a content type).
    """
    found: ColumnKind | None = None
    for index, value in enumerate(values):
        kind_of_value = text_kind_of(value)
        if kind_of_value is None or kind_of_value is found:
            continue
        if found is not None:
            raise UnwritableValueError(
                f"{value!r:.80} in a column of {TEXT_KINDS[found].noun}: a column of a dump"
                " directory is marked as holding one kind",
                index,
            )
        if kind not in (ColumnKind.PLAIN, ColumnKind.PARENT_LINK, kind_of_value):
            raise UnwritableValueError(
                f"{value!r:.80} in a column of kind {kind.value}: it has no marker for both", index
            )
        found = kind_of_value
    return kind if found is None else found


def format_value(
    value: Value, model_globals: Mapping[ContentTypeRef, str], kind: ColumnKind = ColumnKind.PLAIN
) -> str:
    """Return ``value`` as a literal of the dump grammar, in a column of ``kind``.

    ``model_globals`` names the model global written for each content type;
    ``kind`` is the column's ``column_kind``.

    :raises UnwritableValueError: for a value the grammar has no form for in
        that column.
    """
    text_kind = TEXT_KINDS.get(kind)
    if text_kind is not None and value is not None:
        if not isinstance(value, text_kind.python_type):
            # The reader would decode it as the column's kind: a different value.
            raise UnwritableValueError(
                f"{type(value).__name__} value {value!r:.80} in a column of {text_kind.noun}"
            )
        return repr(text_kind.encode(value))
    # bool before int and datetime before date: each is a subclass of the other.
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnwritableValueError(f"no literal for the float {value!r}")
        return repr(value)
    if isinstance(value, Decimal):
        # dump2py writes decimals as strings; the column's Decimal() marker
        # in restore.py tells the reader to decode them back.
        return repr(str(value))
    if isinstance(value, datetime.datetime):
        # Naive UTC, as dump2py writes and the value model holds; the runtime
        # makes it aware again where the site has USE_TZ on. Microseconds, where
        # the value has them, are a seventh argument (dump2py has none).
        value = normalize_datetime(value)
        numbers = [value.year, value.month, value.day, value.hour, value.minute, value.second]
        return "dt(" + ",".join(map(str, numbers + _microseconds(value))) + ")"
    if isinstance(value, datetime.date):
        return f"date({value.year},{value.month},{value.day})"
    if isinstance(value, datetime.time):
        value = normalize_time(value)
        numbers = [value.hour, value.minute, value.second]
        return "time(" + ",".join(map(str, numbers + _microseconds(value))) + ")"
    if isinstance(value, ContentTypeRef):
        return model_globals[value]
    # A UUID, duration, bytes or JSON document outside a column marked for it
    # (the caller did not ask column_kind) would read back as plain text.
    raise UnwritableValueError(f"no literal for {type(value).__name__} value {value!r}")


def _microseconds(value: datetime.datetime | datetime.time) -> list[int]:
    return [value.microsecond] if value.microsecond else []
