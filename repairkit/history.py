"""A series of snapshots, oldest first -> the life of rows and tables over time (no I/O).

``trace_rows`` follows a few rows of one table through every snapshot: present
or absent, and the fields that changed since the row was last seen.
``count_steps`` tells, per table, which rows were lost and gained between
each pair of consecutive snapshots. Both read fingerprints first and decode
only the rows they report on, so a long series of large dumps costs about
one read of each dump.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from repairkit.diff import same_value, sort_pks
from repairkit.errors import RepairkitError
from repairkit.snapshot import Pk, Snapshot, Value


class HistoryError(RepairkitError, LookupError):
    """A table or row asked for is in none of the snapshots."""


@dataclass(frozen=True, slots=True)
class RowState:
    """One row in one snapshot.

    ``changed`` maps each column whose value differs from the last snapshot
    that had the row to ``(old, new)``. ``values`` holds the whole row where
    it (re)appears: in the first snapshot that has it, and after an absence.
    """

    snapshot: str
    present: bool
    changed: dict[str, tuple[Value, Value]] = field(default_factory=dict)
    values: dict[str, Value] | None = None


@dataclass(frozen=True, slots=True)
class RowHistory:
    """The life of one row: its state in every snapshot, oldest first."""

    table: str
    pk: Pk
    states: tuple[RowState, ...]
    returns: tuple[str, ...] = ()  # snapshots where the row is back after an absence

    @property
    def last_seen(self) -> str | None:
        present = [state.snapshot for state in self.states if state.present]
        return present[-1] if present else None


@dataclass(frozen=True, slots=True)
class TableStep:
    """One table between two consecutive snapshots: rows lost and gained."""

    table: str
    before: str
    after: str
    present: int  # rows in ``after``
    lost: tuple[Pk, ...]
    gained: tuple[Pk, ...]
    changed: int  # rows in both whose stored form differs (fingerprints)


def trace_rows(snapshots: Sequence[Snapshot], table: str, pks: Collection[Pk]) -> list[RowHistory]:
    """Return the history of rows ``pks`` of ``table`` across ``snapshots`` (oldest first).

    :raises HistoryError: if no snapshot has the table, or one of the rows.
    """
    _check_table(snapshots, table)
    for pk in pks:
        if not any(table in s.tables and pk in s.tables[table] for s in snapshots):
            raise HistoryError(f"{table} {pk!r}: no snapshot has this row")
    decoded = [
        s.tables[table].records(pks) if table in s.tables else {} for s in snapshots
    ]  # fmt: skip
    return [_row_history(snapshots, table, pk, decoded) for pk in pks]


def _row_history(
    snapshots: Sequence[Snapshot], table: str, pk: Pk, decoded: list[dict[Pk, dict[str, Value]]]
) -> RowHistory:
    states: list[RowState] = []
    returns: list[str] = []
    last: dict[str, Value] | None = None
    absent_since_last = False
    for snapshot, records in zip(snapshots, decoded, strict=True):
        record = records.get(pk)
        if record is None:
            states.append(RowState(snapshot.label, False))
            absent_since_last = last is not None or absent_since_last
            continue
        changed = {} if last is None else _changed_fields(last, record)
        values = record if last is None or absent_since_last else None
        if last is not None and absent_since_last:
            returns.append(snapshot.label)
        states.append(RowState(snapshot.label, True, changed, values))
        last, absent_since_last = record, False
    return RowHistory(table, pk, tuple(states), tuple(returns))


def _changed_fields(old: dict[str, Value], new: dict[str, Value]) -> dict[str, tuple[Value, Value]]:
    changed = {}
    for name, value in new.items():
        if name in old and not same_value(old[name], value):
            changed[name] = (old[name], value)
    return changed


def count_steps(
    snapshots: Sequence[Snapshot], tables: Collection[str] | None = None
) -> Iterator[TableStep]:
    """Yield, for each consecutive pair of snapshots and each table, the rows lost and gained.

    Tables come in the order the snapshots first name them; a table missing
    from one snapshot counts as empty there.

    :raises HistoryError: if a table asked for is in no snapshot.
    """
    for name in tables or ():
        _check_table(snapshots, name)
    names = _table_names(snapshots, tables)
    for before, after in pairwise(snapshots):
        yield from count_step(before, after, names)


def count_step(before: Snapshot, after: Snapshot, names: Sequence[str]) -> Iterator[TableStep]:
    """Yield the rows lost and gained from ``before`` to ``after`` in each table of ``names``."""
    for name in names:
        old, new = before.tables.get(name), after.tables.get(name)
        old_prints = old.fingerprints if old is not None else {}
        new_prints = new.fingerprints if new is not None else {}
        changed = 0
        if (
            old is not None and new is not None
            and old.store.fingerprint_scheme == new.store.fingerprint_scheme
            and old.column_names == new.column_names
        ):  # fmt: skip
            changed = sum(1 for pk, fp in old_prints.items() if new_prints.get(pk, fp) != fp)
        yield TableStep(
            table=name, before=before.label, after=after.label, present=len(new_prints),
            lost=sort_pks(old_prints.keys() - new_prints.keys()),
            gained=sort_pks(new_prints.keys() - old_prints.keys()),
            changed=changed,
        )  # fmt: skip


def _table_names(snapshots: Sequence[Snapshot], tables: Collection[str] | None) -> list[str]:
    names: dict[str, None] = {}
    for snapshot in snapshots:
        for name in snapshot.tables:
            if tables is None or name in tables:
                names.setdefault(name)
    return list(names)


def _check_table(snapshots: Sequence[Snapshot], table: str) -> None:
    if not any(table in snapshot.tables for snapshot in snapshots):
        labels = ", ".join(snapshot.label for snapshot in snapshots)
        raise HistoryError(f"no table {table!r} in {labels}")
