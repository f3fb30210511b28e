"""Which values a target database can store exactly, and the records that say where one cannot.

A restore must put back exactly what the backup held. When a target cannot
store a value as it is (a NUL character in PostgreSQL text, a lone surrogate
anywhere), the emitters report it with table, primary key and column before
anything is written, rather than let the database or a driver alter it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from repairkit.plan import PlannedTable, RestorePlan
from repairkit.snapshot import Pk, Value

_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # four bytes in UTF-8

ValueCheck = Callable[[Value], "str | None"]


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """A value that a target cannot store exactly: where it is and why."""

    table: str
    pk: Pk
    column: str
    problem: str

    def __str__(self) -> str:
        return f"{self.table} pk={self.pk!r} column {self.column!r}: {self.problem}"


def find_value_problems(plan: RestorePlan, check: ValueCheck) -> list[ValueProblem]:
    """Return a ValueProblem for every planned value for which ``check`` names a problem.

    The values of the field repairs (``plan.updates``) are checked too, both
    the restored one and the damaged one a script compares with.
    """
    return [
        ValueProblem(table, pk, column, problem)
        for table, pk, column, value in iterate_plan_values(plan)
        if (problem := check(value)) is not None
    ]


def iterate_plan_values(plan: RestorePlan) -> Iterator[tuple[str, Pk, str, Value]]:
    """Yield ``(table name, pk, column name, value)`` for every row value and update value."""
    for table, pk, column, value in iterate_values(plan.tables):
        yield table.name, pk, column, value
    for update in plan.updates:
        yield update.table, update.pk, update.column, update.corrupted
        yield update.table, update.pk, update.column, update.restored


def iterate_values(
    tables: tuple[PlannedTable, ...],
) -> Iterator[tuple[PlannedTable, Pk, str, Value]]:
    """Yield ``(table, pk, column name, value)`` for every value of every planned row."""
    for table in tables:
        names = [column.name for column in table.columns]
        for row in table.rows:
            for name, value in zip(names, row.values, strict=True):
                yield table, row.pk, name, value


def problem_in_utf8(value: Value) -> str | None:
    """Name the problem if ``value`` is text that cannot be written as UTF-8 at all."""
    if isinstance(value, str) and (match := _SURROGATE.search(value)):
        return f"lone surrogate {match.group()!r} at offset {match.start()} is not valid UTF-8"
    return None


def find_nul(value: Value) -> int | None:
    """Return the offset of the first NUL character of a text value, if it has one."""
    if isinstance(value, str):
        offset = value.find("\x00")
        return offset if offset >= 0 else None
    return None


def find_astral(value: Value) -> str | None:
    """Return the first character of a text value that takes four bytes in UTF-8, if any."""
    if isinstance(value, str) and (match := _ASTRAL.search(value)):
        return match.group()
    return None
