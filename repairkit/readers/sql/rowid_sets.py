"""The rowids a plain SQLite table took so far, to tell one that comes twice: a byte each.

``sqlite_grammar`` keeps SQLite out of a plain table's rows, and must then
see a repeated rowid itself. A Python set of the rowids cost about 70
bytes a row, the largest part of reading a big ``sqlite3 .dump``. Rowids
are mostly dense (Django's ``id``: 1, 2, 3, ...), so once a table has
``_SET_ROWS`` of them, those from 0 up to a bound are flags in a numpy
array, a batch of them checked at once; the others (negative, or far
above the number of rows) stay in the set. A rowid is in the flags if
the array reaches it, else in the set: growing the array moves the
set's rowids it then reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Rowids kept in a set alone; numpy is imported only past this.
_SET_ROWS = 1 << 14
# A rowid gets a flag if below this many times the rowids so far, plus a margin:
# the flags then cost at most about twice that many bytes a rowid.
_DENSITY = 4
_MARGIN = 1 << 16


class RowidSet:
    """The rowids seen: ``add_new`` takes a batch, ``add`` one; ``clear`` after a DELETE."""

    def __init__(self) -> None:
        self._set: set[int] = set()
        self._flags: Any = None  # a numpy bool array, once there were _SET_ROWS rowids
        self._count = 0

    def __contains__(self, rowid: int) -> bool:
        flags = self._flags
        if flags is not None and 0 <= rowid < len(flags):
            return bool(flags[rowid])
        return rowid in self._set

    def add(self, rowid: int) -> None:
        """Add one rowid that is not in yet."""
        if self._flags is not None and 0 <= rowid < self._bound(1):
            self._reach(rowid)
        self._count += 1
        if self._flags is not None and 0 <= rowid < len(self._flags):
            self._flags[rowid] = True
            return
        self._set.add(rowid)
        if self._flags is None and self._count >= _SET_ROWS:
            self._to_flags()

    def add_new(self, rowids: Sequence[int]) -> bool:
        """Add ``rowids`` if none is in yet and none comes twice, and tell whether it did.

        Nothing is added otherwise: the caller then takes them one by one.
        """
        if self._flags is None:
            if not self._add_new_to_set(rowids):
                return False
            if self._count >= _SET_ROWS:
                self._to_flags()
            return True
        import numpy as np

        try:
            keys = np.array(rowids, dtype=np.int64)
        except OverflowError:
            return False  # beyond 64 bits: SQLite reads no such rowid; one by one
        dense = keys[(keys >= 0) & (keys < self._bound(len(keys)))]
        if len(dense):
            self._reach(int(dense.max()))
        flags = self._flags
        flagged = (keys >= 0) & (keys < len(flags))
        inside, outside = keys[flagged], keys[~flagged].tolist()
        if len(np.unique(inside)) != len(inside) or flags[inside].any():
            return False
        if outside and not self._add_new_to_set(outside):
            return False
        flags[inside] = True
        self._count += len(inside)
        return True

    def clear(self) -> None:
        self._set, self._flags, self._count = set(), None, 0

    def _add_new_to_set(self, rowids: Sequence[int]) -> bool:
        new = set(rowids)
        if len(new) != len(rowids) or not self._set.isdisjoint(new):
            return False
        self._set |= new
        self._count += len(new)
        return True

    def _bound(self, more: int) -> int:
        return _DENSITY * (self._count + more) + _MARGIN

    def _to_flags(self) -> None:
        import numpy as np  # here: 90 ms to import, worth it only for large tables

        self._flags = np.zeros(0, dtype=bool)
        bound = self._bound(0)
        dense = [rowid for rowid in self._set if 0 <= rowid < bound]
        if dense:
            self._reach(max(dense))

    def _reach(self, rowid: int) -> None:
        """Grow the flags to reach ``rowid``, taking over the set's rowids they then reach."""
        import numpy as np

        flags = self._flags
        if rowid < len(flags):
            return
        grown = np.zeros(max(rowid + 1, 2 * len(flags)), dtype=bool)
        grown[: len(flags)] = flags
        reached = [key for key in self._set if len(flags) <= key < len(grown)]
        grown[reached] = True
        self._set.difference_update(reached)
        self._flags = grown
