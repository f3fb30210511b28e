"""The one value model: what a value looks like in a Snapshot, whatever its source.

Every reader hands its values through these functions, so that the same data
compares equal whether it came from a Lino dump, a fixture, a SQL dump or a
live database. The rules are written down in docs/values.md.
"""

from __future__ import annotations

import datetime
import enum
import json
import re
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from repairkit.snapshot import Value

UTC = datetime.timezone.utc


def normalize_datetime(value: datetime.datetime) -> datetime.datetime:
    """Return ``value`` as a naive UTC datetime at second precision.

    dump2py writes datetimes in UTC without microseconds, so that is the
    common ground. An aware value is converted to UTC first; a naive one is
    taken to be UTC already (as Django stores it when ``USE_TZ`` is on, and
    as dump2py writes it).
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def normalize_time(value: datetime.time) -> datetime.time:
    """Return ``value`` naive and at second precision, as dump2py writes times."""
    return value.replace(microsecond=0, tzinfo=None)


class ValueType(str, enum.Enum):
    """What a column holds, as far as comparing values is concerned.

    Readers learn it from wherever their source tells (a model field, a
    declared SQL type, an XML ``type`` attribute) and pass every raw value
    through ``convert_value`` with it.
    """

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    JSON = "json"


# Django's internal field types, for readers that know the models.
_DJANGO_FIELD_TYPES = {
    "BooleanField": ValueType.BOOLEAN,
    "NullBooleanField": ValueType.BOOLEAN,
    "DecimalField": ValueType.DECIMAL,
    "FloatField": ValueType.FLOAT,
    "DateField": ValueType.DATE,
    "DateTimeField": ValueType.DATETIME,
    "TimeField": ValueType.TIME,
    "JSONField": ValueType.JSON,
    "AutoField": ValueType.INTEGER,
    "BigAutoField": ValueType.INTEGER,
    "SmallAutoField": ValueType.INTEGER,
    "IntegerField": ValueType.INTEGER,
    "BigIntegerField": ValueType.INTEGER,
    "SmallIntegerField": ValueType.INTEGER,
    "PositiveIntegerField": ValueType.INTEGER,
    "PositiveBigIntegerField": ValueType.INTEGER,
    "PositiveSmallIntegerField": ValueType.INTEGER,
}

_SQL_INTEGER = re.compile(
    r"(tiny|small|medium|big)?int(eger)?(\(\d+\))?( unsigned)?"
    r"|int[248]|serial|bigserial|smallserial"
)


def value_type_of_django_field(internal_type: str) -> ValueType:
    """Return the ValueType for a Django ``Field.get_internal_type()`` name."""
    return _DJANGO_FIELD_TYPES.get(internal_type, ValueType.TEXT)


def value_type_of_sql(declared: str) -> ValueType:
    """Return the ValueType for a column's declared SQL type, as its catalog spells it.

    Django declares booleans as ``bool`` (SQLite), ``boolean`` (PostgreSQL)
    and ``tinyint(1)`` (MySQL/MariaDB, where nothing else marks a boolean);
    any other ``tinyint`` is a number.
    """
    text = declared.strip().lower()
    if text in ("bool", "boolean", "tinyint(1)", "tinyint(1) unsigned"):
        return ValueType.BOOLEAN
    if text.startswith(("decimal", "numeric")):
        return ValueType.DECIMAL
    if _SQL_INTEGER.fullmatch(text):
        return ValueType.INTEGER
    if text.startswith(("real", "double", "float")):
        return ValueType.FLOAT
    if text.startswith(("timestamp", "datetime")):
        return ValueType.DATETIME
    if text == "date":
        return ValueType.DATE
    if text.startswith("time"):
        return ValueType.TIME
    if text in ("json", "jsonb"):
        return ValueType.JSON
    return ValueType.TEXT


def convert_value(value: object, value_type: ValueType, scale: int | None = None) -> Value:
    """Return ``value``, as some source delivered it, in the one value model.

    ``scale`` is the number of decimal places of a DECIMAL column where known;
    SQLite hands decimals back as floats, which only the scale turns back
    into the stored digits.

    :raises ValueError: if ``value`` cannot be read as ``value_type``.
    """
    if value is None:
        return None
    if value_type is ValueType.BOOLEAN:
        return to_bool(value)
    if value_type is ValueType.DECIMAL:
        return to_decimal(value, scale)
    if value_type is ValueType.DATETIME:
        return to_datetime(value)
    if value_type is ValueType.DATE:
        return to_date(value)
    if value_type is ValueType.TIME:
        return to_time(value)
    if value_type is ValueType.JSON:
        return to_canonical_json(value)
    if value_type is ValueType.INTEGER and isinstance(value, (str, Decimal)):
        return int(value)
    if value_type is ValueType.FLOAT and isinstance(value, (str, int, Decimal)):
        return float(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        # PostgreSQL's uuid as its own text form, the one pg_dump writes.
        return str(value)
    if isinstance(value, (bool, int, float, str, Decimal)):
        return value
    raise ValueError(f"unexpected {type(value).__name__} value {value!r}")


def to_bool(value: object) -> bool:
    """Return a boolean stored as a bool, 0/1 or text (``t``/``f``, ``True``/``False``).

    :raises ValueError: for anything else.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _BOOLEAN_TEXTS:
        return _BOOLEAN_TEXTS[value.lower()]
    raise ValueError(f"not a boolean: {value!r}")


_BOOLEAN_TEXTS = {"1": True, "0": False, "t": True, "f": False, "true": True, "false": False}


def to_decimal(value: object, scale: int | None = None) -> Decimal:
    """Return a decimal by value; a float goes through its shortest text, then ``scale``.

    :raises ValueError: if ``value`` is not a number.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise ValueError(f"not a decimal: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as err:
        raise ValueError(f"not a decimal: {value!r}") from err
    if scale is not None and isinstance(value, float):
        number = number.quantize(Decimal(1).scaleb(-scale))
    return number


def to_datetime(value: object) -> datetime.datetime:
    """Return a datetime (object or ISO text, ``Z`` allowed) as naive UTC at second precision.

    :raises ValueError: if ``value`` is not a datetime.
    """
    if isinstance(value, str):
        text = value.strip()
        value = datetime.datetime.fromisoformat(
            text[:-1] + "+00:00" if text.endswith("Z") else text
        )
    if not isinstance(value, datetime.datetime):
        raise ValueError(f"not a datetime: {value!r}")
    return normalize_datetime(value)


def to_date(value: object) -> datetime.date:
    """Return a date from a date object or ISO text.

    :raises ValueError: if ``value`` is not a date.
    """
    if isinstance(value, datetime.datetime):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, str):
        return datetime.date.fromisoformat(value.strip())
    if isinstance(value, datetime.date):
        return value
    raise ValueError(f"not a date: {value!r}")


def to_time(value: object) -> datetime.time:
    """Return a naive time at second precision from a time, ISO text or timedelta.

    PyMySQL hands MySQL ``TIME`` values over as timedeltas.

    :raises ValueError: if ``value`` is not a time of day.
    """
    if isinstance(value, datetime.timedelta):
        seconds = int(value.total_seconds())
        if not 0 <= seconds < 86400:
            raise ValueError(f"not a time of day: {value!r}")
        return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    if isinstance(value, str):
        value = datetime.time.fromisoformat(value.strip())
    if not isinstance(value, datetime.time):
        raise ValueError(f"not a time: {value!r}")
    return normalize_time(value)


def to_canonical_json(value: object) -> str:
    """Return a JSON value as canonical text (sorted keys, no spaces): equal JSON compares equal.

    Text is taken to be JSON already (as Django's serializers and most
    drivers give it) and is parsed first.

    :raises ValueError: if text is not valid JSON.
    """
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render_key(parts: Sequence[object], prefix: str = "") -> str:
    """Return a composite key as one string, e.g. ``natural:('alice')`` or ``(3, 5)``.

    A Snapshot's primary keys are ints or strings, so a key made of several
    values (a natural key, the pair of a many-to-many row) becomes this text.
    Each part is shown with ``repr`` so that ``3`` and ``'3'`` stay apart.
    """
    return f"{prefix}({', '.join(_render_part(part) for part in parts)})"


def _render_part(part: object) -> str:
    if isinstance(part, (list, tuple)):
        return render_key(part)
    return repr(part)


NATURAL_KEY_PREFIX = "natural:"


def render_natural_key(parts: Sequence[object]) -> str:
    """Return the key of a row known only by its natural key: ``natural:('app', 'model')``."""
    return render_key(parts, NATURAL_KEY_PREFIX)
