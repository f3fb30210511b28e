"""The table of finding kinds: for each, its detector, wording, merge rule, and repairability.

Everything that depends on the kinds reads this table: the grouping and the
explanations of ``find_findings``, which kinds ``merge --repair-findings``
takes (``repairkit.repairs``), the command line's help and the corruption
corpus's list (``benchmarks/corruption_corpus.py``). A new kind is a member
of ``FindingKind``, a detector, and one entry here; a kind without an entry
is an error at import time, and asking for one is an ``UnknownFindingKindError``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from repairkit.errors import RepairkitError
from repairkit.snapshot import Value

from .damage import mojibake_direction
from .records import FindingKind

SAMPLE_WIDTH = 30


class UnknownFindingKindError(RepairkitError, LookupError):
    """A finding kind that the table of kinds does not know."""

    def __init__(self, kind: object) -> None:
        self.kind = kind
        known = ", ".join(kind.value for kind in FindingKind)
        super().__init__(f"unknown finding kind {kind!r}; known: {known}")


class MergeRule(str, enum.Enum):
    """When columns damaged the same way in mostly the same rows become one finding."""

    SAME_ROWS = "same rows"  # the values may differ (each text is cut, garbled, ...)
    SAME_ROWS_SAME_VALUE = "same rows, same new value"  # one update set them all
    SAME_LINK = "same link"  # a content type and its object id are one link


@dataclass(frozen=True, slots=True)
class Damage:
    """What the explanation of a value finding is made of, already worded where shared."""

    table: str
    rows: str  # "1 row", "10 rows"
    fields: str  # "email and street (email in 10, street in 8)"
    at_once: str  # " at once" for a bulk-sized group, else ""
    pks: str  # "2, 5, 10 and 7 more"
    olds: Sequence[Value]
    news: Sequence[Value]

    @property
    def example(self) -> str:
        return f"(e.g. {sample(self.olds[0])} -> {sample(self.news[0])})"


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One finding kind: who finds it, how it reads, how it groups, whether merge repairs it."""

    kind: FindingKind
    described_as: str  # in the command line's help: "mis-encoded", "dangling links"
    detector: str  # the function that tells it, under repairkit.findings
    merge_rule: MergeRule
    # A value of this kind is damage that the newest backup holds intact: merge
    # can put it back (--repair-findings). A dangling link is a missing row.
    repairable: bool
    # None: the detector words the finding itself (it knows more than values).
    explain: Callable[[Damage], str] | None


def sample(value: Value) -> str:
    """Show a value in an explanation, cut to ``SAMPLE_WIDTH`` characters."""
    plain = value is None or isinstance(value, (str, int, float))
    text = repr(value) if plain else str(value)  # dates, Decimals, content types read better as str
    return text if len(text) <= SAMPLE_WIDTH else text[: SAMPLE_WIDTH - 1] + "…"


def _explain_blanked(d: Damage) -> str:
    values = " or ".join(sorted({sample(new) for new in d.news}))
    return (
        f"{d.rows} of {d.table} had {d.fields} set to {values}{d.at_once},"
        f" non-empty before: {d.pks}"
    )


def _explain_truncated(d: Damage) -> str:
    lengths = sorted({len(str(new)) for new in d.news})
    where = (
        f"at {lengths[0]} characters"
        if len(lengths) == 1
        else f"to a prefix of {lengths[0]}-{lengths[-1]} characters"
    )
    return f"{d.rows} of {d.table} had {d.fields} cut {where} {d.example}: {d.pks}"


def _explain_mojibake(d: Damage) -> str:
    directions = {
        mojibake_direction(str(old), str(new)) for old, new in zip(d.olds, d.news, strict=True)
    }
    how = (
        "the old text's UTF-8 bytes read as cp1252/Latin-1"
        if directions == {"utf8-as-cp1252"}
        else "text re-decoded between UTF-8 and cp1252/Latin-1"
    )
    return f"{d.rows} of {d.table} had {d.fields} turned into {how} {d.example}: {d.pks}"


def _explain_replaced(d: Damage) -> str:
    return (
        f"{d.rows} of {d.table} had letters of {d.fields} replaced by '?' or U+FFFD"
        f" {d.example}: {d.pks}"
    )


def _explain_bulk(d: Damage) -> str:
    return f"{d.rows} of {d.table} had {d.fields} set to {sample(d.news[0])}{d.at_once}: {d.pks}"


FINDING_KINDS: dict[FindingKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(FindingKind.BLANKED, "blanked", "damage.classify_change",
                 MergeRule.SAME_ROWS_SAME_VALUE, True, _explain_blanked),
        KindSpec(FindingKind.TRUNCATED, "truncated", "damage.classify_change",
                 MergeRule.SAME_ROWS, True, _explain_truncated),
        KindSpec(FindingKind.MOJIBAKE, "mis-encoded", "damage.classify_change",
                 MergeRule.SAME_ROWS, True, _explain_mojibake),
        KindSpec(FindingKind.REPLACED, "replaced by '?'", "damage.classify_change",
                 MergeRule.SAME_ROWS, True, _explain_replaced),
        KindSpec(FindingKind.DANGLING, "dangling links", "dangling.find_dangling",
                 MergeRule.SAME_LINK, False, None),
        KindSpec(FindingKind.BULK, "bulk updates", "find_bulk_groups",
                 MergeRule.SAME_ROWS_SAME_VALUE, True, _explain_bulk),
    )
}  # fmt: skip
if set(FINDING_KINDS) != set(FindingKind):  # a member added without its entry
    raise RuntimeError(f"no entry in FINDING_KINDS for {set(FindingKind) - set(FINDING_KINDS)}")

REPAIRABLE_KINDS = tuple(kind for kind, spec in FINDING_KINDS.items() if spec.repairable)


def kind_spec(kind: object) -> KindSpec:
    """Return the table's entry for ``kind`` (a FindingKind or its name).

    :raises UnknownFindingKindError: if there is no such kind.
    """
    try:
        return FINDING_KINDS[FindingKind(kind)]
    except (ValueError, KeyError) as err:
        raise UnknownFindingKindError(kind) from err


def explain(kind: FindingKind, damage: Damage) -> str:
    """Word a finding of ``kind`` from its ``damage``.

    :raises UnknownFindingKindError: for a kind the table does not know, or
        one its detector words itself.
    """
    spec = kind_spec(kind)
    if spec.explain is None:
        raise UnknownFindingKindError(kind)
    return spec.explain(damage)


def describe_kinds() -> str:
    """Name every kind for a help text: ``blanked, truncated, mis-encoded, ...``."""
    return ", ".join(spec.described_as for spec in FINDING_KINDS.values())


def repairable_kind_names() -> str:
    """Name the kinds that ``--repair-findings`` takes, as it takes them."""
    return ", ".join(kind.value for kind in REPAIRABLE_KINDS)
