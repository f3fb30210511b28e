"""Write the site's rows as a dumpdata fixture, through the models of an old migration state.

Usage: ``MIGSITE_DB=path python dump_at_state.py APP MIGRATION > fixture.json``

A fixture made by the code of that time: Django's own serializer, given
the historical models that the migrations build for that state (today's
models would not match the old tables).
"""

import os
import sys

import django
from django.core import serializers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from django.db import connection  # noqa: E402 -- after django.setup()
from django.db.migrations.loader import MigrationLoader  # noqa: E402

app, migration = sys.argv[1:]
then = MigrationLoader(connection).project_state((app, migration)).apps
objects = [
    row for model in then.get_app_config(app).get_models() for row in model.objects.order_by("pk")
]
sys.stdout.write(serializers.serialize("json", objects, indent=1))
