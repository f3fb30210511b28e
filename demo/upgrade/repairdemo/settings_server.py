"""Settings of the demo site on a database server (PostgreSQL or MariaDB).

The 2.0 site of ``repairdemo.settings`` here; only the database differs. Tests
that need a server dump point the site at a fresh database through these
environment variables:

``REPAIRDEMO_DB_ENGINE``  ``postgresql`` or ``mysql``
``REPAIRDEMO_DB_NAME``, ``REPAIRDEMO_DB_HOST``, ``REPAIRDEMO_DB_PORT``,
``REPAIRDEMO_DB_USER``, ``REPAIRDEMO_DB_PASSWORD``
"""

import os

from repairdemo.settings import *  # noqa: F403 -- the one site, with another database

ENGINE = os.environ.get("REPAIRDEMO_DB_ENGINE", "postgresql")

if ENGINE == "mysql":
    # mysqlclient needs C headers to build; PyMySQL stands in for it.
    import pymysql

    pymysql.install_as_MySQLdb()

DATABASES = {
    "default": {
        "ENGINE": f"django.db.backends.{ENGINE}",
        "NAME": os.environ["REPAIRDEMO_DB_NAME"],
        "HOST": os.environ.get("REPAIRDEMO_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("REPAIRDEMO_DB_PORT", ""),
        "USER": os.environ.get("REPAIRDEMO_DB_USER", ""),
        "PASSWORD": os.environ.get("REPAIRDEMO_DB_PASSWORD", ""),
    }
}
if ENGINE == "mysql":
    DATABASES["default"]["OPTIONS"] = {"charset": "utf8mb4"}
