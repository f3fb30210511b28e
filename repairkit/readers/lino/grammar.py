"""The grammar of one table's row lines, as a compiled pattern over bytes.

Every row line of every data file is matched against its table's pattern
(one ``fullmatch`` in C per line), so that a file outside the grammar is
refused even where both dumps of a diff hold the same line and no value of
it is ever decoded. The pattern knows the table: how many arguments, and
which forms each column's kind allows (a content type is ``None`` or one
of the dump's model globals, a babel field ``None`` or a list of one text
per language, a column that restore.py marks as UUIDs, durations, bytes or
JSON ``None`` or a text of its kind (``text_kinds``), other columns
literals and ``dt``/``date``/``time``).

It accepts a subset of what Python's own tokenizer accepts, and reads it
the same way: strings end where Python ends them, escapes are those Python
decodes (a truncated ``\\x4`` is refused, as Python refuses it), integers
have no leading zeros and at most ``INT_DIGITS_LIMIT`` digits (Python's
own limit for turning text into an integer), whitespace is what Python
allows between tokens (space, tab, form feed). What a pattern cannot check
is left to decoding: whether a date exists, a ``\\N{...}`` name is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from repairkit.snapshot import ColumnKind

from .restore import TableSchema
from .text_kinds import TEXT_KINDS

INT_DIGITS_LIMIT = 4300  # Python's default int_max_str_digits, which its parser applies too

_WS = rb"[ \t\f]*"
_SEP = _WS + rb"," + _WS
_ESCAPE = (
    rb"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U(?:000[0-9a-fA-F]|0010)[0-9a-fA-F]{4}"
    rb"|N\{[A-Za-z0-9 \-]+\}|[^xuUN])"
)
_STRING = (
    rb"[uU]?(?:'[^'\\\n]*(?:" + _ESCAPE + rb"[^'\\\n]*)*'"
    rb"|\"[^\"\\\n]*(?:" + _ESCAPE + rb"[^\"\\\n]*)*\")"
)
_DIGITS = rb"(?:0|[1-9][0-9]*)"
_FLOAT = rb"-?" + _DIGITS + rb"(?:\.[0-9]*(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)"
_INT = rb"-?(?:0|[1-9][0-9]{0,%d})" % (INT_DIGITS_LIMIT - 1)
_NUMBER = _INT + rb"(?![.eE0-9])|" + _FLOAT  # integers first: they are the common case
_PART = rb"(?:0|[1-9][0-9]{0,8})"  # of a date or time: at most 9 digits


def _call(name: bytes, low: int, high: int) -> bytes:
    # dt() and time() may end with microseconds: dump2py never writes them, but a
    # restore directory keeps them where a source had them (docs/values.md).
    more = rb"{%d,%d}" % (low - 1, high - 1) if name != b"date" else rb"{%d}" % (low - 1)
    parts = _PART + rb"(?:" + _SEP + _PART + rb")" + more
    return name + rb"\(" + _WS + parts + _WS + rb"\)"


_TEMPORAL = rb"|".join([_call(b"dt", 3, 7), _call(b"date", 3, 3), _call(b"time", 2, 4)])
_LITERAL = rb"(?:" + rb"|".join([_STRING, _NUMBER, b"None|True|False", _TEMPORAL]) + rb")"
# dump2py writes a Decimal as its text in quotes ('84.46'): only a plain
# number there, so that a line both dumps share cannot hold one that decoding refuses.
DECIMAL_TEXT = r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_QUOTED_DECIMAL = rb"[uU]?(?:'%s'|\"%s\")" % (DECIMAL_TEXT.encode(), DECIMAL_TEXT.encode())
_DECIMAL = rb"(?:" + rb"|".join([_QUOTED_DECIMAL, _NUMBER, b"None"]) + rb")"


def _text_value(text_pattern: str | None) -> bytes:
    """Return the pattern of a marked text column's value (a UUID, ...): its text or None.

    Only the texts that decode are allowed where the kind has a pattern, for
    the reason decimals are; a JSON document is checked by decoding
    (``RowDecoder.checks_by_decoding``).
    """
    if text_pattern is None:
        return rb"(?:" + _STRING + rb"|None)"
    text = text_pattern.encode()
    return rb"(?:[uU]?(?:'" + text + rb"'|\"" + text + rb"\")|None)"


_TEXT_VALUES = {kind: _text_value(text.text_pattern) for kind, text in TEXT_KINDS.items()}


def row_pattern_source(
    schema: TableSchema, model_globals: Mapping[str, str], languages: int
) -> bytes:
    """Return the pattern that a whole row line of table ``schema`` must match, uncompiled.

    The arguments are written out one by one rather than as a repeat
    ``{n}``: the matcher runs a plain sequence about twice as fast.
    """
    values = {
        ColumnKind.DECIMAL: _DECIMAL,
        ColumnKind.BABEL: _babel_value(max(languages, 1)),
        ColumnKind.CONTENT_TYPE: _content_type_value(model_globals),
        **_TEXT_VALUES,
    }
    arguments = _SEP.join(values.get(parameter.kind, _LITERAL) for parameter in schema.parameters)
    prefix = re.escape(b"loader.save(create_" + schema.name.encode() + b"(")
    return prefix + _WS + arguments + _WS + rb"\)\)"


def _times(value: bytes, count: int) -> bytes:
    """Return the pattern of ``count`` values matching ``value``, separated by commas."""
    return _SEP.join([value] * count)


def _babel_value(languages: int) -> bytes:
    text = rb"(?:" + _STRING + rb"|None)"
    return rb"(?:None|\[" + _WS + _times(text, languages) + _WS + rb"\])"


def _content_type_value(model_globals: Iterable[str]) -> bytes:
    names = sorted((re.escape(name.encode()) for name in model_globals), key=len, reverse=True)
    return rb"(?:" + rb"|".join([b"None", *names]) + rb")"
