"""A schema mapping: how a backup's tables and columns are named in today's schema.

For the simple cases of an upgrade: a table renamed or moved to another
app, a column renamed or dropped, a new column that needs a value in the
restored rows. Given on the command line or in a YAML file
(docs/upgrades.md)::

    rename_tables:  {repairdemo_note: notes_note}
    rename_columns: {repairdemo_partner.city: town}
    drop_columns:   [repairdemo_country.short_code]
    set_columns:    {repairdemo_order.priority: 3}

Column entries name the backup's table. ``apply_mapping`` returns new
snapshots whose tables and rows are in today's names; rows are mapped
when decoded, nothing is copied before.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repairkit.errors import PlanError
from repairkit.snapshot import Column, Pk, Row, RowStore, Snapshot, Table, Value

__all__ = ["MappingError", "SchemaMapping", "apply_mapping", "read_mapping_file"]

_FILE_KEYS = ("rename_tables", "rename_columns", "drop_columns", "set_columns")


class MappingError(PlanError):
    """A mapping that is malformed, or names a table or column that does not exist."""


@dataclass(frozen=True, slots=True)
class SchemaMapping:
    """Renames, drops and values that bring a backup's rows into today's schema."""

    tables: dict[str, str] = field(default_factory=dict)  # backup table -> today's
    columns: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, old) -> new
    drops: frozenset[tuple[str, str]] = frozenset()  # (table, column)
    values: dict[tuple[str, str], Value] = field(default_factory=dict)  # (table, new column)

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns or self.drops or self.values)

    def merged(self, other: SchemaMapping) -> SchemaMapping:
        """Return this mapping with ``other``'s entries added (``other`` wins)."""
        return SchemaMapping(
            {**self.tables, **other.tables}, {**self.columns, **other.columns},
            self.drops | other.drops, {**self.values, **other.values},
        )  # fmt: skip

    def describe(self) -> list[str]:
        """Return one line per entry, for the plan."""
        lines = [f"table {old} -> {new}" for old, new in self.tables.items()]
        lines += [f"column {t}.{old} -> {new}" for (t, old), new in self.columns.items()]
        lines += [f"column {t}.{c} dropped" for t, c in sorted(self.drops)]
        lines += [f"column {t}.{c} = {v!r} in restored rows" for (t, c), v in self.values.items()]
        return lines


def parse_mapping_options(
    rename_tables: Iterable[str], rename_columns: Iterable[str],
    drop_columns: Iterable[str], set_columns: Iterable[str],
) -> SchemaMapping:  # fmt: skip
    """Build a mapping from ``OLD=NEW``, ``T.OLD=NEW``, ``T.C`` and ``T.C=JSON`` option texts.

    :raises MappingError: for a text not in that form, or a value that is not JSON.
    """
    tables = dict(_pair(text, "--rename-table", "OLD=NEW") for text in rename_tables)
    columns = {}
    for text in rename_columns:
        old, new = _pair(text, "--rename-column", "TABLE.OLD=NEW")
        columns[_dotted(old, "--rename-column", text)] = new
    drops = frozenset(_dotted(text, "--drop-column", text) for text in drop_columns)
    values = {}
    for text in set_columns:
        name, _, literal = text.partition("=")
        if not _:
            raise MappingError(f"--set-column {text!r} is not TABLE.COLUMN=VALUE")
        values[_dotted(name, "--set-column", text)] = _json_value(literal, f"--set-column {text!r}")
    return SchemaMapping(tables, columns, drops, values)


def read_mapping_file(path: Path) -> SchemaMapping:
    """Read a mapping file (YAML, or JSON, which is YAML too).

    :raises MappingError: if it cannot be read, or is not a mapping of the known keys.
    """
    import yaml

    where = f"mapping file {path}"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise MappingError(f"{where}: cannot read it: {err}") from err
    if document is None:
        return SchemaMapping()
    if not isinstance(document, dict) or not set(document) <= set(_FILE_KEYS):
        unknown = sorted(set(document) - set(_FILE_KEYS)) if isinstance(document, dict) else None
        raise MappingError(
            f"{where}: expected a mapping with the keys {', '.join(_FILE_KEYS)}"
            + (f"; unknown: {', '.join(map(str, unknown))}" if unknown else "")
        )
    tables = _str_dict(document.get("rename_tables"), where, "rename_tables")
    columns = {
        _dotted(key, f"{where}: rename_columns", key): new
        for key, new in _str_dict(document.get("rename_columns"), where, "rename_columns").items()
    }
    drops_list = document.get("drop_columns") or []
    if not isinstance(drops_list, list) or not all(isinstance(d, str) for d in drops_list):
        raise MappingError(f"{where}: drop_columns must be a list of TABLE.COLUMN")
    drops = frozenset(_dotted(d, f"{where}: drop_columns", d) for d in drops_list)
    raw_values = document.get("set_columns") or {}
    if not isinstance(raw_values, dict):
        raise MappingError(f"{where}: set_columns must map TABLE.COLUMN to a value")
    values: dict[tuple[str, str], Value] = {}
    for key, value in raw_values.items():
        if value is not None and not isinstance(value, (bool, int, str)):
            raise MappingError(f"{where}: set_columns {key}: {value!r} is not a number or text")
        values[_dotted(str(key), f"{where}: set_columns", str(key))] = value
    return SchemaMapping(tables, columns, drops, values)


def _pair(text: str, option: str, form: str) -> tuple[str, str]:
    old, equals, new = text.partition("=")
    if not equals or not old.strip() or not new.strip():
        raise MappingError(f"{option} {text!r} is not {form}")
    return old.strip(), new.strip()


def _dotted(text: str, where: str, whole: str) -> tuple[str, str]:
    table, dot, column = text.strip().partition(".")
    if not dot or not table or not column:
        raise MappingError(f"{where} {whole!r}: expected TABLE.COLUMN")
    return table, column


def _json_value(literal: str, where: str) -> Value:
    try:
        value = json.loads(literal)
    except json.JSONDecodeError as err:
        raise MappingError(
            f'{where}: the value must be JSON (3, "text", null, true): {err}'
        ) from err
    if value is not None and not isinstance(value, (bool, int, str)):
        raise MappingError(f"{where}: {value!r} is not a number, a text, true/false or null")
    return value


def _str_dict(value: Any, where: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise MappingError(f"{where}: {key} must map names to names")
    return dict(value)


def apply_mapping(
    backups: Sequence[Snapshot],
    mapping: SchemaMapping,
    today: Mapping[str, Collection[str]],
    models: Mapping[str, str | None] | None = None,
) -> list[Snapshot]:
    """Return ``backups`` with ``mapping`` applied, columns in today's order where known.

    ``today`` maps today's tables to their columns (current state and site),
    ``models`` today's tables to their models (``app_label.Model``), for a
    table that moved to another app.

    :raises MappingError: for a table or column that no backup has, or that
        today's schema does not have.
    """
    _check_names(backups, mapping, today)
    mapped = []
    for backup in backups:
        tables = [_map_table(t, mapping, today, models or {}) for t in backup.tables.values()]
        # A copy keeps what a reader's own Snapshot subclass carries (fixture content types).
        snapshot = copy.copy(backup)
        snapshot.tables = {table.name: table for table in tables}
        mapped.append(snapshot)
    return mapped


def _check_names(
    backups: Sequence[Snapshot], mapping: SchemaMapping, today: Mapping[str, Collection[str]]
) -> None:
    in_backups: dict[str, set[str]] = {}
    for backup in backups:
        for name, shape in backup.tables.items():
            in_backups.setdefault(name, set()).update(shape.column_names)
    for old, new in mapping.tables.items():
        if old not in in_backups:
            raise MappingError(f"rename table {old!r}: no backup has this table")
        if new not in today:
            raise MappingError(f"rename table {old!r} to {new!r}: today's schema has no {new!r}")
    for what, keys in (("rename column", mapping.columns), ("drop column", mapping.drops)):
        for table, column in keys:
            if table not in in_backups:
                raise MappingError(f"{what} {table}.{column}: no backup has table {table!r}")
            if column not in in_backups[table]:
                raise MappingError(f"{what} {table}.{column}: no backup has column {column!r}")
    for (table, old), new in mapping.columns.items():
        target = mapping.tables.get(table, table)
        if target in today and new not in today[target]:
            raise MappingError(
                f"rename column {table}.{old} to {new!r}: today's {target} has no column {new!r}"
            )
    for table, column in mapping.values:
        target = mapping.tables.get(table, table)
        if table not in in_backups:
            raise MappingError(f"set column {table}.{column}: no backup has table {table!r}")
        if target not in today or column not in today[target]:
            raise MappingError(f"set column {table}.{column}: today's {target} has no such column")


def _map_table(
    table: Table,
    mapping: SchemaMapping,
    today: Mapping[str, Collection[str]],
    models: Mapping[str, str | None],
) -> Table:
    name = table.name
    renamed = {old: new for (t, old), new in mapping.columns.items() if t == name}
    dropped = {column for t, column in mapping.drops if t == name}
    values = {column: value for (t, column), value in mapping.values.items() if t == name}
    new_name = mapping.tables.get(name, name)
    if new_name == name and not renamed and not dropped and not values:
        return table
    sources: list[tuple[Column, int | None]] = []
    for index, column in enumerate(table.columns):
        if column.name not in dropped:
            new_name_of = renamed.get(column.name, column.name)
            sources.append((Column(new_name_of, column.kind, column.references), index))
    present = {column.name for column, _ in sources}
    sources += [(Column(c), None) for c in values if c not in present]
    order = list(today.get(new_name, ()))
    sources.sort(key=lambda s: order.index(s[0].name) if s[0].name in order else len(order))
    pk = renamed.get(table.pk, table.pk)
    store = _MappedStore(table.store, [index for _, index in sources], [
        values.get(column.name) for column, _ in sources
    ])  # fmt: skip
    columns = [column for column, _ in sources]
    if pk not in present:
        raise MappingError(f"{name}: the mapping drops the primary key {table.pk!r}")
    model = models.get(new_name) or table.model if new_name != name else table.model
    key = [renamed.get(column, column) for column in table.key]
    return Table(new_name, columns, pk, store, model=model, parent=_parent(table, mapping), key=key)


def _parent(table: Table, mapping: SchemaMapping) -> str | None:
    return None if table.parent is None else mapping.tables.get(table.parent, table.parent)


class _MappedStore:
    """Rows of another store with columns picked, reordered and filled in when decoded."""

    def __init__(self, store: RowStore, indexes: list[int | None], constants: list[Value]) -> None:
        self._store = store
        self._indexes = indexes
        self._constants = constants
        # Another scheme: fingerprints of mapped rows must not match the unmapped encoding.
        self.fingerprint_scheme = f"{store.fingerprint_scheme}+mapped"

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self._store.fingerprints

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        rows = self._store.decode(pks)
        pairs = list(zip(self._indexes, self._constants, strict=True))
        return {
            pk: tuple(row[i] if i is not None else v for i, v in pairs) for pk, row in rows.items()
        }
