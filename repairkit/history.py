"""A series of snapshots, oldest first -> the life of rows and tables over time (no I/O).

``trace_rows`` follows a few rows of one table through every snapshot: present
or absent, and the fields that changed since the row was last seen.
``count_steps`` tells, per table, which rows were lost and gained between
each pair of consecutive snapshots. Both read fingerprints first and decode
only the rows they report on, so a long series of large dumps costs about
one read of each dump.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from repairkit.errors import RepairkitError
from repairkit.key_match import match_keys
from repairkit.snapshot import Pk, Snapshot, Table, Value
from repairkit.values import same_value


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


def trace_rows(snapshots: Iterable[Snapshot], table: str, pks: Sequence[Pk]) -> list[RowHistory]:
    """Return the history of rows ``pks`` of ``table`` across ``snapshots`` (oldest first).

    Each snapshot is used once, as it comes, and only the rows asked for are
    decoded. A key given as text also finds a numeric key (``"13"`` finds 13).

    :raises HistoryError: if no snapshot has the table, or one of the rows.
    """
    labels: list[str] = []
    found: list[dict[Pk, dict[str, Value]]] = []  # per snapshot: asked key -> record
    has_table = False
    for snapshot in snapshots:
        labels.append(snapshot.label)
        stored = snapshot.tables.get(table)
        if stored is None:
            found.append({})
            continue
        has_table = True
        keys = {pk: key for pk in pks if (key := _stored_key(stored, pk)) is not None}
        records = stored.records(list(keys.values()))
        found.append({pk: records[key] for pk, key in keys.items()})
    if not has_table:
        raise HistoryError(f"no table {table!r} in {', '.join(labels)}")
    for pk in pks:
        if not any(pk in records for records in found):
            raise HistoryError(f"{table} {pk!r}: no snapshot has this row")
    return [_row_history(labels, table, pk, found) for pk in pks]


def _stored_key(table: Table, pk: Pk) -> Pk | None:
    if pk in table:
        return pk
    if isinstance(pk, str) and pk.lstrip("-").isdigit() and int(pk) in table:
        return int(pk)
    return None


def _row_history(
    labels: Sequence[str], table: str, pk: Pk, found: Sequence[dict[Pk, dict[str, Value]]]
) -> RowHistory:
    states: list[RowState] = []
    returns: list[str] = []
    last: dict[str, Value] | None = None
    absent_since_last = False
    for label, records in zip(labels, found, strict=True):
        record = records.get(pk)
        if record is None:
            states.append(RowState(label, False))
            absent_since_last = last is not None or absent_since_last
            continue
        changed = {} if last is None else _changed_fields(last, record)
        values = record if last is None or absent_since_last else None
        if last is not None and absent_since_last:
            returns.append(label)
        states.append(RowState(label, True, changed, values))
        last, absent_since_last = record, False
    return RowHistory(table, pk, tuple(states), tuple(returns))


def _changed_fields(old: dict[str, Value], new: dict[str, Value]) -> dict[str, tuple[Value, Value]]:
    changed = {}
    for name, value in new.items():
        if name in old and not same_value(old[name], value):
            changed[name] = (old[name], value)
    return changed


def count_steps(
    snapshots: Iterable[Snapshot], tables: Collection[str] | None = None
) -> list[TableStep]:
    """Return, for each consecutive pair of snapshots and each table, the rows lost and gained.

    Each snapshot is used once, as it comes. Tables come in the order the
    two snapshots of a step name them; a table missing from one snapshot
    counts as empty there.

    :raises HistoryError: if a table asked for is in no snapshot.
    """
    steps: list[TableStep] = []
    labels: list[str] = []
    seen: set[str] = set()
    before: Snapshot | None = None
    for after in snapshots:
        labels.append(after.label)
        seen.update(after.tables)
        if before is not None:
            steps.extend(count_step(before, after, _table_names([before, after], tables)))
        before = after
    for name in tables or ():
        if name not in seen:
            raise HistoryError(f"no table {name!r} in {', '.join(labels)}")
    return steps


def count_step(before: Snapshot, after: Snapshot, names: Sequence[str]) -> Iterator[TableStep]:
    """Yield the rows lost and gained from ``before`` to ``after`` in each table of ``names``."""
    for name in names:
        old, new = before.tables.get(name), after.tables.get(name)
        old_prints = old.fingerprints if old is not None else {}
        new_prints = new.fingerprints if new is not None else {}
        by_fingerprint = (
            old is not None and new is not None
            and old.store.fingerprint_scheme == new.store.fingerprint_scheme
            and old.column_names == new.column_names
        )  # fmt: skip
        keys = match_keys(old_prints, new_prints, by_fingerprint)
        yield TableStep(
            table=name, before=before.label, after=after.label, present=len(new_prints),
            lost=keys.deleted, gained=keys.added,
            changed=len(keys.candidates) if by_fingerprint else 0,
        )  # fmt: skip


def _table_names(snapshots: Sequence[Snapshot], tables: Collection[str] | None) -> list[str]:
    names: dict[str, None] = {}
    for snapshot in snapshots:
        for name in snapshot.tables:
            if tables is None or name in tables:
                names.setdefault(name)
    return list(names)
