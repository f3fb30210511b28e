"""The start-up benchmark runs and names both commands; its times are never asserted on here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_startup.py"


def test_startup_benchmark_times_both_commands_against_python() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("python -c pass", "repairkit --version", "repairkit diff fixtures"):
        assert name in result.stdout
    assert result.stdout.count("target < 0.3 s") == 2
