"""A live PostgreSQL database in one read-only transaction: catalog, rows, server-side hashes."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from repairkit.errors import DumpNotFoundError

from ..sql.pg_values import read_interval
from .catalog import ColumnRow, KeyRow
from .queries import BATCH, quoted, select_rows
from .server_rows import integer_columns, spec_digest
from .tables import RowConverter, TableSpec
from .urls import import_driver, without_password

# Types psycopg hands over as the value model wants them; every other column is
# read as the server's text, the same text pg_dump writes (arrays, inet, json...).
_POSTGRES_NATIVE = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "boolean", "date",
    "timestamp without time zone", "timestamp with time zone", "time without time zone",
    "text", "character varying", "character", "uuid", "bytea",
})  # fmt: skip
# Read from that text where psycopg's own conversion would guess (a month as 30 days).
_POSTGRES_FROM_TEXT: dict[str, Callable[[str], object]] = {"interval": read_interval}


def _postgres_as_text(spec: TableSpec) -> set[int]:
    return {i for i, column in enumerate(spec.columns) if column.declared not in _POSTGRES_NATIVE}


def _postgres_hash(spec: TableSpec) -> str:
    """Return the expression of a row's fingerprint: a 64-bit hash of its record text.

    A record's text is unambiguous: NULL is nothing, ``''`` is ``""``, and a
    value holding a comma, quote, parenthesis or space is quoted with its
    quotes and backslashes doubled, so ``('a', 'bc')`` and ``('ab', 'c')``,
    NULL, ``''`` and ``'NULL'`` all give different texts. Each value is the
    type's output text, which is what the driver reads the value from.
    """
    columns = ", ".join(quoted(column.name) for column in spec.columns)
    return f"hashtextextended(ROW({columns})::text, 0)"


class PostgresEngine:
    """A connection to a PostgreSQL database, in one read-only REPEATABLE READ transaction."""

    _COLUMNS = """
        SELECT table_name, column_name, data_type, numeric_scale FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN (
            SELECT table_name FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
        ORDER BY table_name, ordinal_position"""
    _KEYS = """
        SELECT cl.relname, a.attname, con.contype, ref.relname, array_position(con.conkey, a.attnum)
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
        LEFT JOIN pg_class ref ON ref.oid = con.confrelid
        WHERE cl.relnamespace = current_schema()::regnamespace AND con.contype IN ('p', 'f')"""

    def __init__(self, url: str) -> None:
        psycopg = import_driver("psycopg", url, "postgresql")

        try:
            self.connection = psycopg.connect(url, connect_timeout=10)
        except psycopg.OperationalError as err:
            raise DumpNotFoundError(
                without_password(url), f"cannot connect: {err}".strip()
            ) from err
        # JSON as the text the server holds: psycopg's parsed documents would read
        # JSON null as None (SQL NULL) and a JSON string as plain text.
        from psycopg.types.string import TextLoader

        for name in ("json", "jsonb"):
            self.connection.adapters.register_loader(name, TextLoader)
        # One read-only transaction: no writes, and every table from the same moment.
        self.connection.read_only = True
        self.connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        # The interval text that read_interval reads, as pg_dump also sets it.
        self.connection.execute("SET intervalstyle = postgres")
        self.cursors = 0

    def catalog(self) -> tuple[list[ColumnRow], list[KeyRow]]:
        with self.connection.cursor() as cursor:
            columns = cursor.execute(self._COLUMNS).fetchall()
            keys = cursor.execute(self._KEYS).fetchall()
        return columns, keys

    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]:
        return self._stream(spec, select_rows(spec, as_text=_postgres_as_text(spec)))

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        # The driver reads timestamptz values in the session's time zone and
        # dates in its DateStyle: the same text means the same value only under both.
        settings = self.connection.execute(
            "SELECT current_setting('TimeZone'), current_setting('DateStyle')"
        ).fetchone()
        return f"postgresql-row-text-hashtextextended-v1:{spec_digest(spec, settings)}"

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        self._refuse_intervals_of_months(spec)
        query = select_rows(
            spec, as_text=_postgres_as_text(spec), fingerprint=_postgres_hash(spec), only_key=True
        )
        yield from self._stream(spec, query, convert=False)

    def _refuse_intervals_of_months(self, spec: TableSpec) -> None:
        """Refuse the table if an interval column holds one with months, as a full read did.

        Rows are otherwise converted only when fetched; such an interval is
        the one value of a PostgreSQL column that reading refuses.
        """
        for column in spec.columns:
            if _POSTGRES_FROM_TEXT.get(column.declared) is not read_interval:
                continue
            name = quoted(column.name)
            found = self.connection.execute(
                f"SELECT {name}::text FROM {quoted(spec.name)}"
                f" WHERE date_part('year', {name}) <> 0 OR date_part('month', {name}) <> 0 LIMIT 1"
            ).fetchone()
            if found is not None:
                try:
                    read_interval(found[0])
                except ValueError as err:
                    raise ValueError(f"{spec.name}.{column.name}: {err}") from err

    def fingerprint_parts(
        self, spec: TableSpec, converter: RowConverter
    ) -> list[tuple[array[int], array[int]]] | None:
        return None  # the server hashes the rows, which come as they are hashed

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        as_text, fingerprint = _postgres_as_text(spec), _postgres_hash(spec)
        if keys is None:
            return self._stream(spec, select_rows(spec, as_text=as_text, fingerprint=fingerprint))
        query = select_rows(spec, as_text=as_text, fingerprint=fingerprint, keys=len(keys))
        return self._stream(spec, query, [value for key in keys for value in key])

    def fingerprinted_rows_holding(
        self, spec: TableSpec, columns: Sequence[str], values: Sequence[int]
    ) -> Iterator[tuple[Any, ...]] | None:
        """Yield the rows where one of ``columns`` holds one of ``values``, each followed by
        its hash; None unless every one of ``columns`` is of an integer type (``integer_columns``).
        """
        if not integer_columns(spec, columns):
            return None
        as_text, fingerprint = _postgres_as_text(spec), _postgres_hash(spec)
        query = select_rows(
            spec, as_text=as_text, fingerprint=fingerprint, holding=columns, values=len(values)
        )
        return self._stream(spec, query, [*values] * len(columns))

    def _stream(
        self,
        spec: TableSpec,
        query: str,
        parameters: Sequence[Any] | None = None,
        convert: bool = True,
    ) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of ``query``; with ``convert``, its columns read as ``spec``'s."""
        self.cursors += 1
        readers = {
            i: (column.name, _POSTGRES_FROM_TEXT[column.declared])
            for i, column in enumerate(spec.columns)
            if convert and column.declared in _POSTGRES_FROM_TEXT
        }
        # A named (server-side) cursor streams the rows instead of fetching them all.
        with self.connection.cursor(name=f"repairkit_{self.cursors}") as cursor:
            cursor.itersize = BATCH
            cursor.execute(query, parameters)
            if not readers:
                yield from cursor
                return
            for row in cursor:
                values = list(row)
                for i, (column, read) in readers.items():
                    if values[i] is not None:
                        try:
                            values[i] = read(values[i])
                        except ValueError as err:
                            raise ValueError(f"{spec.name}.{column}: {err}") from err
                yield tuple(values)

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()
