"""Values fit into today's columns only where the conversion keeps them exactly."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from repairkit.conversions import NotExactError, fit_value
from repairkit.site_fields import FieldSpec


def spec(internal_type: str, **options: object) -> FieldSpec:
    null = bool(options.pop("null", False))
    return FieldSpec("t", "c", internal_type, null, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "column", "expected"),
    [
        (7, spec("BigIntegerField"), 7),
        ("0042", spec("IntegerField"), 42),
        ("-5", spec("IntegerField"), -5),
        ("short", spec("CharField", max_length=10), "short"),
        (12, spec("DecimalField", max_digits=5, decimal_places=2), Decimal(12)),
        (Decimal("84.46"), spec("DecimalField", max_digits=5, decimal_places=2), Decimal("84.46")),
        (None, spec("IntegerField", null=True), None),
        ("F", spec("CharField", max_length=1, choices=("M", "F")), "F"),
        (datetime.datetime(2025, 1, 2, 3, 4), spec("DateTimeField"), datetime.datetime(2025, 1, 2, 3, 4)),  # noqa: E501 -- one case per line
    ],
)  # fmt: skip
def test_exact_conversions_are_made(value: object, column: FieldSpec, expected: object) -> None:
    fitted = fit_value(value, column)  # type: ignore[arg-type]
    assert fitted == expected
    assert type(fitted) is type(expected)


@pytest.mark.parametrize(
    ("value", "column", "why"),
    [
        (Decimal("84.46"), spec("IntegerField"), "a decimal into an IntegerField"),
        (Decimal("84.00"), spec("IntegerField"), "the unit may have changed"),
        ("x" * 11, spec("CharField", max_length=10), "11 characters, over today's max_length 10"),
        ("X", spec("CharField", max_length=1, choices=("M", "F")), "not one of today's choices"),
        (None, spec("IntegerField"), "NULL into a NOT NULL column"),
        (2**31, spec("IntegerField"), "outside the range"),
        ("12a", spec("IntegerField"), "a str into an IntegerField"),
        (Decimal("1.234"), spec("DecimalField", max_digits=5, decimal_places=2), "decimal places"),
        (Decimal("1234"), spec("DecimalField", max_digits=5, decimal_places=2), "digits before"),
        (True, spec("IntegerField"), "a boolean"),
        (datetime.datetime(2025, 1, 2), spec("DateField"), "a datetime into a DateField"),
        ("2025-01-02", spec("DateField"), "a str into a DateField"),
    ],
)  # fmt: skip
def test_inexact_conversions_are_refused_with_the_reason(
    value: object, column: FieldSpec, why: str
) -> None:
    with pytest.raises(NotExactError, match=why.replace("(", r"\(")):
        fit_value(value, column)  # type: ignore[arg-type]
