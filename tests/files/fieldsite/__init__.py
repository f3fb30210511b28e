"""A plain Django site with one model per standard field type, every kind of key and relation.

``settings.py`` points it at SQLite, PostgreSQL or MariaDB; ``populate.py``
fills it with edge and hostile values; ``accident.py`` deletes and blanks
what a real accident would. ``tests/test_field_matrix.py`` restores it
from every source in every output form and compares at the driver level.
"""
