"""The one value model: what a value looks like in a Snapshot, whatever its source.

Every reader hands its values through these functions, so that the same data
compares equal whether it came from a Lino dump, a fixture, a SQL dump or a
live database. The rules are written down in docs/values.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import enum
import ipaddress
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from repairkit.snapshot import JsonValue, Pk, Value

UTC = datetime.timezone.utc
_IP_TYPES = (
    ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Interface,
    ipaddress.IPv6Interface, ipaddress.IPv4Network, ipaddress.IPv6Network,
)  # fmt: skip
# Snapshot.info["datetime_precision"] of a source that does not keep microseconds.
SECOND_PRECISION = "seconds"  # dump2py
MILLISECOND_PRECISION = "milliseconds"  # dumpdata --format json / jsonl (DjangoJSONEncoder)


def normalize_datetime(value: datetime.datetime) -> datetime.datetime:
    """Return ``value`` as a naive UTC datetime, microseconds kept.

    An aware value is converted to UTC first; a naive one is taken to be UTC
    already (as Django stores it when ``USE_TZ`` is on, and as dump2py
    writes it).
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def normalize_time(value: datetime.time) -> datetime.time:
    """Return ``value`` naive, microseconds kept."""
    return value.replace(tzinfo=None)


def at_precision(value: Value, precision: str | None) -> Value:
    """Return a datetime or time cut to ``precision`` (seconds or milliseconds).

    dump2py writes datetimes and times to the second, dumpdata's JSON
    encoder to the millisecond. A diff against such a source compares at
    that precision (``diff.diff_snapshots``); the values themselves keep
    what their source had, so a restore never loses it. Other values, and
    any value when ``precision`` is None, are returned as they are.
    """
    if precision is None or not isinstance(value, (datetime.datetime, datetime.time)):
        return value
    keep = 0 if precision == SECOND_PRECISION else value.microsecond // 1000 * 1000
    return value.replace(microsecond=keep)


def coarsest_precision(*precisions: str | None) -> str | None:
    """Return the coarsest of the sources' datetime precisions (None: microseconds)."""
    for precision in (SECOND_PRECISION, MILLISECOND_PRECISION):
        if precision in precisions:
            return precision
    return None


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
    DURATION = "duration"
    UUID = "uuid"
    BINARY = "binary"
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
    "DurationField": ValueType.DURATION,
    "UUIDField": ValueType.UUID,
    "BinaryField": ValueType.BINARY,
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
    if text == "uuid":
        return ValueType.UUID
    if text.startswith("interval"):
        return ValueType.DURATION
    if _SQL_BINARY.fullmatch(text):
        return ValueType.BINARY
    return ValueType.TEXT


# Django's BinaryField: SQLite "BLOB", PostgreSQL "bytea", MySQL "longblob".
_SQL_BINARY = re.compile(r"blob|bytea|(tiny|medium|long)blob|(var)?binary(\(\d+\))?")


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
        return to_json_value(value)
    if value_type is ValueType.DURATION:
        return to_duration(value)
    if value_type is ValueType.UUID:
        return to_uuid(value)
    if value_type is ValueType.BINARY and isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if value_type is ValueType.BINARY and isinstance(value, str) and value.startswith("\\x"):
        return to_bytes(value)  # PostgreSQL's bytea output as text
    # Anything else in a binary column is stored as it is: SQLite keeps a number or
    # a text written into a BLOB column as that. A fixture's base64 text is decoded
    # by the fixture reader, which knows it is base64.
    if value_type is ValueType.INTEGER and isinstance(value, (str, Decimal)):
        return int(value)
    if value_type is ValueType.FLOAT and isinstance(value, (str, int, Decimal)):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    # Drivers that know the column's type hand these over as such (psycopg: uuid, interval).
    if isinstance(value, (bool, int, float, str, Decimal, uuid.UUID, datetime.timedelta)):
        return value
    if isinstance(value, JsonValue):
        return value
    if isinstance(value, _IP_TYPES):
        # psycopg reads inet/cidr as ipaddress objects; Django's field holds their text.
        return str(value)
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
    """Return a datetime (object or ISO text, ``Z`` allowed) as naive UTC, microseconds kept.

    :raises ValueError: if ``value`` is not a datetime.
    """
    if isinstance(value, str):
        text = value.strip()
        value = datetime.datetime.fromisoformat(
            text[:-1] + "+00:00" if text.endswith("Z") else text
        )
    if not isinstance(value, datetime.datetime):
        raise ValueError(f"not a datetime: {value!r}")
    try:
        return normalize_datetime(value)
    except OverflowError as err:  # 0001-01-01 00:00+01 has no UTC time a datetime holds
        raise ValueError(f"datetime {value.isoformat()} is out of range in UTC") from err


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
    """Return a naive time, microseconds kept, from a time, ISO text or timedelta.

    PyMySQL hands MySQL ``TIME`` values over as timedeltas.

    :raises ValueError: if ``value`` is not a time of day.
    """
    if isinstance(value, datetime.timedelta):
        if not datetime.timedelta(0) <= value < datetime.timedelta(days=1):
            raise ValueError(f"not a time of day: {value!r}")
        return (datetime.datetime.min + value).time()
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
    if isinstance(value, JsonValue):
        return value.text
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except RecursionError as err:  # the readers' own nesting limit is far below Python's
            raise ValueError("a JSON document nested too deeply to read") from err
    try:
        return json_text(value)
    except RecursionError as err:
        raise ValueError("a JSON document nested too deeply to write") from err


def json_text(document: object) -> str:
    """Return parsed JSON data (dicts, lists, ...) as canonical text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_json_value(value: object) -> JsonValue:
    """Return a JSON column's value, given as JSON text (drivers, XML fixtures) or a JsonValue.

    A JSON string is text whose JSON is a string: ``'"abc"'``. Data already
    parsed (a JSON or YAML fixture's value) goes through ``json_document``.

    :raises ValueError: if text is not valid JSON.
    """
    if isinstance(value, JsonValue):
        return value
    if isinstance(value, (dict, list, bool, int, float)):
        # psycopg and PyMySQL's json decoding hand over parsed documents.
        return json_document(value)
    written = value.decode("utf-8") if isinstance(value, bytes) else value
    if not isinstance(written, str):
        raise ValueError(f"not JSON text: {value!r}")
    return JsonValue(to_canonical_json(written), written)


def json_document(document: object) -> JsonValue:
    """Return parsed JSON data (a fixture's value; ``None`` is JSON null here) as a JsonValue.

    Its ``written`` text is what Django's JSONField stores for it (``json.dumps``
    with its defaults), keys in the order the fixture gives them.
    """
    return JsonValue(json_text(document), json.dumps(document))


def to_duration(value: object) -> datetime.timedelta:
    """Return a duration from a timedelta, integer microseconds or Django's duration text.

    Django stores a DurationField as a bigint of microseconds on SQLite and
    MySQL, as an ``interval`` on PostgreSQL; its serializers write
    ``[-]D HH:MM:SS[.ffffff]`` (and ISO 8601 ``P...`` is read too).

    :raises ValueError: if ``value`` is not a duration.
    """
    if isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.timedelta(microseconds=value)
    if isinstance(value, str):
        from django.utils.dateparse import parse_duration  # the parser of the texts Django writes

        parsed: datetime.timedelta | None = parse_duration(value.strip())
        if parsed is not None:
            return parsed
    raise ValueError(f"not a duration: {value!r}")


def to_uuid(value: object) -> uuid.UUID:
    """Return a UUID from a UUID, or its text dashed or as 32 hex digits (SQLite, MySQL).

    :raises ValueError: if ``value`` is not a UUID.
    """
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        return uuid.UUID(value.strip())
    raise ValueError(f"not a UUID: {value!r}")


def to_bytes(value: object) -> bytes:
    """Return binary data from bytes, PostgreSQL's ``\\x`` hex text, or base64 text (fixtures).

    :raises ValueError: if text is not base64.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str) and value.startswith("\\x"):
        try:  # PostgreSQL's bytea hex form, as pg_dump and psql write it
            return bytes.fromhex(value[2:])
        except ValueError as err:
            raise ValueError(f"not bytea hex: {value!r:.60}") from err
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as err:
            raise ValueError(f"not base64: {value!r:.60}") from err
    raise ValueError(f"not binary data: {value!r}")


def key_of(value: Value) -> Value:
    """Return a key column's value as a Snapshot key: a UUID key is its dashed text.

    A Snapshot's keys are ints or strings; other values are returned as they are.
    """
    return str(value) if isinstance(value, uuid.UUID) else value


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


def same_value(old: Value, new: Value) -> bool:
    """Tell whether two stored values are the same, not merely ``==``.

    ``True == 1`` and ``0 == False`` in Python, but a column that went from
    ``1`` to ``True`` did change.
    """
    return old == new and (
        type(old) is type(new) or not isinstance(old, bool) and not isinstance(new, bool)
    )


def sort_pks(pks: Iterable[Pk]) -> tuple[Pk, ...]:
    """Sort primary keys: numbers before texts, each in natural order."""
    return tuple(sorted(pks, key=lambda pk: (isinstance(pk, str), pk)))
