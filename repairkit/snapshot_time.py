"""When was a snapshot taken? Times from the dumps themselves, and the series in time order.

A dump says when it was made in one of these ways, best first:

- a header or footer comment: pg_dump's ``-- Started on``/``-- Completed on``
  (``--verbose``), mariadb-dump's ``-- Dump completed on``;
- the modification time of its files (for a dump2py directory, the newest
  ``.py`` file), which copying without ``-p`` resets;
- the newest ``created``/``modified``-style value in its data: a lower bound
  only (the dump was made after it), consulted where the times above cannot
  tell two snapshots apart, because it means decoding the tables that have
  such a column.

A live database is "now". Times are naive and in UTC, except mariadb-dump's,
which is the server's local time (it does not say which zone that is).
"""

from __future__ import annotations

import datetime
import enum
import gzip
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repairkit.snapshot import Snapshot

# A dump2py directory, or an SQL file, written this long after another is
# told apart from it by file time; closer, the data is asked.
TIE = datetime.timedelta(seconds=1)
HEAD_BYTES = 16_384  # pg_dump writes "Started on" in its first lines...
TAIL_BYTES = 4_096  # ...and both write their completion time in the last ones
DATA_TIME_COLUMNS = frozenset(
    ["created", "modified", "changed", "updated", "created_at", "updated_at", "modified_at",
     "last_modified", "date_joined", "last_login", "timestamp"]
)  # fmt: skip
_HEADER_TIMES = (
    (re.compile(rb"^-- Completed on (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$", re.M), "pg_dump"),
    (re.compile(rb"^-- Started on (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$", re.M), "pg_dump"),
    (re.compile(rb"^-- Dump completed on (\d{4}-\d\d-\d\d\s+\d?\d:\d\d:\d\d)$", re.M), "mariadb"),
)


class TimeSource(str, enum.Enum):
    """Where a snapshot's time comes from, best first."""

    HEADER = "dump header"
    FILE = "file time"
    DATA = "newest value in the data"
    LIVE = "read now"


@dataclass(frozen=True, slots=True)
class SnapshotTime:
    """The moment a snapshot shows, and how that is known (``detail`` says exactly)."""

    when: datetime.datetime
    source: TimeSource
    detail: str

    def __str__(self) -> str:
        return f"{self.when:%Y-%m-%d %H:%M:%S} ({self.detail})"


def read_dump_time(source: str) -> SnapshotTime | None:
    """Return the time the dump at ``source`` says it was made: header, else file time.

    A source that is no path (a database URL, ``django:SETTINGS``) is read
    now, and gets the present time. Returns None for a path with no files.
    """
    path = Path(source)
    if not path.exists():
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
        return SnapshotTime(now, TimeSource.LIVE, "a live database, read now")
    if path.is_file():
        header = _header_time(path)
        if header is not None:
            return header
        files = [path]
    else:
        files = sorted(path.glob("*.py")) or sorted(p for p in path.iterdir() if p.is_file())
    if not files:
        return None
    newest = max(files, key=lambda p: p.stat().st_mtime)
    when = datetime.datetime.fromtimestamp(newest.stat().st_mtime, datetime.UTC)
    name = newest.name if newest == path else f"{path.name}/{newest.name}"
    return SnapshotTime(
        when.replace(tzinfo=None, microsecond=0), TimeSource.FILE, f"file time of {name}"
    )


def _header_time(path: Path) -> SnapshotTime | None:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            head = stream.read(HEAD_BYTES)
            if path.suffix == ".gz":
                tail = b""  # seeking to the end of a gzip stream means reading it all
            else:
                size = path.stat().st_size
                stream.seek(max(size - TAIL_BYTES, len(head)))
                tail = stream.read()
    except (OSError, EOFError, gzip.BadGzipFile):
        return None  # the reader reports a file it cannot read
    for pattern, producer in _HEADER_TIMES:
        for text in (tail, head):
            match = pattern.search(text)
            if match:
                stamp = match.group(1).decode("ascii")
                when = datetime.datetime.strptime(" ".join(stamp.split()), "%Y-%m-%d %H:%M:%S")
                line = match.group(0).decode("ascii").removeprefix("-- ")
                return SnapshotTime(when, TimeSource.HEADER, f"{producer}: {line!r}")
    return None


def find_data_time(snapshot: Snapshot) -> SnapshotTime | None:
    """Return the newest datetime among the snapshot's ``created``/``modified``-style columns.

    This decodes every table that has such a column.
    """
    newest: tuple[datetime.datetime, str] | None = None
    for table in snapshot.tables.values():
        indexes = [i for i, name in enumerate(table.column_names) if name in DATA_TIME_COLUMNS]
        if not indexes or not len(table):
            continue
        for row in table.decode().values():
            for index in indexes:
                value = row[index]
                if isinstance(value, datetime.datetime):
                    value = _naive_utc(value)
                    if newest is None or value > newest[0]:
                        newest = (value, f"{table.name}.{table.column_names[index]}")
    if newest is None:
        return None
    return SnapshotTime(newest[0], TimeSource.DATA, f"newest {newest[1]}")


def _naive_utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(datetime.UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class TimeOrder:
    """A series of snapshots put in time order.

    ``order`` lists indexes into the series as given, oldest first;
    ``contradicted`` tells whether that differs from the order given;
    ``undated`` names the snapshots with no time (the order given is kept
    when there is any).
    """

    order: tuple[int, ...]
    times: tuple[SnapshotTime | None, ...]
    contradicted: bool
    undated: tuple[int, ...]

    @property
    def as_given(self) -> bool:
        return self.order == tuple(range(len(self.times)))


def order_by_time(
    times: Sequence[SnapshotTime | None], data_time: Callable[[int], SnapshotTime | None]
) -> TimeOrder:
    """Put a series of snapshots in time order, asking their data where the dumps' times tie.

    ``times`` are the dumps' own times (``read_dump_time``), in the order
    given. Snapshots whose times are within ``TIE`` of each other (copied
    together, dumped within a second) are ordered by ``data_time(index)``
    (``find_data_time`` of that snapshot), where all of them have one.
    Without a time for every snapshot, the order given is kept.
    """
    dated = list(times)
    undated = tuple(index for index, time in enumerate(dated) if time is None)
    if undated:
        return TimeOrder(tuple(range(len(dated))), tuple(dated), False, undated)
    # A tie keeps its place among the others (the earliest time of the group)
    # and is settled inside by the data: data times are older than the dump.
    keys = {i: (t.when, t.when) for i, t in enumerate(dated) if t is not None}
    for group in _ties(dated):
        hints = [data_time(index) for index in group]
        start = min(keys[index][0] for index in group)
        for index, hint in zip(group, hints, strict=True):
            if all(hints) and hint is not None:
                dated[index] = hint
                keys[index] = (start, hint.when)
            else:
                keys[index] = (start, keys[index][1])
    # Equal keys keep the order given (sorted() is stable).
    order = tuple(sorted(keys, key=keys.__getitem__))
    contradicted = any(keys[i] > keys[i + 1] for i in range(len(dated) - 1))
    return TimeOrder(order, tuple(dated), contradicted, ())


def _ties(times: Sequence[SnapshotTime | None]) -> Iterable[list[int]]:
    """Yield groups of indexes whose (non-live) times are within ``TIE`` of a neighbour."""
    ranked = sorted(
        (t.when, i)
        for i, t in enumerate(times)
        if t is not None and t.source is not TimeSource.LIVE
    )
    group: list[int] = []
    previous: datetime.datetime | None = None
    for when, index in ranked:
        if previous is not None and when - previous <= TIE:
            group.append(index)
        else:
            if len(group) > 1:
                yield group
            group = [index]
        previous = when
    if len(group) > 1:
        yield group
