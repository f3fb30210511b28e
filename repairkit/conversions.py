"""Fit a backup's value into today's column exactly, or say why it cannot be done.

Only conversions that keep the value are made: an integer into a wider
integer column, a string of digits into an integer column, a text into a
column long enough for it, an integer into a decimal column. Everything
else is refused with a reason (``NotExactError``): a decimal into an integer
column (its unit may have changed with the type: only the application's
upgrade knows), a text over ``max_length``, a value outside today's choices.
Datetimes pass unchanged: the restore engine makes naive ones aware (UTC)
where the site has ``USE_TZ``, which keeps the instant.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from repairkit.site_fields import INTEGER_RANGES, FieldSpec
from repairkit.snapshot import ContentTypeRef, Value

_TEXT_TYPES = {
    "CharField", "TextField", "EmailField", "SlugField", "URLField", "FilePathField",
    "FileField", "ImageField", "GenericIPAddressField", "IPAddressField",
}  # fmt: skip
_DIGITS = re.compile(r"-?[0-9]+\Z")


class NotExactError(ValueError):
    """A value that today's column cannot hold exactly; the message says why."""


def fit_value(value: Value, spec: FieldSpec) -> Value:
    """Return ``value`` as today's column ``spec`` holds it, converted only where exact.

    :raises NotExactError: if the value would change or does not fit.
    """
    if value is None:
        if spec.null or spec.choices is not None:
            return None  # a choicelist's empty value is read as None from a text ''
        if spec.internal_type in _TEXT_TYPES:
            raise NotExactError("NULL into a column that is NOT NULL and takes text")
        raise NotExactError("NULL into a NOT NULL column")
    if isinstance(value, ContentTypeRef):
        return value
    kind = spec.internal_type
    if kind in INTEGER_RANGES:
        fitted: Value = _fit_integer(value, spec)
    elif kind == "DecimalField":
        fitted = _fit_decimal(value, spec)
    elif kind in _TEXT_TYPES:
        fitted = _fit_text(value, spec)
    elif kind == "BooleanField":
        if not isinstance(value, bool):
            raise NotExactError(f"a {type(value).__name__} into a BooleanField")
        fitted = value
    else:
        fitted = _fit_temporal(value, kind)
    if spec.choices is not None and fitted not in spec.choices and fitted != "":
        raise NotExactError(f"not one of today's choices {list(spec.choices)!r}")
    return fitted


def _fit_integer(value: Value, spec: FieldSpec) -> int:
    if isinstance(value, bool):
        raise NotExactError(f"a boolean into an {spec.internal_type}")
    if isinstance(value, str) and _DIGITS.match(value):
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, Decimal):
        raise NotExactError(
            f"a decimal into an {spec.internal_type}: the unit may have changed with the type"
            " (e.g. euros to cents); only the application's upgrade knows"
        )
    else:
        raise NotExactError(f"a {type(value).__name__} into an {spec.internal_type}")
    low, high = INTEGER_RANGES[spec.internal_type]
    if not low <= number <= high:
        raise NotExactError(f"outside the range of an {spec.internal_type} ({low}..{high})")
    return number


def _fit_decimal(value: Value, spec: FieldSpec) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise NotExactError(f"a {type(value).__name__} into a DecimalField")
    number = Decimal(value)
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    digits = len(number.as_tuple().digits) - places if number else 0
    if spec.decimal_places is not None and places > spec.decimal_places:
        raise NotExactError(f"more than {spec.decimal_places} decimal places")
    if spec.max_digits is not None and spec.decimal_places is not None:
        if digits > spec.max_digits - spec.decimal_places:
            raise NotExactError(
                f"more than {spec.max_digits - spec.decimal_places} digits before the point"
            )
    return number


def _fit_text(value: Value, spec: FieldSpec) -> str:
    if not isinstance(value, str):
        raise NotExactError(f"a {type(value).__name__} into a {spec.internal_type}")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise NotExactError(f"{len(value)} characters, over today's max_length {spec.max_length}")
    return value


_TEMPORAL: dict[str, type] = {
    "DateTimeField": datetime.datetime,
    "DateField": datetime.date,
    "TimeField": datetime.time,
}


def _fit_temporal(value: Value, kind: str) -> Value:
    wanted = _TEMPORAL.get(kind)
    if wanted is None:
        return value  # a type this check does not know (JSON, UUID, …): the restore decides
    # A datetime is also a date: a date column must not take one silently.
    if kind == "DateField" and isinstance(value, datetime.datetime):
        raise NotExactError("a datetime into a DateField")
    if not isinstance(value, wanted):
        raise NotExactError(f"a {type(value).__name__} into a {kind}")
    return value
