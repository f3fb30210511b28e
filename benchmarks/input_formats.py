"""Make the diff benchmark's inputs in every format, each by its real producer.

dumpgen.py writes the rows twice: as two dump2py dumps and in two SQLite
files. Every other format is made from those SQLite files by the tool that
makes it in real life: the ``sqlite3`` shell's ``.dump``, ``pg_dump`` and
``mariadb-dump`` of scratch databases loaded with the same rows, Django's
``dumpdata`` over the SQLite files. Loading a server is not timed.

A format whose tool or server is missing raises ``Unavailable`` with the
reason, so that the benchmark can skip it and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from dumpgen import BABEL, BOOL, DATE, DECIMAL, DT, INT, STR, TABLES, Column
from realrows import dumpdata

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
MYSQL_HOST, MYSQL_PORT, MYSQL_USER = "127.0.0.1", 3306, "root"
# Two benchmarks on one machine need their own scratch databases: the prefix can be set.
_SCRATCH_PREFIX = os.environ.get("REPAIRKIT_BENCH_SCRATCH", "repairkit_bench")
SCRATCH = {"old": f"{_SCRATCH_PREFIX}_old", "new": f"{_SCRATCH_PREFIX}_new"}
SIDES = ("old", "new")


class Unavailable(Exception):
    """A format cannot be made here: its tool or server is missing."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """What `repairkit diff` is given for one format."""

    old: str  # a path or a database URL
    new: str
    sizes: tuple[int, int] | None  # bytes of the old and new input; None for a live database


# -- the column types each engine gives a Django field ----------------------------

PG_TYPE = {
    INT: "integer",
    STR: "varchar(200)",
    BABEL: "varchar(200)",
    DATE: "date",
    DT: "timestamp with time zone",
    DECIMAL: "numeric(12, 2)",
    BOOL: "boolean",
}
MYSQL_TYPE = {
    INT: "integer",
    STR: "varchar(200)",
    BABEL: "varchar(200)",
    DATE: "date",
    DT: "datetime(6)",
    DECIMAL: "numeric(12, 2)",
    BOOL: "bool",
}


def _column_defs(types: dict[str, str], quote: str) -> Iterator[tuple[str, list[str]]]:
    """Yield each table and its column definitions, as Django would create them."""
    for spec in TABLES:
        defs = []
        for c in spec.columns:
            for name in c.sql_columns:
                null = "NULL" if c.nullable else "NOT NULL"
                key = " PRIMARY KEY" if name == "id" else ""
                defs.append(f"{quote}{name}{quote} {types[c.kind]} {null}{key}")
        yield spec.db_table, defs


def _sqlite_rows(sqlite_path: Path, table: str) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of one table of a generated SQLite file, by id."""
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        yield from db.execute(f'SELECT * FROM "{table}" ORDER BY id')
    finally:
        db.close()


def _decimal_columns(table: str) -> set[int]:
    """Return the positions of the decimal columns of `table`'s SQL rows."""
    spec = next(s for s in TABLES if s.db_table == table)
    positions, i = set(), 0
    for c in spec.columns:
        if c.kind == DECIMAL:
            positions.add(i)
        i += len(c.sql_columns)
    return positions


def _as_stored(table: str, rows: Iterator[tuple[Any, ...]]) -> Iterator[list[Any]]:
    """Yield rows whose decimals are exact: SQLite keeps them as REAL.

    repr() of a float is the shortest text that reads back as it, which for
    the generator's two-place decimals is the decimal the generator wrote.
    """
    decimals = _decimal_columns(table)
    for row in rows:
        values = list(row)
        for i in decimals:
            if isinstance(values[i], float):
                values[i] = Decimal(repr(values[i]))
        yield values


def _run(cmd: list[str], stdout_path: Path, env: dict[str, str] | None = None) -> None:
    """Run a producer with its output to a file; raise with its message if it fails."""
    with open(stdout_path, "wb") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, env=env, check=False)
    if done.returncode != 0:
        stdout_path.unlink(missing_ok=True)
        message = done.stderr.decode(errors="replace").strip()[-500:]
        raise RuntimeError(f"{' '.join(cmd)} failed with status {done.returncode}: {message}")


def _need(tool: str, how: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise Unavailable(f"{tool} not found ({how})")
    return path


def _file_inputs(paths: dict[str, Path]) -> Inputs:
    sizes = (paths["old"].stat().st_size, paths["new"].stat().st_size)
    return Inputs(str(paths["old"]), str(paths["new"]), sizes)


# -- SQLite ----------------------------------------------------------------------


def make_sqlite_dump(workdir: Path, out_dir: Path) -> Inputs:
    """`sqlite3 FILE .dump` of both SQLite files."""
    sqlite3_cli = _need("sqlite3", "apt-get install sqlite3")
    paths = {side: out_dir / f"{side}.sql" for side in SIDES}
    for side, path in paths.items():
        _run([sqlite3_cli, str(workdir / f"{side}.sqlite3"), ".dump"], path)
    return _file_inputs(paths)


def sqlite_url(workdir: Path, out_dir: Path) -> Inputs:
    """The SQLite files, read live."""
    return Inputs(
        f"sqlite:///{workdir / 'old.sqlite3'}", f"sqlite:///{workdir / 'new.sqlite3'}", None
    )


# -- PostgreSQL ------------------------------------------------------------------


def _pg_connect(dbname: str) -> Any:
    try:
        import psycopg
    except ImportError as err:
        raise Unavailable("psycopg is not installed (pip install -e '.[test]')") from err
    try:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True
        )
    except psycopg.OperationalError as err:
        raise Unavailable(f"no PostgreSQL server on {PG_HOST}:{PG_PORT}: {err}") from err


def load_postgresql(workdir: Path) -> None:
    """Load both SQLite files' rows into the scratch databases, dropping them first."""
    admin = _pg_connect("postgres")
    try:
        for side, dbname in SCRATCH.items():
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            admin.execute(f"CREATE DATABASE \"{dbname}\" ENCODING 'UTF8' TEMPLATE template0")
            db = _pg_connect(dbname)
            try:
                with db.transaction():
                    db.execute("SET TIME ZONE 'UTC'")
                    for table, defs in _column_defs(PG_TYPE, '"'):
                        db.execute(f'CREATE TABLE "{table}" ({", ".join(defs)})')
                        with db.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                            rows = _sqlite_rows(workdir / f"{side}.sqlite3", table)
                            for values in _as_stored(table, rows):
                                copy.write_row(values)
                db.execute("VACUUM ANALYZE")
            finally:
                db.close()
    finally:
        admin.close()


def pg_scratch_rows(side: str) -> int | None:
    """Return the rows in one scratch database, None if it does not exist."""
    try:
        db = _pg_connect(SCRATCH[side])
    except Unavailable:
        return None
    try:
        return sum(db.execute(f'SELECT count(*) FROM "{s.db_table}"').fetchone()[0] for s in TABLES)
    except Exception:  # a half-made database: load it again
        return None
    finally:
        db.close()


def _pg_dump(out_dir: Path, name: str, extra: list[str]) -> Inputs:
    pg_dump = _need("pg_dump", "apt-get install postgresql-client")
    paths = {side: out_dir / f"{side}.sql" for side in SIDES}
    env = {**os.environ, "PGTZ": "UTC"}
    for side, path in paths.items():
        cmd = [pg_dump, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, *extra, SCRATCH[side]]
        _run(cmd, path, env)
    return _file_inputs(paths)


def make_pg_copy(workdir: Path, out_dir: Path) -> Inputs:
    """`pg_dump` of the scratch databases (data as COPY blocks, its default)."""
    return _pg_dump(out_dir, "pg-copy", [])


def make_pg_inserts(workdir: Path, out_dir: Path) -> Inputs:
    """`pg_dump --inserts` of the scratch databases: one INSERT per row."""
    return _pg_dump(out_dir, "pg-inserts", ["--inserts"])


def pg_url(workdir: Path, out_dir: Path) -> Inputs:
    """The scratch databases, read live."""
    base = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}"
    return Inputs(f"{base}/{SCRATCH['old']}", f"{base}/{SCRATCH['new']}", None)


# -- MariaDB ---------------------------------------------------------------------


def _mysql_connect(dbname: str | None) -> Any:
    try:
        import pymysql
    except ImportError as err:
        raise Unavailable("PyMySQL is not installed (pip install -e '.[test]')") from err
    try:
        return pymysql.connect(
            host=MYSQL_HOST,
            port=MYSQL_PORT,
            user=MYSQL_USER,
            password="",
            database=dbname,
            charset="utf8mb4",
            autocommit=False,
        )
    except pymysql.err.OperationalError as err:
        raise Unavailable(f"no MariaDB server on {MYSQL_HOST}:{MYSQL_PORT}: {err}") from err


def load_mariadb(workdir: Path) -> None:
    """Load both SQLite files' rows into the scratch databases, dropping them first."""
    admin = _mysql_connect(None)
    try:
        with admin.cursor() as cur:
            for side, dbname in SCRATCH.items():
                cur.execute(f"DROP DATABASE IF EXISTS `{dbname}`")
                cur.execute(
                    f"CREATE DATABASE `{dbname}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
                cur.execute(f"USE `{dbname}`")
                for table, defs in _column_defs(MYSQL_TYPE, "`"):
                    cur.execute(f"CREATE TABLE `{table}` ({', '.join(defs)}) ENGINE=InnoDB")
                    rows = _as_stored(table, _sqlite_rows(workdir / f"{side}.sqlite3", table))
                    batch: list[list[Any]] = []
                    insert = f"INSERT INTO `{table}` VALUES ({', '.join(['%s'] * len(defs))})"
                    for values in rows:
                        batch.append(values)
                        if len(batch) == 5_000:  # PyMySQL sends each batch as one INSERT
                            cur.executemany(insert, batch)
                            batch.clear()
                    if batch:
                        cur.executemany(insert, batch)
                admin.commit()
    finally:
        admin.close()


def mariadb_scratch_rows(side: str) -> int | None:
    """Return the rows in one scratch database, None if it does not exist."""
    try:
        db = _mysql_connect(SCRATCH[side])
    except Unavailable:
        return None
    try:
        with db.cursor() as cur:
            total = 0
            for s in TABLES:
                cur.execute(f"SELECT count(*) FROM `{s.db_table}`")
                total += cur.fetchone()[0]
            return total
    except Exception:  # a half-made database: load it again
        return None
    finally:
        db.close()


def make_mariadb_dump(workdir: Path, out_dir: Path) -> Inputs:
    """`mariadb-dump` of the scratch databases (extended inserts, its default)."""
    dump = _need("mariadb-dump", "apt-get install mariadb-client")
    paths = {side: out_dir / f"{side}.sql" for side in SIDES}
    for side, path in paths.items():
        cmd = [dump, "-h", MYSQL_HOST, "-P", str(MYSQL_PORT), "-u", MYSQL_USER, SCRATCH[side]]
        _run(cmd, path)
    return _file_inputs(paths)


def mysql_url(workdir: Path, out_dir: Path) -> Inputs:
    """The scratch databases, read live."""
    base = f"mysql://{MYSQL_USER}@{MYSQL_HOST}:{MYSQL_PORT}"
    return Inputs(f"{base}/{SCRATCH['old']}", f"{base}/{SCRATCH['new']}", None)


# -- Django dumpdata ---------------------------------------------------------------

FIELD_CLASS = {
    STR: "models.CharField(max_length=200)",
    BABEL: "models.CharField(max_length=200)",
    DATE: "models.DateField(null={null})",
    DT: "models.DateTimeField()",
    DECIMAL: "models.DecimalField(max_digits=12, decimal_places=2, null={null})",
    BOOL: "models.BooleanField()",
}
SETTINGS = """\
# Written by benchmarks/input_formats.py: just enough of a site for dumpdata
# and for restoring into the benchmark's tables (bench_restore.py).
import os

ENGINE = os.environ.get("BENCH_DB_ENGINE", "sqlite3")
if ENGINE == "mysql":  # mysqlclient needs C headers to build; PyMySQL stands in for it
    import pymysql

    pymysql.install_as_MySQLdb()

SECRET_KEY = "benchmark"
USE_TZ = False
TIME_ZONE = "UTC"  # the generated datetimes are UTC, naive
INSTALLED_APPS = ["contacts", "geo"]
DATABASES = {
    "default": {
        "ENGINE": f"django.db.backends.{ENGINE}",
        "NAME": os.environ["BENCH_DB_NAME"],
        "HOST": os.environ.get("BENCH_DB_HOST", ""),
        "PORT": os.environ.get("BENCH_DB_PORT", ""),
        "USER": os.environ.get("BENCH_DB_USER", ""),
        "OPTIONS": {"charset": "utf8mb4"} if ENGINE == "mysql" else {},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""


def _field(column: Column, targets: dict[str, str]) -> list[str]:
    """Return the model field lines for one generated column (several for babel)."""
    if column.attname == "id":
        return ["id = models.AutoField(primary_key=True)"]
    if column.max_fk:
        target = targets[column.field_name]
        return [
            f"{column.field_name} = models.ForeignKey({target!r}, models.DO_NOTHING, "
            f"null={column.nullable}, db_constraint=False, related_name='+')"
        ]
    if column.kind == INT:
        return [f"{column.attname} = models.IntegerField(null={column.nullable})"]
    field = FIELD_CLASS[column.kind].format(null=column.nullable)
    return [f"{name} = {field}" for name in column.sql_columns]


def write_django_site(site_dir: Path) -> None:
    """Write settings and unmanaged models for the generated tables.

    Unmanaged only keeps migrations away: the models read and write the
    tables like any other (loaddata, the restore engine's raw inserts).
    The database comes from the environment: ``BENCH_DB_ENGINE`` (``sqlite3``,
    ``postgresql``, ``mysql``), ``BENCH_DB_NAME`` (a file for SQLite), and
    ``BENCH_DB_HOST``, ``BENCH_DB_PORT``, ``BENCH_DB_USER`` for a server.
    """
    targets = {"country": "geo.Country", "type": "contacts.CompanyType"}
    models: dict[str, list[str]] = {}
    for spec in TABLES:
        app, model = spec.model.split(".")
        lines = models.setdefault(app, ["from django.db import models\n"])
        lines.append(f"\nclass {model}(models.Model):")
        lines.extend(f"    {line}" for c in spec.columns for line in _field(c, targets))
        lines.append("\n    class Meta:")
        lines.append("        managed = False")
        lines.append(f"        db_table = {spec.db_table!r}\n")
    shutil.rmtree(site_dir, ignore_errors=True)
    site_dir.mkdir(parents=True)
    (site_dir / "bench_settings.py").write_text(SETTINGS)
    for app, lines in models.items():
        (site_dir / app).mkdir()
        (site_dir / app / "__init__.py").write_text("")
        (site_dir / app / "models.py").write_text("\n".join(lines))


def make_fixture_json(workdir: Path, out_dir: Path) -> Inputs:
    """`django-admin dumpdata` of both SQLite files, through models written for them."""
    try:
        import django  # noqa: F401
    except ImportError as err:
        raise Unavailable("Django is not installed (pip install -e '.[test]')") from err
    site_dir = out_dir / "site"
    write_django_site(site_dir)
    paths = {side: out_dir / f"{side}.json" for side in SIDES}
    for side, path in paths.items():
        env = {
            **os.environ,
            "BENCH_DB_NAME": str(workdir / f"{side}.sqlite3"),
            "PYTHONPATH": str(site_dir),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
        }
        _run([sys.executable, "-m", "django", "dumpdata", "contacts", "geo"], path, env)
    return _file_inputs(paths)


def make_site_fixture_json(workdir: Path, out_dir: Path) -> Inputs:
    """The real Lino site's own ``dumpdata`` of both SQLite files (--rows-like real)."""
    paths = {side: out_dir / f"{side}.json" for side in SIDES}
    dumpdata(workdir, paths)
    return _file_inputs(paths)


# -- the formats ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    make: Callable[[Path, Path], Inputs]
    server: str | None = None  # "postgresql" or "mariadb": load it first
    field_names: str = "sql"  # "sql": columns as in SQL; "fixture": fields, `country`


def make_dump2py(workdir: Path, out_dir: Path) -> Inputs:
    """The generator's own dumps."""

    def size(dump_dir: Path) -> int:
        return sum(f.stat().st_size for f in dump_dir.glob("*.py"))

    old, new = workdir / "old", workdir / "new"
    return Inputs(str(old), str(new), (size(old), size(new)))


FORMATS = {
    f.name: f
    for f in (
        Format("dump2py", make_dump2py),
        Format("sqlite-dump", make_sqlite_dump),
        Format("sqlite-url", sqlite_url),
        Format("pg-copy", make_pg_copy, server="postgresql"),
        Format("pg-inserts", make_pg_inserts, server="postgresql"),
        Format("pg-url", pg_url, server="postgresql"),
        Format("mariadb-dump", make_mariadb_dump, server="mariadb"),
        Format("mysql-url", mysql_url, server="mariadb"),
        Format("fixture-json", make_fixture_json, field_names="fixture"),
    )
}
# For --rows-like real, the formats made otherwise; the server formats are not made
# (bench_diff.not_made_for says why).
REAL_ROWS_FORMATS = {
    "fixture-json": Format("fixture-json", make_site_fixture_json, field_names="fixture"),
}
LOADERS = {
    "postgresql": (load_postgresql, pg_scratch_rows),
    "mariadb": (load_mariadb, mariadb_scratch_rows),
}


def prepare(
    fmt: Format, workdir: Path, stamp: dict[str, Any], keep: bool, loaded: set[str]
) -> Inputs:
    """Return the format's inputs, made now or, with `keep`, reused if made from `stamp`.

    `stamp` describes the generated data (its parameters and row counts);
    a format made from other data is made again. `loaded` holds the servers
    loaded in this run, which the formats made from them share.
    """
    out_dir = workdir / "formats" / fmt.name
    stamp_path = out_dir / "made-from.json"
    if fmt.server is not None and fmt.server not in loaded:
        load, count = LOADERS[fmt.server]
        server_stamp = workdir / "formats" / f"{fmt.server}-loaded-from.json"
        fresh = keep and server_stamp.exists() and json.loads(server_stamp.read_text()) == stamp
        rows = stamp["rows"]
        if not (fresh and count("old") == rows["old"] and count("new") == rows["new"]):
            server_stamp.unlink(missing_ok=True)
            print(f"loading the rows into {fmt.server} ...", flush=True)
            load(workdir)
            server_stamp.parent.mkdir(parents=True, exist_ok=True)
            server_stamp.write_text(json.dumps(stamp))
        loaded.add(fmt.server)
    if keep and stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp:
        kept = json.loads((out_dir / "inputs.json").read_text())
        sizes = kept["sizes"]
        return Inputs(kept["old"], kept["new"], None if sizes is None else (sizes[0], sizes[1]))
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    inputs = fmt.make(workdir, out_dir)
    (out_dir / "inputs.json").write_text(
        json.dumps({"old": inputs.old, "new": inputs.new, "sizes": inputs.sizes})
    )
    stamp_path.write_text(json.dumps(stamp))
    return inputs
