"""Migrate a scratch SQLite database forward with the site's own migrations (a subprocess).

Usage: ``python -m repairkit.upgrade.migrate SETTINGS SCRATCH_DB``

Run by ``repairkit.upgrade.django_db`` in its own process: Django is set up
with the site's settings, whose default database is replaced by the scratch
file before anything opens it, and ``migrate`` (Django's migration executor:
the site's migrations, ``RunPython`` data migrations included) takes the
scratch database from the state its ``django_migrations`` rows record to the
site's.
"""

from __future__ import annotations

import importlib
import os
import sys


def main(argv: list[str]) -> int:
    settings_module, scratch = argv
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    sys.path.insert(0, os.getcwd())  # as manage.py would have it
    module = importlib.import_module(settings_module)
    scratch_db = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": scratch}}
    module.DATABASES = scratch_db  # type: ignore[attr-defined]  # a settings module
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
