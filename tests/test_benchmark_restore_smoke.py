"""The restore benchmark runs end to end on a tiny data set, in every form, on every engine.

Each form restores every lost row with values equal to the backup's, and
the second apply inserts nothing (the benchmark checks all of it through
the engine's driver and exits 1 otherwise); times are never asserted on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import IN_CI

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_restore.py"
FORMS = ("sql", "restore-dir", "django", "fixture")


def run_benchmark(tmp_path: Path, *options: str) -> list[str]:
    """Run the benchmark; return its report lines of the forms that ran."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--workdir", str(tmp_path), *options],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.split() for line in result.stdout.splitlines() if "rows/s" in line]


def test_every_form_restores_every_row_into_sqlite(tmp_path: Path) -> None:
    ran = run_benchmark(tmp_path, "--rows", "300", "--engines", "sqlite")
    assert [(words[0], words[1]) for words in ran] == [("sqlite", form) for form in FORMS]
    # dumpgen's 300 rows of the big table, every one of them counted as restored.
    assert all(words[2] == "300" for words in ran), ran


@pytest.mark.slow
def test_restore_benchmark_restores_every_row_on_every_engine(tmp_path: Path) -> None:
    ran = run_benchmark(tmp_path, "--rows", "1200")
    engines = {words[0] for words in ran}
    assert "sqlite" in engines, ran
    for engine in engines:
        assert sorted(words[1] for words in ran if words[0] == engine) == sorted(FORMS)
    if IN_CI:  # the servers run in CI: no engine may be skipped there
        assert engines == {"sqlite", "postgresql", "mysql"}, ran
