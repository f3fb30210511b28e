"""A minimal Django site with many-to-many fields and natural keys (django.contrib.auth).

The SQLite file comes from the ``M2MSITE_DB`` environment variable.
"""

import os

SECRET_KEY = "only-for-repairkit-tests"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["M2MSITE_DB"]}}
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
