"""Check many row lines against their table's pattern in one call, with RE2.

Python's ``re`` checks a row line of a typical table in about 2 µs, which
made the grammar check the largest cost of reading a 1M-row dump (2.4 s of
6). RE2 (Google's linear-time engine, ``google-re2``) matches the whole
block of a file's rows, ``ROW(\\nROW)*``, in one call, about seven times
faster. It only ever accepts: when it does not match, or cannot take the
pattern, the rows are checked one by one with ``re``, which stays the
judge of the grammar and names the first bad line.

The pattern is translated from ``re``'s, with three changes that leave
what a whole line matches unchanged:

- every negated class also excludes ``\\n``, so that no row of the block
  can reach into the next (a row line never holds a newline; in a class
  like ``[^xuUN]`` after a backslash it would);
- the lookahead after an integer, ``(?![.eE0-9])``, is dropped: RE2 has
  no lookarounds, and in a row a number is always followed by a separator
  or a closing bracket, neither of which it excludes;
- a repeat above RE2's limit of 1000 (an integer's at most 4,300 digits)
  becomes ``*``; a block that holds such a run of digits anywhere is then
  left to ``re``.

A pattern with anything else that could match a newline (``.``, ``\\s``
and the like) is not translated and always left to ``re``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import re2

_RE2_MAX_REPEAT = 1000
_LOOKAHEAD_AFTER_INTEGER = rb"(?![.eE0-9])"
_DIGITS_UP_TO = re.compile(rb"\[0-9\]\{0,(\d+)\}")
_REPEAT_HIGH = re.compile(rb"\{\d+,(\d+)\}")
# re2 too: re's search for such a run tries every position (2.3 s on 200 MB).
_LONG_DIGIT_RUN = re2.compile(rb"[0-9]{%d}" % _RE2_MAX_REPEAT)


def all_rows_match(pattern: bytes, rows: Sequence[bytes], block: memoryview | None = None) -> bool:
    """Tell whether every one of ``rows`` fully matches ``pattern`` (an ``re`` source), fast.

    ``block``, when given, must be ``b"\\n".join(rows)``: the caller often
    has it already, as a slice of the file. False means "not known to": the
    caller checks the rows one by one.
    """
    compiled = block_pattern(pattern)
    if compiled is None or not rows:
        return False
    # A repeat was relaxed to '*': only re knows the exact limit. Only a line
    # as long as the limit can hold such a run, and searching for one is slow.
    if max(map(len, rows)) >= _RE2_MAX_REPEAT:
        long_lines = [row for row in rows if len(row) >= _RE2_MAX_REPEAT]
        if any(map(_LONG_DIGIT_RUN.search, long_lines)):
            return False
    return compiled.fullmatch(b"\n".join(rows) if block is None else block) is not None


@lru_cache(maxsize=256)
def block_pattern(source: bytes) -> Any:
    """Return the RE2 pattern of a block of ``source`` lines, or None where it cannot be had.

    Also for the lines of a SQL dump (``readers.sql.insert_blocks``).
    """
    translated = translate(source)
    if translated is None:
        return None
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes as they are, as re's bytes patterns
    options.max_mem = 64 << 20
    options.log_errors = False
    try:
        return re2.compile(b"(?:" + translated + b")(?:\n(?:" + translated + b"))*", options)
    except re2.error:
        return None


def translate(source: bytes) -> bytes | None:
    """Return ``source`` for RE2 as the module docstring says, or None if it cannot be."""
    source = source.replace(_LOOKAHEAD_AFTER_INTEGER, b"")
    out = bytearray()
    index, in_class = 0, False
    while index < len(source):
        char = source[index : index + 1]
        if char == b"\\":
            escaped = source[index : index + 2]
            if escaped[1:] in (b"s", b"S", b"d", b"D", b"w", b"W", b"Z", b"A", b"b", b"B"):
                return None
            out += escaped
            index += 2
            continue
        if in_class:
            in_class = char != b"]"
        elif char == b"[":
            in_class = True
            negated = source[index + 1 : index + 2] == b"^"
            if source[index + 1 + negated : index + 2 + negated] == b"]":
                return None  # a ']' that the class holds: not written by the grammar
            if negated:
                out += b"[^\\n"
                index += 2
                continue
        elif char == b".":
            return None
        elif source[index : index + 2] == b"(?" and source[index + 2 : index + 3] != b":":
            return None  # a lookaround or a flag: not for RE2
        out += char
        index += 1
    translated = _DIGITS_UP_TO.sub(_relax_digits, bytes(out))
    if any(int(high) > _RE2_MAX_REPEAT for high in _REPEAT_HIGH.findall(translated)):
        return None
    return translated


def _relax_digits(match: re.Match[bytes]) -> bytes:
    return b"[0-9]*" if int(match.group(1)) > _RE2_MAX_REPEAT else match.group(0)
