"""Finding and FindingKind: what the corruption detectors report."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from repairkit.snapshot import Pk


class FindingKind(str, enum.Enum):
    """What kind of damage a finding points at."""

    BLANKED = "blanked"  # a non-empty value became empty or NULL
    TRUNCATED = "truncated"  # the new text is a strict prefix of the old
    MOJIBAKE = "mojibake"  # UTF-8 bytes read as cp1252/Latin-1, or the reverse
    REPLACED = "replaced"  # U+FFFD or '?' where letters were
    DANGLING = "dangling"  # a link points to a row the snapshot does not have
    BULK = "bulk"  # many rows had the same fields set to the same value


@dataclass(frozen=True, slots=True)
class Finding:
    """A group of related damaged values: ``fields`` of the rows ``pks`` of ``table``.

    One event is one finding: columns damaged the same way in mostly the same
    rows are merged, so a row may show the damage in only some of ``fields``
    (the explanation then says how many rows each field has). For
    ``dangling``, ``fields`` are the link columns (a content type and its
    object id count as one link).
    """

    kind: FindingKind
    table: str
    fields: tuple[str, ...]
    pks: tuple[Pk, ...]
    explanation: str

    def cells(self) -> Iterator[tuple[str, str, Pk]]:
        """Yield ``(table, field, pk)`` for every value this finding may cover.

        Which of them changed, the changeset tells.
        """
        for field in self.fields:
            for pk in self.pks:
                yield self.table, field, pk

    def __repr__(self) -> str:
        rows = "1 row" if len(self.pks) == 1 else f"{len(self.pks)} rows"
        return f"<Finding {self.kind.value} {self.table}.{'+'.join(self.fields)} {rows}>"


MAX_PKS_SHOWN = 5  # an explanation stays one line; the finding's ``pks`` has them all


def describe_pks(pks: Sequence[Pk]) -> str:
    """Write a few primary keys for an explanation: ``2, 5, 10 and 7 more``."""
    shown = ", ".join(str(pk) for pk in pks[:MAX_PKS_SHOWN])
    more = len(pks) - MAX_PKS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
