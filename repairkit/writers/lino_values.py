"""Write values in the grammar that ``repairkit.readers.lino.values`` reads.

This is the inverse of the reader: every literal written here decodes back
to an equal value of the same type. Nothing else is ever written, so a
restore directory stays data that repairkit can read without executing it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from decimal import Decimal

from repairkit.snapshot import ContentTypeRef, Value
from repairkit.values import normalize_datetime, normalize_time


class UnwritableValueError(ValueError):
    """A value has no form in the dump grammar; the caller adds table, row and column."""


def format_value(value: Value, model_globals: Mapping[ContentTypeRef, str]) -> str:
    """Return ``value`` as a literal of the dump grammar.

    ``model_globals`` names the model global written for each content type.

    :raises UnwritableValueError: for a value the grammar has no form for.
    """
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
    # UUIDs, durations, binary data and JSON documents have no dump2py literal yet:
    # refused by name rather than written as text that the runtime would misread.
    raise UnwritableValueError(f"no literal for {type(value).__name__} value {value!r}")


def _microseconds(value: datetime.datetime | datetime.time) -> list[int]:
    return [value.microsecond] if value.microsecond else []
