"""A plain Django site whose migrations add, remove and rename fields, with a data migration.

Importable as ``settings`` from ``tests/files/migsite/``. The SQLite file
comes from the ``MIGSITE_DB`` environment variable; with ``MIGSITE_DB_ENGINE``
``postgresql`` or ``mysql``, ``MIGSITE_DB`` names a database on the local
server instead (``MIGSITE_DB_USER``, default root for MySQL, postgres else).
"""

import os

ENGINE = os.environ.get("MIGSITE_DB_ENGINE", "sqlite3")
if ENGINE == "mysql":
    # mysqlclient needs C headers to build; PyMySQL stands in for it.
    import pymysql

    pymysql.install_as_MySQLdb()

SECRET_KEY = "only-for-repairkit-tests"
INSTALLED_APPS = ["shop"]
DATABASES = {"default": {"ENGINE": f"django.db.backends.{ENGINE}", "NAME": os.environ["MIGSITE_DB"]}}
if ENGINE != "sqlite3":
    DATABASES["default"].update(
        HOST="127.0.0.1",
        USER=os.environ.get("MIGSITE_DB_USER", "root" if ENGINE == "mysql" else "postgres"),
    )
USE_TZ = False
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
