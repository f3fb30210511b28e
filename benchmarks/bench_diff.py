#!/usr/bin/env python
"""Time `repairkit diff` against SQLite's `sqldiff` on the same rows.

Makes two Lino dump2py dumps that differ in a fraction of their rows and the
same rows in two SQLite files (see dumpgen.py), runs both tools on them in
turn, and prints the best wall time of each, their ratio, and the peak
memory of `repairkit` per row. It also checks that `repairkit` found exactly
the changes that were made, and that `sqldiff` counts the same.

Exit status: 0 when everything agrees (and, with --check-targets, the
targets are met); 1 when something disagrees or a tool fails; 2 when a tool
is missing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dumpgen import GENERATOR_VERSION, SMALL_TABLE_ROWS, generate

TARGET_RATIO = 2.0  # repairkit's time / sqldiff's time
TARGET_BYTES_PER_ROW = 300  # repairkit's peak memory / rows in both dumps
MEASURE_CHILD = Path(__file__).resolve().parent / "measure_child.py"
KINDS = ("deleted", "added", "changed")
MB = 1e6


@dataclass(frozen=True, slots=True)
class Measurement:
    """One run of one command, as measure_child.py reports it."""

    wall: float  # seconds
    maxrss: int  # bytes: ru_maxrss, the peak of the largest single process
    returncode: int
    processes: int  # the most processes seen at once in the command's tree
    tree_rss: int  # bytes: peak summed RSS of the tree, sampled every 20 ms
    tree_pss: int  # bytes: peak summed PSS of the tree, sampled every 0.5 s

    @property
    def peak_memory(self) -> int:
        """Return the command's peak memory: the most its processes held together.

        Summed RSS can only overstate (pages that forked workers share
        copy-on-write count once per process); sampling can miss a short
        peak, which ru_maxrss catches for the largest process.
        """
        return max(self.maxrss, self.tree_rss)


def run_measured(cmd: list[str], stdout_path: str) -> Measurement:
    """Run `cmd` with its stdout to a file; return its own wall time and peak memory.

    A small helper process starts `cmd` with subprocess.Popen and reaps it with
    os.wait4; measure_child.py says why this process does not do it itself.
    """
    helper = subprocess.run(
        [sys.executable, "-I", "-S", str(MEASURE_CHILD), stdout_path, *cmd],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return Measurement(**json.loads(helper.stdout))


def find_repairkit() -> str | None:
    """Return the repairkit installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "repairkit"
    return str(beside) if beside.exists() else shutil.which("repairkit")


def load_or_generate(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Return the manifest of the data in `workdir`, generating the data unless kept."""
    params = {
        "rows": args.rows,
        "change_fraction": args.change_fraction,
        "seed": args.seed,
        "generator": GENERATOR_VERSION,
    }
    manifest_path = workdir / "manifest.json"
    if args.keep and manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        if manifest.get("params") == params:
            print(f"reusing the data in {workdir} (--keep)", flush=True)
            return manifest
    print(f"generating {args.rows:,} rows in {workdir} ...", flush=True)
    start = time.perf_counter()
    manifest_path.unlink(missing_ok=True)  # no stale manifest if generating fails
    manifest = {"params": params, **generate(workdir, args.rows, args.change_fraction, args.seed)}
    manifest_path.write_text(json.dumps(manifest))
    print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
    return manifest


# -- what the tools found ----------------------------------------------------

SQLDIFF_STATEMENT = re.compile(r'^(DELETE FROM|INSERT INTO|UPDATE) "?(\w+)"?[ (]')


def count_sqldiff(path: Path) -> dict[str, dict[str, int]]:
    """Count sqldiff's statements per table and kind.

    sqldiff writes one statement per row, one UPDATE for all changed columns
    of a row; a text with a newline continues on a line starting with `||`.
    """
    kind_of = {"DELETE FROM": "deleted", "INSERT INTO": "added", "UPDATE": "changed"}
    counts: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = SQLDIFF_STATEMENT.match(line)
            if m:
                counts.setdefault(m[2], dict.fromkeys(KINDS, 0))[kind_of[m[1]]] += 1
    return counts


def read_summary(path: Path) -> dict[str, int] | None:
    """Return the summary of repairkit's JSON output, None if there is none."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return summary if isinstance(summary, dict) else None


def _pk_text(pk: Any) -> str:
    if isinstance(pk, list) and len(pk) == 1:
        pk = pk[0]
    return str(pk)


def _difference(table: str, kind: str, want: set[str], have: set[str]) -> str:
    examples = sorted(want ^ have, key=lambda pk: (len(pk), pk))[:3]
    return (
        f"{table} {kind}: {len(want - have)} missed, {len(have - want)} extra, "
        f"e.g. pk {', '.join(examples)}"
    )


def compare_with_repairkit(expected: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Return how repairkit's JSON differs from the changes the generator made."""
    problems = []
    tables = result.get("tables", {})
    for table, exp in expected.items():
        got = tables.get(table, {})
        for kind in ("deleted", "added"):
            want = {str(pk) for pk in exp[kind]}
            have = {_pk_text(pk) for pk in got.get(kind, [])}
            if want != have:
                problems.append(_difference(table, kind, want, have))
        fields = {_pk_text(c["pk"]): sorted(c["fields"]) for c in got.get("changed", [])}
        if set(exp["changed"]) != set(fields):
            problems.append(_difference(table, "changed", set(exp["changed"]), set(fields)))
            continue
        wrong = [pk for pk, columns in exp["changed"].items() if fields[pk] != columns]
        if wrong:
            pk = wrong[0]
            problems.append(
                f"{table} changed: other fields in {len(wrong)} rows, e.g. pk {pk}: "
                f"expected {exp['changed'][pk]}, got {fields[pk]}"
            )
    problems.extend(
        f"unexpected table {t!r} in repairkit's output" for t in tables.keys() - expected.keys()
    )
    return problems


def check_counts(expected: dict[str, Any], sql_out: Path, json_out: Path) -> list[str]:
    """Print the three sets of counts; return every disagreement between them."""
    want = {kind: sum(len(t[kind]) for t in expected.values()) for kind in KINDS}
    result = json.loads(json_out.read_text(encoding="utf-8"))
    got = {kind: result["summary"].get(kind) for kind in KINDS}
    sql_counts = count_sqldiff(sql_out)
    sql_total = {kind: sum(t[kind] for t in sql_counts.values()) for kind in KINDS}

    def show(counts: dict[str, Any]) -> str:
        return ", ".join(f"{counts[kind]:,} {kind}" for kind in KINDS)

    print("\ncorrectness")
    print(f"  generator  {show(want)}")
    print(f"  repairkit  {show(got)}")
    print(f"  sqldiff    {show(sql_total)}")
    problems = []
    if got != want:
        problems.append("repairkit's summary differs from the generator's counts")
    if sql_total != want:
        problems.append("sqldiff's statement counts differ from the generator's counts")
    for table, exp in expected.items():
        per_table = {kind: len(exp[kind]) for kind in KINDS}
        if sql_counts.get(table, dict.fromkeys(KINDS, 0)) != per_table:
            problems.append(
                f"{table}: sqldiff counts {sql_counts.get(table)}, generator {per_table}"
            )
    try:
        problems.extend(compare_with_repairkit(expected, result))
    except (AttributeError, KeyError, TypeError) as err:
        problems.append(f"repairkit's JSON is not shaped as expected: {err!r}")
    return problems


# -- the run -------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="rows of contacts_partner in the old dump (default 1,000,000)",
    )
    parser.add_argument(
        "--change-fraction",
        type=float,
        default=0.01,
        help="fraction of rows deleted, added or changed (default 0.01)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(__file__).resolve().parent / "work",
        help="where the dumps and SQLite files go (default benchmarks/work/)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the data in --workdir if it was made with the same options",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs of each tool, alternating; the best counts (default 3)",
    )
    parser.add_argument(
        "--check-targets",
        action="store_true",
        help="also exit 1 if the time or the memory target is missed",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sqldiff = shutil.which("sqldiff")
    if sqldiff is None:
        print(
            "sqldiff not found. It comes with SQLite's tools: apt-get install sqlite3-tools "
            "(Debian, Ubuntu), brew install sqlite (macOS).",
            file=sys.stderr,
        )
        return 2
    repairkit = find_repairkit()
    if repairkit is None:
        print(
            "repairkit not found beside this Python nor on PATH; install it with pip install -e .",
            file=sys.stderr,
        )
        return 2
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    manifest = load_or_generate(args, workdir)

    old_dir, new_dir = workdir / "old", workdir / "new"
    sql_out, json_out = workdir / "sqldiff.sql", workdir / "repairkit.json"
    commands = {
        "sqldiff": (
            [sqldiff, str(workdir / "old.sqlite3"), str(workdir / "new.sqlite3")],
            os.devnull,
        ),
        "repairkit": (
            [repairkit, "diff", str(old_dir), str(new_dir), "--format", "json"],
            str(json_out),
        ),
    }
    # Once untimed, to keep sqldiff's output for the cross-check; this also warms the cache.
    if run_measured(commands["sqldiff"][0], str(sql_out)).returncode != 0:
        print("sqldiff failed", file=sys.stderr)
        return 1
    # repairkit diff exits as diff(1) does: 0 no differences, 1 differences, 2 trouble.
    good_status = {"sqldiff": {0}, "repairkit": {0, 1}}
    runs: dict[str, list[Measurement]] = {"sqldiff": [], "repairkit": []}
    for _ in range(args.repeat):
        for name, (cmd, out) in commands.items():
            m = run_measured(cmd, out)
            # A Python traceback exits 1 too: a run counts only if it wrote its JSON.
            if m.returncode not in good_status[name] or (
                name == "repairkit" and read_summary(json_out) is None
            ):
                print(f"{' '.join(cmd)}\nfailed with status {m.returncode}", file=sys.stderr)
                return 1
            runs[name].append(m)
    floor = run_measured([shutil.which("true") or "true"], os.devnull).peak_memory

    best = {name: min(m.wall for m in ms) for name, ms in runs.items()}
    peak = {name: max(m.peak_memory for m in ms) for name, ms in runs.items()}
    rows = manifest["rows"]["old"] + manifest["rows"]["new"]
    ratio = best["repairkit"] / best["sqldiff"]
    per_row = peak["repairkit"] / rows
    ratio_ok, memory_ok = ratio <= TARGET_RATIO, per_row < TARGET_BYTES_PER_ROW

    def size(dump_dir: Path) -> str:
        files = list(dump_dir.glob("*.py"))
        return f"{sum(f.stat().st_size for f in files) / MB:.1f} MB ({len(files) - 1} data files)"

    print(f"\nrepairkit diff benchmark ({args.repeat} timed runs each, alternating; best counts)")
    print(
        f"  rows per dump          {manifest['rows']['old']:,} old, {manifest['rows']['new']:,} "
        f"new (contacts_partner {args.rows:,} + {sum(SMALL_TABLE_ROWS.values())} in 2 small "
        f"tables)"
    )
    print(f"  dump size              {size(old_dir)} old, {size(new_dir)} new")
    for name, ms in runs.items():
        each = " ".join(f"{m.wall:.3f}" for m in ms)
        print(f"  {name:<9} best time    {best[name]:8.3f} s   (runs: {each})")
    print(
        f"  ratio repairkit/sqldiff  {ratio:.2f}   target <= {TARGET_RATIO:.1f}   "
        f"{'ok' if ratio_ok else 'MISSED'}"
    )
    print(
        f"  repairkit peak memory  {peak['repairkit'] / MB:8.1f} MB = {per_row:.0f} bytes/row "
        f"per dump (peak / rows of both dumps)   target < {TARGET_BYTES_PER_ROW}   "
        f"{'ok' if memory_ok else 'MISSED'}"
    )
    for name, ms in runs.items():
        if max(m.processes for m in ms) > 1:
            print(
                f"    {name} ran up to {max(m.processes for m in ms)} processes at once; the peak "
                f"is their summed RSS, sampled every 20 ms (ru_maxrss of the largest process: "
                f"{max(m.maxrss for m in ms) / MB:.1f} MB; summed PSS, which counts shared pages "
                f"once, sampled every 0.5 s: {max(m.tree_pss for m in ms) / MB:.1f} MB)"
            )
    print(
        f"  sqldiff peak memory    {peak['sqldiff'] / MB:8.1f} MB (for reference; measuring "
        f"itself costs about {floor / MB:.1f} MB, so no figure goes much lower)"
    )

    problems = check_counts(manifest["expected"], sql_out, json_out)
    for problem in problems:
        print(f"  DISAGREE: {problem}")
    if problems:
        return 1
    print("  all agree (repairkit's deleted, added and changed pks and changed fields match too)")
    if args.check_targets and not (ratio_ok and memory_ok):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
