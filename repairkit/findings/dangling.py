"""Find links that point to rows the new snapshot does not have.

The link graph comes from ``repairkit.links``: multi-table-inheritance
parent links, content type + object id pairs (Django's generic foreign
keys), and foreign keys guessed from column names (``country_id`` -> the
table of the model ``<app>.Country``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from repairkit.diff import Changeset
from repairkit.integer_tokens import integer_keys
from repairkit.links import (
    content_type_table,
    find_generic_links,
    infer_links,
    tables_by_model,
)
from repairkit.snapshot import Pk, Snapshot, Table, Value
from repairkit.values import sort_pks

from .records import Finding, FindingKind, describe_pks


def find_dangling(changeset: Changeset, old: Snapshot, new: Snapshot) -> list[Finding]:
    """Return one finding per table and link whose rows point to missing rows in ``new``.

    Only links that dangle now and did not dangle in ``old`` the same way
    are reported. A row whose link columns did not change can only start to
    dangle when the key it points at was deleted: so only the added rows,
    the changed rows whose link columns changed, and the rows that hold a
    deleted key of a table they point to are looked at.
    """
    links, generic = infer_links(new.tables), find_generic_links(new.tables)
    model_tables = tables_by_model(new.tables)
    lost = {
        name: set(changeset.tables[name].deleted)
        if name in changeset.tables  # the diff knows already
        else _lost_rows(old, new, name)
        for name in new.tables
    }
    findings = []
    for name, diff in changeset.tables.items():
        table = new.tables[name]
        own_links = [link for link in links if link.table == name and link.target in new.tables]
        own_generic = [link for link in generic if link.table == name]
        if not own_links and not own_generic:
            continue
        # The keys whose deletion can make an unchanged row of this table dangle.
        deleted = set().union(
            *(lost[link.target] for link in own_links),
            *(lost.values() if own_generic else ()),
        )
        link_columns = {link.column for link in own_links} | {
            column for gfk in own_generic for column in (gfk.type_column, gfk.id_column)
        }
        relinked = {
            change.pk
            for change in diff.changed
            if any(field.column in link_columns for field in change.fields)
        }
        records = _records_to_check(table, set(diff.added) | relinked, deleted, link_columns)
        if not records:
            continue
        old_table = old.tables.get(name)
        for link in own_links:
            misses = {
                pk: (link.target, record[link.column])
                for pk, record in records.items()
                if _dangles(record[link.column], new.tables[link.target])
            }
            misses = _new_since(misses, records, (link.column,), old_table, old)
            if misses:
                findings.append(_finding(name, (link.column,), misses))
        for gfk in own_generic:
            misses = {}
            for pk, record in records.items():
                target = content_type_table(record[gfk.type_column], model_tables)
                if (
                    target is not None
                    and target in new.tables
                    and _dangles(record[gfk.id_column], new.tables[target])
                ):
                    misses[pk] = (target, record[gfk.id_column])
            fields = (gfk.type_column, gfk.id_column)
            misses = _new_since(misses, records, fields, old_table, old)
            if misses:
                findings.append(_finding(name, fields, misses))
    return findings


def _records_to_check(
    table: Table, pks: set[Pk], deleted: set[Pk], link_columns: set[str]
) -> dict[Pk, dict[str, Value]]:
    """Return the rows that may dangle now and did not before: ``pks``, and those that may
    point at a ``deleted`` key through one of ``link_columns``.

    A row that holds one of those keys holds it as an integer where the keys
    are integers, which a store may find without decoding the others
    (``Table.records_holding``); otherwise every row is read.
    """
    if not deleted:
        return table.records(pks) if pks else {}
    keys = integer_keys(deleted)
    holding = table.records_holding(keys, link_columns) if keys is not None else None
    if holding is None:
        return table.records(None)
    missing = pks - holding.keys()
    return {**holding, **table.records(missing)} if missing else holding


def _lost_rows(old: Snapshot, new: Snapshot, name: str) -> set[Pk]:
    if name not in old.tables:
        return set()
    return set(old.tables[name].pks - new.tables[name].pks)


def _dangles(value: Value, target: Table) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool) and value not in target


def _new_since(
    misses: dict[Pk, tuple[str, Value]], records: Mapping[Pk, Mapping[str, Value]],
    fields: tuple[str, ...], old_table: Table | None, old: Snapshot,
) -> dict[Pk, tuple[str, Value]]:  # fmt: skip
    """Drop the rows that held the same link to the same missing row in ``old`` already."""
    if not misses or old_table is None:
        return misses
    old_records = old_table.records(misses.keys())

    def dangled_before(pk: Pk, target: str, value: Value) -> bool:
        return (
            pk in old_records
            and all(old_records[pk].get(f) == records[pk][f] for f in fields)
            and (target not in old.tables or value not in old.tables[target])
        )

    return {pk: miss for pk, miss in misses.items() if not dangled_before(pk, *miss)}


def _finding(
    table: str, fields: tuple[str, ...], misses: Mapping[Pk, tuple[str, Value]]
) -> Finding:
    by_target: dict[str, set[Pk]] = defaultdict(set)
    for target, value in misses.values():
        by_target[target].add(value)  # type: ignore[arg-type]  # _dangles checked int | str
    missing = "; ".join(
        f"{target} {describe_pks(sort_pks(pks))}" for target, pks in sorted(by_target.items())
    )
    rows = "1 row" if len(misses) == 1 else f"{len(misses)} rows"
    return Finding(
        FindingKind.DANGLING, table, fields, sort_pks(misses),
        f"{rows} of {table} point through {'+'.join(fields)} to rows that do not exist: {missing}",
    )  # fmt: skip
