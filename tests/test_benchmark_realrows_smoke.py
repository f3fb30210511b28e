"""The diff benchmark runs on real Lino rows (``--rows-like real``), at its smallest, and agrees.

The rows come from Lino Così prepared with its demo data and demo bookings,
dumped by its own ``dump2py`` (benchmarks/realrows.py). Only that it works is
checked: sqldiff and repairkit (dump2py, SQLite, and the site's own
dumpdata) find exactly the changes that were made, the foreign keys of both
SQLite files are valid, and the server formats, which cannot be made for
these rows, are skipped with the reason. Times are never asserted on.

The suite's prepared Così site (tests/test_real_lino_apps.py) has no demo
bookings and lives in that module, so this test prepares its own site (about
a minute), once, and its second run reuses it (``--keep``).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .test_benchmark_smoke import needs_sqldiff

pytest.importorskip("lino_cosi", reason="the real Lino apps come with pip install -e .[test]")

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_diff.py"


def run_benchmark(workdir: Path, *extra: str) -> str:
    args = [sys.executable, str(BENCHMARK), "--rows-like", "real", "--rows", "2000"]
    args += ["--repeat", "1", "--workdir", str(workdir), *extra]
    done = subprocess.run(args, capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@needs_sqldiff
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_real_rows_diff_as_made_and_keep_reuses_them(tmp_path: Path) -> None:
    formats = "dump2py,sqlite-dump,sqlite-url,pg-copy,fixture-json"
    first = run_benchmark(tmp_path, "--formats", formats, "--keep")
    assert "all agree with the generator" in first
    timed = set(re.findall(r"^  (\S+) +\| [\d,]+ +\|", first, re.MULTILINE))
    assert timed == {"dump2py", "sqlite-dump", "sqlite-url", "fixture-json"}, first
    skipped = dict(re.findall(r"^  skip (\S+): (.*)$", first, re.MULTILINE))
    assert set(skipped) == {"pg-copy"}, first
    assert "not made for --rows-like real" in skipped["pg-copy"]

    counts = r"^  generator +([\d,]+) deleted, ([\d,]+) added, ([\d,]+) changed"
    made = re.search(counts, first, re.MULTILINE)
    assert made is not None and all(int(n.replace(",", "")) > 0 for n in made.groups()), first
    restore = (tmp_path / "old" / "restore.py").read_text(encoding="utf-8")
    assert "This is a Python dump created using dump2py" in restore
    assert (tmp_path / "new" / "trading_invoiceitem.py").exists()
    for side in ("old", "new"):
        db = sqlite3.connect(tmp_path / f"{side}.sqlite3")
        try:
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            babel = db.execute("SELECT name_de FROM products_product WHERE name_de != ''")
            assert babel.fetchone() is not None
        finally:
            db.close()

    second = run_benchmark(tmp_path, "--formats", "sqlite-dump", "--keep")
    assert "reusing the data" in second
    assert "preparing the Lino site" not in second
    assert "all agree with the generator" in second
