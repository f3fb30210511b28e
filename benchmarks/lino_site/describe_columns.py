"""Write what the site's models say of each column, as JSON, to $BENCH_COLUMNS_OUT.

Run with the site's settings (``django-admin run describe_columns.py``).
realrows.py reads it to know which columns hold free text, dates,
decimals, booleans or foreign keys, and so which it may change.
"""

import json
import os

from django.apps import apps

TEXT_TYPES = ("CharField", "TextField")
# The field classes that hold free text; others stored as text keep a shape their
# field parses (QuantityField, IncompleteDateField, ChoiceListField, EmailField, ...).
FREE_TEXT_CLASSES = ("CharField", "TextField", "RichTextField", "BabelCharField", "BabelTextField")
KINDS = {
    "DateField": "date",
    "DecimalField": "decimal",
    "BooleanField": "bool",
    "ForeignKey": "fk",
    "OneToOneField": "fk",
}


def describe(field):
    internal = field.get_internal_type()
    if internal in TEXT_TYPES:
        free = not (field.choices or hasattr(field, "choicelist"))
        kind = "text" if free and type(field).__name__ in FREE_TEXT_CLASSES else "other"
    else:
        kind = KINDS.get(internal, "other")
    info = {"kind": kind, "null": field.null, "field": field.name}
    if kind == "text":
        info["max_length"] = field.max_length
    if kind == "decimal":
        info["decimal_places"] = field.decimal_places
    return info


tables = {}
for model in apps.get_models():
    meta = model._meta
    if meta.proxy or not meta.managed:
        continue
    tables[meta.db_table] = {
        f.column: describe(f) for f in meta.local_concrete_fields if f.model is model
    }
with open(os.environ["BENCH_COLUMNS_OUT"], "w", encoding="utf-8") as out:
    json.dump(tables, out, indent=1, sort_keys=True)
