"""A small Lino application whose only purpose is to produce real dumps.

Its models cover the shapes that repairkit's readers must handle: multi-table
inheritance, babel fields, a non-integer primary key that is not the first
column, decimals, dates, times, datetimes, generic foreign keys, a
self-referencing and a nullable foreign key, and a table big enough to be
split into several files by ``dump2py --max-row-count``.
"""

from lino.api import ad


class Plugin(ad.Plugin):
    verbose_name = "Repair demo"
