#!/usr/bin/env python
"""Time `repairkit history` across N daily dumps against N reads of one dump.

Makes a series of N Lino dump2py dumps of the synthetic site of dumpgen.py,
one a day: each day deletes, changes and adds a fraction of the big table's
rows, cumulatively. Then it times, in the same run and alternating:

- `repairkit --version`: the start-up, left out of the ratios;
- `repairkit history DAY1 --table contacts_partner --pk P`: one dump read
  (the baseline; N times this is the aim);
- `repairkit history DAY1..DAYN --table contacts_partner --pk P`: one row's life;
- `repairkit history DAY1..DAYN --table contacts_partner`: rows lost and gained
  per step;
- `repairkit timeline DAY1..DAYN`: every step diffed, with findings.

It prints the best wall time of each, its peak memory (measured as
bench_diff.py does) and its ratio to N x the baseline, and
checks that the row's history matches what was generated. Exit status: 0
when it matches, 1 when not or a command fails. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench_diff import run_measured
from dumpgen import (
    SMALL_TABLE_ROWS,
    TABLES,
    DataFileWriter,
    make_renderer,
    mutate_value,
    write_restore_py,
)  # fmt: skip

BIG = "contacts_partner"
DAY_SECONDS = 86_400
FIRST_DAY = 1_762_228_800  # 2025-11-04 04:00 UTC: each dump gets its day's file time


def make_series(workdir: Path, days: int, rows: int, fraction: float, seed: int) -> dict[str, Any]:
    """Write ``days`` dumps; return the life of one traced row (present, changed per day)."""
    rng = random.Random(seed)
    specs = {spec.db_table: spec for spec in TABLES}
    renderers = {name: make_renderer(spec) for name, spec in specs.items()}
    tables: dict[str, dict[int, tuple[Any, ...]]] = {}
    for name, spec in specs.items():
        base = random.Random(f"{seed}:{name}:rows")
        count = SMALL_TABLE_ROWS.get(name, rows)
        tables[name] = {pk: spec.make_row(base, pk) for pk in range(1, count + 1)}
    lines = {
        name: {pk: renderers[name](row)[0] for pk, row in t.items()} for name, t in tables.items()
    }
    traced = rows // 2
    life: list[dict[str, Any]] = []
    next_pk = rows + 1
    columns = specs[BIG].columns
    for day in range(days):
        big = tables[BIG]
        changed_columns: list[str] = []
        if day:
            n = max(4, round(len(big) * fraction))
            pks = rng.sample(sorted(big), n // 2 + n // 4)
            if day == days // 2 and traced in big:  # the traced row is edited once...
                pks = [traced, *[pk for pk in pks if pk != traced]]
            for pk in pks[: n // 2]:
                row = list(big[pk])
                index = rng.randrange(1, len(columns))
                row[index], _ = mutate_value(columns[index], row[index], rng)
                big[pk] = tuple(row)
                lines[BIG][pk] = renderers[BIG](big[pk])[0]
                if pk == traced:
                    changed_columns.append(columns[index].attname)
            for pk in pks[n // 2 :]:
                if pk != traced:
                    del big[pk], lines[BIG][pk]
            if day == days - 1:  # ...and deleted on the last day
                big.pop(traced, None)
                lines[BIG].pop(traced, None)
            for _ in range(n // 4):
                big[next_pk] = specs[BIG].make_row(rng, next_pk)
                lines[BIG][next_pk] = renderers[BIG](big[next_pk])[0]
                next_pk += 1
        life.append({"present": traced in big, "changed": changed_columns})
        write_dump(workdir / f"day{day + 1:02d}", lines, specs)
    return {"pk": traced, "life": life}


def write_dump(dump_dir: Path, lines: dict[str, dict[int, str]], specs: dict[str, Any]) -> None:
    shutil.rmtree(dump_dir, ignore_errors=True)
    dump_dir.mkdir(parents=True)
    filenames = {}
    for name, spec in specs.items():
        writer = DataFileWriter(dump_dir, spec, len(lines[name]))
        for pk in sorted(lines[name]):
            writer.write(lines[name][pk])
        writer.close()
        filenames[name] = writer.filenames
    write_restore_py(dump_dir, filenames)


def repairkit_command() -> str:
    beside = Path(sys.executable).parent / "repairkit"
    return str(beside) if beside.exists() else "repairkit"


def timed(cmd: list[str], workdir: Path) -> tuple[float, int, str]:
    """Run ``cmd``; return its wall time, peak memory (bytes) and output."""
    out = workdir / "stdout.txt"
    measured = run_measured(cmd, str(out))
    if measured.returncode not in (0, 1):
        sys.exit(f"failed ({measured.returncode}): {' '.join(cmd)}")
    return measured.wall, measured.peak_memory, out.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=10, help="dumps in the series (default 10)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the big table")
    parser.add_argument("--change-fraction", type=float, default=0.01, help="per day")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).parent / "work" / "history")
    args = parser.parse_args()
    started = time.perf_counter()
    expected = make_series(args.workdir, args.days, args.rows, args.change_fraction, args.seed)
    dumps = sorted(str(p) for p in args.workdir.glob("day*"))
    for index, dump in enumerate(dumps):
        stamp = FIRST_DAY + index * DAY_SECONDS
        for path in Path(dump).iterdir():
            os.utime(path, (stamp, stamp))
    print(f"made {args.days} dumps of {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
    tool, pk = repairkit_command(), str(expected["pk"])
    commands = {
        "start-up": [tool, "--version"],
        "one dump read": [tool, "history", dumps[0], "--table", BIG, "--pk", pk],
        "history --pk": [tool, "history", *dumps, "--table", BIG, "--pk", pk, "--format", "json"],
        "history (steps)": [tool, "history", *dumps, "--table", BIG, "--format", "json"],
        "timeline": [tool, "timeline", *dumps, "--format", "json"],
    }
    best: dict[str, float] = {}
    memory: dict[str, int] = {}
    outputs: dict[str, str] = {}
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            wall, peak, outputs[name] = timed(cmd, args.workdir)
            best[name] = min(best.get(name, wall), wall)
            memory[name] = max(memory.get(name, 0), peak)
    # The ratios leave out the start-up (imports, worker pool) paid once per command.
    startup = best.pop("start-up")
    baseline = (best["one dump read"] - startup) * args.days
    print(f"best of {args.repeat}, {args.days} dumps x {args.rows:,} rows, {os.cpu_count()} cores;")
    print(f"start-up of the command {startup:.2f} s, left out of the ratios:")
    for name, wall in best.items():
        ratio = f"  {(wall - startup) / baseline:.2f} x N reads of one dump"
        shown = "" if name == "one dump read" else ratio
        print(f"  {name:<16} {wall:7.2f} s  {memory[name] / 1e6:6.0f} MB peak{shown}")
    states = json.loads(outputs["history --pk"])["rows"][pk]
    seen = [{"present": s["present"], "changed": sorted(s.get("changed", {}))} for s in states]
    if seen != expected["life"]:
        print(f"history of {BIG} {pk} disagrees:\n  seen     {seen}\n  expected {expected['life']}")
        return 1
    print(f"history of {BIG} {pk} agrees with what was generated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
