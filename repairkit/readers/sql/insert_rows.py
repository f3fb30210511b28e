"""Keep the rows of INSERT statements as their tuples' text: checked now, decoded when asked.

Reading every literal of every INSERT into Python values was most of the
time of reading a ``sqlite3 .dump``, a ``pg_dump --inserts`` or a
``mariadb-dump``. A row tuple ``(1,'a',NULL)`` is the dump tool's text of
one row, so two dumps that hold the same tuple text for a table (with the
same dialect, columns and types, and for PostgreSQL the same
``standard_conforming_strings``) hold the same row: each tuple is kept as
text, fingerprinted by ``hash()``, and the diff decodes only the rows
whose tuples differ (``RowStore`` in ``repairkit.snapshot``), as
``copy_rows`` does for COPY lines.

Nothing goes unchecked for that. Every tuple is matched, when read,
against its table's pattern (``tuple_check``: one ``match`` in C), built
column by column from what the column's converter reads without fault:
``NULL`` or, by type, an integer of a safe number of digits, a plain
string (for SQLite also the ``replace(...,'\\n',char(10))`` that
``sqlite3 .dump`` writes for line breaks), a ``'YYYY-MM-DD'`` date, a timestamp, a decimal number, a
boolean. A column whose type no pattern here decides (floats, times,
JSON, uuids, binary, SQLite's decimals) takes any plain literal, which is
converted when read. A tuple the pattern refuses (a function call, a
cast, an ``E'...'`` string, a 29 February, a fault) is read the slow way,
value by value, which names the fault or accepts it. Decoding, later,
always goes the slow way (``ValuesParser``, the converters), so the
pattern only decides which rows are decoded, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import Pk, Row, Value
from repairkit.values import ValueType, key_of, render_key, value_type_of_sql

from .content_type_columns import ContentTypeColumns
from .converters import (
    MYSQL_BINARY,
    POSTGRES_RANGES,
    POSTGRES_TEXT_TYPES,
    Converter,
    may_give_integer,
)
from .copy_rows import DATE_TEXT, TIMESTAMP_TEXT, convert_row
from .insert_blocks import unmatched
from .kept_texts import KeptTexts, KeyedTexts, keyed_texts
from .schema import TableSchema
from .sqlite import Affinity, affinity_of, decimal_places
from .statements import Dialect
from .values import RawValue, ValuesParser, ValueSyntaxError

_NULL = "NULL"
_BOOLEAN = "[01]|true|false|TRUE|FALSE"
_DECIMAL = r"-?[0-9]{1,100}(?:\.[0-9]{1,100})?"
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_DIGITS = {16: 4, 32: 9, 64: 18}  # digits that always fit a signed integer of so many bits
_INTEGER = re.compile(r"-?[0-9]{1,18}")
# SQLite's decimal: no exponent, so never an infinite REAL (scale None: nothing to quantize).
_SQLITE_DECIMAL = r"-?[0-9]{1,20}(?:\.[0-9]{1,25})?"
# A SQLite string must hold no NUL: its tuple is also handed to SQLite as text (sqlite_grammar).
_SQLITE_STRING = r"'[^'\x00]*(?:''[^'\x00]*)*'"
# A text with line breaks, as sqlite3 .dump writes it (before unistr()): pure built-in functions.
_SQLITE_TEXT = (
    rf"{_SQLITE_STRING}|replace\({_SQLITE_STRING},'\\n',char\(10\)\)"
    rf"|replace\({_SQLITE_STRING},'\\r',char\(13\)\)"
    rf"|replace\(replace\({_SQLITE_STRING},'\\r',char\(13\)\),'\\n',char\(10\)\)"
)
_STANDARD_STRING = r"'[^']*(?:''[^']*)*'"
_NO_BACKSLASH_STRING = r"'[^'\\]*(?:''[^'\\]*)*'"  # means the same with or without escapes
_BACKSLASH_STRING = r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'"
# MySQL: no byte that is not UTF-8 (a surrogate), which a text column refuses.
_MYSQL_TEXT = r"'[^'\\\udc80-\udcff]*(?:(?:\\[^\udc80-\udcff]|'')[^'\\\udc80-\udcff]*)*'"
_SEPARATOR = ", ?"


def _string(dialect: Dialect, standard_strings: bool) -> str:
    """Return the pattern of a string literal whose value is text that the slow way reads alike."""
    if dialect is Dialect.SQLITE:
        return _SQLITE_STRING
    if dialect is Dialect.MYSQL:
        return _MYSQL_TEXT
    return _STANDARD_STRING if standard_strings else _NO_BACKSLASH_STRING


def _any_string(dialect: Dialect, standard_strings: bool) -> str:
    """Return the pattern of any plain string literal of the dialect, for a column converted now."""
    if dialect is Dialect.SQLITE:
        return _SQLITE_STRING
    if dialect is Dialect.MYSQL or not standard_strings:
        return _BACKSLASH_STRING
    return _STANDARD_STRING


def _typed_literal(declared: str, dialect: Dialect, standard_strings: bool) -> str | None:
    """Return the pattern of a column's non-NULL literals, or None for a type converted when read.

    Each pattern accepts only literals that the column's converter
    (``converters.make_converter``) reads without fault; an integer
    pattern's literal, read as an int, the converter returns as it is.
    """
    value_type = value_type_of_sql(declared)
    base = declared.strip().lower()
    quoted_date, quoted_timestamp = f"'{DATE_TEXT}'", f"'{TIMESTAMP_TEXT}'"
    if dialect is Dialect.SQLITE:
        # Type affinity first (``sqlite.store``): only where it leaves these literals alone.
        affinity = affinity_of(declared)
        if value_type is ValueType.TEXT and affinity in (Affinity.TEXT, Affinity.BLOB):
            return _SQLITE_TEXT
        if value_type is ValueType.INTEGER and affinity is Affinity.INTEGER:
            return r"-?[0-9]{1,18}"
        if value_type is ValueType.BOOLEAN and affinity in (Affinity.INTEGER, Affinity.NUMERIC):
            return _BOOLEAN
        if (
            value_type is ValueType.DECIMAL
            and affinity in (Affinity.NUMERIC, Affinity.REAL)
            and decimal_places(declared) is None
        ):
            return _SQLITE_DECIMAL
        if affinity in (Affinity.NUMERIC, Affinity.TEXT, Affinity.BLOB):
            # A date or timestamp text never reads as a number, so it stays text.
            if value_type is ValueType.DATE:
                return quoted_date
            if value_type is ValueType.DATETIME:
                return quoted_timestamp
        return None
    if dialect is Dialect.POSTGRES and base in POSTGRES_TEXT_TYPES:
        return None
    if dialect is Dialect.MYSQL and MYSQL_BINARY.fullmatch(base):
        return None
    if value_type is ValueType.INTEGER:
        if base.endswith(" unsigned"):
            return r"[0-9]{1,19}"
        bits = POSTGRES_RANGES.get(base, 64) if dialect is Dialect.POSTGRES else 64
        return r"-?[0-9]{1,%d}" % _DIGITS[bits]  # noqa: UP031 -- the braces of {1,n}
    typed = {
        ValueType.TEXT: _string(dialect, standard_strings),
        ValueType.BOOLEAN: _BOOLEAN,
        ValueType.DECIMAL: _DECIMAL,
        ValueType.DATE: quoted_date,
        ValueType.DATETIME: quoted_timestamp,
    }
    return typed.get(value_type)


@dataclass(frozen=True, slots=True)
class TupleCheck:
    """The pattern of one table's row tuples, and the columns it leaves to conversion."""

    pattern: re.Pattern[str]
    unchecked: tuple[int, ...]  # indexes of the columns converted when read
    pieces: tuple[str, ...]  # each column's pattern, to capture the key columns later
    integers: frozenset[int]  # columns whose literals are integers the converter keeps

    def end_of(
        self, text: str, start: int, converters: Sequence[Converter], values: ValuesParser
    ) -> int:
        """Return the offset past the tuple at ``start`` if it decodes without fault, else -1.

        -1 does not mean the tuple is wrong: it is then read the slow way.
        """
        match = self.pattern.match(text, start)
        if match is None:
            return -1
        try:
            for index, literal in zip(self.unchecked, match.groups(), strict=True):
                converters[index](read_literal(literal, values))
        except ValueError:  # ValueSyntaxError too
            return -1
        return match.end()

    def keyed(self, key_columns: Collection[int]) -> re.Pattern[str]:
        """Return the pattern of a tuple's start that captures the literals of ``key_columns``.

        It matches a checked tuple (whichever way it was checked) where its
        first literals take these patterns, whose ends are then the ends the
        slow way finds; elsewhere it matches nothing.
        """
        pieces = [
            ("(" if index in key_columns else "(?:") + piece + ")"
            for index, piece in enumerate(self.pieces[: max(key_columns) + 1])
        ]
        return re.compile(r"\(" + _SEPARATOR.join(pieces) + r"(?:, ?|\))")


def read_literal(text: str, values: ValuesParser) -> RawValue:
    """Return the raw value of one literal as the slow way reads it; short integers at once."""
    if _INTEGER.fullmatch(text):
        return int(text)
    return values.literal(text)


def tuple_check(
    schema: TableSchema,
    dialect: Dialect,
    standard_strings: bool,
    not_null: Collection[int] = (),
) -> TupleCheck:
    """Return the check of ``schema``'s INSERT tuples (in the CREATE TABLE's column order).

    A NULL in a column of ``not_null`` goes the slow way (SQLite judges it).
    """
    pieces, unchecked = [], []
    for index, declared in enumerate(schema.types):
        typed = _typed_literal(declared, dialect, standard_strings)
        null = "" if index in not_null else _NULL + "|"
        if typed is None:
            pieces.append(f"{null}{_NUMBER}|{_any_string(dialect, standard_strings)}")
            unchecked.append(index)
        else:
            pieces.append(f"{null}{typed}")
    captured = [
        ("(" if index in unchecked else "(?:") + piece + ")" for index, piece in enumerate(pieces)
    ]
    pattern = re.compile(r"\(" + _SEPARATOR.join(captured) + r"\)")
    integers = frozenset(i for i, piece in enumerate(pieces) if _INTEGER_PIECE.fullmatch(piece))
    return TupleCheck(pattern, tuple(unchecked), tuple(pieces), integers)


_INTEGER_PIECE = re.compile(r"(?:NULL\|)?(?:-\?)?\[0-9\]\{1,[0-9]+\}")


@dataclass(slots=True)
class InsertedTuples:
    """The INSERT tuples of one table as read, checked and not decoded (``kept_texts``).

    ``standard_strings`` is PostgreSQL's setting they were read under
    (None until the first): a tuple read under another one is decoded at once.
    """

    kept: KeptTexts
    standard_strings: bool | None = None
    check: TupleCheck | None = None
    rowid: re.Pattern[str] | None = None  # captures a SQLite table's INTEGER PRIMARY KEY

    def clear(self) -> None:
        self.kept.clear()


class TupleDecoder:
    """Decode kept tuples of one table, the slow and exact way, into rows."""

    def __init__(
        self,
        path: Path,
        schema: TableSchema,
        converters: Sequence[Converter],
        dialect: Dialect,
        standard_strings: bool,
    ) -> None:
        self.path = path
        self.schema = schema
        self.converters = converters
        self.values = ValuesParser(dialect)
        self.values.standard_strings = standard_strings

    def decode(self, text: str, number: int) -> Row:
        """Return the row of one tuple in the schema's column order.

        :raises DumpFormatError: for a tuple that is not a row of the table.
        """
        schema = self.schema
        try:
            raw, end = self.values.row(text, 0)
        except ValueSyntaxError as err:
            raise DumpFormatError(self.path, number, err.problem) from err
        if end != len(text) or len(raw) != len(schema.columns):
            raise DumpFormatError(
                self.path,
                number,
                f"{schema.name} has {len(schema.columns)} columns, the row has {len(raw)} values",
            )
        return convert_row(self.path, schema, self.converters, raw, number)

    def keys(self, tuples: InsertedTuples, key_columns: list[int]) -> KeyedTexts:
        """Return the tuples with the row's primary key of each, read again from the dump.

        Only the key's literals are read, where the table's pattern finds them;
        a key of the first column that every tuple's pattern proved an integer
        was found when the tuples were read (``first_integer_key``), and
        nothing is read again.

        :raises DumpFormatError: for a key that is not an integer or text, or a duplicate.
        """
        check = tuples.check
        integers = check is not None and set(key_columns) <= check.integers
        if integers and key_columns == [0] and tuples.kept.first_keys is not None:
            return keyed_texts(tuples.kept, self.schema.name, None)
        values_of = self.values_reader(tuples, key_columns)

        def key_of_tuple(text: str, line: int) -> Value:
            key = values_of(text, line)
            return key_of(key[0]) if len(key) == 1 else render_key(key)

        return keyed_texts(tuples.kept, self.schema.name, key_of_tuple)

    def values_reader(
        self, tuples: InsertedTuples, columns: list[int]
    ) -> Callable[[str, int], list[Value]]:
        """Return what reads the values of ``columns`` from one kept tuple and its line.

        Only those columns' literals are read, where the table's pattern finds
        them; elsewhere the tuple is decoded.

        :raises DumpFormatError: from the reader, for a tuple that is not a row.
        """
        converters, values = self.converters, self.values
        check = tuples.check
        pattern = check.keyed(columns) if check is not None else None
        # An integer column needs no converter: its pattern proved the converter keeps it.
        integers = check is not None and set(columns) <= check.integers
        # The groups come in column order, the columns asked maybe not.
        group_of = [sorted(columns).index(i) for i in columns]

        def values_of(text: str, line: int) -> list[Value]:
            match = pattern.match(text) if pattern is not None else None
            if match is None:
                row = self.decode(text, line)
                return [row[i] for i in columns]
            groups = match.groups()
            if integers:
                return [None if groups[g] == _NULL else int(groups[g]) for g in group_of]
            return [
                converters[i](read_literal(groups[g], values))
                for i, g in zip(columns, group_of, strict=True)
            ]

        return values_of


class InsertRowStore:
    """The rows of an INSERT table: a fingerprint of each tuple now, values on demand.

    ``kept`` lists the schema's columns the snapshot holds, in its order
    (an auto-created many-to-many table leaves out its ``id``).
    """

    def __init__(
        self,
        decoder: TupleDecoder,
        kept: Sequence[int],
        tuples: InsertedTuples,
        keyed: KeyedTexts,
        dialect: Dialect,
        content_types: ContentTypeColumns | None = None,
    ) -> None:
        """``content_types``: the columns holding content type ids, resolved when decoded."""
        self._decoder = decoder
        self._kept = list(kept)
        self._tuples = tuples
        self._keyed = keyed
        self._content_types = content_types
        schema = decoder.schema
        self._unplain = _unplain_tuples(tuples.check, schema, dialect)
        # The same text means the same row only read the same way, under the same columns and
        # types, and the same content type ids only under the same map of them.
        self.fingerprint_scheme = "sql-insert-tuple:" + repr(
            (dialect.value, tuples.standard_strings, schema.columns, schema.types)
        )
        if content_types is not None:
            self.fingerprint_scheme += ";content-types=" + content_types.scheme()

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self._keyed.fingerprints

    @property
    def kept_texts(self) -> KeptTexts:
        """Return the texts of the rows, as kept: by their place in the dump, or held."""
        return self._keyed.texts

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Return the rows for ``pks`` (all when None), decoded from their tuples.

        :raises DumpFormatError: for a tuple that is not what was read, or not a row.
        """
        return self._keyed.decode(self._decode_tuple(), self._kept, pks)

    def decode_holding(
        self, keys: Collection[int], columns: Collection[int] | None = None
    ) -> dict[Pk, Row]:
        """Decode the rows that hold one of ``keys`` in ``columns`` (all when None), by index.

        Only the tuples that may hold one are read (``KeyedTexts.decode_holding``).

        :raises DumpFormatError: as ``decode``.
        """
        if self._unplain is None:
            return self.decode()
        looked_in = sorted(self._kept[i] for i in columns) if columns is not None else self._kept
        if not looked_in:
            return {}
        values_of = self._decoder.values_reader(self._tuples, looked_in)
        decode = self._decode_tuple()
        return self._keyed.decode_holding(decode, self._kept, keys, self._unplain, values_of)

    def _decode_tuple(self) -> Callable[[str, int], Row]:
        content_types, decode = self._content_types, self._decoder.decode
        if content_types is None:
            return decode

        def decode_resolved(text: str, number: int) -> Row:
            return content_types.resolve(decode(text, number), number)

        return decode_resolved


def _unplain_tuples(
    check: TupleCheck | None, schema: TableSchema, dialect: Dialect
) -> Callable[[Sequence[str]], list[int]] | None:
    """Return what gives, of a list of tuples, those that may hold an integer not written as
    a digit token.

    Those are the tuples the table's pattern does not match: its integer
    columns take plain digits, its other typed columns no integer. None
    where a column the pattern leaves to conversion may read as an integer
    (a SQLite text column holding ``'42'``, say): then every tuple may.
    """
    if check is None or any(may_give_integer(schema.types[i], dialect) for i in check.unchecked):
        return None
    return partial(unmatched, check.pattern)  # a store is pickled: no closure
