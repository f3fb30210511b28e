"""Fingerprint a large integer-keyed SQLite table in key ranges, one range per worker call.

A row's fingerprint is ``hash()`` of ``marshal.dumps(row, 2)``, its raw
values as sqlite3 gives them (int, float, str, bytes, None). Marshal
writes each value's type and exact content (a float's eight bytes, a
text's UTF-8), so ``1`` stays apart from ``1.0``, ``-0.0`` from ``0.0``,
``'1'`` from ``b'1'``; version 2 writes no back-references, which would
make the bytes depend on which values happen to be the same object. It
took a third of the time of ``repr`` (0.17 s against 0.42 s for 200,000
rows of 11 columns).

Reading, checking and hashing cost about 5 µs a row (2 December 2026),
all in one process before; the ranges go through the reader's
``map_files``, so with a worker pool both cores read one table. Each range is an ordered query
of its own (``WHERE key >= low AND key < high ORDER BY key``); the ranges
follow each other in key order and ``map_files`` keeps their order, so
the first row that does not convert is still the one a full read meets
first. Forked workers keep the parent's ``hash()`` salt
(``repairkit.workers``).
"""

from __future__ import annotations

import marshal
import sqlite3
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from repairkit.snapshot import ContentTypeRef
from repairkit.workers import MapFunction

from .queries import BATCH, quoted, select_rows
from .sqlite_checks import readable_rows_check
from .tables import RowConverter, TableSpec

# Below this span of keys a table is read in one range in the reading process:
# handing a range to a worker costs a fork's start and the arrays' pickling.
RANGED_KEY_SPAN = 100_000
# Ranges per table: more than the workers, so that one slow range does not
# leave a core idle at the end.
RANGES = 8


def raw_row_fingerprint(raw: tuple[Any, ...]) -> int:
    """Return the fingerprint of one raw row (a tuple as sqlite3 gives it)."""
    return hash(marshal.dumps(raw, 2))


@dataclass(frozen=True, slots=True)
class KeyRange:
    """The rows of one table whose single integer key is at least ``low`` and below ``high``.

    ``None`` leaves that end open; the open low end also takes a NULL key,
    the open high end a text or blob key, which SQLite orders after numbers.
    """

    uri: str  # the read-only ``file:`` URI of the database
    spec: TableSpec
    content_types: Mapping[object, ContentTypeRef]
    low: int | None
    high: int | None


def read_fingerprint_parts(
    connection: sqlite3.Connection,
    uri: str,
    spec: TableSpec,
    content_types: Mapping[object, ContentTypeRef],
    map_files: MapFunction,
) -> list[tuple[array[int], array[int]]] | None:
    """Return the table's ``(keys, fingerprints)`` arrays, range by range in key order.

    None when a key is not a plain integer (a text or a real in an integer
    column): such a table is read row by row.

    :raises ValueError: if a value does not fit its column's type.
    """
    key, table = quoted(spec.key[0]), quoted(spec.name)
    # Two queries: SQLite finds a lone min() or max() in the key's index, both at once by a scan.
    (low,) = connection.execute(f"SELECT min({key}) FROM {table}").fetchone()
    (high,) = connection.execute(f"SELECT max({key}) FROM {table}").fetchone()
    if type(low) is not int or type(high) is not int or high - low < RANGED_KEY_SPAN:
        parts = [fingerprint_range(KeyRange(uri, spec, content_types, None, None), connection)]
    else:
        step = (high - low) // RANGES + 1
        bounds = [low + step * i for i in range(1, RANGES)]
        ranges = [
            KeyRange(uri, spec, content_types, start, end)
            for start, end in zip([None, *bounds], [*bounds, None], strict=True)
        ]
        parts = list(map_files(fingerprint_range, ranges))
    if any(part is None for part in parts):
        return None
    return [part for part in parts if part is not None]


def fingerprint_range(
    job: KeyRange, connection: sqlite3.Connection | None = None
) -> tuple[array[int], array[int]] | None:
    """Return the keys and fingerprints of the rows in ``job``'s range, in key order.

    The rows that ``sqlite_checks`` cannot vouch for are converted, which
    refuses the first one that does not fit. None if a key is not an int.
    ``connection``, if given, is used instead of opening ``job.uri``.

    :raises ValueError: if a value does not fit its column's type.
    """
    spec = job.spec
    converter = RowConverter(spec, job.content_types)
    check = readable_rows_check(spec, job.content_types)
    key = quoted(spec.key[0])
    if job.low is None:
        # NULL is below every number but fails every comparison.
        where = "" if job.high is None else f"({key} < {job.high} OR {key} IS NULL)"
    else:
        where = f"{key} >= {job.low}" + ("" if job.high is None else f" AND {key} < {job.high}")
    own = connection is None
    if connection is None:
        connection = sqlite3.connect(job.uri, uri=True)
    try:
        if check is not None:
            # The rows SQLite cannot vouch for, converted first and in key order: the
            # first that does not fit is the one a full read refuses. A query of
            # its own, because SQLite skips the rest of a test that fails only in
            # a WHERE (0.78 s against 0.86 s for 200,000 rows).
            for row in connection.execute(select_rows(spec, where=_both(where, f"{check} = 0"))):
                converter.row(row)
        cursor = connection.execute(select_rows(spec, where=where))
        first = [column.name for column in spec.columns].index(spec.key[0])
        keys: array[int] = array("q")
        prints: array[int] = array("q")
        while batch := cursor.fetchmany(BATCH):
            try:
                keys.extend([row[first] for row in batch])
            except TypeError:  # a NULL, a real or a text key: not for an integer array
                return None
            # raw_row_fingerprint, inlined in the one loop that runs for every row.
            prints.extend([hash(marshal.dumps(row, 2)) for row in batch])
        return keys, prints
    finally:
        if own:
            connection.close()


def _both(condition: str, other: str) -> str:
    return f"({condition}) AND {other}" if condition else other
