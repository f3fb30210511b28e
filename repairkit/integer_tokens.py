"""Find, without decoding, the stored rows that may hold one of some integer keys.

The dangling-link finder needs, of a large table whose rows did not change,
only the rows that point at a key deleted from another table. Decoding every
row to learn that is the slow part; a store that holds its rows as text can
instead search that text once for the keys written as integers.

The search is conservative. A Lino dump writes an integer as its decimal
digits (after a ``-``), never with leading zeros, ``_`` or another base, so
a row holding one of ``keys`` holds its digits as a *token*: a run of
digits with no digit on either side. Finding such a token says only
"maybe" (it may be inside a text, a date, a decimal, or another column):
the caller decodes those rows and checks them exactly. A row without such
a token cannot hold one of the keys, which is why a store whose format
allows other spellings must say which rows are written plainly enough
(``texts_holding``), and search for leading zeros too, which SQL's
integer literals and texts (``'042'``) may have.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

import re2

# Past this many keys the searches cost more than decoding would save.
MAX_KEYS = 100_000
_KEYS_PER_PATTERN = 1_000


def integer_keys(keys: Collection[object]) -> frozenset[int] | None:
    """Return ``keys`` as a set of integers, or None if one is not an integer (or is a bool)."""
    if len(keys) > MAX_KEYS or not all(type(key) is int for key in keys):
        return None
    return frozenset(keys)  # type: ignore[arg-type]  # every key is an int: checked just now


def token_patterns(keys: Collection[int], leading_zeros: bool = False) -> list[Any]:
    """Return RE2 patterns that together find any of ``keys`` written as a digit token.

    The digits are preceded by a non-digit (or the start of the text) and
    followed by one (or the end); with ``leading_zeros``, zeros may come
    between the non-digit and the digits (``0042`` is a token of 42).
    Longer keys come first, so that at one place the longest key matches,
    never a shorter one that is its prefix. A pattern takes at most
    ``_KEYS_PER_PATTERN`` keys: past a few thousand RE2's DFA outgrows its
    memory and falls back to a slower engine.
    """
    digits = sorted({str(abs(key)) for key in keys}, key=lambda text: (-len(text), text))
    zeros = b"0*" if leading_zeros else b""
    options = re2.Options()
    options.log_errors = False  # a fallback is no error; it must not reach the terminal
    return [
        re2.compile(
            rb"(?:^|[^0-9])" + zeros + b"(" + "|".join(chunk).encode() + rb")(?:[^0-9]|$)",
            options=options,
        )
        for chunk in (
            digits[start : start + _KEYS_PER_PATTERN]
            for start in range(0, len(digits), _KEYS_PER_PATTERN)
        )
    ]


def matching_lines(data: bytes, starts: Sequence[int], patterns: Sequence[Any]) -> list[int]:
    """Return, sorted, the indices of the lines of ``data`` holding a token of ``patterns``."""
    found: set[int] = set()
    for pattern in patterns:
        found.update(_lines_matching(data, starts, pattern))
    return sorted(found)


def _lines_matching(data: bytes, starts: Sequence[int], pattern: Any) -> Iterator[int]:
    """Yield, in order, the indices of the lines of ``data`` that hold a token of ``pattern``.

    ``starts`` (sorted) gives where each line begins, with one more entry
    for where the last ends (after its newline); only that span is
    searched. After each match the search goes on at the newline before
    the next line, whose first token the match may have taken as its boundary.
    """
    if len(starts) < 2:  # no line
        return
    position, end = max(starts[0] - 1, 0), starts[-1]
    while position < end:
        match = pattern.search(data, position, end)
        if match is None:
            return
        # The digits start at or after starts[0]: the search began on the newline before it.
        line = bisect_right(starts, match.start(1)) - 1
        yield line
        position = starts[line + 1] - 1


def texts_holding(
    texts: Sequence[str], patterns: Sequence[Any], unplain: Callable[[Sequence[str]], Iterable[int]]
) -> list[int]:
    """Return, sorted, the indices of ``texts`` that hold a token of ``patterns`` or that
    ``unplain`` gives: those not written so that every integer they hold is a token.

    The texts are searched together, joined by line ends (a text may hold one).
    """
    found = set(unplain(texts))
    joined = "\n".join(texts) + "\n"
    if joined.isascii():
        data, sizes = joined.encode("ascii"), list(map(len, texts))
    else:  # a surrogate stands for a byte of the dump that is not UTF-8: never a digit
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        data, sizes = b"\n".join(encoded) + b"\n", list(map(len, encoded))
    starts = list(accumulate((size + 1 for size in sizes), initial=0))
    found.update(matching_lines(data, starts, patterns))
    return sorted(found)
