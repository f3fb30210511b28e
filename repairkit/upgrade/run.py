"""Upgrade a Lino backup: clean copy, load with today's site into a scratch database, dump."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from repairkit.errors import RepairkitError
from repairkit.snapshot import Snapshot
from repairkit.upgrade.lino_copy import render_lino_copy


class UpgradeError(RepairkitError):
    """The site could not load the backup, or could not dump the result."""


def upgrade_lino_backup(
    backup: Snapshot, settings: str, output: Path, *, cwd: Path | None = None
) -> str:
    """Write ``backup`` upgraded by the site ``settings`` as a dump2py directory ``output``.

    The site's code (its models, loader and migrators) runs in a subprocess
    started in ``cwd``, on a scratch SQLite database created and removed
    here. Return the site's log of the load.

    :raises UpgradeError: if ``output`` exists, or with the site's output if
        loading or dumping fails (then nothing is left in ``output``).
    :raises PlanError: if the backup has a value with no literal.
    """
    if output.exists():
        raise UpgradeError(f"{output}: exists already; the upgraded backup needs a new directory")
    files = render_lino_copy(backup)
    with tempfile.TemporaryDirectory(prefix="repairkit-upgrade-") as work:
        copy = Path(work) / "copy"
        copy.mkdir()
        for name, text in files.items():
            (copy / name).write_text(text, encoding="utf-8")
        scratch = Path(work) / "scratch.sqlite3"
        command = [sys.executable, "-m", "repairkit.upgrade.load",
                   settings, str(copy), str(scratch), str(output.resolve())]  # fmt: skip
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        if output.exists():  # a dump that stopped half-way is no backup
            shutil.rmtree(output)
        last = "\n".join(log.strip().splitlines()[-15:])
        raise UpgradeError(
            f"the site {settings!r} could not load {backup.label} (exit {result.returncode});"
            f" nothing was written to {output}. Its last words:\n{last}"
        )
    return log
