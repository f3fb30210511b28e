"""The restore runtime: what a restore directory's ``restore.py`` runs.

It reads the directory as data (``source``: the data files with repairkit's
Lino reader, ``updates.json`` for the field repairs) into the records of the
restore engine (``repairkit.restore_engine``), which does the rest, as it
does for the standalone ``--emit django`` script. It needs Django, the
site's models and repairkit, and no particular Lino version.
"""

from .command import main

__all__ = ["main"]
