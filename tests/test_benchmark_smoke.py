"""The diff benchmark runs end to end on a tiny data set and its counts agree.

Only that it works is checked here; its times mean nothing at this size and
are never asserted on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_diff.py"

needs_sqldiff = pytest.mark.skipif(
    shutil.which("sqldiff") is None and not os.environ.get("CI"),
    reason="sqldiff is not installed (apt-get install sqlite3-tools); in CI it must be",
)


@needs_sqldiff
def test_benchmark_runs_and_counts_agree(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--rows",
            "3000",
            "--repeat",
            "1",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratio repairkit/sqldiff" in result.stdout
    assert "all agree" in result.stdout
    assert (tmp_path / "old" / "restore.py").exists()
    assert (tmp_path / "new" / "contacts_partner.py").exists()
