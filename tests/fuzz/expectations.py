"""Which formats the fuzz run must pass: the one place to tighten as readers are fixed.

A format listed in ``MUST_PASS`` fails the CI run on any traceback, hang,
memory blow-up, crash, wrong reading or CLI problem; one in ``MUST_LOCATE``
also on a named error without file:line. The others are run and reported,
so that the table shows how far they are.
"""

from __future__ import annotations

ALL_FORMATS = (
    "lino data file", "lino restore.py", "lino marked data file", "lino marked restore.py",
    "json", "jsonl", "xml", "yaml", ".gz/.bz2/.xz/.zip",
    "sqlite .dump", "sqlite .dump constraints", "pg_dump COPY", "pg_dump --inserts",
)  # fmt: skip

# Every format must pass and locate its errors; a format that a reader change
# sets back may be taken out here only with the reason beside it.
MUST_PASS = frozenset(ALL_FORMATS)
MUST_LOCATE = frozenset(ALL_FORMATS)
