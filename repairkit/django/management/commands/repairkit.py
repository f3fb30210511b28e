"""``manage.py repairkit …``: the repairkit command line, inside the site it repairs.

Every ``repairkit`` command works as it does on its own, with two defaults
from the running site: ``--settings`` (the site's models give exact links
and unique columns) and ``--current`` (the site's own database, read as
``django:SETTINGS``). Options given on the command line win.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from repairkit.cli import cli

SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"
# The commands whose --settings and --current default to the running site.
SITE_COMMANDS = ("merge", "history", "timeline")


# BaseCommand is Any to mypy: Django ships no type information.
class Command(BaseCommand):  # type: ignore[misc]
    help = (
        "Run repairkit on this site, with its models and its database as the current state."
        " Example: manage.py repairkit merge backup/ -o repair/ (see manage.py repairkit --help)."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after "repairkit" is repairkit's own command line, --help included:
        # its help is the one that teaches, so Django's option parser is not used.
        self.handle(*argv[2:])

    def handle(self, *args: str, **options: Any) -> None:
        module = os.environ.get(SETTINGS_VARIABLE) or getattr(settings, "SETTINGS_MODULE", None)
        if not module:
            raise CommandError(f"{SETTINGS_VARIABLE} is not set: repairkit needs the settings")
        site = {"settings": module, "current": f"django:{module}"}
        try:
            cli.main(
                args=list(args), prog_name="manage.py repairkit",
                default_map={name: dict(site) for name in SITE_COMMANDS},
            )  # fmt: skip
        except SystemExit as done:
            if done.code:
                raise
