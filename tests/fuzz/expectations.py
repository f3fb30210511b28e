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

# Lino (data files, restore.py) and SQL dumps are reported only until their
# readers validate every line; add them here once their rows show 0 failures.
MUST_PASS = frozenset({"json", "jsonl", "xml", "yaml", ".gz/.bz2/.xz/.zip"})
MUST_LOCATE = frozenset({"json", "jsonl", "xml", "yaml", ".gz/.bz2/.xz/.zip"})
