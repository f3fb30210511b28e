"""Defects of reading and option parsing that once escaped as tracebacks, each pinned by a test.

An error of the system (an unreadable file) is not a broken dump, a key
that looks almost like a number is a text key, and errors survive the trip
through a worker process.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import DumpFormatError, DumpNotFoundError, DumpReadError

from .conftest import FIXTURES

# Reading /proc/self/mem at offset 0 fails with EIO: a file that is there but
# cannot be read, as an unreadable backup on a failing disk would be.
UNREADABLE = Path("/proc/self/mem")


@pytest.mark.skipif(not UNREADABLE.exists(), reason="needs Linux's /proc/self/mem")
@pytest.mark.parametrize(
    ("name", "form"),
    [("x.sql", "sqlite-dump"), ("x.json", "json"), ("x.json.gz", "json"), ("x.sql", "pg-dump")],
)
def test_a_file_the_system_cannot_read_is_named_with_the_system_s_words(
    tmp_path: Path, name: str, form: str
) -> None:
    source = tmp_path / name
    source.symlink_to(UNREADABLE)
    result = CliRunner().invoke(cli, ["diff", str(source), str(source), "--from", form])
    assert result.exit_code == 2, result.output
    assert f"{name}: cannot be read: Input/output error" in result.output
    assert "decompress" not in result.output and "internal error" not in result.output


def test_a_key_of_dashes_and_digits_is_a_text_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["merge", str(FIXTURES / "backup"), "--current", str(FIXTURES / "current"),
         "-o", str(tmp_path / "out"), "--only", "repairdemo_partner:--5"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "no backup has primary key '--5' in repairdemo_partner" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "error",
    [
        DumpNotFoundError("/backups/b", "no such dump directory"),
        DumpReadError("/backups/b.sql", "cannot be read: Permission denied"),
        DumpFormatError("/backups/b.sql", 7, "unexpected ')'"),
    ],
)
def test_errors_cross_worker_processes_intact(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)


QUERY_ONLY_SCRIPT = """
import sqlite3, sys
import django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
with sqlite3.connect(sys.argv[1]) as raw:  # a value its field cannot read
    raw.execute("INSERT INTO shop_customer (id, name, town) VALUES (1, 'a', 'b')")
    raw.execute("INSERT INTO shop_order (id, customer_id, total, priority) VALUES (1, 1, 'x', 3)")
from repairkit.errors import DumpFormatError
from repairkit.readers.live.django_site import read_django_database
try:
    read_django_database("django:settings")
except DumpFormatError as err:
    print("refused:", err.problem)
from django.db import connection
with connection.cursor() as cursor:  # the site's connection must still write
    cursor.execute("INSERT INTO shop_customer (id, name, town) VALUES (2, 'c', 'd')")
print("wrote")
"""


def test_a_failed_read_of_a_django_site_leaves_its_sqlite_connection_writable(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    database = tmp_path / "site.sqlite3"
    site = Path(__file__).resolve().parent / "files" / "migsite"
    env = dict(os.environ, MIGSITE_DB=str(database), DJANGO_SETTINGS_MODULE="settings")
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-c", QUERY_ONLY_SCRIPT, str(database)],
        cwd=site, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "refused:" in result.stdout and "wrote" in result.stdout
