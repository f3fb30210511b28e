"""Lino Patrols (lino-patrols from the registry) with a part of its own demo data.

Its full demo (``demo2``: a year of calendar entries, comments and
notifications, 3,558 objects) takes over two minutes to prepare on the test
machine; ``std``, ``demo`` and ``feedback`` take under 20 seconds and still
fill the calendar (events owned through generic foreign keys, guests), notes,
polls, courses and babel fields. The database file comes from ``LINO_APP_DB``.
"""

import os

from lino_patrols.lib.patrols.settings import *  # noqa: F403 -- Lino's documented way to start


class Site(Site):  # noqa: F405 -- the Site class comes from the star import above
    is_demo_site = True
    default_ui = "lino_react.react"
    languages = "en de fr"
    demo_fixtures = ["std", "demo", "feedback"]


SITE = Site(globals())

# Site() has just set DATABASES to its own default, so this comes after it.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["LINO_APP_DB"]}}
SECRET_KEY = "repairkit tests: not a secret"
