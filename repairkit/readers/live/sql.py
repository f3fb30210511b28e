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

Here a URL becomes a Snapshot; what it takes lives beside: ``urls`` (the
schemes, a URL shown without its password, the drivers), ``catalog``
(tables, keys, content types), ``queries`` (the SELECT statements), and
one module per engine, ``sqlite_engine``, ``postgres_engine`` and
``mysql_engine``, each a connection with the same methods.
"""

from __future__ import annotations

from typing import Any

from repairkit.errors import DumpFormatError
from repairkit.snapshot import ContentTypeRef, Snapshot, Table
from repairkit.workers import MapFunction

from ..django_tables import is_skipped_table
from .catalog import read_content_types, table_specs
from .mysql_engine import MysqlEngine
from .postgres_engine import PostgresEngine
from .server_rows import ServerRowStore
from .sqlite_engine import SqliteEngine
from .tables import TableSpec, as_many_to_many, build_table, parent_table, table_of
from .urls import URL_SCHEMES, without_password


def read_database_url(url: str, label: str | None = None, map_files: MapFunction = map) -> Snapshot:
    """Read every table of the database at ``url`` (except SKIPPED_TABLES) into a Snapshot.

    ``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` (as
    SQLAlchemy spells them), ``postgresql://user:password@host:port/name``,
    ``mysql://user:password@host:port/name``. ``map_files`` runs the
    hashing of a large SQLite table's key ranges (``sqlite_fingerprints``).

    :raises DumpNotFoundError: if the database cannot be reached or does not exist.
    :raises DumpFormatError: if a value does not fit its column's declared type.
    """
    engine = connect_database(url, map_files)
    shown = label or without_password(url)
    try:
        specs = table_specs(*engine.catalog())
        content_types = read_content_types(engine, specs)
        tables: list[Table] = []
        for spec in specs.values():
            if is_skipped_table(spec.name):
                continue
            spec = as_many_to_many(spec)
            if isinstance(engine, SqliteEngine):
                table = _sqlite_table(engine, shown, spec, content_types)
            else:
                store = ServerRowStore(url, shown, spec, content_types, engine, connect_server)
                table = table_of(spec, store, parent_table(spec))
            tables.append(table)
    finally:
        engine.close()
    return Snapshot(shown, tables, {"format": "database", "url": shown})


def _sqlite_table(
    engine: SqliteEngine, shown: str, spec: TableSpec, content_types: dict[object, ContentTypeRef]
) -> Table:
    """Return a SQLite table fingerprinted by its raw rows, or converted whole.

    Whole where its rows cannot be fetched again by key: a key that repeats
    or holds NULL.

    :raises DumpFormatError: if a value does not fit its column's type.
    """
    store = ServerRowStore(engine.url, shown, spec, content_types, engine, SqliteEngine)
    if store.fetchable_by_key:
        return table_of(spec, store, parent_table(spec))
    # As before fingerprints: every row converted, the last of a repeated key kept.
    try:
        return build_table(spec, engine.rows(spec), content_types, parent_table(spec))
    except ValueError as err:
        raise DumpFormatError(shown, None, str(err)) from err


def read_url_table(url: str, name: str) -> list[dict[str, Any]] | None:
    """Return the rows of the database's table ``name`` by column, or None if it has none.

    Also for a table that a snapshot leaves out (``django_migrations``).

    :raises DumpNotFoundError: if the database cannot be reached or does not exist.
    """
    engine = connect_database(url)
    try:
        spec = table_specs(*engine.catalog()).get(name)
        if spec is None:
            return None
        columns = [column.name for column in spec.columns]
        return [dict(zip(columns, row, strict=True)) for row in engine.rows(spec)]
    finally:
        engine.close()


def connect_database(
    url: str, map_files: MapFunction = map
) -> SqliteEngine | PostgresEngine | MysqlEngine:
    """Connect to the database at ``url``, read-only (``map_files``: as ``read_database_url``).

    :raises DumpNotFoundError: if it cannot be reached or does not exist.
    """
    scheme = URL_SCHEMES[url.partition("://")[0].lower()]
    if scheme == "sqlite":
        return SqliteEngine(url, map_files)
    return connect_server(url)


def connect_server(url: str) -> PostgresEngine | MysqlEngine:
    """Connect to the PostgreSQL or MySQL database at ``url`` (also to decode a table later)."""
    if URL_SCHEMES[url.partition("://")[0].lower()] == "postgresql":
        return PostgresEngine(url)
    return MysqlEngine(url)
