"""The diff benchmark runs end to end on a tiny data set, in every format, and agrees.

Only that it works is checked here: every format's input is made by its
real producer, and repairkit's diff of it matches the changes the generator
made. Times mean nothing at this size and are never asserted on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_diff.py"
sys.path.insert(0, str(BENCHMARK.parent))
from input_formats import FORMATS  # noqa: E402

IN_CI = bool(os.environ.get("CI"))

needs_sqldiff = pytest.mark.skipif(
    shutil.which("sqldiff") is None and not IN_CI,
    reason="sqldiff is not installed (apt-get install sqlite3-tools); in CI it must be",
)


@needs_sqldiff
@pytest.mark.slow
def test_benchmark_runs_every_format_and_all_agree(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--rows",
            "2000",
            "--repeat",
            "1",
            "--formats",
            "all",
            "--workdir",
            str(tmp_path),
            "--merge",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "all agree with the generator" in output
    skipped = re.findall(r"^  skip (\S+): (.*)$", result.stdout, re.MULTILINE)
    if IN_CI:
        # CI runs both servers and installs every tool: nothing may be skipped there.
        assert not skipped, output
    for name, why in skipped:
        print(f"skipped {name}: {why}")
    timed = {name for name in FORMATS if re.search(rf"^  {name} +\|", result.stdout, re.M)}
    assert timed == set(FORMATS) - {name for name, _ in skipped}, output
    # --merge: each format's plan put back exactly the deleted rows
    merged = set(re.findall(r"^  (\S+) +merge [0-9.]+ s, .*; plan agrees$", result.stdout, re.M))
    assert merged == timed, output
    assert (tmp_path / "old" / "restore.py").exists()
    assert (tmp_path / "formats" / "pg-copy" / "old.sql").exists() or "pg-copy" in dict(skipped)


@needs_sqldiff
def test_keep_reuses_the_inputs(tmp_path: Path) -> None:
    args = [sys.executable, str(BENCHMARK), "--rows", "500", "--repeat", "1", "--keep"]
    args += ["--formats", "sqlite-dump", "--workdir", str(tmp_path)]
    first = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    if "skip sqlite-dump" in first.stdout and not IN_CI:
        pytest.skip("the sqlite3 shell is not installed (apt-get install sqlite3)")
    made = (tmp_path / "formats" / "sqlite-dump" / "old.sql").stat().st_mtime_ns
    second = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "reusing the data" in second.stdout
    assert (tmp_path / "formats" / "sqlite-dump" / "old.sql").stat().st_mtime_ns == made
