"""Read a live database from its URL, with no Django project: SQLite, PostgreSQL, MySQL/MariaDB.

The catalog says which tables and columns exist, their declared types,
primary keys and foreign keys; ``repairkit.values`` turns declared types
and driver values into the one value model. Foreign keys to
``django_content_type`` become ContentTypeRefs through that table.

Reading never writes: SQLite is opened read-only (``mode=ro``), PostgreSQL
and MySQL read inside one ``READ ONLY`` transaction at ``REPEATABLE READ``,
which also makes all tables come from the same moment. Rows are streamed
table by table (server-side cursors) rather than fetched all at once.

Every table is held as one fingerprint per row (``server_rows``), and rows
are fetched by key and converted when asked: PostgreSQL and MySQL hash the
rows on the server, SQLite rows are hashed here from their raw values,
after SQLite has tested which rows surely convert (``sqlite_checks``).
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef, Snapshot, Table
from repairkit.values import value_type_of_sql

from ..django_tables import is_skipped_table, map_content_types
from ..sql.pg_values import read_interval
from ..sql.sqlite import decimal_places
from .server_rows import ServerRowStore, spec_digest
from .sqlite_checks import readable_rows_check
from .tables import (
    ColumnSpec,
    RowConverter,
    TableSpec,
    as_many_to_many,
    build_table,
    parent_table,
    table_of,
)

URL_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}
_BATCH = 2000

# Catalog rows: (table, column, declared type, decimal places), and
# (table, column, "p" for primary or "f" for foreign key, referenced table, position).
_ColumnRow = tuple[str, str, str, Any]
_KeyRow = tuple[str, str, str, Any, Any]


class _Engine(Protocol):
    """What reading needs from one kind of database connection."""

    def catalog(self) -> tuple[list[_ColumnRow], list[_KeyRow]]: ...
    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]: ...
    def close(self) -> None: ...


def is_database_url(source: str) -> bool:
    """Tell whether ``source`` is a database URL that ``read_database_url`` knows."""
    scheme, _, rest = source.partition("://")
    return bool(rest) and scheme.lower() in URL_SCHEMES


def read_database_url(url: str, label: str | None = None) -> Snapshot:
    """Read every table of the database at ``url`` (except SKIPPED_TABLES) into a Snapshot.

    ``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` (as
    SQLAlchemy spells them), ``postgresql://user:password@host:port/name``,
    ``mysql://user:password@host:port/name``.

    :raises DumpNotFoundError: if the database cannot be reached or does not exist.
    :raises DumpFormatError: if a value does not fit its column's declared type.
    """
    engine = _connect(url)
    shown = label or _without_password(url)
    try:
        specs = _table_specs(*engine.catalog())
        content_types = _content_types(engine, specs)
        tables: list[Table] = []
        for spec in specs.values():
            if is_skipped_table(spec.name):
                continue
            spec = as_many_to_many(spec)
            if isinstance(engine, _SqliteEngine):
                table = _sqlite_table(engine, shown, spec, content_types)
            else:
                store = ServerRowStore(url, shown, spec, content_types, engine, _connect_server)
                table = table_of(spec, store, parent_table(spec))
            tables.append(table)
    finally:
        engine.close()
    return Snapshot(shown, tables, {"format": "database", "url": shown})


def _sqlite_table(
    engine: _SqliteEngine, shown: str, spec: TableSpec, content_types: dict[object, ContentTypeRef]
) -> Table:
    """Return a SQLite table fingerprinted by its raw rows, or converted whole if keys repeat.

    :raises DumpFormatError: if a value does not fit its column's type.
    """
    store = ServerRowStore(engine.url, shown, spec, content_types, engine, _SqliteEngine)
    if not store.keys_repeat:
        return table_of(spec, store, parent_table(spec))
    # Rows fetched by key could not be told apart: every row converted, the last of a key kept.
    try:
        return build_table(spec, engine.rows(spec), content_types, parent_table(spec))
    except ValueError as err:
        raise DumpFormatError(shown, None, str(err)) from err


def read_url_table(url: str, name: str) -> list[dict[str, Any]] | None:
    """Return the rows of the database's table ``name`` by column, or None if it has none.

    Also for a table that a snapshot leaves out (``django_migrations``).

    :raises DumpNotFoundError: if the database cannot be reached or does not exist.
    """
    engine = _connect(url)
    try:
        spec = _table_specs(*engine.catalog()).get(name)
        if spec is None:
            return None
        columns = [column.name for column in spec.columns]
        return [dict(zip(columns, row, strict=True)) for row in engine.rows(spec)]
    finally:
        engine.close()


def _table_specs(columns: list[_ColumnRow], keys: list[_KeyRow]) -> dict[str, TableSpec]:
    primary: dict[str, list[tuple[Any, str]]] = {}
    references: dict[tuple[str, str], str] = {}
    for table, column, kind, referenced, position in keys:
        if kind == "p":
            primary.setdefault(table, []).append((position, column))
        elif referenced:
            references[(table, column)] = referenced
    by_table: dict[str, list[ColumnSpec]] = {}
    for table, column, declared, scale in columns:
        by_table.setdefault(table, []).append(ColumnSpec(
            column, value_type_of_sql(declared), int(scale) if scale is not None else None,
            references.get((table, column)), declared=declared,
        ))  # fmt: skip
    specs = {}
    for table, specs_of_columns in sorted(by_table.items()):
        # A table without a primary key is keyed by its first column; Django always makes one.
        key = tuple(column for _, column in sorted(primary.get(table, []))) or (
            specs_of_columns[0].name,
        )
        specs[table] = TableSpec(table, tuple(specs_of_columns), key)
    return specs


def _content_types(engine: _Engine, specs: dict[str, TableSpec]) -> dict[object, ContentTypeRef]:
    spec = specs.get(CONTENT_TYPE_TABLE)
    if spec is None:
        return {}
    names = [column.name for column in spec.columns]
    wanted = TableSpec(
        spec.name,
        tuple(spec.columns[names.index(n)] for n in ("id", "app_label", "model")),
        ("id",),
    )
    return map_content_types((row[0], row[1], row[2]) for row in engine.rows(wanted))


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _connect(url: str) -> _SqliteEngine | _PostgresEngine | _MysqlEngine:
    scheme = URL_SCHEMES[url.partition("://")[0].lower()]
    if scheme == "sqlite":
        return _SqliteEngine(url)
    return _connect_server(url)


def _connect_server(url: str) -> _PostgresEngine | _MysqlEngine:
    """Connect to the PostgreSQL or MySQL database at ``url`` (also to decode a table later)."""
    if URL_SCHEMES[url.partition("://")[0].lower()] == "postgresql":
        return _PostgresEngine(url)
    return _MysqlEngine(url)


def _driver(module: str, url: str, extra: str) -> Any:
    """Import a database driver, which only reading that kind of database needs."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise DumpNotFoundError(
            _without_password(url), f"reading it needs {module}: pip install 'repairkit[{extra}]'"
        ) from err


def _quoted(name: str, quote_char: str = '"') -> str:
    return quote_char + name.replace(quote_char, quote_char * 2) + quote_char


def _select(
    spec: TableSpec,
    quote_char: str = '"',
    as_text: Collection[int] = (),
    *,
    fingerprint: str | None = None,
    only_key: bool = False,
    keys: int = 0,
    placeholder: str = "%s",
) -> str:
    """Return the SELECT of a table's rows in key order; columns in ``as_text`` as their text.

    ``format('%s', x)`` gives the type's output text, as pg_dump writes it
    (``::text`` would write an inet ``::1`` as ``::1/128``); it gives ``''``
    for NULL, hence the CASE. ``fingerprint``, an expression, is selected
    after the columns (after the key columns alone if ``only_key``); ``keys``
    picks that many rows by their key values, given as parameters
    (``placeholder`` each: ``%s`` for psycopg and PyMySQL, ``?`` for sqlite3).
    """
    names = [_quoted(column.name, quote_char) for column in spec.columns]
    # With parameters, the driver reads every % of the query as a placeholder's.
    percent = "%%" if keys else "%"
    expressions = [
        f"CASE WHEN {name} IS NULL THEN NULL ELSE format('{percent}s', {name}) END"
        if i in as_text
        else name
        for i, name in enumerate(names)
    ]
    key_expressions = [expressions[names.index(_quoted(n, quote_char))] for n in spec.key]
    selected = key_expressions if only_key else expressions
    if fingerprint is not None:
        selected = [*selected, fingerprint]
    where = ""
    if keys:
        if len(spec.key) == 1:
            where = f" WHERE {key_expressions[0]} IN ({', '.join([placeholder] * keys)})"
        else:
            row = "(" + ", ".join([placeholder] * len(spec.key)) + ")"
            where = f" WHERE ({', '.join(key_expressions)}) IN ({', '.join([row] * keys)})"
    order = ", ".join(_quoted(name, quote_char) for name in spec.key)
    table = _quoted(spec.name, quote_char)
    return f"SELECT {', '.join(selected)} FROM {table}{where} ORDER BY {order}"


class _SqliteEngine:
    def __init__(self, url: str) -> None:
        path = Path(unquote(url.partition("://")[2][1:]))
        if not path.is_file():
            raise DumpNotFoundError(path, "no such SQLite database")
        # Rows are fetched again when decoded, from this file wherever the process is then.
        self.url = f"sqlite:///{quote(str(path.resolve()))}"
        # mode=ro: SQLite itself refuses every write on this connection.
        self.connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)

    def catalog(self) -> tuple[list[_ColumnRow], list[_KeyRow]]:
        columns: list[_ColumnRow] = []
        keys: list[_KeyRow] = []
        names = [
            row[0]
            for row in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        ]
        for table in names:
            for _, column, declared, _, _, pk_position in self.connection.execute(
                f"PRAGMA table_info({_quoted(table)})"
            ):
                columns.append((table, column, declared, decimal_places(declared)))
                if pk_position:
                    keys.append((table, column, "p", None, pk_position))
            for row in self.connection.execute(f"PRAGMA foreign_key_list({_quoted(table)})"):
                keys.append((table, row[3], "f", row[2], row[1]))
        return columns, keys

    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]:
        return self._stream(_select(spec))

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        # hash() is salted per interpreter: stores hashed under another salt share no scheme.
        return f"sqlite-raw-row-repr-hash-v1:{spec_digest(spec, hash('repairkit'))}"

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        """Yield each row's key values and ``hash(repr(row))`` of its raw values, in key order.

        The rows that ``sqlite_checks`` cannot vouch for are converted on
        the way, in key order, which refuses a value that does not fit with
        the message a full read gives.
        """
        names = [column.name for column in spec.columns]
        key_index = [names.index(name) for name in spec.key]
        first = key_index[0] if len(key_index) == 1 else None
        check = readable_rows_check(spec, converter.content_types)
        query = _select(spec) if check is None else _select(spec, fingerprint=check)
        for row in self._stream(query):
            raw = row if check is None else row[:-1]
            if check is not None and not row[-1]:
                converter.row(raw)
            if first is not None:  # one key column, the common case, without a list
                yield raw[first], hash(repr(raw))
            else:
                yield (*[raw[i] for i in key_index], hash(repr(raw)))

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        query = _select(spec) if keys is None else _select(spec, keys=len(keys), placeholder="?")
        parameters = [] if keys is None else [value for key in keys for value in key]
        for raw in self._stream(query, parameters):
            yield (*raw, hash(repr(raw)))

    def _stream(self, query: str, parameters: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        cursor = self.connection.execute(query, parameters)
        while batch := cursor.fetchmany(_BATCH):
            yield from batch

    def close(self) -> None:
        self.connection.close()


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
    columns = ", ".join(_quoted(column.name) for column in spec.columns)
    return f"hashtextextended(ROW({columns})::text, 0)"


class _PostgresEngine:
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
        psycopg = _driver("psycopg", url, "postgresql")

        try:
            self.connection = psycopg.connect(url, connect_timeout=10)
        except psycopg.OperationalError as err:
            raise DumpNotFoundError(
                _without_password(url), f"cannot connect: {err}".strip()
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

    def catalog(self) -> tuple[list[_ColumnRow], list[_KeyRow]]:
        with self.connection.cursor() as cursor:
            columns = cursor.execute(self._COLUMNS).fetchall()
            keys = cursor.execute(self._KEYS).fetchall()
        return columns, keys

    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]:
        return self._stream(spec, _select(spec, as_text=_postgres_as_text(spec)))

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        # The driver reads timestamptz values in the session's time zone and
        # dates in its DateStyle: the same text means the same value only under both.
        settings = self.connection.execute(
            "SELECT current_setting('TimeZone'), current_setting('DateStyle')"
        ).fetchone()
        return f"postgresql-row-text-hashtextextended-v1:{spec_digest(spec, settings)}"

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        self._refuse_intervals_of_months(spec)
        query = _select(
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
            name = _quoted(column.name)
            found = self.connection.execute(
                f"SELECT {name}::text FROM {_quoted(spec.name)}"
                f" WHERE date_part('year', {name}) <> 0 OR date_part('month', {name}) <> 0 LIMIT 1"
            ).fetchone()
            if found is not None:
                try:
                    read_interval(found[0])
                except ValueError as err:
                    raise ValueError(f"{spec.name}.{column.name}: {err}") from err

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        as_text, fingerprint = _postgres_as_text(spec), _postgres_hash(spec)
        if keys is None:
            return self._stream(spec, _select(spec, as_text=as_text, fingerprint=fingerprint))
        query = _select(spec, as_text=as_text, fingerprint=fingerprint, keys=len(keys))
        return self._stream(spec, query, [value for key in keys for value in key])

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
            cursor.itersize = _BATCH
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


def _mysql_hash(spec: TableSpec) -> str:
    """Return the expression of a row's fingerprint: 64 bits of the MD5 of its values.

    Each value is its bytes prefixed with their length, ``5:hello``, and NULL
    is ``N``, so NULL, ``''`` (``0:``) and ``'NULL'`` (``4:NULL``) differ, and
    so do ``('a', 'bc')`` and ``('ab', 'c')``. The bytes are the value's
    string form (as the server also sends it to the driver), in the column's
    character set for a text. MySQL has no fast 64-bit hash; CRC32 is too
    short for millions of rows.
    """
    parts = []
    for column in spec.columns:
        name = _quoted(column.name, "`")
        value = f"CAST({name} AS BINARY)"
        parts.append(f"IF({name} IS NULL, 'N', CONCAT(LENGTH({value}), ':', {value}))")
    return f"CAST(CONV(LEFT(MD5(CONCAT({', '.join(parts)})), 16), 16, 10) AS UNSIGNED)"


class _MysqlEngine:
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
        pymysql = _driver("pymysql", url, "mysql")

        parts = urlsplit(url)
        try:
            self.connection = pymysql.connect(
                host=parts.hostname or "localhost", port=parts.port or 3306,
                user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                database=unquote(parts.path.lstrip("/")), charset="utf8mb4", connect_timeout=10,
            )  # fmt: skip
        except pymysql.err.MySQLError as err:
            raise DumpNotFoundError(_without_password(url), f"cannot connect: {err}") from err
        with self.connection.cursor() as cursor:
            # One read-only transaction: no writes, and every table from the same moment.
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        self.charsets: dict[tuple[str, str], str | None] | None = None

    def catalog(self) -> tuple[list[_ColumnRow], list[_KeyRow]]:
        with self.connection.cursor() as cursor:
            cursor.execute(self._COLUMNS)
            columns = list(cursor.fetchall())
            cursor.execute(self._KEYS)
            keys = list(cursor.fetchall())
        return columns, keys

    def rows(self, spec: TableSpec) -> Iterator[tuple[Any, ...]]:
        return self._stream(_select(spec, "`"))

    def fingerprint_scheme(self, spec: TableSpec) -> str:
        if self.charsets is None:
            with self.connection.cursor() as cursor:
                cursor.execute(self._CHARSETS)
                self.charsets = {(table, column): charset for table, column, charset in cursor}
        # The hash is over each text's bytes in its column's character set.
        charsets = [self.charsets.get((spec.name, column.name)) for column in spec.columns]
        return f"mysql-length-prefixed-md5-v1:{spec_digest(spec, charsets)}"

    def fingerprints(self, spec: TableSpec, converter: RowConverter) -> Iterator[tuple[Any, ...]]:
        return self._stream(_select(spec, "`", fingerprint=_mysql_hash(spec), only_key=True))

    def fingerprinted_rows(
        self, spec: TableSpec, keys: Sequence[Sequence[Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        fingerprint = _mysql_hash(spec)
        if keys is None:
            return self._stream(_select(spec, "`", fingerprint=fingerprint))
        query = _select(spec, "`", fingerprint=fingerprint, keys=len(keys))
        return self._stream(query, [value for key in keys for value in key])

    def _stream(
        self, query: str, parameters: Sequence[Any] | None = None
    ) -> Iterator[tuple[Any, ...]]:
        import pymysql.cursors

        # An unbuffered cursor streams the rows instead of fetching them all.
        with self.connection.cursor(pymysql.cursors.SSCursor) as cursor:
            cursor.execute(query, parameters)
            while batch := cursor.fetchmany(_BATCH):
                yield from batch

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()
