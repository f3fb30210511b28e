"""The one tagged-value vocabulary of every restore form that is not SQL.

Values JSON and Python literals have (``None``, booleans, numbers, text)
stay as they are; every other kind becomes a tuple of its tag and texts or
numbers: ``("Decimal", "12.50")``, ``("date", "2024-01-31")``,
``("datetime", "2024-01-31T08:00:00.123456")`` (naive UTC, as snapshot
values are), ``("time", "08:00:00")``, ``("content_type", "app_label",
"model")``, ``("json", '{"k":1}')`` (JSON null is ``("json", "null")``, SQL
NULL is ``None``), ``("uuid", "...")``, ``("duration", days, seconds,
microseconds)``, ``("bytes", "00ff")``. The standalone Django script
writes them as Python literals, ``updates.json`` as JSON lists; the
restore engine reads both with ``restore_engine.records.decode_value``,
the one decoder.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from repairkit.snapshot import ContentTypeRef, JsonValue, Value


def encode_value(value: Value) -> Any:
    """Return ``value`` as plain literal types: tagged tuples for everything else."""
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    if isinstance(value, datetime.datetime):  # before date: a datetime is a date
        return ("datetime", value.isoformat())
    if isinstance(value, (datetime.date, datetime.time)):
        return (type(value).__name__, value.isoformat())
    if isinstance(value, ContentTypeRef):
        return ("content_type", value.app_label, value.model)
    if isinstance(value, JsonValue):
        return ("json", value.stored_text)
    if isinstance(value, uuid.UUID):
        return ("uuid", str(value))
    if isinstance(value, datetime.timedelta):
        return ("duration", value.days, value.seconds, value.microseconds)
    if isinstance(value, bytes):
        return ("bytes", value.hex())
    return value
