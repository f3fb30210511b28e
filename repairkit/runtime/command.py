"""``main``: what a restore directory's ``restore.py`` calls when it is run.

It runs either inside a Lino site (``python manage.py run restore.py
[--apply]``, where Django is set up already and the options are in
``sys.argv``) or on its own (``python restore.py --settings mysite.settings
[--apply]``). The options, the report and the restore itself are the restore
engine's (``repairkit.restore_engine.command``), the same as the standalone
script's; what is particular here is only where the data come from.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from repairkit.readers.lino.dump import RESTORE_FILE
from repairkit.restore_engine.command import run

from .source import read_restore_data

EXAMPLES = (
    f"python manage.py run repair/{RESTORE_FILE} --apply",
    f"python repair/{RESTORE_FILE} --settings mysite.settings --apply",
)


def main(restore_file: str | Path, argv: list[str] | None = None) -> None:
    """Run the restore directory of ``restore_file``; exit 1 on a failure, 2 on a usage error."""
    directory = Path(restore_file).resolve().parent
    _forget_own_directory(directory)
    read = partial(read_restore_data, directory)
    status = run(read, sys.argv[1:] if argv is None else argv, RESTORE_FILE, str(directory),
                 EXAMPLES)  # fmt: skip
    if status:
        sys.exit(status)


def _forget_own_directory(directory: Path) -> None:
    # `python restore.py` puts the restore directory first on sys.path, where
    # a data file named like a module (e.g. a table "queue") could shadow it.
    if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == directory:
        sys.path.pop(0)
