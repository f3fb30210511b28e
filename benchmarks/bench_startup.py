"""How fast does ``repairkit`` start? Its start-up against ``python -c pass``, in one run.

Usage::

    python benchmarks/bench_startup.py               # best of 10
    python benchmarks/bench_startup.py --repeat 3 --check-targets

Times, alternating and best of ``--repeat`` (machines are noisy, so each
figure is compared with a baseline taken in the same run, never with one
from another day):

- ``python -c pass``: the interpreter alone, the floor;
- ``python -c "import repairkit.cli"``: the command's imports;
- ``repairkit --version``;
- ``repairkit diff fixtures/backup fixtures/current``: the diff of the
  shipped fixtures (exit status 1: they differ).

The target (issue 14): both commands in under 0.3 s. Exit status 0, or 1
with ``--check-targets`` when a target is missed or a command fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.3


def commands() -> dict[str, tuple[list[str], int]]:
    """Return each timed command and the exit status it must end with."""
    python = sys.executable
    # The repairkit beside this Python runs the installed entry point, as a user runs it.
    beside = Path(python).with_name("repairkit")
    tool = [str(beside)] if beside.exists() else [python, "-m", "repairkit"]
    fixtures = REPO / "fixtures"
    return {
        "python -c pass": ([python, "-c", "pass"], 0),
        "import repairkit.cli": ([python, "-c", "import repairkit.cli"], 0),
        "repairkit --version": ([*tool, "--version"], 0),
        "repairkit diff fixtures": (
            [*tool, "diff", str(fixtures / "backup"), str(fixtures / "current")],
            1,
        ),
    }


def time_once(command: list[str], status: int) -> float:
    """Return the wall time of one run of ``command``; raise if it ends with another status."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != status:
        raise SystemExit(
            f"{' '.join(command)} exited {done.returncode}, expected {status}:\n"
            + done.stderr.decode(errors="replace")
        )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each command")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    timed = commands()
    runs: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(args.repeat):
        for name, (command, status) in timed.items():
            runs[name].append(time_once(command, status))
    best = {name: min(times) for name, times in runs.items()}
    floor = best["python -c pass"]
    print(f"start-up, best of {args.repeat} (all runs in parentheses):")
    missed = []
    for name, seconds in best.items():
        all_runs = ", ".join(f"{t:.3f}" for t in runs[name])
        extra = "" if name == "python -c pass" else f"  {seconds - floor:+.3f} s over python"
        target = ""
        if name.startswith("repairkit "):
            met = seconds < TARGET_SECONDS
            target = f"  target < {TARGET_SECONDS} s: {'met' if met else 'MISSED'}"
            if not met:
                missed.append(name)
        print(f"  {name:26} {seconds:.3f} s{extra}{target}  ({all_runs})")
    return 1 if args.check_targets and missed else 0


if __name__ == "__main__":
    sys.exit(main())
