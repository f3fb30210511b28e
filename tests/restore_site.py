"""The demo site on a real database, driven from tests through its own commands.

Used by the restore tests: run ``manage.py`` commands and restore scripts in
a subprocess, as a user would, and look at the database directly (sqlite3,
psycopg, PyMySQL) to take checksums that do not depend on Django.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from repairkit.cli import cli

from .conftest import DEMO, ServerDatabase

MANAGE = DEMO / "manage.py"
TIMEOUT = 120


@dataclass(frozen=True)
class Run:
    """A finished subprocess: exit status and output."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass(frozen=True)
class SiteDatabase:
    """The demo site's database: a SQLite file, or a database on a server."""

    sqlite: Path | None = None
    server: ServerDatabase | None = None

    @property
    def settings(self) -> str:
        return "repairdemo.settings" if self.sqlite else "repairdemo.settings_server"

    def env(self) -> dict[str, str]:
        """Return the environment that points the demo site at this database."""
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=self.settings)
        if self.sqlite:
            env["REPAIRDEMO_DB"] = str(self.sqlite)
        else:
            assert self.server is not None
            env.update(self.server.demo_site_environment())
            env["DJANGO_SETTINGS_MODULE"] = self.settings
        return env

    def manage(self, *args: object, check: bool = True) -> Run:
        """Run ``manage.py ARGS`` on the site."""
        return self.run_python(MANAGE, *args, check=check)

    def run_python(self, script: Path, *args: object, check: bool = True) -> Run:
        """Run ``python SCRIPT ARGS`` with the site's environment."""
        command = [sys.executable, str(script), *map(str, args)]
        result = subprocess.run(
            command, env=self.env(), capture_output=True, text=True, timeout=TIMEOUT
        )
        run = Run(result.returncode, result.stdout, result.stderr)
        if check:
            assert run.returncode == 0, f"{' '.join(command)} failed:\n{run.output}"
        return run

    def restore_plain(self, restore_py: Path, *args: str, check: bool = True) -> Run:
        """Run a restore script the plain Django way: ``python restore.py --settings ...``."""
        return self.run_python(
            restore_py, "--settings", self.settings, "--pythonpath", str(DEMO), *args, check=check
        )

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """Yield a DB-API cursor on the database, outside Django."""
        if self.sqlite:
            connection: Any = sqlite3.connect(self.sqlite)
        elif self.server and self.server.engine == "postgresql":
            import psycopg

            connection = psycopg.connect(
                host=self.server.host, port=self.server.port, user=self.server.user,
                dbname=self.server.name, autocommit=True,
            )  # fmt: skip
        else:
            import pymysql

            assert self.server is not None
            connection = pymysql.connect(
                host=self.server.host, port=self.server.port, user=self.server.user,
                password=self.server.password, database=self.server.name, autocommit=True,
                charset="utf8mb4",
            )  # fmt: skip
        try:
            cursor = connection.cursor()
            yield cursor
        finally:
            connection.close()

    def tables(self) -> list[str]:
        with self.cursor() as cursor:
            if self.sqlite:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            elif self.server and self.server.engine == "postgresql":
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            else:
                cursor.execute("SHOW TABLES")
            return sorted(name for (name,) in cursor.fetchall())

    def checksums(self) -> dict[str, str]:
        """Return a checksum of every table's rows, to show that nothing changed."""
        sums = {}
        with self.cursor() as cursor:
            for table in self.tables():
                quoted = (
                    f"`{table}`" if self.server and self.server.engine == "mysql" else f'"{table}"'
                )
                cursor.execute(f"SELECT * FROM {quoted}")
                rows = sorted(map(repr, cursor.fetchall()))
                sums[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return sums

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())


def write_repair_dir(backup: Path, current: Path, output: Path) -> int:
    """Run ``repairkit merge`` as a user would; return the number of rows it planned."""
    arguments = ["merge", str(backup), "--current", str(current), "-o", str(output), "--jobs", "1"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    plan = json.loads((output / "plan.json").read_text(encoding="utf-8"))
    return int(plan["summary"]["reinstated"])


def edit_row(data_file: Path, pk: int, column: str, literal: str) -> int:
    """Set one value of the row ``pk`` in a data file, as a reviewer would; return its line.

    The values before ``column`` must be plain numbers: the line is split at commas.
    """
    lines = data_file.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = next(line for line in lines if line.startswith("# fields: "))
    index = fields.removeprefix("# fields: ").strip().split(", ").index(column)
    for number, line in enumerate(lines, start=1):
        head, _, rest = line.partition("(create_")
        if rest and rest.split("(", 1)[1].startswith(f"{pk},"):
            values = rest.split("(", 1)[1].removesuffix("))\n").split(",")
            assert all(value.lstrip("-").isdigit() for value in values[:index]), line
            values[index] = literal
            name = rest.split("(", 1)[0]
            lines[number - 1] = f"{head}(create_{name}({','.join(values)}))\n"
            data_file.write_text("".join(lines), encoding="utf-8")
            return number
    raise AssertionError(f"no row {pk} in {data_file}")
