"""The one value model: what a value looks like in a Snapshot, whatever its source.

Every reader hands its values through these functions, so that the same data
compares equal whether it came from a Lino dump, a fixture, a SQL dump or a
live database. The rules are written down in docs/values.md.
"""

from __future__ import annotations

import datetime

UTC = datetime.timezone.utc


def normalize_datetime(value: datetime.datetime) -> datetime.datetime:
    """Return ``value`` as a naive UTC datetime at second precision.

    dump2py writes datetimes in UTC without microseconds, so that is the
    common ground. An aware value is converted to UTC first; a naive one is
    taken to be UTC already (as Django stores it when ``USE_TZ`` is on, and
    as dump2py writes it).
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def normalize_time(value: datetime.time) -> datetime.time:
    """Return ``value`` naive and at second precision, as dump2py writes times."""
    return value.replace(microsecond=0, tzinfo=None)
