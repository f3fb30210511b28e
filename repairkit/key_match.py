"""Match the keys of two tables: which rows are deleted, added, or must be compared.

The tables' fingerprints are mappings from key to fingerprint: a dict, or
for large integer-keyed tables a ``fingerprint_index.FingerprintIndex``,
which matches itself against another in C. This module does not import
numpy (start-up time): it only asks an index to do the matching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from repairkit.snapshot import Pk
from repairkit.values import sort_pks


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
    if type(old) is type(new) and not isinstance(old, dict) and hasattr(old, "match"):
        return old.match(new, by_fingerprint)  # type: ignore[no-any-return]
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
    return prints if isinstance(prints, dict) else dict(prints.items())
