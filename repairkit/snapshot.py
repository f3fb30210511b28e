"""Snapshot, Table, Column: the in-memory row sets that readers produce.

A table's rows are held by a ``RowStore``. Decoding every value of a large
dump is the slow part of reading it, so a store keeps one *fingerprint* per
row (a hash of the row as stored) and decodes values only when asked. Two
stores with the same ``fingerprint_scheme`` and the same columns hold equal
rows wherever their fingerprints are equal, which lets the diff decode only
the rows that changed.
"""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from collections.abc import Collection, Iterable, KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

# The table of Django's content types; its rows give ContentTypeRef its
# meaning, so every reader and writer names it from here.
CONTENT_TYPE_TABLE = "django_content_type"


@dataclass(frozen=True, slots=True, order=True)
class ContentTypeRef:
    """A pointer to a Django content type, by natural key rather than by id.

    Content type ids differ between databases; ``app_label`` and the lower-case
    ``model`` name do not.
    """

    app_label: str
    model: str

    def __str__(self) -> str:
        return f"{self.app_label}.{self.model}"


@dataclass(frozen=True, slots=True, order=True)
class JsonValue:
    """A JSON document by value: ``text`` is canonical (sorted keys, no spaces).

    ``JsonValue("null")`` is the JSON null a JSONField can hold; SQL NULL is
    ``None``, a different value. Equal documents have equal texts however
    they were written, so they compare equal. ``written`` is the text as
    the source stored it (key order, spacing, ``\\u`` escapes), which is what
    a database without a JSON type holds; it takes no part in comparing.
    """

    text: str
    written: str | None = field(default=None, compare=False)

    @property
    def stored_text(self) -> str:
        """Return the text to store: as the source wrote it, else the canonical text."""
        return self.written if self.written is not None else self.text

    def load(self) -> object:
        """Return the document as Python data, keys in the order the source wrote them."""
        return json.loads(self.stored_text)

    def __str__(self) -> str:
        return self.text


Pk = int | str
Value = (
    None
    | bool
    | int
    | float
    | str
    | bytes
    | Decimal
    | datetime.date
    | datetime.datetime
    | datetime.time
    | datetime.timedelta
    | uuid.UUID
    | JsonValue
    | ContentTypeRef
    | bytes
    | uuid.UUID
    | datetime.timedelta
)
Row = tuple[Value, ...]


class ColumnKind(str, enum.Enum):
    """What a reader knows about a column beyond its name."""

    PLAIN = "plain"
    DECIMAL = "decimal"
    BABEL = "babel"  # one language of a multilingual (Lino babel) field
    CONTENT_TYPE = "content_type"  # foreign key to django_content_type
    PARENT_LINK = "parent_link"  # multi-table inheritance: the key shared with the parent
    CHOICE = "choice"  # a Lino choicelist value: a text that is never NULL in the database
    # Written as text in a dump directory and marked in its restore.py
    # (readers/lino/text_kinds.py): repairkit's restore directories write them.
    UUID = "uuid"
    DURATION = "duration"
    BINARY = "binary"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class Column:
    """One database column: its name (the attname, e.g. ``country_id``) and kind.

    ``references`` names the table the column points to where the reader
    knows it (multi-table-inheritance links, content type pointers).
    """

    name: str
    kind: ColumnKind = ColumnKind.PLAIN
    references: str | None = None


class RowStore(Protocol):
    """Holds a table's rows; values are decoded only when asked for."""

    @property
    def fingerprint_scheme(self) -> str:
        """Name the encoding that fingerprints were computed over."""

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        """Map each primary key to a hash of its row as stored."""

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Return the decoded rows for ``pks`` (all rows when None), by primary key."""


@runtime_checkable
class IntegerSearchableStore(Protocol):
    """A row store that can find the rows holding some integers without decoding the rest."""

    def decode_holding(
        self, keys: Collection[int], columns: Collection[int] | None = None
    ) -> dict[Pk, Row]:
        """Decode the rows that may hold one of ``keys``: at least all that do.

        ``columns`` are the indexes in the row of the columns to look in;
        None looks in every one.
        """


class MemoryRowStore:
    """A row store for rows that are already decoded."""

    fingerprint_scheme = "values"

    def __init__(self, rows: Mapping[Pk, Row]) -> None:
        self._rows = dict(rows)
        # hash(repr(row)), not hash(row): equal hashes must mean equal values of equal
        # types, and Python hashes -1 like -2, True like 1, and 1 like 2**61 (about
        # 1.9 µs more per row; a repr that differs for equal values only costs a compare).
        self._fingerprints = {pk: hash(repr(row)) for pk, row in self._rows.items()}

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self._fingerprints

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        if pks is None:
            return dict(self._rows)
        return {pk: self._rows[pk] for pk in pks if pk in self._rows}


class Table:
    """One database table of a snapshot: columns, primary key and rows.

    ``key`` names the columns that identify a row, where that is more than
    ``pk`` alone: a composite primary key, or the pair of an auto-created
    many-to-many table, whose surrogate ``id`` the readers leave out. The
    row's ``Pk`` is then the key's values rendered as one text
    (``values.render_key``); writers take the key's values from the row.
    """

    def __init__(
        self,
        name: str,
        columns: Iterable[Column],
        pk: str,
        store: RowStore,
        *,
        model: str | None = None,
        parent: str | None = None,
        key: Sequence[str] | None = None,
    ) -> None:
        self.name = name
        self.columns = tuple(columns)
        self.pk = pk
        self.store = store
        self.model = model  # "app_label.ModelName", where the source tells
        self.parent = parent  # db table of the multi-table-inheritance parent
        if pk not in self.column_names:
            raise ValueError(f"primary key {pk!r} is not a column of {name!r}")
        self.key = tuple(key) if key else (pk,)
        if self.key[0] != pk or not set(self.key) <= set(self.column_names):
            raise ValueError(
                f"key {self.key!r} of {name!r} must start with {pk!r}, among its columns"
            )

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def pks(self) -> KeysView[Pk]:
        return self.store.fingerprints.keys()

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self.store.fingerprints

    def column(self, name: str) -> Column:
        """Return the column called ``name``.

        :raises KeyError: if there is none.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Return decoded rows (all of them when ``pks`` is None), by primary key."""
        return self.store.decode(pks)

    def records(self, pks: Collection[Pk] | None = None) -> dict[Pk, dict[str, Value]]:
        """Return rows as ``{column name: value}`` dicts, by primary key."""
        names = self.column_names
        return {pk: dict(zip(names, row, strict=True)) for pk, row in self.decode(pks).items()}

    def records_holding(
        self, keys: Collection[int], columns: Collection[str] | None = None
    ) -> dict[Pk, dict[str, Value]] | None:
        """Return the rows that may hold one of the integers ``keys``, as ``records`` does.

        Every row holding one in one of ``columns`` (in any column when None)
        is among them, others may be; None when the store cannot tell
        without decoding every row.
        """
        if not isinstance(self.store, IntegerSearchableStore):
            return None
        names = self.column_names
        indexes = None if columns is None else [names.index(name) for name in columns]
        rows = self.store.decode_holding(keys, indexes)
        return {pk: dict(zip(names, row, strict=True)) for pk, row in rows.items()}

    def __len__(self) -> int:
        return len(self.store.fingerprints)

    def __contains__(self, pk: object) -> bool:
        return pk in self.store.fingerprints

    def __repr__(self) -> str:
        key = self.pk if len(self.key) == 1 else "(" + ", ".join(self.key) + ")"
        return f"<Table {self.name} {len(self)} rows pk={key}>"


class Snapshot:
    """The state of one database at one moment: its tables by db table name.

    ``tables`` keeps the order the source gives, which for a Lino dump is an
    order that respects foreign keys where one exists.
    """

    def __init__(
        self, label: str, tables: Iterable[Table], info: Mapping[str, str] | None = None
    ) -> None:
        self.label = label
        self.tables = {table.name: table for table in tables}
        self.info = dict(info or {})

    def __len__(self) -> int:
        return sum(len(table) for table in self.tables.values())

    def __repr__(self) -> str:
        return f"<Snapshot {self.label} {len(self.tables)} tables {len(self)} rows>"
