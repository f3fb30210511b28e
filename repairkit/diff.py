"""Compare two snapshots: Snapshot x Snapshot -> Changeset (no I/O).

Rows are matched by primary key. Where both tables fingerprint their rows
the same way and have the same columns, only rows with different
fingerprints are decoded and compared; otherwise every common row is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from repairkit.key_match import match_keys
from repairkit.progress import ProgressCallback, ProgressStep, report_progress
from repairkit.snapshot import Pk, Snapshot, Table, Value
from repairkit.values import at_precision, coarsest_precision, same_value, sort_pks


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One column of one row that holds another value now."""

    column: str
    old: Value
    new: Value


@dataclass(frozen=True, slots=True)
class RowChange:
    """A row present in both snapshots whose values differ."""

    pk: Pk
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class TableDiff:
    """The differences in one table present in both snapshots."""

    table: str
    deleted: tuple[Pk, ...] = ()
    added: tuple[Pk, ...] = ()
    changed: tuple[RowChange, ...] = ()
    old_only_columns: tuple[str, ...] = ()
    new_only_columns: tuple[str, ...] = ()

    @property
    def has_row_differences(self) -> bool:
        return bool(self.deleted or self.added or self.changed)

    @property
    def has_differences(self) -> bool:
        return self.has_row_differences or bool(self.old_only_columns or self.new_only_columns)


@dataclass(frozen=True, slots=True)
class Summary:
    """Row counts over all tables."""

    deleted: int
    added: int
    changed: int


@dataclass(frozen=True, slots=True)
class Changeset:
    """Everything that differs between an old and a new snapshot."""

    old: str
    new: str
    tables: dict[str, TableDiff] = field(default_factory=dict)
    old_only_tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    new_only_tables: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> Summary:
        diffs = self.tables.values()
        return Summary(
            deleted=sum(len(diff.deleted) for diff in diffs),
            added=sum(len(diff.added) for diff in diffs),
            changed=sum(len(diff.changed) for diff in diffs),
        )

    @property
    def has_differences(self) -> bool:
        return bool(
            self.old_only_tables
            or self.new_only_tables
            or any(diff.has_differences for diff in self.tables.values())
        )


def diff_snapshots(
    old: Snapshot,
    new: Snapshot,
    tables: Collection[str] | None = None,
    progress: ProgressCallback | None = None,
) -> Changeset:
    """Compare ``old`` with ``new``, table by table (only ``tables`` if given).

    ``progress`` hears of the tables compared, and their rows.
    """

    def wanted(name: str) -> bool:
        return tables is None or name in tables

    total = sum(1 for name in old.tables if wanted(name) and name in new.tables)
    report_progress(progress, ProgressStep("comparing", 0, total, "tables"))
    rows = 0

    changeset = Changeset(old=old.label, new=new.label)
    # A source without microseconds (dump2py) is compared at its own precision.
    precision = coarsest_precision(
        old.info.get("datetime_precision"), new.info.get("datetime_precision")
    )
    for name, table in old.tables.items():
        if not wanted(name):
            continue
        if name in new.tables:
            changeset.tables[name] = diff_tables(table, new.tables[name], precision)
            rows += len(table)
            done = len(changeset.tables)
            report_progress(progress, ProgressStep("comparing", done, total, "tables", rows))
        else:
            changeset.old_only_tables[name] = len(table)
    for name, table in new.tables.items():
        if wanted(name) and name not in old.tables:
            changeset.new_only_tables[name] = len(table)
    return changeset


def diff_tables(old: Table, new: Table, precision: str | None = None) -> TableDiff:
    """Compare two versions of one table by primary key and common columns.

    ``precision`` (``values.SECOND_PRECISION``, ...) is the coarsest datetime
    precision of the two sources: datetimes and times are compared cut to it.
    """
    same_encoding = (
        old.store.fingerprint_scheme == new.store.fingerprint_scheme
        and old.column_names == new.column_names
    )
    # Only rows whose stored text differs can hold different values.
    keys = match_keys(old.fingerprints, new.fingerprints, by_fingerprint=same_encoding)
    return TableDiff(
        table=old.name,
        deleted=keys.deleted,
        added=keys.added,
        changed=tuple(_compare_rows(old, new, keys.candidates, precision)),
        old_only_columns=tuple(c for c in old.column_names if c not in new.column_names),
        new_only_columns=tuple(c for c in new.column_names if c not in old.column_names),
    )


def _compare_rows(
    old: Table, new: Table, pks: list[Pk], precision: str | None = None
) -> Iterable[RowChange]:
    if not pks:
        return
    common = [name for name in old.column_names if name in new.column_names]
    old_index = [old.column_names.index(name) for name in common]
    new_index = [new.column_names.index(name) for name in common]
    old_rows, new_rows = old.decode(pks), new.decode(pks)
    for pk in sort_pks(pks):
        old_row, new_row = old_rows[pk], new_rows[pk]
        fields = tuple(
            FieldChange(name, old_row[i], new_row[j])
            for name, i, j in zip(common, old_index, new_index, strict=True)
            if not same_value(
                at_precision(old_row[i], precision), at_precision(new_row[j], precision)
            )
        )
        if fields:
            yield RowChange(pk, fields)
