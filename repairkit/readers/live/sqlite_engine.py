"""A live SQLite database, read-only: its catalog, its rows, and its rows' fingerprints."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from repairkit.errors import DumpNotFoundError
from repairkit.workers import MapFunction

from ..sql.sqlite import decimal_places
from .catalog import ColumnRow, KeyRow
from .queries import BATCH, quoted, select_rows
from .server_rows import spec_digest
from .sqlite_checks import readable_rows_check
from .sqlite_fingerprints import raw_row_fingerprint, read_fingerprint_parts
from .tables import RowConverter, TableSpec
from .urls import sqlite_path


class SqliteEngine:
    """A connection to a SQLite file that SQLite itself keeps from writing."""

    def __init__(self, url: str, map_files: MapFunction = map) -> None:
        """Open the database at ``url``; ``map_files`` runs the fingerprinting of large tables."""
        path = sqlite_path(url)
        if path is None or not path.is_file():
            raise DumpNotFoundError(path or url, "no such SQLite database")
        # Rows are fetched again when decoded, from this file wherever the process is then.
        self.url = f"sqlite:///{quote(str(path.resolve()))}"
        # mode=ro: SQLite itself refuses every write on this connection.
        self.uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        self.connection = sqlite3.connect(self.uri, uri=True)
        self.map_files = map_files

    def catalog(self) -> tuple[list[ColumnRow], list[KeyRow]]:
        columns: list[ColumnRow] = []
        keys: list[KeyRow] = []
        names = [
            row[0]
            for row in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        ]
        for table in names:
            for _, column, declared, _, _, pk_position in self.connection.execute(
                f"PRAGMA table_info({quoted(table)})"
            ):
                columns.append((table, column, declared, decimal_places(declared)))
                if pk_position:
                    keys.append((table, column, "p", None, pk_position))
            for row in self.connection.execute(f"PRAGMA foreign_key_list({quoted(table)})"):
                keys.append((table, row[3], "f", row[2], row[1]))
        return columns, keys

    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]:
        return self._stream(select_rows(spec))

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        # hash() is salted per interpreter: stores hashed under another salt share no scheme.
        return f"sqlite-raw-row-marshal-hash-v2:{spec_digest(spec, hash('repairkit'))}"

    def fingerprint_parts(
        self, spec: TableSpec, converter: RowConverter
    ) -> list[tuple[array[int], array[int]]] | None:
        if len(spec.key) != 1:
            return None
        return read_fingerprint_parts(
            self.connection, self.uri, spec, converter.content_types, self.map_files
        )

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        """Yield each row's key values and the fingerprint of its raw values, in key order.

        The rows that ``sqlite_checks`` cannot vouch for are converted on
        the way, in key order, which refuses a value that does not fit with
        the message a full read gives.
        """
        names = [column.name for column in spec.columns]
        key_index = [names.index(name) for name in spec.key]
        first = key_index[0] if len(key_index) == 1 else None
        check = readable_rows_check(spec, converter.content_types)
        query = select_rows(spec) if check is None else select_rows(spec, fingerprint=check)
        for row in self._stream(query):
            raw = row if check is None else row[:-1]
            if check is not None and not row[-1]:
                converter.row(raw)
            if first is not None:  # one key column, the common case, without a list
                yield raw[first], raw_row_fingerprint(raw)
            else:
                yield (*[raw[i] for i in key_index], raw_row_fingerprint(raw))

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        query = (
            select_rows(spec)
            if keys is None
            else select_rows(spec, keys=len(keys), placeholder="?")
        )
        parameters = [] if keys is None else [value for key in keys for value in key]
        for raw in self._stream(query, parameters):
            yield (*raw, raw_row_fingerprint(raw))

    def fingerprinted_rows_holding(
        self, spec: TableSpec, columns: Sequence[str], values: Sequence[int]
    ) -> Iterator[tuple[Any, ...]]:
        """Yield the rows where one of ``columns`` holds one of ``values``, each followed by
        its hash; and others.

        Every column is compared as ``CAST`` makes an integer of it, which
        finds a text or a real that the reader reads as one of ``values``
        (``' 16 '``, ``16.0``), and some that it does not.
        """
        query = select_rows(
            spec, holding=columns, values=len(values), placeholder="?",
            as_integer="CAST({} AS INTEGER)",
        )  # fmt: skip
        for raw in self._stream(query, [*values] * len(columns)):
            yield (*raw, raw_row_fingerprint(raw))

    def _stream(self, query: str, parameters: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        cursor = self.connection.execute(query, parameters)
        while batch := cursor.fetchmany(BATCH):
            yield from batch

    def close(self) -> None:
        self.connection.close()
