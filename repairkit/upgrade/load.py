"""Load a clean copy into a scratch database with today's site, then dump2py it (a subprocess).

Usage: ``python -m repairkit.upgrade.load SETTINGS COPY_DIR SCRATCH_DB OUTPUT``

Run by ``repairkit.upgrade.run`` in its own process: Django is set up with
the site's settings, whose default database is replaced by the SQLite file
SCRATCH_DB before anything opens it, so the site's real database is never
touched. Then Lino's ``run`` loads COPY_DIR/restore.py (the site's loader and
migrators) and ``dump2py`` writes OUTPUT.
"""

from __future__ import annotations

import importlib
import os
import sys


def main(argv: list[str]) -> int:
    settings_module, copy_dir, scratch, output = argv
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    sys.path.insert(0, os.getcwd())  # as manage.py would have it
    module = importlib.import_module(settings_module)
    # Before django.setup() reads the settings: the scratch database, never the site's own.
    scratch_db = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": scratch}}
    module.DATABASES = scratch_db  # type: ignore[attr-defined]  # a settings module
    import django
    from django.core.management import call_command

    django.setup()
    restore = os.path.join(copy_dir, "restore.py")
    # Lino's run drops "manage.py run" from sys.argv; the script parses the rest.
    sys.argv = ["manage.py", "run", restore, "--noinput"]
    call_command("run", restore, "--noinput")
    call_command("dump2py", output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
