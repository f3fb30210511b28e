"""Write the rows of the site's own database, as a dump of it should hold them.

Run inside the site::

    REPAIRDEMO_DB=fixtures/backup.sqlite3 python demo/manage.py run demo/export_rows.py OUTFILE

OUTFILE is a pickle of ``{db_table: {pk: {column attname: value}}}`` for every
model that ``dump2py`` dumps. It is the ground truth that tests compare a
repairkit reading of the dump against, so the values are put in the terms a
reader uses rather than the ORM's:

- babel fields appear as their real columns (``name``, ``name_de``, ``name_fr``);
- a foreign key to ContentType appears as ``"app_label.model"`` (the model
  name lower-case, as ``django_content_type`` stores it) instead of an id,
  because content type ids differ between databases;
- a choicelist field holds its choice's value string (the ORM gives a Choice),
  or '' where the column holds '' (the ORM, and so dump2py, say None there;
  a choicelist column is never NULL);
- datetimes are naive and in UTC, and datetimes and times lose their
  microseconds, because dump2py writes ``dt(y,m,d,H,M,S)`` and
  ``time(H,M,S)`` (the demo data has no microseconds, so nothing is lost).

Pickle, not JSON, so that Decimal, date, datetime and time survive; the file
is read only by our own tests, from a subprocess they started.
"""

import datetime
import pickle
import sys
from decimal import Decimal
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from lino.core.choicelists import ChoiceListField
from repairdemo.dumpable import dumped_models

# What may go into the pickle, so that unpickling needs no Django or Lino.
PLAIN_TYPES = (bool, int, float, str, Decimal, datetime.date, datetime.time)


def own_columns(model):
    """Return the concrete fields stored in ``model``'s own table, in column order."""
    return [f for f in model._meta.get_fields() if f.concrete and f.model is model]


def is_content_type_pointer(field):
    return isinstance(field, models.ForeignKey) and field.remote_field.model is ContentType


def convert(value, field, content_types):
    if value is None:
        # The ORM reads a choicelist column's '' as None; the database holds ''.
        return "" if isinstance(field, ChoiceListField) else None
    if is_content_type_pointer(field):
        return content_types[value]
    if isinstance(field, ChoiceListField):
        return value.value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, datetime.timezone.utc)
        return value.replace(microsecond=0)
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0)
    if not isinstance(value, PLAIN_TYPES):
        raise TypeError(f"{field!r}: no plain value for {value!r}")
    return value


def export_rows():
    """Return ``{db_table: {pk: {attname: value}}}`` for every dumped model."""
    content_types = {
        pk: f"{app_label}.{model}"
        for pk, app_label, model in ContentType.objects.values_list("pk", "app_label", "model")
    }
    tables = {}
    for model in dumped_models():
        fields = own_columns(model)
        attnames = [f.attname for f in fields]
        pk_index = attnames.index(model._meta.pk.attname)
        rows = {}
        for values in model.objects.order_by("pk").values_list(*attnames):
            rows[values[pk_index]] = {
                f.attname: convert(v, f, content_types) for f, v in zip(fields, values, strict=True)
            }
        tables[model._meta.db_table] = rows
    return tables


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: manage.py run export_rows.py OUTFILE")
    with Path(sys.argv[1]).open("wb") as stream:
        pickle.dump(export_rows(), stream, protocol=pickle.HIGHEST_PROTOCOL)
