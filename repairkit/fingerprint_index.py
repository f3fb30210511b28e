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
``match_keys``, which takes the array path when both sides are
indexes and the dict path otherwise, with the same result.
"""

from __future__ import annotations

from array import array
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from repairkit.snapshot import Pk
from repairkit.values import sort_pks

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

    def prints_of(self, pks: Iterable[Pk]) -> list[int]:
        """Return the fingerprints of those of ``pks`` that the index holds."""
        numbers = [pk for pk in pks if type(pk) is int and -(2**63) <= pk < 2**63]
        wanted = np.asarray(numbers, _INT64)
        found, positions = self._find(wanted)
        return self._prints[positions[found]].tolist()  # type: ignore[no-any-return]

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


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """How the keys of two tables meet, and which common rows must be decoded to compare."""

    deleted: tuple[Pk, ...]  # in the old only, in key order
    added: tuple[Pk, ...]  # in the new only, in key order
    candidates: list[Pk]  # in both, and (by fingerprint) stored differently


def match_keys(old: Mapping[Pk, int], new: Mapping[Pk, int], by_fingerprint: bool) -> KeyMatch:
    """Match the keys of ``old`` and ``new``.

    ``by_fingerprint`` (both sides fingerprint the same scheme over the same
    columns) keeps as candidates only the common rows whose fingerprints
    differ; otherwise every common row is one.
    """
    if isinstance(old, FingerprintIndex) and isinstance(new, FingerprintIndex):
        return _match_indexes(old, new, by_fingerprint)
    # A lookup in an index costs a search: against a dict, make it a dict too.
    old, new = _as_dict(old), _as_dict(new)
    if by_fingerprint:
        candidates = [pk for pk, print_ in old.items() if new.get(pk, print_) != print_]
    else:
        candidates = [pk for pk in old if pk in new]
    return KeyMatch(
        deleted=sort_pks(old.keys() - new.keys()),
        added=sort_pks(new.keys() - old.keys()),
        candidates=candidates,
    )


def _as_dict(prints: Mapping[Pk, int]) -> Mapping[Pk, int]:
    return dict(prints.items()) if isinstance(prints, FingerprintIndex) else prints


def _match_indexes(old: FingerprintIndex, new: FingerprintIndex, by_fingerprint: bool) -> KeyMatch:
    in_new, positions = new._find(old._keys)
    in_old, _ = old._find(new._keys)
    common = old._keys[in_new]
    if by_fingerprint:
        common = common[old._prints[in_new] != new._prints[positions[in_new]]]
    return KeyMatch(
        deleted=tuple(old._keys[~in_new].tolist()),
        added=tuple(new._keys[~in_old].tolist()),
        candidates=common.tolist(),
    )
