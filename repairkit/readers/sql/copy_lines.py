"""Read the data lines of a PostgreSQL ``COPY ... FROM stdin`` block.

pg_dump's text format: one row per line, columns separated by tabs, ``\\N``
for NULL, and backslash escapes for the characters that would break the
format (``\\t``, ``\\n``, ``\\\\``...), octal (``\\123``) and hex (``\\x41``).
Octal and hex escapes stand for bytes, which the server decodes together
as UTF-8 (``caf\\303\\251`` is ``café``) and refuses when they are not.
Every value is text here; ``converters`` turns it into the column's type.
"""

from __future__ import annotations

import re

from .values import decode_escaped_bytes, escaped_byte

NULL = "\\N"
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.)|$)")
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class CopyLineError(ValueError):
    """A COPY data line is not in the text format; the caller adds file and line."""


def read_copy_line(line: str, width: int) -> list[str | None]:
    """Split one data line into ``width`` values (None for NULL).

    :raises CopyLineError: for a wrong number of columns or a lone backslash.
    """
    fields = line.split("\t")
    if len(fields) != width:
        raise CopyLineError(f"expected {width} tab-separated values, got {len(fields)}")
    return [read_field(field) for field in fields]


def read_field(field: str) -> str | None:
    """Return one field's value (None for NULL), its escapes decoded.

    :raises CopyLineError: for an escape that is not read.
    """
    if field == NULL:
        return None
    if "\\" not in field:
        return field
    try:
        return decode_escaped_bytes(_ESCAPE.sub(_replace_escape, field))
    except CopyLineError:
        raise
    except ValueError as err:
        raise CopyLineError(str(err)) from None


def _replace_escape(match: re.Match[str]) -> str:
    octal, hex2, simple = match.groups()
    if octal:
        return escaped_byte(int(octal, 8))
    if hex2:
        return escaped_byte(int(hex2, 16))
    if simple is None:
        raise CopyLineError("line ends with a lone backslash")
    if simple == "N":
        raise CopyLineError("\\N inside a value (NULL must be the whole value)")
    return _SIMPLE.get(simple, simple)
