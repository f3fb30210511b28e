"""A live MySQL or MariaDB database in one read-only transaction: catalog, rows, row hashes."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from repairkit.errors import DumpNotFoundError

from .catalog import ColumnRow, KeyRow
from .queries import BATCH, quoted, select_rows
from .server_rows import integer_columns, spec_digest
from .tables import RowConverter, TableSpec
from .urls import import_driver, without_password

# Rows whose keys and hashes the server packs into one text (``fingerprint_parts``).
_PACKED_ROWS = 4096


def _mysql_hash(spec: TableSpec) -> str:
    """Return the expression of a row's fingerprint: 64 bits of the MD5 of its values.

    Each value is its bytes prefixed with their length, ``5:hello``, and NULL
    is ``N``, so NULL, ``''`` (``0:``) and ``'NULL'`` (``4:NULL``) differ, and
    so do ``('a', 'bc')`` and ``('ab', 'c')``. The bytes are the value's
    string form (as the server also sends it to the driver), in the column's
    character set for a text. MySQL has no fast 64-bit hash; CRC32 is too
    short for millions of rows. The 64 bits are read as a signed integer
    (an unsigned one wraps), as fingerprints are kept in int64 arrays.
    """
    parts = []
    for column in spec.columns:
        name = quoted(column.name, "`")
        value = f"CAST({name} AS BINARY)"
        parts.append(f"IF({name} IS NULL, 'N', CONCAT(LENGTH({value}), ':', {value}))")
    digest = f"CONV(LEFT(MD5(CONCAT({', '.join(parts)})), 16), 16, 10)"
    return f"CAST(CAST({digest} AS UNSIGNED) AS SIGNED)"


class MysqlEngine:
    """A connection to a MySQL or MariaDB database, in one read-only transaction."""

    _COLUMNS = """
        SELECT c.table_name, c.column_name, c.column_type, c.numeric_scale
        FROM information_schema.columns c JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position"""
    _KEYS = """
        SELECT table_name, column_name, IF(constraint_name = 'PRIMARY', 'p', 'f'),
               referenced_table_name, ordinal_position
        FROM information_schema.key_column_usage
        WHERE table_schema = DATABASE()
          AND (constraint_name = 'PRIMARY' OR referenced_table_name IS NOT NULL)"""
    _CHARSETS = """
        SELECT table_name, column_name, character_set_name FROM information_schema.columns
        WHERE table_schema = DATABASE()"""

    def __init__(self, url: str) -> None:
        pymysql = import_driver("pymysql", url, "mysql")

        parts = urlsplit(url)
        try:
            self.connection = pymysql.connect(
                host=parts.hostname or "localhost", port=parts.port or 3306,
                user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                database=unquote(parts.path.lstrip("/")), charset="utf8mb4", connect_timeout=10,
            )  # fmt: skip
        except pymysql.err.MySQLError as err:
            raise DumpNotFoundError(without_password(url), f"cannot connect: {err}") from err
        with self.connection.cursor() as cursor:
            # One read-only transaction: no writes, and every table from the same moment.
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        self.charsets: dict[tuple[str, str], str | None] | None = None

    def catalog(self) -> tuple[list[ColumnRow], list[KeyRow]]:
        with self.connection.cursor() as cursor:
            cursor.execute(self._COLUMNS)
            columns = list(cursor.fetchall())
            cursor.execute(self._KEYS)
            keys = list(cursor.fetchall())
        return columns, keys

    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]:
        return self._stream(select_rows(spec, "`"))

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        if self.charsets is None:
            with self.connection.cursor() as cursor:
                cursor.execute(self._CHARSETS)
                self.charsets = {(table, column): charset for table, column, charset in cursor}
        # The hash is over each text's bytes in its column's character set.
        charsets = [self.charsets.get((spec.name, column.name)) for column in spec.columns]
        return f"mysql-length-prefixed-md5-v2:{spec_digest(spec, charsets)}"

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        return self._stream(select_rows(spec, "`", fingerprint=_mysql_hash(spec), only_key=True))

    def fingerprint_parts(
        self, spec: TableSpec, converter: RowConverter
    ) -> list[tuple[array[int], array[int]]] | None:
        """Return the hashes of a table keyed by one integer column, as packed by the server.

        PyMySQL, written in Python, took about 3 µs a row to read ``(key,
        hash)`` rows, more than the server took to hash them. The server
        writes the pairs of each ``_PACKED_ROWS`` keys as one text, ``key hash
        key hash ...``, which is split in C; in no set order (sorting them in
        the server cost about 0.3 s a million rows; ``FingerprintIndex``
        sorts them in numpy, a dict needs no order). None (read the
        rows one by one) where the pages would not hold every row whole: a
        key that repeats or is NULL (the pages, by key, would skip a row,
        and so hold fewer rows than the table), a row the server cannot hash
        (NULL), a key beyond 64 bits.
        """
        key, table = quoted(spec.key[0], "`"), quoted(spec.name, "`")
        hashed = f"SELECT {key} AS k, {_mysql_hash(spec)} AS h FROM {table}"
        pack = "COUNT(*), MAX(k), GROUP_CONCAT(k, ' ', IFNULL(h, 'N') SEPARATOR ' ')"

        def page(after: int | None) -> str:
            # An int the server gave, written as a literal: no parameter, so a % in a name is text.
            where = "" if after is None else f" WHERE {key} > {int(after)}"
            return f"SELECT {pack} FROM ({hashed}{where} ORDER BY {key} LIMIT {_PACKED_ROWS}) page"

        parts: list[tuple[array[int], array[int]]] = []
        with self.connection.cursor() as cursor:
            # Room for _PACKED_ROWS pairs of 20 characters each (the default is 1,024 bytes).
            cursor.execute(f"SET SESSION group_concat_max_len = {_PACKED_ROWS * 64}")
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            total, taken, after = cursor.fetchone()[0], 0, None
            while taken < total:
                cursor.execute(page(after))
                count, after, text = cursor.fetchone()
                if not count:
                    return None
                fields = (text.decode("ascii") if isinstance(text, bytes) else text).split(" ")
                if len(fields) != 2 * count:
                    return None
                try:
                    keys = array("q", map(int, fields[::2]))
                    prints = array("q", map(int, fields[1::2]))
                except (ValueError, OverflowError):
                    return None
                parts.append((keys, prints))
                taken += count
        return parts

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        fingerprint = _mysql_hash(spec)
        if keys is None:
            return self._stream(select_rows(spec, "`", fingerprint=fingerprint))
        query = select_rows(spec, "`", fingerprint=fingerprint, keys=len(keys))
        return self._stream(query, [value for key in keys for value in key])

    def fingerprinted_rows_holding(
        self, spec: TableSpec, columns: Sequence[str], values: Sequence[int]
    ) -> Iterator[tuple[Any, ...]] | None:
        """Yield the rows where one of ``columns`` holds one of ``values``, each followed by
        its hash; None unless every one of ``columns`` is of an integer type (``integer_columns``).
        """
        if not integer_columns(spec, columns):
            return None
        query = select_rows(
            spec, "`", fingerprint=_mysql_hash(spec), holding=columns, values=len(values)
        )
        return self._stream(query, [*values] * len(columns))

    def _stream(
        self, query: str, parameters: Sequence[Any] | None = None
    ) -> Iterator[tuple[Any, ...]]:
        import pymysql.cursors

        # An unbuffered cursor streams the rows instead of fetching them all.
        with self.connection.cursor(pymysql.cursors.SSCursor) as cursor:
            cursor.execute(query, parameters)
            while batch := cursor.fetchmany(BATCH):
                yield from batch

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()
