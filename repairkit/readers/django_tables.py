"""Which database tables of a Django site a snapshot keeps, whatever the source.

A Lino ``dump2py`` dump holds the rows of every installed model except three
(its ``skip_models``), and nothing that is not a model. A SQL dump or a live
database holds every table. Readers of those sources leave out the tables
named here, so that all sources of one site at one moment agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from repairkit.snapshot import CONTENT_TYPE_TABLE, ContentTypeRef

Id = TypeVar("Id")

SKIPPED_TABLES = frozenset(
    {
        # The models dump2py never dumps: contenttypes.ContentType,
        # sessions.Session, checkdata.Message (lino/management/commands/dump2py.py).
        CONTENT_TYPE_TABLE,
        "django_session",
        "checkdata_message",
        # No model at all: Django's record of applied migrations.
        "django_migrations",
    }
)
# SQLite's own bookkeeping (sqlite_sequence, sqlite_stat1, ...); `.dump`
# writes rows for sqlite_sequence without creating the table.
SKIPPED_PREFIXES = ("sqlite_",)


def is_skipped_table(name: str) -> bool:
    """Tell whether a snapshot leaves out the table called ``name``."""
    return name in SKIPPED_TABLES or name.startswith(SKIPPED_PREFIXES)


def map_content_types(rows: Iterable[tuple[Id, object, object]]) -> dict[Id, ContentTypeRef]:
    """Map each content type id to its natural key, from ``(id, app_label, model)`` rows.

    Readers use it to turn content type ids into ContentTypeRef (ids differ
    between databases), then leave the table itself out.
    """
    return {id_: ContentTypeRef(str(app_label), str(model)) for id_, app_label, model in rows}
