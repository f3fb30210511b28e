"""Fuzz every input format: seeded mutants read through the API and the CLI, then a table.

Examples::

    python benchmarks/fuzz.py --cases 10000            # 10,000 cases per format
    python benchmarks/fuzz.py --cases 500 --format json --format xml --seed 7
    python benchmarks/fuzz.py --replay json 1234 --seed 1 --output /tmp/mutant.json

Exit status: 0 when the formats in tests/fuzz/expectations.py pass, 1 when
one of them fails, 2 for trouble. See docs/limits.md and tests/fuzz/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fuzz.expectations import MUST_LOCATE, MUST_PASS  # noqa: E402 -- after sys.path
from tests.fuzz.harness import CaseMaker, Limits, default_workers, run_fuzz  # noqa: E402
from tests.fuzz.seeds import make_seeds  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per format (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="the run's seed (default 1)")
    parser.add_argument("--format", dest="forms", action="append", help="only this format")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--cpu", type=float, default=10.0, help="CPU seconds per case")
    parser.add_argument("--memory-mb", type=int, default=768, help="memory per case, MiB")
    parser.add_argument("--seeds", type=Path, default=REPO / "benchmarks" / "work" / "fuzz-seeds")
    parser.add_argument("--show", type=int, default=20, help="failing cases to list")
    parser.add_argument(
        "--replay",
        nargs=2,
        metavar=("FORMAT", "NUMBER"),
        help="write one case's mutant (--output) and show its outcome",
    )
    parser.add_argument("--output", type=Path, help="where --replay writes the mutant")
    args = parser.parse_args()
    seeds = make_seeds(args.seeds)
    if args.forms:
        unknown = set(args.forms) - set(seeds)
        if unknown:
            print(f"unknown format(s) {sorted(unknown)}; known: {sorted(seeds)}", file=sys.stderr)
            return 2
        seeds = {form: seeds[form] for form in args.forms}
    with tempfile.TemporaryDirectory(prefix="repairkit-fuzz-") as scratch:
        if args.replay:
            return _replay(seeds, args, Path(scratch))
        limits = Limits(args.cpu, args.memory_mb * 1024 * 1024)
        results = run_fuzz(
            seeds, args.cases, args.seed, args.workers, Path(scratch), limits, _progress()
        )
    print(f"\n{args.cases:,} cases per format, seed {args.seed}, {results.seconds:.0f} s\n")
    print(results.table())
    failing = [f for f in results.failures if f[0] in MUST_PASS]
    for form, number, operator, why in results.failures[: args.show]:
        print(f"  {form} #{number} ({operator}): {why}")
    located = [case for case in results.unlocated if case[0] in MUST_LOCATE]
    for form, number, operator, why in located[: args.show]:
        print(f"  {form} #{number} ({operator}) without file:line: {why}")
    unlocated = [form for form in MUST_LOCATE if results.counts.get(form, {}).get("unlocated")]
    return 1 if failing or unlocated else 0


def _replay(seeds: dict, args: argparse.Namespace, scratch: Path) -> int:
    form, number = args.replay[0], int(args.replay[1])
    maker = CaseMaker(seeds, args.seed, scratch)
    _, prepared, mutant = maker.mutant(form, number % len(seeds[form]), number)
    if args.output:
        args.output.write_bytes(mutant.data)
        print(f"mutant ({mutant.operator}) written to {args.output}")
    operator, outcome = maker.run(form, number % len(seeds[form]), number, args.cpu)
    print(f"{form} #{number} ({operator}): {outcome}")
    return 1 if outcome.failed else 0


def _progress():  # type: ignore[no-untyped-def]
    last = [0.0]

    def show(done: int, total: int) -> None:
        if time.monotonic() - last[0] > 5 or done == total:
            last[0] = time.monotonic()
            print(f"\r{done:,}/{total:,} cases", end="", file=sys.stderr, flush=True)

    return show


if __name__ == "__main__":
    sys.exit(main())
