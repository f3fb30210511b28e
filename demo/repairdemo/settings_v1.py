"""Settings of the repairkit demo site as version 1.0 (tests of upgrades: demo/upgrade/).

The SQLite file comes from the ``REPAIRDEMO_DB`` environment variable so that
tests can point the site at a throw-away copy of a fixture database.
"""

import os
from pathlib import Path

from lino.projects.std.settings import *  # noqa: F403 -- Lino's documented way to start settings


class Site(Site):  # noqa: F405 -- the Site class comes from the star import above
    verbose_name = "repairkit demo"
    version = "1.0"  # written as SOURCE_VERSION into its dumps
    default_ui = "lino_react.react"
    languages = "en de fr"
    demo_fixtures = ["demo"]

    def get_installed_plugins(self):
        yield from super().get_installed_plugins()
        # gfks brings django.contrib.contenttypes, which Note.owner needs.
        yield "lino.modlib.gfks"
        yield "repairdemo"


SITE = Site(globals())

# USE_TZ is deliberately not set: Lino's default is USE_TZ = False, so the
# DateTimeField values are naive and dump2py writes them unchanged (TIME_ZONE
# is "UTC" from lino.projects.std.settings).

# Site() has just overwritten DATABASES with its own default, so this comes after it.
DEMO_DIR = Path(__file__).resolve().parent.parent
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("REPAIRDEMO_DB", str(DEMO_DIR / "default.db")),
    }
}
