"""Move PostgreSQL primary-key sequences past the restored keys, never back.

Rows restored with their old keys do not advance the sequence that hands
out new keys, so the next ordinary insert could collide. Django's
``sequence_reset_sql`` sets a sequence to the table's highest key, which
lowers it where rows with higher keys were deleted since, and then hands out
keys that old references may still mean. Here a sequence only moves up.

SQLite and MySQL/MariaDB move their counters up by themselves when a row
with a higher key is inserted, so there is nothing to do for them.
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


def raise_sequences(connection: BaseDatabaseWrapper, model_list: list[type[models.Model]]) -> None:
    """Make each model's key sequence hand out keys above the table's highest one."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in model_list:
            field = model._meta.pk
            if not isinstance(field, models.AutoField):
                continue  # e.g. a multi-table-inheritance child, keyed by its parent
            table = model._meta.db_table
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), field.column])
            (sequence,) = cursor.fetchone()
            if sequence is None:
                continue
            # The name comes from PostgreSQL itself, schema-qualified and quoted as needed.
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            cursor.execute(f"SELECT MAX({quote(field.column)}) FROM {quote(table)}")
            (highest,) = cursor.fetchone()
            handed_out = last_value if is_called else last_value - 1
            if highest is not None and highest > handed_out:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, highest])
