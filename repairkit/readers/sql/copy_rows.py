"""Keep the rows of a pg_dump COPY block as their lines: checked now, decoded when asked.

Converting every value of every row into Python objects was most of the
time and memory of reading a pg_dump. A COPY line is the server's text
of one row, so two dumps of one table that hold the same line (with the
same columns and types) hold the same row: the lines are kept, each is
fingerprinted by ``hash()``, and the diff decodes only the rows whose
lines differ (``RowStore`` in ``repairkit.snapshot``). A line is kept by
its place in the file and read again when decoded (``kept_texts``).

Nothing goes unchecked for that. Every line is matched, when read, against
its table's pattern (``copy_line_pattern``: one ``fullmatch`` in C). A
column's pattern only accepts text that its converter reads without
fault, so a match means the row decodes; what no pattern here decides
exactly (JSON, floats, times, uuids, intervals, bytea) is a column whose
values are converted when read, one by one. A line the pattern refuses is
read the slow way, value by value, which names the first fault, or accepts
the rare value the pattern is too narrow for (a 29 February, a year past
8999, an octal escape). So a dump is refused where today's reader refuses
it, with the same message, file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import Pk, Row, Value
from repairkit.values import key_of

from .content_type_columns import ContentTypeColumns
from .converters import Converter, may_give_integer
from .copy_lines import NULL, CopyLineError, read_copy_line, read_field
from .insert_blocks import unmatched
from .kept_texts import KeptTexts, KeyedTexts
from .schema import TableSchema
from .statements import Dialect
from .values import RawValue

_NULL = r"\\N"
_TEXT = r"[^\t\\]*(?:\\[bfnrtv\\][^\t\\]*)*"  # no octal or hex escape: those must be UTF-8 together
_UNCHECKED = r"[^\t]*"
_INTEGER_DIGITS = {"smallint": 4, "int2": 4, "smallserial": 4, "integer": 9, "int": 9,
                   "int4": 9, "serial": 9}  # fmt: skip
_DECIMAL = r"-?[0-9]{1,100}(?:\.[0-9]{1,100})?"
# Days that every month of its kind has; a 29 February goes the slow way. The date
# and timestamp patterns are shared with INSERT literals (``insert_rows``).
DATE_TEXT = (
    r"[1-8][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
_OFFSET = r"(?:[-+](?:0[0-9]|1[0-3])(?::[0-5][0-9])?)?"
TIMESTAMP_TEXT = DATE_TEXT + " " + _CLOCK + _OFFSET


def _typed_pattern(declared: str) -> str | None:
    """Return the pattern of a column's non-NULL text, or None for a type converted when read."""
    base = declared.strip().lower()
    if base in ("bool", "boolean"):
        return "[tf]"
    if base in _INTEGER_DIGITS or base in ("bigint", "int8", "bigserial"):
        return r"-?[0-9]{1,%s}" % _INTEGER_DIGITS.get(base, 18)  # noqa: UP031 -- braces
    if base.startswith(("numeric", "decimal")):
        return _DECIMAL
    if base == "date":
        return DATE_TEXT
    if base.startswith("timestamp"):
        return TIMESTAMP_TEXT
    if base.startswith(("character varying", "varchar", "character", "char", "text")):
        return _TEXT
    return None


@dataclass(frozen=True, slots=True)
class CopyLineCheck:
    """The pattern of one table's COPY lines, and the columns it leaves to conversion."""

    pattern: re.Pattern[str]
    unchecked: tuple[int, ...]  # indexes of the columns converted when read
    # The first column's pattern takes only NULL and integers its converter keeps as int().
    integer_first: bool = False

    def accepts(self, line: str, converters: Sequence[Converter]) -> bool:
        """Return whether ``line`` is a row that decodes without fault, checked the fast way.

        False does not mean the line is wrong: it is then read the slow way.
        """
        match = self.pattern.fullmatch(line)
        if match is None:
            return False
        try:
            for index, text in zip(self.unchecked, match.groups(), strict=True):
                converters[index](read_field(text))
        except ValueError:
            return False
        return True


def copy_line_check(schema: TableSchema) -> CopyLineCheck:
    """Return the check of ``schema``'s COPY lines (in the CREATE TABLE's column order)."""
    pieces, unchecked = [], []
    for index, declared in enumerate(schema.types):
        typed = _typed_pattern(declared)
        if typed is None:
            pieces.append("(" + _UNCHECKED + ")")
            unchecked.append(index)
        else:
            pieces.append("(?:" + _NULL + "|" + typed + ")")
    first = _typed_pattern(schema.types[0]) if schema.types else None
    integer_first = first is not None and first.startswith(r"-?[0-9]{1,")
    return CopyLineCheck(re.compile("\t".join(pieces)), tuple(unchecked), integer_first)


def first_field_keys(lines: Sequence[str], converter: Converter, integer: bool) -> list[int] | None:
    """Return the key that each COPY line's first field makes, if every one is an integer.

    Found when the lines are read, so that a table keyed by its first
    column (the usual ``id``) need not be read again to learn its keys;
    None otherwise, and the keys are read again (``tables``), which names
    a NULL or a field the converter refuses. ``integer`` says that the
    lines' check proved each field NULL or an integer that the converter
    returns as ``int()`` does, which is then all there is to do.
    """
    fields = [line.partition("\t")[0] for line in lines]
    if integer:
        return None if NULL in fields else list(map(int, fields))
    keys = []
    for field in fields:
        try:
            key = key_of(converter(read_field(field)))
        except ValueError:
            return None
        if type(key) is not int:
            return None
        keys.append(key)
    return keys


class CopyRowStore:
    """The rows of a COPY table: a fingerprint of each line now, values on demand.

    ``kept`` lists the schema's columns the snapshot holds, in its order
    (an auto-created many-to-many table leaves out its ``id``).
    """

    def __init__(
        self,
        path: Path,
        schema: TableSchema,
        converters: Sequence[Converter],
        kept: Sequence[int],
        lines: KeyedTexts,
        content_types: ContentTypeColumns | None = None,
    ) -> None:
        """``content_types``: the columns holding content type ids, resolved when decoded."""
        self._path = path
        self._schema = schema
        self._converters = converters
        self._kept = list(kept)
        self._lines = lines
        self._content_types = content_types
        self._unplain = _unplain_lines(schema)
        # The same text means the same row only under the same columns and types, and
        # the same content type ids only under the same map of them.
        self.fingerprint_scheme = "postgresql-copy-line:" + repr((schema.columns, schema.types))
        if content_types is not None:
            self.fingerprint_scheme += ";content-types=" + content_types.scheme()

    @property
    def fingerprints(self) -> Mapping[Pk, int]:
        return self._lines.fingerprints

    @property
    def kept_texts(self) -> KeptTexts:
        """Return the texts of the rows, as kept: by their place in the dump, or held."""
        return self._lines.texts

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Return the rows for ``pks`` (all when None), decoded from their lines.

        :raises DumpFormatError: for a line that is not what was read, or not a row.
        """

        return self._lines.decode(self._decode_line, self._kept, pks)

    def decode_holding(
        self, keys: Collection[int], columns: Collection[int] | None = None
    ) -> dict[Pk, Row]:
        """Decode the rows that hold one of ``keys`` in ``columns`` (all when None), by index.

        Only the lines that may hold one are read (``KeyedTexts.decode_holding``).

        :raises DumpFormatError: as ``decode``.
        """
        if self._unplain is None:
            return self.decode()
        looked_in = [self._kept[i] for i in columns] if columns is not None else self._kept
        converters, width = self._converters, len(self._schema.columns)

        def values_of(text: str, number: int) -> Sequence[Value]:
            fields = text.split("\t")
            if len(fields) == width:
                try:
                    return [converters[i](read_field(fields[i])) for i in looked_in]
                except (ValueError, CopyLineError):
                    pass  # decoded, which names the fault
            row = self._decode_line(text, number)
            return [row[i] for i in looked_in]

        return self._lines.decode_holding(
            self._decode_line, self._kept, keys, self._unplain, values_of
        )

    def _decode_line(self, text: str, number: int) -> Row:
        row = decode_copy_line(self._path, self._schema, self._converters, text, number)
        content_types = self._content_types
        return row if content_types is None else content_types.resolve(row, number)


def _unplain_lines(schema: TableSchema) -> Callable[[Sequence[str]], list[int]] | None:
    """Return what gives, of a list of COPY lines, those that may hold an integer not written
    as a digit token (``insert_rows._unplain_tuples`` says which); None where every one may.
    """
    check = copy_line_check(schema)
    if any(may_give_integer(schema.types[i], Dialect.POSTGRES) for i in check.unchecked):
        return None
    return partial(unmatched, check.pattern)  # a store is pickled: no closure


def decode_copy_line(
    path: Path, schema: TableSchema, converters: Sequence[Converter], text: str, number: int
) -> Row:
    """Return the row of one COPY line in the schema's column order.

    :raises DumpFormatError: for a line that is not a row of the table.
    """
    try:
        raw = read_copy_line(text, len(schema.columns))
    except CopyLineError as err:
        raise DumpFormatError(path, number, f"COPY {schema.name}: {err}") from err
    return convert_row(path, schema, converters, raw, number)


def convert_row(
    path: Path,
    schema: TableSchema,
    converters: Sequence[Converter],
    raw: Sequence[RawValue],
    line: int,
) -> Row:
    """Return the row of raw values ``raw``, converted by column type.

    :raises DumpFormatError: naming the first value that does not fit its column.
    """
    try:
        return tuple(convert(value) for convert, value in zip(converters, raw, strict=True))
    except ValueError:
        pass
    for column, sql_type, convert, value in zip(
        schema.columns, schema.types, converters, raw, strict=True
    ):
        try:
            convert(value)
        except ValueError as err:
            problem = f"{schema.name}.{column} ({sql_type}): {err}"
            raise DumpFormatError(path, line, problem) from err
    raise AssertionError("a converter failed once but not twice")
