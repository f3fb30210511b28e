"""Conflicts: what keeps a backup row out of a restore plan, and the checks that find them.

The checks are pure: they read snapshots and return findings, and the
planner decides what to leave out.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from repairkit.key_match import match_keys
from repairkit.snapshot import Pk, Row, Snapshot, Table, Value
from repairkit.values import same_value

Key = tuple[str, Pk]  # (db table, primary key)

# A row present in a backup and in the current state is the same record edited
# when at most this share of its non-key columns differ; above it, the current
# state uses the key for another record. Half: an edit touches a few fields, a
# new record touches nearly all (a reused key keeps at most dates or flags).
REUSED_PK_SHARE = 0.5


class ConflictKind(str, enum.Enum):
    """Why a missing row is left out of the plan."""

    REUSED_PK = "reused_pk"  # the current state uses its primary key for another record
    UNIQUE_TAKEN = "unique_taken"  # another current row has taken one of its unique values
    DANGLING = "dangling"  # it points to a row that no snapshot has
    DEPENDS_ON_LEFT_OUT = "depends_on_left_out"  # a row it needs is itself left out
    SCHEMA_DRIFT = "schema_drift"  # today's schema cannot take it exactly (docs/upgrades.md)
    # A key known only as a natural key (a --natural-primary/--natural-foreign
    # fixture) that no other source resolves: its real key cannot be told.
    UNRESOLVED_KEY = "unresolved_key"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A missing row that the plan does not reinstate, and why."""

    table: str
    pk: Pk
    kind: ConflictKind
    detail: str


def find_unresolved_key(table: Table, pk: Pk, row: Row) -> LeftOut | None:
    """Return why a row cannot be written if its key, or a key it holds, is a natural key."""
    from repairkit.values import NATURAL_KEY_PREFIX

    for column, value in zip(table.column_names, row, strict=True):
        if isinstance(value, str) and value.startswith(NATURAL_KEY_PREFIX):
            return LeftOut(table.name, pk, ConflictKind.UNRESOLVED_KEY, (
                f"{column} is known only by its natural key {value!r} (from a fixture dumped"
                " with natural keys), and no other source has that row with its real key"
            ))  # fmt: skip
    return None


def find_reused_pks(
    backups: Sequence[Snapshot],
    current: Snapshot,
    repaired: Mapping[str, Collection[str]] | None = None,
) -> dict[Key, str]:
    """Return the keys that the current state uses for another record than the newest backup.

    Each key found in the current state and in a backup is compared with the
    newest backup that has it. Multi-table-inheritance children are judged by
    their root table (the record's identity lives there, a child table often
    has one or two columns). The columns the user asked to repair
    (``repaired``, table -> columns) do not count: they differ because they
    are damaged, not because the row is another record. The value is a
    sentence saying why.
    """
    reused: dict[Key, str] = {}
    for name, table in current.tables.items():
        if table.parent is not None:
            continue
        remaining = set(table.pks)
        for backup in reversed(backups):
            old = backup.tables.get(name)
            if old is None or not remaining:
                continue
            common = [pk for pk in old.pks if pk in remaining]
            remaining.difference_update(common)
            damaged = set((repaired or {}).get(name, ()))
            for pk, detail in _compare(old, table, common, damaged):
                reused[(name, pk)] = f"{detail} from the row in {backup.label}"
    return reused


def _compare(
    old: Table, new: Table, pks: list[Pk], damaged: Collection[str] = ()
) -> Iterable[tuple[Pk, str]]:
    """Yield the keys of ``pks`` whose rows look like different records, with why."""
    if old.store.fingerprint_scheme == new.store.fingerprint_scheme and old.columns == new.columns:
        # Rows stored alike hold equal values; only the others can differ. The
        # tables are matched whole (in C for large ones), not looked up key by key.
        unlike = set(match_keys(old.fingerprints, new.fingerprints, True).candidates)
        pks = [pk for pk in pks if pk in unlike]
    if not pks:
        return
    columns = [
        name
        for name in old.column_names
        if name in new.column_names and name != old.pk and name not in damaged
    ]
    if not columns:
        return
    old_index = [old.column_names.index(name) for name in columns]
    new_index = [new.column_names.index(name) for name in columns]
    old_rows, new_rows = old.decode(pks), new.decode(pks)
    for pk in pks:
        old_row, new_row = old_rows[pk], new_rows[pk]
        differing = [
            name
            for name, i, j in zip(columns, old_index, new_index, strict=True)
            if not same_value(old_row[i], new_row[j])
        ]
        # Values blanked in the current row alone are damage (a script that emptied a
        # column), not another record: that would hold values of its own.
        blanked = all(_blank(new_row[new_index[columns.index(name)]]) for name in differing)
        if len(differing) > REUSED_PK_SHARE * len(columns) and not blanked:
            yield (
                pk,
                (
                    f"the current row differs in {len(differing)} of {len(columns)} columns"
                    f" ({', '.join(differing)})"
                ),
            )


def _blank(value: object) -> bool:
    return value is None or value == ""


def find_taken_unique(
    table: Table,
    rows: Mapping[Pk, Row],
    current: Table,
    unique_sets: Collection[tuple[str, ...]],
) -> dict[Pk, str]:
    """Return the ``rows`` of ``table`` whose unique values a current row holds, with which.

    A set with a None in it is never taken: SQL does not count NULLs as equal.
    """
    taken: dict[Pk, str] = {}
    usable = [
        columns
        for columns in unique_sets
        if all(c in table.column_names and c in current.column_names for c in columns)
    ]
    if not usable or not rows:
        return taken
    current_rows = current.decode()
    for columns in usable:
        index = [current.column_names.index(c) for c in columns]
        holders: dict[tuple[Value, ...], Pk] = {
            tuple(row[i] for i in index): pk for pk, row in current_rows.items()
        }
        own_index = [table.column_names.index(c) for c in columns]
        for pk, row in rows.items():
            values = tuple(row[i] for i in own_index)
            if pk in taken or None in values or values not in holders:
                continue
            shown = ", ".join(f"{c}={v!r}" for c, v in zip(columns, values, strict=True))
            taken[pk] = f"{shown} is taken by {current.name} {holders[values]!r}"
    return taken
