"""Make a database at migration 0001 with rows, as a backup made before the upgrade.

Usage: ``MIGSITE_DB=path python make_backup.py`` (from this directory); the
database may also be on a server (see settings.py).
"""

import os
import sys

import django
from django.core.management import call_command
from django.db import connection, transaction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()
call_command("migrate", "shop", "0001", verbosity=0)
with transaction.atomic(), connection.cursor() as cursor:
    for pk in range(1, 11):
        cursor.execute(
            "INSERT INTO shop_customer (id, name, city) VALUES (%s, %s, %s)",
            (pk, f"Customer {pk}", ["Eupen", "Liège", "Gent"][pk % 3]),
        )
    for pk in range(1, 31):
        total = f"{(pk * 137) % 3000}.{pk:02d}"
        cursor.execute(
            "INSERT INTO shop_order (id, customer_id, total, remark) VALUES (%s, %s, %s, %s)",
            (pk, pk % 10 + 1, total, f"remark {pk}"),
        )
