"""Measure the findings of `repairkit diff`: precision and recall per kind of damage.

Each seed makes a damaged copy of the real demo dump (``fixtures/backup``)
with ``corruption_corpus.make_corpus``: injected damage of every kind mixed
with a working day's legitimate edits and added rows. The findings are
compared with what was injected, value by value ``(table, column, pk)``.

    python benchmarks/bench_findings.py               # 20 seeds
    python benchmarks/bench_findings.py --seeds 100

Exit status 1 when a target is missed (``--check-targets``): 100% recall of
blanked, truncated, mojibake and bulk damage, no false positive of any kind,
and no legitimate edit reported.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corruption_corpus import DEMO_DUMP, KINDS, Measurement, measure  # noqa: E402

FULL_RECALL_KINDS = ("blanked", "truncated", "mojibake", "bulk")


def missed_targets(result: Measurement) -> list[str]:
    """Return a sentence for every target the measurement misses."""
    problems = [
        f"{kind}: recall {result.scores[kind].recall:.1%}, target 100%"
        for kind in FULL_RECALL_KINDS
        if result.scores[kind].recall < 1
    ]
    problems += [
        f"{kind}: {result.scores[kind].false_positives} false positives"
        for kind in KINDS
        if result.scores[kind].false_positives
    ]
    if result.edits_reported:
        problems.append(f"legitimate edits reported as damage: {result.edits_reported[:10]}")
    return problems


def format_table(result: Measurement) -> str:
    """Return the table of precision and recall per kind, in Markdown."""
    lines = [
        "| kind | injected values | found | false positives | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        one = result.scores[kind]
        injected = one.true_positives + one.false_negatives
        lines.append(
            f"| {kind} | {injected} | {one.true_positives} | {one.false_positives}"
            f" | {one.precision:.1%} | {one.recall:.1%} |"
        )
    lines.append(
        f"| legitimate edits | {result.edits} | - | {len(result.edits_reported)} reported | - | - |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="corpora to make (default 20)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--source", type=Path, default=DEMO_DUMP, help="the real dump to damage")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="repairkit-findings-") as workdir:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        result = measure(seeds, Path(workdir), args.source)
    elapsed = time.perf_counter() - started
    seed_range = f"seeds {seeds.start}-{seeds.stop - 1}"
    print(f"{result.corpora} damaged copies of {args.source} ({seed_range}), {elapsed:.1f} s\n")
    print(format_table(result))
    problems = missed_targets(result)
    for problem in problems:
        print(f"target missed: {problem}", file=sys.stderr)
    return 1 if problems and args.check_targets else 0


if __name__ == "__main__":
    sys.exit(main())
