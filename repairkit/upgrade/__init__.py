"""Upgrade a backup to today's schema with the application's own machinery.

For what a mapping cannot do (a type change with a new unit, a value the
upgrade computes per row): ``upgrade_lino_backup`` writes a clean
dump2py-style copy of a parsed Lino backup (``lino_copy``: literals only,
nothing of the original files), loads it with today's site into a scratch
SQLite database (``load``: Lino's own loader runs the site's migrators
from the backup's SOURCE_VERSION), and dumps the result with ``dump2py``.
"""

from __future__ import annotations

from repairkit.upgrade.django_db import upgrade_django_sqlite
from repairkit.upgrade.lino_copy import render_lino_copy
from repairkit.upgrade.run import UpgradeError, upgrade_lino_backup

__all__ = ["UpgradeError", "render_lino_copy", "upgrade_django_sqlite", "upgrade_lino_backup"]
