"""Lino Così with its demo data and demo bookings: the real rows of bench_diff.py --rows-like real.

As tests/lino_apps/cosi_settings.py, plus the ``demo_bookings`` fixture,
which books two years of sales invoices, their items and their ledger
movements (dates, decimals, foreign keys). The database file comes from
``LINO_APP_DB``; ``languages`` gives the babel fields three columns.
"""

import os

from lino_cosi.lib.cosi.settings import *  # noqa: F403 -- Lino's documented way to start settings


class Site(Site):  # noqa: F405 -- the Site class comes from the star import above
    is_demo_site = True
    default_ui = "lino_react.react"
    languages = "en de fr"
    demo_fixtures = [
        "std", "minimal_ledger", "furniture", "demo", "demo2", "demo3", "demo_bookings",
        "checkdata",
    ]  # fmt: skip


SITE = Site(globals())

# Site() has just set DATABASES to its own default, so this comes after it.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["LINO_APP_DB"]}}
SECRET_KEY = "repairkit benchmarks: not a secret"
