"""The restore runtime: what a restore directory's ``restore.py`` runs.

It needs Django, the site's models and repairkit, and no particular Lino
version. ``main`` is the command line (see ``command``); ``restore_rows``
does the work in one transaction and reports, or raises ``RestoreError``.
"""

from .command import main
from .report import FieldOutcome, RestoreError, RestoreReport, SkippedUpdate, TableOutcome

__all__ = [
    "FieldOutcome", "RestoreError", "RestoreReport", "SkippedUpdate", "TableOutcome", "main",
]  # fmt: skip
