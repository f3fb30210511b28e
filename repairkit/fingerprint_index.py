"""Hold a table's row fingerprints in two arrays, and compare two tables' at array speed.

A dict from primary key to fingerprint costs about 100 bytes a row (the
entry and two int objects), which at 10M rows is 1 GB per dump before
anything is compared, and comparing two of them is a Python loop over
every key. Where every key is an integer that fits 64 bits (the usual
Django ``id``), ``FingerprintIndex`` keeps the keys sorted in one int64
array and the fingerprints beside them in another: 16 bytes a row, and the
keys of two tables are matched with ``numpy.searchsorted``, a merge in C.

``FingerprintIndex`` is a ``Mapping`` like the dict, so code that looks up
a few keys needs no change. Code that visits every key compares through
``key_match.match_keys``, which takes the array path when both sides are
indexes and the dict path otherwise, with the same result. Importing
numpy costs about 90 ms, so only readers of large tables import this.
"""

from __future__ import annotations

from array import array
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView

import numpy as np
from numpy.typing import NDArray

from repairkit.key_match import KeyMatch
from repairkit.snapshot import Pk

_INT64 = np.dtype(np.int64)


class FingerprintIndex(Mapping[Pk, int]):
    """Integer primary keys, sorted and unique, and the fingerprint of each row."""

    __slots__ = ("_keys", "_prints")

    def __init__(self, keys: NDArray[np.int64], prints: NDArray[np.int64]) -> None:
        self._keys = keys
        self._prints = prints

    @classmethod
    def from_parts(cls, parts: Sequence[tuple[array[int], array[int]]]) -> FingerprintIndex | None:
        """Return the index of ``(keys, fingerprints)`` parts, or None if a key repeats."""
        if not parts:
            return cls(np.empty(0, _INT64), np.empty(0, _INT64))
        keys = np.concatenate([np.frombuffer(part_keys, _INT64) for part_keys, _ in parts])
        prints = np.concatenate([np.frombuffer(part_prints, _INT64) for _, part_prints in parts])
        steps = np.diff(keys)
        if not (steps > 0).all():
            # Not ascending: dump2py writes rows in key order, so this is the rare case.
            order = np.argsort(keys, kind="stable")
            keys, prints = keys[order], prints[order]
            if (np.diff(keys) == 0).any():
                return None
        return cls(keys, prints)

    def __getitem__(self, pk: Pk) -> int:
        position = self._position(pk)
        if position is None:
            raise KeyError(pk)
        return int(self._prints[position])

    def __contains__(self, pk: object) -> bool:
        return self._position(pk) is not None

    def __iter__(self) -> Iterator[Pk]:
        return iter(self._keys.tolist())

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<FingerprintIndex {len(self)} rows>"

    def items(self) -> ItemsView[Pk, int]:
        return _Items(self)

    def values(self) -> ValuesView[int]:
        return _Values(self)

    def match(self, other: FingerprintIndex, by_fingerprint: bool) -> KeyMatch:
        """Match these keys with ``other``'s, as ``key_match.match_keys`` does, in C."""
        in_other, positions = other._find(self._keys)
        in_self, _ = self._find(other._keys)
        common = self._keys[in_other]
        if by_fingerprint:
            common = common[self._prints[in_other] != other._prints[positions[in_other]]]
        return KeyMatch(
            deleted=tuple(self._keys[~in_other].tolist()),
            added=tuple(other._keys[~in_self].tolist()),
            candidates=common.tolist(),
        )

    def prints_of(self, pks: Iterable[Pk]) -> list[int]:
        """Return the fingerprints of those of ``pks`` that the index holds."""
        numbers = [pk for pk in pks if type(pk) is int and -(2**63) <= pk < 2**63]
        wanted = np.asarray(numbers, _INT64)
        found, positions = self._find(wanted)
        return self._prints[positions[found]].tolist()  # type: ignore[no-any-return]

    def locate(self, pks: Iterable[Pk] | None) -> tuple[list[Pk], list[int], list[int]]:
        """Return those of ``pks`` held (all when None), in order, their positions and fingerprints.

        A position is the key's place in the index, which a reader may use
        to find what else it keeps of that row.
        """
        if pks is None:
            return self._keys.tolist(), list(range(len(self._keys))), self._prints.tolist()
        numbers = [pk for pk in pks if type(pk) is int and -(2**63) <= pk < 2**63]
        wanted = np.asarray(numbers, _INT64)
        found, positions = self._find(wanted)
        places = positions[found]
        return wanted[found].tolist(), places.tolist(), self._prints[places].tolist()

    def differ_from(self, keys: array[int], prints: array[int]) -> list[int]:
        """Return the indices of ``keys`` that the index lacks or holds with another fingerprint."""
        wanted = np.frombuffer(keys, _INT64)
        found, positions = self._find(wanted)
        same = np.zeros(len(wanted), bool)
        same[found] = self._prints[positions[found]] == np.frombuffer(prints, _INT64)[found]
        return np.flatnonzero(~same).tolist()

    def _position(self, pk: object) -> int | None:
        if type(pk) is not int or not -(2**63) <= pk < 2**63:
            return None
        position = int(np.searchsorted(self._keys, pk))
        if position < len(self._keys) and self._keys[position] == pk:
            return position
        return None

    def _find(self, wanted: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
        """Return which of ``wanted`` the index holds, and where (clipped where not)."""
        positions = np.searchsorted(self._keys, wanted)
        positions = np.minimum(positions, max(len(self._keys) - 1, 0))
        if not len(self._keys):
            return np.zeros(len(wanted), bool), positions
        return self._keys[positions] == wanted, positions


class _Items(ItemsView[Pk, int]):
    _mapping: FingerprintIndex

    def __iter__(self) -> Iterator[tuple[Pk, int]]:
        index = self._mapping
        return zip(index._keys.tolist(), index._prints.tolist(), strict=True)


class _Values(ValuesView[int]):
    _mapping: FingerprintIndex

    def __iter__(self) -> Iterator[int]:
        return iter(self._mapping._prints.tolist())
