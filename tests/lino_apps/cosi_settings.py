"""Lino Così (lino-cosi from the registry) as it ships, with its own demo data.

The database file comes from ``LINO_APP_DB`` so that each test can point the
site at its own copy. ``languages`` gives the babel fields three columns.
"""

import os

from lino_cosi.lib.cosi.settings import *  # noqa: F403 -- Lino's documented way to start settings


class Site(Site):  # noqa: F405 -- the Site class comes from the star import above
    is_demo_site = True
    default_ui = "lino_react.react"
    languages = "en de fr"


SITE = Site(globals())

# Site() has just set DATABASES to its own default, so this comes after it.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["LINO_APP_DB"]}}
SECRET_KEY = "repairkit tests: not a secret"
