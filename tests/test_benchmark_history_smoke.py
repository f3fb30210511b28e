"""The history benchmark runs end to end on a tiny series and agrees with what it made.

Its times mean nothing at this size and are never asserted on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_history.py"


def test_history_benchmark_runs_and_agrees(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCHMARK), "--days", "3", "--rows", "2000", "--repeat", "1",
               "--workdir", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "x N reads of one dump" in result.stdout
    assert "agrees with what was generated" in result.stdout
    assert sorted(p.name for p in tmp_path.glob("day*")) == ["day01", "day02", "day03"]
