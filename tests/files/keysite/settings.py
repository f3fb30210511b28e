"""A small Django site with every kind of key: see models.py.

The database comes from the environment: ``KEYSITE_DB_ENGINE`` (sqlite,
postgresql or mysql) and ``KEYSITE_DB_NAME`` (a file for SQLite), plus
``KEYSITE_DB_HOST``, ``_PORT``, ``_USER`` and ``_PASSWORD`` for a server.
"""

import os

SECRET_KEY = "only-for-repairkit-tests"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "keysite"]
_ENGINE = os.environ.get("KEYSITE_DB_ENGINE", "sqlite")
_DATABASE = {
    "ENGINE": "django.db.backends." + ("sqlite3" if _ENGINE == "sqlite" else _ENGINE),
    "NAME": os.environ["KEYSITE_DB_NAME"],
}
if _ENGINE != "sqlite":
    _DATABASE.update(
        HOST=os.environ.get("KEYSITE_DB_HOST", "127.0.0.1"),
        PORT=os.environ.get("KEYSITE_DB_PORT", ""),
        USER=os.environ.get("KEYSITE_DB_USER", ""),
        PASSWORD=os.environ.get("KEYSITE_DB_PASSWORD", ""),
    )
if _ENGINE == "mysql":
    import pymysql  # a pure-Python driver: the tests need no C headers

    pymysql.install_as_MySQLdb()
    _DATABASE["OPTIONS"] = {"charset": "utf8mb4"}
DATABASES = {"default": _DATABASE}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
