"""Resolve a fixture's natural keys to the real keys of a source that has them.

A fixture dumped with ``--natural-primary`` has no primary keys: its rows
are keyed by their natural key, rendered ``natural:('alice')``, and with
``--natural-foreign`` its foreign keys point to such texts. Compared with a
SQL dump or a live database as they are, every user would be "deleted and
added" and every row pointing at one "dangling". Where the other source has
the row, its natural key is computed from that row's columns and the text
becomes that row's real key, in the fixture's keys and in every column
that holds it.

Only exact matches count: a natural key whose text names rows of more than
one table is left as it is, and so is one that the other source lacks (a
deleted user, whose real key nobody knows any more); the planner refuses
to write such a row (``ConflictKind.UNRESOLVED_KEY``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeGuard

from repairkit.snapshot import ContentTypeRef, MemoryRowStore, Pk, Row, Table, Value
from repairkit.values import NATURAL_KEY_PREFIX, render_key, render_natural_key

from .fixture_dump import KNOWN_NATURAL_KEYS


def is_natural_key(value: object) -> TypeGuard[str]:
    """Tell whether ``value`` is a natural key left unresolved, ``natural:(...)``."""
    return isinstance(value, str) and value.startswith(NATURAL_KEY_PREFIX)


def find_real_keys(tables: Mapping[str, Table], reference: Mapping[str, Table]) -> dict[str, Pk]:
    """Map each natural key text of the fixture ``tables`` to the real key ``reference`` has.

    A fixture table's natural keys are those of its model (``KNOWN_NATURAL_KEYS``);
    a text found in two tables is ambiguous and left out.
    """
    found: dict[str, Pk] = {}
    ambiguous: set[str] = set()
    for name, table in tables.items():
        fields = KNOWN_NATURAL_KEYS.get((table.model or "").lower())
        other = reference.get(name)
        if fields is None or other is None or not any(is_natural_key(pk) for pk in table.pks):
            continue
        columns = _natural_key_columns(fields, other)
        if columns is None:
            continue
        for pk, row in other.decode().items():
            text = render_natural_key(_parts([row[index] for index in columns]))
            if text in found and found[text] != pk:
                ambiguous.add(text)
            found[text] = pk
    return {text: pk for text, pk in found.items() if text not in ambiguous}


def _natural_key_columns(fields: tuple[str, ...], table: Table) -> list[int] | None:
    names = table.column_names
    columns = []
    for field in fields:
        if field in names:
            columns.append(names.index(field))
        elif f"{field}_id" in names:
            columns.append(names.index(f"{field}_id"))
        else:
            return None
    return columns


def _parts(values: list[Value]) -> list[object]:
    # As the fixture reader flattens a natural foreign key into the key's parts.
    parts: list[object] = []
    for value in values:
        if isinstance(value, ContentTypeRef):
            parts.extend((value.app_label, value.model))
        else:
            parts.append(value)
    return parts


def resolve_natural_keys(table: Table, real_keys: Mapping[str, Pk]) -> Table:
    """Return ``table`` with every resolvable natural key replaced by the real key.

    A key of several columns (a many-to-many pair) is rendered anew from the
    resolved values, as the other readers render it.
    """
    if not real_keys:
        return table
    names = table.column_names
    key_index = [names.index(name) for name in table.key]
    rows: dict[Pk, Row] = {}
    changed = False
    for pk, row in table.decode().items():
        values = tuple(
            real_keys.get(value, value) if is_natural_key(value) else value for value in row
        )
        if values != row:
            changed = True
            pk = _row_pk(values, key_index, pk, real_keys)
        rows[pk] = values
    if not changed:
        return table
    return Table(
        table.name, table.columns, table.pk, MemoryRowStore(rows), model=table.model,
        parent=table.parent, key=table.key,
    )  # fmt: skip


def _row_pk(values: Row, key_index: list[int], pk: Pk, real_keys: Mapping[str, Pk]) -> Pk:
    if len(key_index) > 1:
        return render_key([values[index] for index in key_index])
    value = values[key_index[0]]
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    return real_keys.get(pk, pk) if isinstance(pk, str) else pk
