"""The shipped demo plan (fixtures/backup -> fixtures/current) in each output form, as text."""

from __future__ import annotations

from pathlib import Path

import repairkit
from repairkit.writers.emitted import EmitOptions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN_FORMS = {
    "restore-dir": ("restore-dir", EmitOptions()),
    "fixture": ("fixture", EmitOptions()),
    "sql-sqlite": ("sql", EmitOptions(dialect="sqlite")),
    "sql-postgresql": ("sql", EmitOptions(dialect="postgresql")),
    "sql-mysql": ("sql", EmitOptions(dialect="mysql")),
    "django": ("django", EmitOptions()),
}


def emitted_files(name: str) -> dict[str, str]:
    """Return the files that ``merge --emit`` writes for the demo plan in the form ``name``."""
    form, options = GOLDEN_FORMS[name]
    backup, current = repairkit.read_snapshots([FIXTURES / "backup", FIXTURES / "current"])
    plan = repairkit.plan_restore([backup], current)
    return dict(repairkit.emit(plan, form, options).files)
