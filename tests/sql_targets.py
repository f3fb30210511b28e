"""Target databases for emitted SQL scripts: one small schema per engine, the CLI client, checksums.

Each target creates the same two tables with plain SQL in its engine: a
``django_content_type`` and a table whose name and columns need quoting
(``odd"name`` with ``select`` and ``weird col``), with text, decimal, date,
datetime and boolean columns, a self-reference and a content type pointer.
Scripts are applied with the engine's own command-line client, as a DBA would.
"""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from repairkit.plan import Link, PlannedRow, PlannedTable, Reason, RestorePlan
from repairkit.snapshot import Column, ColumnKind, ContentTypeRef, Value

from .conftest import ServerDatabase

TABLE = 'odd"name'
COLUMNS = (
    Column("id"), Column("select"), Column("weird col"), Column("amount", ColumnKind.DECIMAL),
    Column("day"), Column("moment"), Column("flag"), Column("parent_id"),
    Column("owner_type_id", ColumnKind.CONTENT_TYPE, references="django_content_type"),
)  # fmt: skip
LINKS = (
    Link(TABLE, "parent_id", TABLE),
    Link(TABLE, "owner_type_id", "django_content_type"),
)
# Content types the target has, with ids that no backup would agree on.
CONTENT_TYPES = {ContentTypeRef("repairdemo", "person"): 7, ContentTypeRef("repairdemo", "note"): 3}
EXISTING_ROW_ID = 500  # a row the target has before any script runs


def make_plan(rows: Sequence[Sequence[Value]]) -> RestorePlan:
    """Return a plan that reinstates ``rows`` (values in COLUMNS order) into TABLE."""
    planned = tuple(
        PlannedRow(values[0], tuple(values), "backup-1", Reason.MISSING)  # type: ignore[arg-type]
        for values in rows
    )
    table = PlannedTable(TABLE, "weird.OddName", COLUMNS, "id", planned)
    return RestorePlan(("backup-1",), "current", (table,), (), LINKS)


def row(pk: int, text: str, **values: Value) -> tuple[Value, ...]:
    """Return a row for TABLE with ``text`` in ``select`` and defaults elsewhere."""
    base: dict[str, Value] = {
        "id": pk, "select": text, "weird col": None, "amount": None, "day": None,
        "moment": None, "flag": False, "parent_id": None, "owner_type_id": None,
    }  # fmt: skip
    base.update(
        {key.replace("_", " ") if key == "weird_col" else key: v for key, v in values.items()}
    )
    return tuple(base[column.name] for column in COLUMNS)


class Target:
    """A database of one engine holding the test schema."""

    dialect: str

    def apply(self, script: str) -> subprocess.CompletedProcess[str]:
        """Run ``script`` with the engine's command-line client; return the finished process."""
        raise NotImplementedError

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def rows(self) -> dict[int, dict[str, Value]]:
        """Return TABLE's rows as Python values in the plan's terms, by id."""
        names = [column.name for column in COLUMNS]
        select = ", ".join(self.quote(name) for name in names)
        found = {}
        for raw in self.query(f"SELECT {select} FROM {self.quote(TABLE)}"):
            record = dict(zip(names, raw, strict=True))
            found[record["id"]] = self.normalize(record)
        return found

    def checksums(self) -> dict[str, str]:
        """Return a hash of every table's rows ordered by primary key, by table."""
        sums = {}
        for table in ("django_content_type", TABLE):
            rows = self.query(f"SELECT * FROM {self.quote(table)} ORDER BY id")
            sums[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return sums

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def normalize(self, record: dict[str, Any]) -> dict[str, Value]:
        ids = {number: ref for ref, number in CONTENT_TYPES.items()}
        record["owner_type_id"] = ids.get(record["owner_type_id"], record["owner_type_id"])
        record["flag"] = bool(record["flag"])
        return record


class SQLiteTarget(Target):
    dialect = "sqlite"
    schema = f"""
        CREATE TABLE django_content_type (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
            app_label varchar(100) NOT NULL, model varchar(100) NOT NULL,
            UNIQUE (app_label, model));
        CREATE TABLE "odd""name" (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
            "select" text NOT NULL, "weird col" varchar(50) NULL CHECK ("weird col" <> 'forbidden'),
            amount decimal NULL, day date NULL, moment datetime NULL, flag bool NOT NULL,
            parent_id integer NULL REFERENCES "odd""name" (id),
            owner_type_id integer NULL REFERENCES django_content_type (id)
                DEFERRABLE INITIALLY DEFERRED);
        INSERT INTO "odd""name" (id, "select", flag) VALUES ({EXISTING_ROW_ID}, 'was here', 1);
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with sqlite3.connect(path) as connection:
            connection.executescript(self.schema)
            for ref, number in CONTENT_TYPES.items():
                connection.execute(
                    "INSERT INTO django_content_type VALUES (?, ?, ?)",
                    (number, ref.app_label, ref.model),
                )
        connection.close()

    def apply(self, script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/usr/bin/sqlite3", str(self.path)], input=script, capture_output=True,
            text=True, encoding="utf-8", check=False,
        )  # fmt: skip

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.path)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def normalize(self, record: dict[str, Any]) -> dict[str, Value]:
        amount = record["amount"]
        if amount is not None:  # NUMERIC affinity: an int or an 8-byte float
            record["amount"] = (
                Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
            )
        if record["day"] is not None:
            record["day"] = datetime.date.fromisoformat(record["day"])
        if record["moment"] is not None:
            record["moment"] = datetime.datetime.fromisoformat(record["moment"])
        return super().normalize(record)


class PostgreSQLTarget(Target):
    dialect = "postgresql"
    schema = f"""
        CREATE TABLE django_content_type (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            app_label varchar(100) NOT NULL, model varchar(100) NOT NULL,
            UNIQUE (app_label, model));
        CREATE TABLE "odd""name" (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            "select" text NOT NULL, "weird col" varchar(50) NULL CHECK ("weird col" <> 'forbidden'),
            amount numeric(30, 10) NULL, day date NULL, moment timestamp with time zone NULL,
            flag boolean NOT NULL,
            parent_id integer NULL REFERENCES "odd""name" (id) DEFERRABLE INITIALLY DEFERRED,
            owner_type_id integer NULL REFERENCES django_content_type (id)
                DEFERRABLE INITIALLY DEFERRED);
        INSERT INTO "odd""name" (id, "select", flag) VALUES ({EXISTING_ROW_ID}, 'was here', true);
    """

    def __init__(self, database: ServerDatabase) -> None:
        self.database = database
        for ref, number in CONTENT_TYPES.items():
            self.schema += content_type_insert(ref, number) + ";"
        self.execute(self.schema)

    def connect(self) -> Any:
        import psycopg

        d = self.database
        return psycopg.connect(
            host=d.host, port=d.port, user=d.user, dbname=d.name, autocommit=True
        )

    def execute(self, sql: str) -> None:
        with self.connect() as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def apply(self, script: str) -> subprocess.CompletedProcess[str]:
        d = self.database
        return subprocess.run(
            ["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-h", d.host, "-p", str(d.port),
             "-U", d.user, "-d", d.name, "-f", "-"],
            input=script, capture_output=True, text=True, encoding="utf-8", check=False,
        )  # fmt: skip

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            connection.execute("SET TIME ZONE 'UTC'")
            return connection.execute(sql).fetchall()  # type: ignore[arg-type]

    def normalize(self, record: dict[str, Any]) -> dict[str, Value]:
        if record["moment"] is not None:
            record["moment"] = record["moment"].replace(tzinfo=None)
        return super().normalize(record)


class MariaDBTarget(Target):
    dialect = "mysql"
    schema = [
        """CREATE TABLE django_content_type (id integer AUTO_INCREMENT PRIMARY KEY,
            app_label varchar(100) NOT NULL, model varchar(100) NOT NULL,
            UNIQUE (app_label, model)) ENGINE=InnoDB""",
        """CREATE TABLE `odd"name` (id integer AUTO_INCREMENT PRIMARY KEY,
            `select` longtext NOT NULL,
            `weird col` varchar(50) NULL CHECK (`weird col` <> 'forbidden'),
            amount decimal(30, 10) NULL, day date NULL, moment datetime(6) NULL, flag bool NOT NULL,
            parent_id integer NULL, owner_type_id integer NULL,
            FOREIGN KEY (parent_id) REFERENCES `odd"name` (id),
            FOREIGN KEY (owner_type_id) REFERENCES django_content_type (id)) ENGINE=InnoDB""",
        f"INSERT INTO `odd\"name` (id, `select`, flag) VALUES ({EXISTING_ROW_ID}, 'was here', 1)",
    ]

    def __init__(self, database: ServerDatabase) -> None:
        self.database = database
        statements = list(self.schema)
        for ref, number in CONTENT_TYPES.items():
            statements.append(content_type_insert(ref, number))
        with self.connect() as connection, connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def connect(self) -> Any:
        import pymysql

        d = self.database
        return pymysql.connect(
            host=d.host, port=d.port, user=d.user, password=d.password, database=d.name,
            charset="utf8mb4", autocommit=True,
        )  # fmt: skip

    def apply(self, script: str) -> subprocess.CompletedProcess[str]:
        d = self.database
        return subprocess.run(
            ["mariadb", "-h", d.host, "-P", str(d.port), "-u", d.user, d.name],
            input=script, capture_output=True, text=True, encoding="utf-8", check=False,
        )  # fmt: skip

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"


def content_type_insert(ref: ContentTypeRef, number: int) -> str:
    return f"INSERT INTO django_content_type VALUES ({number}, '{ref.app_label}', '{ref.model}')"


def iterate_positions(count: int, wanted: int = 5) -> Iterator[int]:
    """Yield about ``wanted`` positions spread over ``range(count)``: first, last and between."""
    step = max(1, (count - 1) // max(1, wanted - 1))
    yield from sorted({*range(0, count, step), count - 1})
