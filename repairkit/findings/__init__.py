"""Point at damaged records: Changeset + both snapshots -> findings (no I/O).

A site can lose data without losing rows: a script blanks a column, an
import runs with the wrong encoding, a text gets cut at 50 characters. The
diff shows such changes mixed with a day's legitimate edits; the findings
name the damage and group it, so that "10 rows had email set to ''" is one
finding, not ten. The rules and thresholds are explained in docs/findings.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from repairkit.diff import Changeset
from repairkit.snapshot import Pk, Snapshot, Value
from repairkit.values import sort_pks

from .damage import classify_change, is_clean_cut
from .dangling import find_dangling
from .kinds import FINDING_KINDS, Damage, MergeRule, explain, kind_spec
from .records import Finding, FindingKind, describe_pks

__all__ = [
    "BULK_MIN_ROWS",
    "BULK_MIN_SHARE",
    "FINDING_KINDS",
    "MERGE_MIN_OVERLAP",
    "Finding",
    "FindingKind",
    "find_findings",
]

# A bulk update touches at least this many rows...
BULK_MIN_ROWS = 5
# ...and at least this share of the column's changed values: five partners
# that moved to the same city among thirty moves are a day's work, not one update.
BULK_MIN_SHARE = 0.5
# Columns damaged the same way are one event when their rows mostly agree
# (shared rows / all rows): a bulk update of email and street still leaves
# street alone where it was empty, and that row must not split the finding.
MERGE_MIN_OVERLAP = 0.5


@dataclass(frozen=True, slots=True)
class _Change:
    pk: Pk
    old: Value
    new: Value


def find_findings(changeset: Changeset, old: Snapshot, new: Snapshot) -> list[Finding]:
    """Return the damage that ``changeset`` (from ``old`` to ``new``) shows, grouped.

    Findings come table by table in the changeset's order, damage to values
    first, then bulk updates, then dangling links.
    """
    findings = []
    for table, diff in changeset.tables.items():
        damaged: dict[tuple[FindingKind, str], list[_Change]] = defaultdict(list)
        plausible: dict[str, list[_Change]] = defaultdict(list)
        for row in diff.changed:
            for field in row.fields:
                change = _Change(row.pk, field.old, field.new)
                kind = classify_change(field.old, field.new)
                if kind is None:
                    plausible[field.column].append(change)
                else:
                    damaged[kind, field.column].append(change)
        for column, changes in list(damaged.items()):
            if column[0] is FindingKind.TRUNCATED:
                kept, edits = _split_clean_cuts(changes)
                damaged[column] = kept
                plausible[column[1]].extend(edits)
        groups = [(kind, column, changes) for (kind, column), changes in damaged.items() if changes]
        groups.sort(key=lambda group: list(FindingKind).index(group[0]))
        findings.extend(_merge(table, groups))
        findings.extend(_merge(table, find_bulk_groups(plausible)))
    findings.extend(find_dangling(changeset, old, new))
    return findings


def _split_clean_cuts(changes: list[_Change]) -> tuple[list[_Change], list[_Change]]:
    """Keep cuts that look like damage; a lone cut after a whole word reads as an edit.

    Several values of one column cut to the same length are a column width
    at work, wherever the cut falls ("Peeters-Dubois" -> "Peeters" alone is
    a name change; ten names cut at 20 characters are not).
    """
    lengths = Counter(len(str(change.new)) for change in changes)
    kept, edits = [], []
    for change in changes:
        old, new = str(change.old), str(change.new)
        if is_clean_cut(old, new) and lengths[len(new)] < 2:
            edits.append(change)
        else:
            kept.append(change)
    return kept, edits


def find_bulk_groups(
    plausible: dict[str, list[_Change]],
) -> list[tuple[FindingKind, str, list[_Change]]]:
    """Return, per column, the plausible edits that one update set to one value."""
    groups = []
    for column, changes in plausible.items():
        # (type, value): True == 1, but setting a flag is not setting a count.
        by_value = Counter((type(change.new), change.new) for change in changes)
        for key, count in by_value.items():
            if count >= BULK_MIN_ROWS and count >= BULK_MIN_SHARE * len(changes):
                same = [c for c in changes if (type(c.new), c.new) == key]
                groups.append((FindingKind.BULK, column, same))
    return groups


@dataclass(slots=True)
class _Group:
    """Columns damaged the same way in (mostly) the same rows: one event, one finding."""

    kind: FindingKind
    values: frozenset[tuple[type, Value]] | None
    changes: dict[str, list[_Change]]  # by column
    pks: set[Pk]

    def fits(self, kind: FindingKind, values: object, pks: set[Pk]) -> bool:
        overlap = len(self.pks & pks) / len(self.pks | pks)
        return kind is self.kind and values == self.values and overlap >= MERGE_MIN_OVERLAP


def _merge(table: str, groups: Iterable[tuple[FindingKind, str, list[_Change]]]) -> list[Finding]:
    """Make one finding of the columns of a kind that were damaged in mostly the same rows."""
    merged: list[_Group] = []
    for kind, column, changes in groups:
        pks = {change.pk for change in changes}
        # Blanks and bulk sets (their merge rule, findings.kinds) are one event only
        # where the new value is the same too.
        values = (
            frozenset((type(c.new), c.new) for c in changes)
            if kind_spec(kind).merge_rule is MergeRule.SAME_ROWS_SAME_VALUE
            else None
        )
        group = next((g for g in merged if g.fits(kind, values, pks)), None)
        if group is None:
            merged.append(_Group(kind, values, {column: changes}, pks))
        else:
            group.changes[column] = changes
            group.pks |= pks
    return [
        Finding(g.kind, table, tuple(g.changes), sort_pks(g.pks), _explain(table, g))
        for g in merged
    ]


def _explain(table: str, group: _Group) -> str:
    count = len(group.pks)
    columns = list(group.changes)
    fields = " and ".join([", ".join(columns[:-1]), columns[-1]] if len(columns) > 1 else columns)
    if any(len(changes) < count for changes in group.changes.values()):
        fields += " (" + ", ".join(f"{c} in {len(group.changes[c])}" for c in columns) + ")"
    changes = [change for column_changes in group.changes.values() for change in column_changes]
    damage = Damage(
        table=table,
        rows="1 row" if count == 1 else f"{count} rows",
        fields=fields,
        at_once=" at once" if count >= BULK_MIN_ROWS else "",
        pks=describe_pks(sort_pks(group.pks)),
        olds=[change.old for change in changes],
        news=[change.new for change in changes],
    )
    return explain(group.kind, damage)
