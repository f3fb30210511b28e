"""The engine's records and errors, and the decoding of the standalone script's tagged values."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any, NamedTuple

EXIT_FAILED = 1
EXIT_USAGE = 2


class RestoreFailed(Exception):
    """The restore stopped at a row (table, pk) or a table, for a reason; nothing was changed.

    ``where`` is the row's place in the data (``"repairdemo_order.py:7"``),
    where the caller knows one: what a reviewer would edit.
    """

    def __init__(
        self, problem: str, table: str | None = None, pk: object = None, where: str | None = None
    ) -> None:
        self.problem = problem
        self.table, self.pk, self.where = table, pk, where
        row = ""
        if table is not None:
            row = table if pk is None else f"{table} pk {pk!r}"
            row += f" ({where}): " if where else ": "
        super().__init__(row + problem)


class ContentTypeName(NamedTuple):
    """A content type by natural key; the site's id is looked up when inserting."""

    app_label: str
    model: str


class SourceTable(NamedTuple):
    name: str
    columns: tuple[str, ...]
    pk: str
    rows: list[tuple[Any, ...]]  # decoded values, in ``columns`` order
    # Where each row is written ("file.py:7"), in the order of ``rows``; empty
    # when the data has no places worth naming (the standalone script's rows).
    locations: tuple[str, ...] = ()


class Update(NamedTuple):
    table: str
    pk: Any
    column: str
    corrupted: Any  # the value the plan saw; the update applies only where it still is
    restored: Any
    where: str | None = None  # its place in the data ("updates.json, entry 3"), if any


class Target(NamedTuple):
    """A table of the data with the site's model and the field of each of its columns."""

    source: SourceTable
    model: Any
    fields: tuple[Any, ...]  # one per source column
    defaulted: tuple[Any, ...]  # the model's own columns that the data lacks
    # The fields that identify a row: the primary key, the fields of a composite
    # one, or an auto-created many-to-many table's pair (its id is the database's).
    key: tuple[Any, ...] = ()


class TableOutcome(NamedTuple):
    name: str
    rows: int
    inserted: int
    skipped: int  # the key exists already
    defaulted: tuple[str, ...]


class SkippedRepair(NamedTuple):
    """A field repair left alone: the field no longer holds the value the plan saw."""

    update: Update
    reason: str  # "changed since the plan, now 'x@y.org'" or "the row is gone"


class UpdateOutcome(NamedTuple):
    table: str
    planned: int
    updated: int
    already: int  # holds the restored value already (e.g. a second run)
    skipped: tuple[SkippedRepair, ...]  # holds neither value, or the row is gone: left alone


class JsonText(NamedTuple):
    """A JSON document as its text (``null`` is JSON null, not SQL NULL)."""

    text: str


def decode_value(value: Any) -> Any:
    """Return a value of the data as Python: tagged tuples become their type, others stay.

    :raises ValueError: for an unknown tag.
    """
    if not isinstance(value, tuple):
        return value
    tag = value[0]
    if tag == "Decimal":
        return Decimal(value[1])
    if tag == "datetime":
        return datetime.datetime.fromisoformat(value[1])
    if tag == "date":
        return datetime.date.fromisoformat(value[1])
    if tag == "time":
        return datetime.time.fromisoformat(value[1])
    if tag == "content_type":
        return ContentTypeName(value[1], value[2])
    if tag == "json":
        return JsonText(value[1])
    if tag == "uuid":
        return uuid.UUID(value[1])
    if tag == "duration":
        return datetime.timedelta(days=value[1], seconds=value[2], microseconds=value[3])
    if tag == "bytes":
        return bytes.fromhex(value[1])
    raise ValueError(f"unknown value {value!r}")


def decode_tables(tables: list[dict[str, Any]]) -> list[SourceTable]:
    """Return the tables of the data with decoded values.

    :raises RestoreFailed: naming the row whose value cannot be decoded.
    """
    decoded = []
    for table in tables:
        columns = tuple(table["columns"])
        key = columns.index(table["pk"])
        rows = []
        for row in table["rows"]:
            if len(row) != len(columns):
                problem = f"the row has {len(row)} values for {len(columns)} columns"
                raise RestoreFailed(problem, table["table"], row[key] if key < len(row) else None)
            try:
                rows.append(tuple(decode_value(value) for value in row))
            except (ValueError, IndexError) as err:
                raise RestoreFailed(
                    f"cannot read the row: {err}", table["table"], row[key]
                ) from err
        decoded.append(SourceTable(table["table"], columns, table["pk"], rows))
    return decoded


def decode_updates(updates: list[tuple[Any, ...]]) -> list[Update]:
    """Return the field repairs of the data with decoded values.

    :raises RestoreFailed: naming the row whose value cannot be decoded.
    """
    decoded = []
    for table, pk, column, corrupted, restored, *_ in updates:
        try:
            decoded.append(
                Update(table, pk, column, decode_value(corrupted), decode_value(restored))
            )
        except (ValueError, IndexError) as err:
            raise RestoreFailed(f"cannot read the update of {column}: {err}", table, pk) from err
    return decoded


def one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__
