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

# The SQLite dump reader still reads a few mutants otherwise than the SQLite
# engine loads them, and a few restore.py errors lack a line: those two rows
# are reported only; add them here once they show 0.
_LOCATED = {
    "json", "jsonl", "xml", "yaml", ".gz/.bz2/.xz/.zip", "lino data file", "pg_dump COPY",
    "pg_dump --inserts",
}  # fmt: skip
MUST_PASS = frozenset(_LOCATED | {"lino restore.py"})
MUST_LOCATE = frozenset(_LOCATED)
