"""A plain Django site whose migrations add, remove and rename fields, with a data migration.

Importable as ``settings`` from ``tests/files/migsite/``. The SQLite file
comes from the ``MIGSITE_DB`` environment variable.
"""

import os

SECRET_KEY = "only-for-repairkit-tests"
INSTALLED_APPS = ["shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["MIGSITE_DB"]}}
USE_TZ = False
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
