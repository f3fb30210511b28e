"""benchmarks/bench_fixture_read.py runs and prints its figures (no time is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import REPO


def test_the_fixture_benchmark_runs_on_a_small_input() -> None:
    build = Path(sys.executable).parent / "repairkit"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_fixture_read.py"), "--rows", "300",
         "--build", str(build)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "300 partner objects (+3 lists)" in result.stdout
    assert f"run 1  {build}: " in result.stdout and " MB" in result.stdout
