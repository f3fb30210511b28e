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

from dumpgen import GENERATOR_VERSION, TABLES, generate
from input_formats import FORMATS, REAL_ROWS_FORMATS, Format, Inputs, Unavailable, prepare
from merge_timing import print_merges, time_merge
from realrows import REALROWS_VERSION, generate_real

TARGET_DUMP2PY_RATIO = 1.0  # repairkit's time on dump2py / sqldiff's time
TARGET_FORMAT_RATIO = 2.0  # repairkit's time on another format / its time on dump2py
TARGET_BYTES_PER_ROW = 300  # repairkit's peak memory / rows in both dumps
ROWS_LIKE = ("synthetic", "real")
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
    real = args.rows_like == "real"
    params = {
        "rows": args.rows,
        "change_fraction": args.change_fraction,
        "seed": args.seed,
        "rows_like": args.rows_like,
        "generator": REALROWS_VERSION if real else GENERATOR_VERSION,
    }
    manifest_path = workdir / "manifest.json"
    if args.keep and manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        if manifest.get("params") == params:
            print(f"reusing the data in {workdir} (--keep)", flush=True)
            return manifest
    print(f"generating {args.rows:,} rows like {args.rows_like} ones in {workdir} ...", flush=True)
    start = time.perf_counter()
    manifest_path.unlink(missing_ok=True)  # no stale manifest if generating fails
    if real:
        made = generate_real(workdir, args.rows, args.change_fraction, args.seed, args.keep)
    else:
        made = generate(workdir, args.rows, args.change_fraction, args.seed)
    manifest = {"params": params, **made}
    manifest_path.write_text(json.dumps(manifest))
    print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
    return manifest


# -- what the tools found ----------------------------------------------------

SQLDIFF_STATEMENT = re.compile(r'^(DELETE FROM|INSERT INTO|UPDATE) "?(\w+)"?[ (]')


def count_sqldiff(path: Path) -> dict[str, dict[str, int]]:
    """Count sqldiff's statements per table and kind.

    sqldiff writes one statement per row, one UPDATE for all changed columns
    of a row; a text with a newline continues on a line starting with `||`.
    SQLite's own tables (sqlite_sequence, which moves when rows are added)
    hold no data of the site and are not counted.
    """
    kind_of = {"DELETE FROM": "deleted", "INSERT INTO": "added", "UPDATE": "changed"}
    counts: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = SQLDIFF_STATEMENT.match(line)
            if m and not m[2].startswith("sqlite_"):
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


def check_sqldiff(expected: dict[str, Any], sql_out: Path) -> list[str]:
    """Print the generator's and sqldiff's counts; return where they disagree."""
    want = {kind: sum(len(t[kind]) for t in expected.values()) for kind in KINDS}
    sql_counts = count_sqldiff(sql_out)
    sql_total = {kind: sum(t[kind] for t in sql_counts.values()) for kind in KINDS}
    print(f"  generator  {show_counts(want)}")
    print(f"  sqldiff    {show_counts(sql_total)}")
    problems = []
    if sql_total != want:
        problems.append("sqldiff's statement counts differ from the generator's counts")
    for table, exp in expected.items():
        per_table = {kind: len(exp[kind]) for kind in KINDS}
        if sql_counts.get(table, dict.fromkeys(KINDS, 0)) != per_table:
            problems.append(
                f"{table}: sqldiff counts {sql_counts.get(table)}, generator {per_table}"
            )
    return problems


def show_counts(counts: dict[str, Any]) -> str:
    return ", ".join(f"{counts[kind]:,} {kind}" for kind in KINDS)


def fixture_names(expected: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """Return `expected` with a fixture's field names: `country`, not `country_id`.

    A fixture names fields, not columns; between two fixtures nothing tells
    repairkit that `country` is a foreign key (docs/formats.md), so it stays
    `country`, and that is right. Real rows come with their site's names
    (the manifest's `field_names`, per table); synthetic ones with dumpgen's.
    """
    synthetic = {c.attname: c.field_name for spec in TABLES for c in spec.columns}
    names = manifest.get("field_names", {})
    return {
        table: {
            **exp,
            "changed": {
                pk: sorted(names.get(table, synthetic).get(c, c) for c in cols)
                for pk, cols in exp["changed"].items()
            },
        }
        for table, exp in expected.items()
    }


def check_repairkit(expected: dict[str, Any], json_out: Path) -> list[str]:
    """Return how repairkit's JSON differs from the changes the generator made."""
    want = {kind: sum(len(t[kind]) for t in expected.values()) for kind in KINDS}
    result = json.loads(json_out.read_text(encoding="utf-8"))
    got = {kind: result["summary"].get(kind) for kind in KINDS}
    problems = []
    if got != want:
        problems.append(f"repairkit's summary ({show_counts(got)}) differs from the generator's")
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
    parser.add_argument(
        "--rows-like",
        choices=ROWS_LIKE,
        default="synthetic",
        help="synthetic: dumpgen.py's three tables, written as dump2py writes them; "
        "real: a real Lino site's demo rows repeated to size, dumped by its own dump2py "
        "(realrows.py); default synthetic",
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
        "--formats",
        default="dump2py",
        help=f"comma-separated inputs to time: {', '.join(FORMATS)}, or all (default dump2py)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="also time repairkit merge (old as the backup, new as the current state) on each"
        " format, and check that its plan puts back exactly the deleted rows",
    )
    parser.add_argument(
        "--check-targets",
        action="store_true",
        help="also exit 1 if the time or the memory target is missed",
    )
    return parser.parse_args(argv)


@dataclass(slots=True)
class FormatResult:
    """What one format's runs gave."""

    name: str
    inputs: Inputs
    runs: list[Measurement]
    sqldiff_runs: list[Measurement]
    problems: list[str]

    @property
    def best(self) -> float:
        return min(m.wall for m in self.runs)

    @property
    def sqldiff_best(self) -> float:
        return min(m.wall for m in self.sqldiff_runs)

    @property
    def peak(self) -> int:
        return max(m.peak_memory for m in self.runs)


def time_format(
    name: str, inputs: Inputs, sqldiff_cmd: list[str], repairkit: str, args: argparse.Namespace
) -> FormatResult | str:
    """Time one format against sqldiff, alternating; return its result or why it failed."""
    json_out = args.workdir.resolve() / "formats" / name / "repairkit.json"
    cmd = [repairkit, "diff", inputs.old, inputs.new, "--format", "json"]
    result = FormatResult(name, inputs, [], [], [])
    for _ in range(args.repeat):
        sql = run_measured(sqldiff_cmd, os.devnull)
        if sql.returncode != 0:
            return "sqldiff failed"
        result.sqldiff_runs.append(sql)
        json_out.unlink(missing_ok=True)
        m = run_measured(cmd, str(json_out))
        # repairkit diff exits as diff(1) does: 0 no differences, 1 differences, 2 trouble.
        # A Python traceback exits 1 too: a run counts only if it wrote its JSON.
        if m.returncode not in (0, 1) or read_summary(json_out) is None:
            return f"{' '.join(cmd)} failed with status {m.returncode}"
        result.runs.append(m)
    each = " ".join(f"{m.wall:.3f}" for m in result.runs)
    print(f"  {name:<13} repairkit {each} s; sqldiff best {result.sqldiff_best:.3f} s", flush=True)
    processes = max(m.processes for m in result.runs)
    if processes > 1:
        # The peak is then the summed RSS, which counts shared pages once per process.
        print(
            f"  {'':<13} up to {processes} processes at once; ru_maxrss of the largest "
            f"{max(m.maxrss for m in result.runs) / MB:.1f} MB, summed PSS "
            f"{max(m.tree_pss for m in result.runs) / MB:.1f} MB (sampled every 0.5 s)"
        )
    return result


@dataclass(frozen=True, slots=True)
class Target:
    text: str
    met: bool | None  # None: cannot be judged in this run


def targets(result: FormatResult, dump2py: FormatResult | None, rows: int) -> list[Target]:
    """Return the time and memory targets of one format (issue 14) and whether they are met."""
    if result.name == "dump2py":
        ratio = result.best / result.sqldiff_best
        time_target = Target(
            f"<={TARGET_DUMP2PY_RATIO:.1f}x sqldiff", ratio <= TARGET_DUMP2PY_RATIO
        )
    elif dump2py is None:
        time_target = Target(f"<={TARGET_FORMAT_RATIO:.0f}x dump2py (not run)", None)
    else:
        time_target = Target(
            f"<={TARGET_FORMAT_RATIO:.0f}x dump2py",
            result.best <= TARGET_FORMAT_RATIO * dump2py.best,
        )
    per_row = result.peak / rows
    return [time_target, Target(f"<{TARGET_BYTES_PER_ROW} B/row", per_row < TARGET_BYTES_PER_ROW)]


def print_table(results: list[FormatResult], manifest: dict[str, Any], repeat: int) -> bool:
    """Print one line per format; return whether every target was met."""
    rows = manifest["rows"]["old"] + manifest["rows"]["new"]
    dump2py = next((r for r in results if r.name == "dump2py"), None)
    header = (
        "format", "rows/dump", "dump size", "repairkit s", "sqldiff s", "ratio",
        "peak MB", "B/row/dump", "target", "met?",
    )  # fmt: skip
    lines = [header]
    all_met = True
    for r in results:
        size = "live" if r.inputs.sizes is None else f"{max(r.inputs.sizes) / MB:.1f} MB"
        goals = targets(r, dump2py, rows)
        met = [g.met for g in goals]
        all_met = all_met and all(m is not False for m in met)
        lines.append((
            r.name,
            f"{manifest['rows']['old']:,}",
            size,
            f"{r.best:.3f}",
            f"{r.sqldiff_best:.3f}",
            f"{r.best / r.sqldiff_best:.1f}x",
            f"{r.peak / MB:.1f}",
            f"{r.peak / rows:.0f}",
            "; ".join(g.text for g in goals),
            "/".join({True: "yes", False: "NO", None: "n/a"}[m] for m in met),
        ))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(f"\nrepairkit diff against sqldiff, best of {repeat} alternating runs each")
    for i, line in enumerate(lines):
        print("  " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if i == 0:
            print("  " + "-+-".join("-" * w for w in widths))
    print(
        "  (rows/dump: rows of the old dump; dump size: the larger of the two; "
        "B/row/dump: peak / rows of both dumps; met?: time/memory)"
    )
    return all_met


def not_made_for(fmt: Format, rows_like: str) -> str | None:
    """Return why `fmt` is not made for these rows, None if it is.

    The server formats load each generated table with the column types its
    Django field has there, which input_formats.py knows for dumpgen.py's
    three tables only (the real site's fixture is its own dumpdata).
    """
    if rows_like == "real" and fmt.server is not None:
        return f"not made for --rows-like real (loading {fmt.server} needs each table's types)"
    return None


def choose_formats(text: str) -> list[str]:
    """Return the formats named by --formats, dump2py first.

    dump2py always runs: the other formats' target is relative to it.
    """
    names = list(FORMATS) if text == "all" else [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise SystemExit(
            f"unknown format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}, or all"
        )
    if "dump2py" not in names:
        print("also timing dump2py: the other formats' time target is relative to it")
    return ["dump2py", *(n for n in dict.fromkeys(names) if n != "dump2py")]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    formats = choose_formats(args.formats)
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
    stamp = {"params": manifest["params"], "rows": manifest["rows"]}

    sql_out = workdir / "sqldiff.sql"
    sqldiff_cmd = [sqldiff, str(workdir / "old.sqlite3"), str(workdir / "new.sqlite3")]
    # Once untimed, to keep sqldiff's output for the cross-check; this also warms the cache.
    if run_measured(sqldiff_cmd, str(sql_out)).returncode != 0:
        print("sqldiff failed", file=sys.stderr)
        return 1
    print("\ncorrectness of the baseline")
    problems = check_sqldiff(manifest["expected"], sql_out)
    for problem in problems:
        print(f"  DISAGREE: {problem}")
    if problems:
        return 1

    print("\nmaking the inputs (not timed) and timing each format")
    results: list[FormatResult] = []
    failed, skipped, loaded = [], [], set[str]()
    for name in formats:
        fmt = FORMATS[name]
        if args.rows_like == "real":
            fmt = REAL_ROWS_FORMATS.get(name, fmt)
        why_not = not_made_for(fmt, args.rows_like)
        if why_not:
            print(f"  skip {name}: {why_not}", flush=True)
            skipped.append(name)
            continue
        try:
            inputs = prepare(fmt, workdir, stamp, args.keep, loaded)
        except Unavailable as why:
            print(f"  skip {name}: {why}", flush=True)
            skipped.append(name)
            continue
        except RuntimeError as err:
            print(f"  FAILED {name}: making its input: {err}", flush=True)
            failed.append(name)
            continue
        outcome = time_format(name, inputs, sqldiff_cmd, repairkit, args)
        if isinstance(outcome, str):
            print(f"  FAILED {name}: {outcome}", flush=True)
            failed.append(name)
            continue
        expected = manifest["expected"]
        if fmt.field_names == "fixture":
            expected = fixture_names(expected, manifest)
        outcome.problems = check_repairkit(expected, workdir / "formats" / name / "repairkit.json")
        for problem in outcome.problems:
            print(f"  DISAGREE {name}: {problem}")
        if outcome.problems:
            failed.append(name)
        results.append(outcome)
    floor = run_measured([shutil.which("true") or "true"], os.devnull).peak_memory
    merges = []
    if args.merge:
        for r in results:
            out_dir = workdir / "formats" / r.name / "merge"
            expected = manifest["expected"]
            merges.append(time_merge(
                r.name, r.inputs.old, r.inputs.new, repairkit, expected, out_dir, args.repeat,
                r.best, run_measured,
            ))  # fmt: skip
            if merges[-1].problems:
                failed.append(r.name)

    all_met = print_table(results, manifest, args.repeat) if results else False
    if results:
        sqldiff_peak = max(m.peak_memory for r in results for m in r.sqldiff_runs)
        print(
            f"  measuring itself costs about {floor / MB:.1f} MB, so no peak goes much lower; "
            f"sqldiff's own peak: {sqldiff_peak / MB:.1f} MB"
        )
    if merges:
        print_merges(merges)
    if skipped:
        print(
            f"  skipped (tool or server missing, or not made for these rows): {', '.join(skipped)}"
        )
    if failed:
        print(f"  FAILED: {', '.join(failed)}")
        return 1
    print(
        "  all agree with the generator (deleted, added and changed pks and changed fields; "
        "sqldiff's counts too)"
    )
    if args.check_targets and not all_met:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
