"""Which formats the fuzz run must pass: the one place to tighten as readers are fixed.

A format listed in ``MUST_PASS`` fails the CI run on any traceback, hang,
memory blow-up, crash, wrong reading or CLI problem; one in ``MUST_LOCATE``
also on a named error without file:line. The others are run and reported,
so that the table shows how far they are.
"""

from __future__ import annotations

ALL_FORMATS = (
    "lino data file", "lino restore.py", "json", "jsonl", "xml", "yaml", ".gz/.bz2/.xz/.zip",
    "sqlite .dump", "pg_dump COPY", "pg_dump --inserts",
)  # fmt: skip

# Every format is reported only until its reader is fixed; add a format here
# once its row shows 0 failures.
MUST_PASS: frozenset[str] = frozenset()
MUST_LOCATE: frozenset[str] = frozenset()
