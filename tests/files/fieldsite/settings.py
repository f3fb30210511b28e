"""Settings of the field site; the database comes from environment variables.

``FIELDSITE_DB_ENGINE``  ``sqlite3`` (default), ``postgresql`` or ``mysql``
``FIELDSITE_DB_NAME``    the SQLite file, or the server's database name
``FIELDSITE_DB_HOST``, ``FIELDSITE_DB_PORT``, ``FIELDSITE_DB_USER``, ``FIELDSITE_DB_PASSWORD``
``FIELDSITE_SCOPE``  ``full`` (default) or ``values``: without the composite-key models
``FIELDSITE_BACKUP_DB_NAME``  optional: a second database on the same server, alias ``backup``
"""

import os

ENGINE = os.environ.get("FIELDSITE_DB_ENGINE", "sqlite3")

if ENGINE == "mysql":
    # mysqlclient needs C headers to build; PyMySQL stands in for it.
    import pymysql

    pymysql.install_as_MySQLdb()

SECRET_KEY = "only-for-repairkit-tests"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "fieldsite"]
# "values": every field type, one-column keys only; "full" adds composite keys.
SCOPE = os.environ.get("FIELDSITE_SCOPE", "full")
if SCOPE == "full":
    INSTALLED_APPS.append("fieldsite.keys")
DATABASES = {
    "default": {
        "ENGINE": f"django.db.backends.{ENGINE}",
        "NAME": os.environ["FIELDSITE_DB_NAME"],
        "HOST": os.environ.get("FIELDSITE_DB_HOST", ""),
        "PORT": os.environ.get("FIELDSITE_DB_PORT", ""),
        "USER": os.environ.get("FIELDSITE_DB_USER", ""),
        "PASSWORD": os.environ.get("FIELDSITE_DB_PASSWORD", ""),
    }
}
if os.environ.get("FIELDSITE_BACKUP_DB_NAME"):
    # A second alias, so that one process can read two moments: django:fieldsite.settings#backup
    DATABASES["backup"] = dict(DATABASES["default"], NAME=os.environ["FIELDSITE_BACKUP_DB_NAME"])
for entry in DATABASES.values():
    if ENGINE == "mysql":
        entry["OPTIONS"] = {"charset": "utf8mb4"}
# A zone other than UTC, so that a datetime written in local time shows.
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
