"""Collect a table's fingerprints as a reader reads them, in the smallest mapping that holds them.

Readers hand over one ``(key, fingerprint)`` pair at a time. While every
key and fingerprint is an integer that fits 64 bits (the usual Django
``id`` and a ``hash()``), the pairs go into two ``array('q')`` (16 bytes
a row) and a large table ends as a ``fingerprint_index.FingerprintIndex``;
a dict of the same pairs would cost about 100 bytes a row while it is
filled. Any other key (a text, a tuple, a key past 64 bits), a fingerprint
that is not an int, or a repeated key turns the pairs into a dict, the
last fingerprint of a key winning, as in a dict filled row by row.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping

from repairkit.snapshot import Pk

# Below this many rows a dict is kept: numpy costs more to import than it saves.
INDEXED_ROWS = 20_000
_LOW, _HIGH = -(2**63), 2**63


class FingerprintCollector:
    """Take ``(key, fingerprint)`` pairs one by one; ``finish`` returns them as a Mapping."""

    def __init__(self) -> None:
        self._keys: array[int] = array("q")
        self._prints: array[int] = array("q")
        self._dict: dict[Pk, object] | None = None

    def add(self, pk: Pk, fingerprint: object) -> None:
        if self._dict is None:
            if (
                type(pk) is int and type(fingerprint) is int
                and _LOW <= pk < _HIGH and _LOW <= fingerprint < _HIGH
            ):  # fmt: skip
                self._keys.append(pk)
                self._prints.append(fingerprint)
                return
            self._dict = self._as_dict()
        self._dict[pk] = fingerprint

    def add_part(self, keys: array[int], prints: array[int]) -> None:
        """Take the pairs of two arrays of equal length, as ``add`` takes them one by one."""
        if self._dict is None:
            self._keys.extend(keys)
            self._prints.extend(prints)
        else:
            self._dict.update(zip(keys, prints, strict=True))

    def finish(self) -> Mapping[Pk, int]:
        """Return the pairs collected: an index for a large table of integers, else a dict."""
        if self._dict is None and len(self._keys) >= INDEXED_ROWS:
            from repairkit.fingerprint_index import FingerprintIndex  # numpy: 90 ms to import

            index = FingerprintIndex.from_parts([(self._keys, self._prints)])
            if index is not None:
                return index
        found = self._dict if self._dict is not None else self._as_dict()
        return found  # type: ignore[return-value]  # a fingerprint may be None (see callers)

    def _as_dict(self) -> dict[Pk, object]:
        pairs: dict[Pk, object] = dict(zip(self._keys, self._prints, strict=True))
        self._keys, self._prints = array("q"), array("q")
        return pairs
