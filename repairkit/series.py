"""A series of dumps in time order, read one at a time.

Thirty daily dumps of a large site do not fit in memory together, and
``history`` and ``timeline`` need no more than two of them at once (a step is
two consecutive snapshots). ``Series`` decides the order from the dumps'
own times first (``repairkit.snapshot_time``), then reads each dump when it
is reached. Only dumps whose times tie are read early, to ask their data;
they are kept until their turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from repairkit.snapshot import Snapshot
from repairkit.snapshot_time import (
    SnapshotTime,
    TimeOrder,
    find_data_time,
    order_by_time,
    read_dump_time,
)

Reader = Callable[[str], Snapshot]


class Series:
    """Backups (and the current state, last) in the order to read them.

    ``order`` tells how the backups' times compare with the order given;
    ``sources`` and ``times`` are in the order used, the current state last.
    With ``keep_order`` the order given is used whatever the times say.
    """

    def __init__(
        self, backups: Sequence[str], current: str | None, read: Reader, *, keep_order: bool = False
    ) -> None:
        self._read = read
        self._early: dict[int, Snapshot] = {}  # read to settle a tie, kept until their turn
        self.given = tuple(backups)
        dump_times = [read_dump_time(source) for source in backups]
        self.order: TimeOrder = order_by_time(dump_times, self._data_time)
        indexes = range(len(backups)) if keep_order else self.order.order
        self._indexes = list(indexes)
        self.sources = tuple(backups[i] for i in self._indexes) + ((current,) if current else ())
        self.times: tuple[SnapshotTime | None, ...] = tuple(
            self.order.times[i] for i in self._indexes
        ) + ((read_dump_time(current),) if current else ())
        # Two backups with one directory name: their paths tell them apart.
        names = [Path(source.rstrip("/")).name for source in self.sources]
        self._by_path = len(set(names)) < len(names)
        self.labels: list[str] = []  # filled as the snapshots are read

    @property
    def by_time_order(self) -> tuple[str, ...]:
        """Return the backups as given, in the order their times say."""
        return tuple(self.given[i] for i in self.order.order)

    def _data_time(self, index: int) -> SnapshotTime | None:
        snapshot = self._early.get(index)
        if snapshot is None:
            snapshot = self._early[index] = self._read(self.given[index])
        return find_data_time(snapshot)

    def __len__(self) -> int:
        return len(self.sources)

    def __iter__(self) -> Iterator[Snapshot]:
        """Yield the snapshots in order, each read when it is reached."""
        self.labels = []
        current = len(self._indexes)
        for position, source in enumerate(self.sources):
            snapshot = None
            if position < current:
                snapshot = self._early.pop(self._indexes[position], None)
            if snapshot is None:
                snapshot = self._read(source)
            if self._by_path:
                snapshot.label = source
            self.labels.append(snapshot.label)
            yield snapshot
