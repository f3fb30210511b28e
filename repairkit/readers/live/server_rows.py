"""The rows of a live table as one fingerprint per row; values fetched by key on demand.

Reading every value of every row into Python is what made a live diff slow
and large (1.6 GB for 1M rows). Here each row is hashed in one query per
table and only ``(key, hash)`` pairs are kept; the rows whose hashes differ
are fetched by key and converted when the diff asks. PostgreSQL and MySQL
hash the rows on the server. SQLite, in the same process, hands over the
raw values (int, float, str, bytes, None), which are hashed by their
``marshal`` bytes (``sqlite_fingerprints``): that keeps ``1`` apart from
``1.0``, ``'1'`` from ``b'1'`` and ``-1`` from ``-2``, which ``hash()`` of
the values does not; a large integer-keyed table is hashed in key ranges,
in worker processes when the reader has a pool.

A hash is taken over an encoding of the row that determines the values the
reader would make of it, so equal hashes mean equal rows (up to a 64-bit
collision). What else decides those values (declared types, the server
settings the driver reads values under, the content types a column points
to) goes into ``fingerprint_scheme``: two stores compare fingerprints only
when their schemes are equal. Anything else that differs (another server
version writing the same value as other text) only makes hashes differ,
which costs decoding, never a wrong "equal".

The store keeps the URL, not a connection: decoding connects again, so a
store can be used after the reading connection is closed. The database may
have been written to in between, so every fetched row's hash is checked
against the one read first; a row that changed or went away is reported,
never silently mixed into the older snapshot.
"""

from __future__ import annotations

import hashlib
import uuid
from array import array
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol

from repairkit.errors import DumpFormatError, DumpReadError
from repairkit.fingerprints import FingerprintCollector
from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef, Pk, Row
from repairkit.values import ValueType

from .tables import RowConverter, TableSpec

# Rows fetched per ``WHERE key IN (...)`` query while decoding.
_DECODE_BATCH = 1000


class FingerprintingEngine(Protocol):
    """What a database connection offers for fingerprinting a table's rows."""

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        """Name the hash and everything that decides it and the values read under it."""

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        """Yield each row's key values (``spec.key`` order) followed by its hash, in key order.

        A row that the engine cannot vouch for is converted by ``converter``
        on the way, so that a value that does not fit is refused while reading.

        :raises ValueError: if a value does not fit its column's type.
        """

    def fingerprint_parts(
        self, spec: TableSpec, converter: RowConverter
    ) -> list[tuple[array[int], array[int]]] | None:
        """Return the hashes of a table keyed by one integer column as arrays, or None.

        ``(keys, hashes)`` pairs in key order, each key an int, checked as
        ``fingerprints`` checks them; None to read the rows by ``fingerprints``.

        :raises ValueError: if a value does not fit its column's type.
        """

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        """Yield the rows with these key values (all when None), each followed by its hash."""

    def fingerprinted_rows_holding(
        self, spec: TableSpec, columns: Sequence[str], values: Sequence[int]
    ) -> Iterator[tuple[Any, ...]] | None:
        """Yield, as ``fingerprinted_rows``, at least the rows where one of ``columns`` holds one
        of ``values``; None where the engine cannot tell them.
        """

    def close(self) -> None: ...


def integer_columns(spec: TableSpec, columns: Collection[str]) -> bool:
    """Tell whether each of ``columns`` is of an integer type.

    On PostgreSQL and MySQL, ``IN`` then finds exactly the rows whose value
    in the column is one of some integers, as the reader reads it.
    """
    types = {column.name: column.value_type for column in spec.columns}
    return all(types[name] is ValueType.INTEGER for name in columns)


def spec_digest(spec: TableSpec, *settings: object) -> str:
    """Return a short digest of what turns a table's stored text into values.

    The declared type, scale and target of each column, and the session
    ``settings`` under which the driver reads the values.
    """
    described = [
        (column.name, column.declared, column.value_type.value, column.scale, column.references)
        for column in spec.columns
    ]
    return hashlib.sha256(repr((described, settings)).encode()).hexdigest()[:16]


def content_types_digest(content_types: Mapping[object, ContentTypeRef]) -> str:
    """Return a short digest of a database's content types, id by id."""
    pairs = sorted((repr(key), str(ref)) for key, ref in content_types.items())
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


class ServerRowStore:
    """A live table's rows: a hash of each row as read now, values fetched by key on demand."""

    def __init__(
        self,
        url: str,
        label: str,
        spec: TableSpec,
        content_types: Mapping[object, ContentTypeRef],
        engine: FingerprintingEngine,
        connect: Callable[[str], FingerprintingEngine],
    ) -> None:
        """Read the table's fingerprints through ``engine``; ``connect(url)`` serves decoding.

        :raises DumpFormatError: if a key value does not fit its column's type.
        """
        self._url, self._label, self._spec, self._connect = url, label, spec, connect
        self._converter = RowConverter(spec, content_types)
        first = next(column for column in spec.columns if column.name == spec.key[0])
        # A plain integer key is its own Pk (convert_stored would return it as it is).
        self._int_key = (
            len(spec.key) == 1
            and first.value_type is ValueType.INTEGER
            and first.references != CONTENT_TYPE_TABLE
        )
        scheme = engine.fingerprint_scheme(spec)
        if any(column.references == CONTENT_TYPE_TABLE for column in spec.columns):
            # The same content type id means another model in a database whose
            # content types differ, though the row's text is the same.
            scheme += f";content-types={content_types_digest(content_types)}"
        # The key values as the driver gives them, for the rows whose Pk is not that value.
        self._keys: dict[Pk, tuple[Any, ...]] = {}
        unhashed = False
        rows = 0
        collected = FingerprintCollector()
        try:
            parts = engine.fingerprint_parts(spec, self._converter) if self._int_key else None
            for keys, prints in parts or ():
                collected.add_part(keys, prints)
                rows += len(keys)
            for row in engine.fingerprints(spec, self._converter) if parts is None else ():
                pk = row[0] if self._int_key and type(row[0]) is int else self._pk(list(row[:-1]))
                fingerprint = row[-1]
                collected.add(pk, fingerprint)
                unhashed = unhashed or fingerprint is None
                rows += 1
        except ValueError as err:
            raise DumpFormatError(label, None, str(err)) from err
        self._fingerprints = collected.finish()
        if unhashed:
            # The server could not hash some row (MySQL gives NULL for a text longer
            # than max_allowed_packet): no other store shares this scheme, so the
            # diff compares every row's values.
            scheme += f";unhashed={uuid.uuid4()}"
        self.fingerprint_scheme = scheme
        # Rows fetched by key would not be the rows read where a key repeats (a table
        # without a primary key is keyed by its first column) or holds NULL, which
        # equals nothing in a WHERE (SQLite lets a primary key column hold it).
        self.fetchable_by_key = rows == len(self._fingerprints) and not any(
            None in key for key in self._keys.values()
        )

    def _pk(self, key: list[Any]) -> Pk:
        if self._int_key and type(key[0]) is int:
            return key[0]  # the common case, without converting a million ints
        pk = self._converter.key(key)
        if len(key) != 1 or type(key[0]) is not type(pk) or key[0] != pk:
            self._keys[pk] = tuple(key)
        return pk

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self._fingerprints

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Fetch and convert the rows for ``pks`` (all rows when None), by primary key.

        :raises DumpFormatError: if a value does not fit its column's type.
        :raises DumpReadError: if a row changed or went away since its fingerprint was read.
        :raises DumpNotFoundError: if the database cannot be reached any more.
        """
        if pks is None:
            batches: list[list[Pk] | None] = [None]
            expected = len(self._fingerprints)
        else:
            wanted = list(dict.fromkeys(pk for pk in pks if pk in self._fingerprints))
            if not wanted:
                return {}
            batches = [
                wanted[start : start + _DECODE_BATCH]
                for start in range(0, len(wanted), _DECODE_BATCH)
            ]
            expected = len(wanted)
        rows: dict[Pk, Row] = {}
        engine = self._connect(self._url)
        try:
            for batch in batches:
                keys = None if batch is None else [self._keys.get(pk, (pk,)) for pk in batch]
                in_batch = None if batch is None else set(batch)
                for raw in engine.fingerprinted_rows(self._spec, keys):
                    pk, row = self._converter.row(raw[:-1])
                    if pk not in self._fingerprints or self._fingerprints[pk] != raw[-1]:
                        raise self._changed(pk)
                    # A key also finds the rows whose keys SQL calls equal to it: SQLite's
                    # 1.0 for 1, MySQL's 'A' for 'a' in a case-insensitive collation.
                    if in_batch is None or pk in in_batch:
                        rows[pk] = row
        except ValueError as err:
            raise DumpFormatError(self._label, None, str(err)) from err
        finally:
            engine.close()
        if len(rows) != expected:
            asked = self._fingerprints if pks is None else wanted
            gone = next(pk for pk in asked if pk not in rows)
            raise self._changed(gone)
        return rows

    def decode_holding(
        self, keys: Collection[int], columns: Collection[int] | None = None
    ) -> dict[Pk, Row]:
        """Fetch and convert the rows where one of ``columns`` (all when None) holds a key.

        The database finds them (``fingerprinted_rows_holding``), ``_DECODE_BATCH``
        keys a query; where it cannot, every row is decoded.

        :raises DumpFormatError: if a value does not fit its column's type.
        :raises DumpReadError: if a row fetched changed since its fingerprint was read.
        :raises DumpNotFoundError: if the database cannot be reached any more.
        """
        if columns is None or not self.fetchable_by_key:
            return self.decode()
        names = [self._spec.columns[i].name for i in columns]
        engine = self._connect(self._url)
        try:
            rows = self._fetch_holding(engine, names, sorted(keys))
        except ValueError as err:
            raise DumpFormatError(self._label, None, str(err)) from err
        finally:
            engine.close()
        return self.decode() if rows is None else rows

    def _fetch_holding(
        self, engine: FingerprintingEngine, columns: list[str], values: list[int]
    ) -> dict[Pk, Row] | None:
        rows: dict[Pk, Row] = {}
        for start in range(0, len(values), _DECODE_BATCH):
            batch = values[start : start + _DECODE_BATCH]
            found = engine.fingerprinted_rows_holding(self._spec, columns, batch)
            if found is None:
                return None
            for raw in found:
                pk, row = self._converter.row(raw[:-1])
                if pk not in self._fingerprints or self._fingerprints[pk] != raw[-1]:
                    raise self._changed(pk)
                rows[pk] = row
        return rows

    def _changed(self, pk: Pk) -> DumpReadError:
        return DumpReadError(
            self._label,
            f"{self._spec.name}: the row {pk!r} changed or went away after its fingerprint "
            "was read; compare again when nothing writes to the database, or compare dumps",
        )
