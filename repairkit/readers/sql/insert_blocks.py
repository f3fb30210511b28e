"""Check a run of one-line INSERTs of one table in one call, and cut out their tuples.

``sqlite3 .dump`` and ``pg_dump --inserts`` write one INSERT per row and
line, all with the same head (``INSERT INTO t VALUES``); ``mariadb-dump``
writes a line per INSERT of many tuples. Reading such a line as a
statement, then its head, then matching its tuple, each a Python step,
was most of the time of reading these dumps. Here a run of consecutive
lines that start with the same head is checked at once:

- one tuple per line (SQLite, PostgreSQL): RE2 (``google-re2``) matches
  the whole run, ``HEAD TUPLE;(\\nHEAD TUPLE;)*``, in one call, where
  ``TUPLE`` is the table's tuple pattern (``insert_rows.tuple_check``)
  translated as ``lino.block_match`` translates a row pattern (no
  negated class reaches past a line end). The tuples are then the lines
  without their head and ``;``;
- a head line, then one tuple per line ended by ``,`` and the last by
  ``;`` (``mariadb-dump`` 10.11's extended INSERT): RE2 matches the
  tuples, ``TUPLE(\nTUPLE)*``, in one call;
- many tuples per line (older ``mysqldump``): ``re`` finds the tuples of
  the line's list (``findall``, in C), and the list must be exactly those
  tuples joined by ``,``.

Either way each tuple is one that the table's pattern accepts, as the
statement-by-statement way would find it: a tuple's literals are
followed by a separator or a bracket that no literal takes, so a tuple
has one reading, whichever engine finds it. Anything else (another
spacing, a tuple the pattern refuses, a text RE2 cannot take) is not
known to match, and the caller reads the lines one by one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..lino.block_match import block_pattern

if TYPE_CHECKING:
    from .insert_rows import TupleCheck  # insert_rows imports this module

# A MySQL text pattern leaves out the surrogates of bytes that are not UTF-8;
# a text that holds one is never handed to RE2 (it cannot be encoded), so the
# class only needs to leave out something else that a text never matches there.
_SURROGATES = r"\udc80-\udcff"
_NOT_A_SURROGATE = r"\x00"


def run_matches(head: str, check: TupleCheck, lines: Sequence[str]) -> bool:
    """Tell whether each of ``lines`` is ``head``, one tuple ``check`` accepts, and ``;``.

    False means "not known to": the caller reads the lines one by one.
    """
    if check.unchecked or not lines or not head.isascii():
        return False  # those columns' literals are converted when read, one by one
    pattern = _run_pattern(head, check.pattern.pattern, ";")
    if pattern is None:
        return False
    return _block_matches(pattern, lines)


def tuples_match(check: TupleCheck, tuples: Sequence[str]) -> bool:
    """Tell whether ``check`` accepts each of ``tuples`` (none holding a line end), in one call.

    False means "not known to": the caller reads them one by one.
    """
    return not check.unchecked and lines_match(check.pattern, tuples)


def lines_match(pattern: re.Pattern[str], lines: Sequence[str]) -> bool:
    """Tell whether each of ``lines`` (none holding a line end) fully matches ``pattern``.

    One RE2 call for them all; also for the lines of a COPY block
    (``copy_rows.CopyLineCheck``). False means "not known to".
    """
    block_pattern = _run_pattern("", pattern.pattern, "")
    return block_pattern is not None and bool(lines) and _block_matches(block_pattern, lines)


def unmatched(pattern: re.Pattern[str], texts: Sequence[str]) -> list[int]:
    """Return the indices of ``texts`` that ``pattern`` does not fully match.

    One RE2 call for them all where none holds a line end and all match
    (``lines_match``); otherwise ``re``, the judge, for each.
    """
    if not any("\n" in text for text in texts) and lines_match(pattern, texts):
        return []
    fullmatch = pattern.fullmatch
    return [index for index, text in enumerate(texts) if fullmatch(text) is None]


def _block_matches(pattern: Any, lines: Sequence[str]) -> bool:
    try:
        block = "\n".join(lines).encode("utf-8")
    except UnicodeEncodeError:
        return False  # a byte that is not UTF-8, kept as a surrogate
    return pattern.fullmatch(block) is not None


def accepted_statements(head: str, check: TupleCheck, statements: Sequence[str]) -> int:
    """Return how many of ``statements`` from the start are ``head``, one accepted tuple and ``;``.

    The one-line statements go to RE2 together, each stretch in one call;
    a statement over several lines (a string with a line break), which a
    block's pattern would not tell from two, is matched alone with ``re``,
    as are the lines of a stretch RE2 does not match, up to the first that
    ``re``, the judge, refuses.
    """
    if check.unchecked:
        return 0
    fullmatch, start, count = check.pattern.fullmatch, len(head), len(statements)
    index = 0
    while index < count:
        end = index
        while end < count and "\n" not in statements[end]:
            end += 1
        if end > index and not run_matches(head, check, statements[index:end]):
            return next(
                (
                    i
                    for i in range(index, end)
                    if not fullmatch(statements[i], start, len(statements[i]) - 1)
                ),
                end,
            )
        if end < count and not fullmatch(statements[end], start, len(statements[end]) - 1):
            return end
        index = end + 1
    return count


def split_tuples(check: TupleCheck, listed: str) -> list[str] | None:
    """Return the tuples of ``listed``, ``(..),(..)``, or None if they are not all accepted.

    Each is a text the check's pattern accepts, and they are joined by a
    bare ``,``; None means "not known to".
    """
    if check.unchecked:
        return None
    found: list[str] = check.pattern.findall(listed)
    if ",".join(found) != listed:
        return None  # a tuple the pattern refuses, or other spacing: findall skipped text
    return found


@lru_cache(maxsize=256)
def _run_pattern(head: str, tuple_pattern: str, end: str) -> Any:
    """Return the RE2 pattern of lines ``HEAD TUPLE END``, or None if RE2 cannot take it.

    ``head`` is text, escaped here: cached with the pattern, since a dump
    offers its runs thousands of times with one head (``re.escape`` cost
    0.3 s a 1M-row dump).
    """
    source = tuple_pattern.replace(_SURROGATES, _NOT_A_SURROGATE)
    if not source.isascii():
        return None
    # The pattern is ASCII, so matching UTF-8 bytes one by one reads as matching characters.
    return block_pattern((re.escape(head) + source + end).encode("ascii"))


def first_integer_keys(texts: Sequence[str], check: TupleCheck) -> list[int] | None:
    """Return the integer in the first column of each tuple, or None if not all hold one.

    For a table keyed by its first column, whose pattern takes only
    integers there that the converter keeps (``TupleCheck.integers``):
    each literal is the text between the ``(`` and the first ``,`` (or the
    ``)`` of a one-column tuple), and all of them, joined by ``,``, are
    checked against the column's pattern in one call. None means "not
    known to": the caller reads the keys one by one.
    """
    if 0 not in check.integers or not texts:
        return None
    if len(check.pieces) == 1:
        literals = [text[1:-1] for text in texts]
    else:
        literals = [text[1 : text.find(",")] for text in texts]
    piece = f"(?:{check.pieces[0]})"
    if re.fullmatch(f"{piece}(?:,{piece})*", ",".join(literals)) is None:
        return None
    try:
        return list(map(int, literals))
    except ValueError:
        return None  # a NULL: no key, which the caller names


def first_integer_key(text: str, check: TupleCheck) -> int | None:
    """Return the integer in the first column of one tuple, as ``first_integer_keys`` does."""
    keys = first_integer_keys([text], check)
    return None if keys is None else keys[0]
