"""Time `repairkit diff URL URL` on two live databases against a baseline build, in one run.

Usage: python benchmarks/bench_live.py --rows 1000000 --baseline /work/main/.venv/bin/repairkit

dumpgen.py's old and new SQLite files (1% of rows differing) are copied
into databases ``repairkit_live_old_<rows>`` and ``repairkit_live_new_<rows>``
on PostgreSQL (127.0.0.1:5432, user postgres) and MariaDB (127.0.0.1:3306,
root), once; then the baseline and this build diff them, interleaved, each
through measure_child.py (wall time, peak memory of the process tree), and
their JSON outputs must be the same.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import dumpgen

HERE = Path(__file__).resolve().parent
SERVERS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432",
    "mysql": "mysql://root@127.0.0.1:3306",
}
# dumpgen's SQLite declared types, as each server declares them.
TYPES = {
    "postgresql": {"datetime": "timestamp", "decimal": "numeric(12, 2)", "bool": "boolean"},
    "mysql": {"datetime": "datetime(6)", "decimal": "decimal(12, 2)"},
}


def load(engine: str, database: str, source: Path) -> None:
    """Create ``database`` on ``engine`` with the tables and rows of the SQLite file ``source``."""
    rows = sqlite3.connect(source)
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{SERVERS[engine]}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
        target: Any = psycopg.connect(f"{SERVERS[engine]}/{database}")
    else:
        import pymysql

        target = pymysql.connect(host="127.0.0.1", user="root", password="", charset="utf8mb4")
        with target.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
            cursor.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
        target.select_db(database)
    quote = '"' if engine == "postgresql" else "`"
    with target, target.cursor() as cursor:
        tables = rows.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        for (table,) in tables:
            columns = rows.execute(f'PRAGMA table_info("{table}")').fetchall()
            definitions = ", ".join(
                f"{quote}{name}{quote} {TYPES[engine].get(declared.lower(), declared.lower())}"
                + (" NOT NULL" if not_null else "")
                + (" PRIMARY KEY" if primary else "")
                for _, name, declared, not_null, _, primary in columns
            )
            cursor.execute(f"CREATE TABLE {quote}{table}{quote} ({definitions})")
            booleans = [i for i, column in enumerate(columns) if column[2].lower() == "bool"]
            insert = (
                f"INSERT INTO {quote}{table}{quote} VALUES ({', '.join(['%s'] * len(columns))})"
            )
            selected = rows.execute(f'SELECT * FROM "{table}"')
            while batch := selected.fetchmany(5000):
                if engine == "postgresql":  # SQLite's 0/1 are no PostgreSQL booleans
                    batch = [
                        tuple(
                            bool(v) if i in booleans and v is not None else v
                            for i, v in enumerate(row)
                        )
                        for row in batch
                    ]
                cursor.executemany(insert, batch)
        target.commit()


def measure(command: list[str], output: Path) -> dict[str, Any]:
    child = [sys.executable, "-I", "-S", str(HERE / "measure_child.py"), str(output), *command]
    return dict(json.loads(subprocess.run(child, capture_output=True, check=True).stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--baseline", required=True, help="the repairkit executable to compare")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--engines", default="postgresql,mysql")
    parser.add_argument("--reload", action="store_true", help="load the databases again")
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / f"repairkit-bench-live-{args.rows}"
    this = str(Path(sys.executable).with_name("repairkit"))
    for engine in args.engines.split(","):
        names = {side: f"repairkit_live_{side}_{args.rows}" for side in ("old", "new")}
        if args.reload or not (work / "loaded" / engine).exists():
            work.mkdir(parents=True, exist_ok=True)
            if not (work / "new.sqlite3").exists():
                dumpgen.generate(work, args.rows, 0.01, 1)
            for side, name in names.items():
                load(engine, name, work / f"{side}.sqlite3")
            (work / "loaded").mkdir(exist_ok=True)
            (work / "loaded" / engine).touch()
        urls = [f"{SERVERS[engine]}/{names['old']}", f"{SERVERS[engine]}/{names['new']}"]
        outputs = {}
        for run in range(args.runs):
            for build, executable in (("baseline", args.baseline), ("this", this)):
                outputs[build] = work / f"{engine}-{build}.json"
                figures = measure([executable, "diff", *urls, "--format", "json"], outputs[build])
                wall, peak = figures["wall"], figures["tree_rss"] / 1e6
                print(
                    f"{engine} {args.rows} rows, {build} run {run + 1}: {wall:.1f} s, "
                    f"peak {peak:.0f} MB (tree RSS), exit {figures['returncode']}"
                )
        same = outputs["baseline"].read_bytes() == outputs["this"].read_bytes()
        print(f"{engine}: outputs {'identical' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
