"""Keep the rows of a pg_dump COPY block as their lines: checked now, decoded when asked.

Converting every value of every row into Python objects was most of the
time and memory of reading a pg_dump. A COPY line is the server's text
of one row, so two dumps of one table that hold the same line (with the
same columns and types) hold the same row: the lines are kept, each is
fingerprinted by ``hash()``, and the diff decodes only the rows whose
lines differ (``RowStore`` in ``repairkit.snapshot``).

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
from array import array
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.snapshot import Pk, Row

from .converters import Converter
from .copy_lines import CopyLineError, read_copy_line, read_field
from .schema import TableSchema
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
    return CopyLineCheck(re.compile("\t".join(pieces)), tuple(unchecked))


@dataclass(slots=True)
class CopiedLines:
    """The COPY lines of one table as read, checked and not decoded: text and line number."""

    texts: list[str] = field(default_factory=list)
    numbers: array[int] = field(default_factory=lambda: array("q"))

    def clear(self) -> None:
        self.texts.clear()
        del self.numbers[:]


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
        lines: CopiedLines,
        fingerprints: dict[Pk, int],
    ) -> None:
        self._path = path
        self._schema = schema
        self._converters = converters
        self._kept = list(kept)
        self._lines = lines
        self._fingerprints = fingerprints  # in the order of the lines, one per line
        # The same text means the same row only under the same columns and types.
        self.fingerprint_scheme = "postgresql-copy-line:" + repr((schema.columns, schema.types))

    @property
    def fingerprints(self) -> dict[Pk, int]:
        return self._fingerprints

    def decode(self, pks: Collection[Pk] | None = None) -> dict[Pk, Row]:
        """Return the rows for ``pks`` (all when None), decoded from their lines."""

        def decode_line(text: str, number: int) -> Row:
            return decode_copy_line(self._path, self._schema, self._converters, text, number)

        lines = self._lines
        return decode_kept_texts(
            self._fingerprints, lines.texts, lines.numbers, self._kept, decode_line, pks
        )


def decode_kept_texts(
    fingerprints: Iterable[Pk],
    texts: Sequence[str],
    numbers: Sequence[int],
    kept: Sequence[int],
    decode: Callable[[str, int], Row],
    pks: Collection[Pk] | None,
) -> dict[Pk, Row]:
    """Return the rows for ``pks`` (all when None) from texts kept in the order of their keys.

    ``fingerprints`` yields the keys in the order of ``texts``; ``decode``
    turns one text and its line number into a row of the schema, of which the
    columns ``kept`` are returned.
    """
    wanted = None if pks is None else set(pks)
    rows: dict[Pk, Row] = {}
    for index, pk in enumerate(fingerprints):
        if wanted is None or pk in wanted:
            row = decode(texts[index], numbers[index])
            rows[pk] = tuple(row[i] for i in kept)
    return rows


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
