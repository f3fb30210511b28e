"""Where a data file's rows start, and their integer keys, in a few passes over arrays.

For a file of 50,000 rows, summing line lengths and slicing ``int(...)``
out of every line took about 0.55 s of a 1M-row dump's 1.5 s scan, one
Python step per row. With numpy the same figures come from a handful of
array operations: the offsets are a cumulative sum of the line lengths,
and the keys are read a digit column at a time (one pass per digit, not
per row). Small files keep the plain loops: importing numpy (90 ms)
would cost them more than it saves.

The array path only ever answers what the loop would: a key that is not
a plain run of up to 18 ASCII digits followed by its separator (a sign,
``int()``'s spaces or underscores, a longer number) sends the whole file
to the loop, which decides as before.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Sequence
from itertools import accumulate, repeat

from repairkit.fingerprints import INDEXED_ROWS

ROW_END = b"))"
_MAX_DIGITS = 18  # any run of 18 digits fits an int64
_ZERO, _COMMA = ord("0"), ord(",")


def row_offsets(rows: Sequence[bytes], header_size: int) -> array[int]:
    """Return where each row line starts, with one more entry for the end of the last.

    ``header_size`` is the size of the lines before the first row; each row
    line is followed by one ``\\n``.
    """
    if len(rows) < INDEXED_ROWS:
        line_sizes = map(operator.add, map(len, rows), repeat(1))
        return array("q", accumulate(line_sizes, initial=header_size))
    import numpy as np

    offsets = np.empty(len(rows) + 1, np.int64)
    offsets[0] = 0
    np.cumsum(np.fromiter(map(len, rows), np.int64, len(rows)) + 1, out=offsets[1:])
    offsets += header_size
    return array("q", offsets.tobytes())


def rows_framed(data: bytes, rows: Sequence[bytes], offsets: array[int], prefix: bytes) -> bool:
    """Tell whether every row line starts with ``prefix`` and ends with ``))``.

    ``data`` holds the rows at ``offsets`` (``row_offsets``).
    """
    shortest = len(prefix) + len(ROW_END)
    if len(rows) >= INDEXED_ROWS and min(map(len, rows)) >= shortest:
        import numpy as np

        text = np.frombuffer(data, np.uint8)
        bounds = np.frombuffer(offsets, np.int64)
        line_ends = bounds[1:] - 1  # where each row's "\n" is
        heads = text[bounds[:-1, None] + np.arange(len(prefix))]
        tails = text[line_ends[:, None] - len(ROW_END) + np.arange(len(ROW_END))]
        return bool(
            (heads == np.frombuffer(prefix, np.uint8)).all()
            and (tails == np.frombuffer(ROW_END, np.uint8)).all()
        )
    return all(map(bytes.startswith, rows, repeat(prefix))) and all(
        map(bytes.endswith, rows, repeat(ROW_END))
    )


def integer_pks(
    data: bytes, rows: Sequence[bytes], offsets: array[int], start: int, single_argument: bool
) -> array[int] | None:
    """Return the integer literal at ``start`` of every row line, or None if one is not.

    The key ends at the first ``,`` or, when it is the row's only argument
    (``single_argument``), at the closing ``))``. ``data`` holds the rows at
    ``offsets`` (``row_offsets``).
    """
    if len(rows) >= INDEXED_ROWS:
        pks = _digit_columns(data, offsets, start, single_argument)
        if pks is not None:
            return pks
    try:
        if single_argument:
            return array("q", [int(line[start : -len(ROW_END)]) for line in rows])
        return array("q", [int(line[start : line.index(b",", start)]) for line in rows])
    except (ValueError, OverflowError):
        return None  # not an integer literal: the caller decodes these rows


def _digit_columns(
    data: bytes, offsets: array[int], start: int, single_argument: bool
) -> array[int] | None:
    """Read every row's key a digit column at a time; None where one is not plain digits."""
    import numpy as np

    text = np.frombuffer(data, np.uint8)
    bounds = np.frombuffer(offsets, np.int64)
    first_digit = bounds[:-1] + start
    last_byte = len(text) - 1
    values = np.zeros(len(first_digit), np.int64)
    digits = np.zeros(len(first_digit), np.int64)  # the length of each row's run so far
    in_run = np.ones(len(first_digit), bool)
    for column in range(_MAX_DIGITS + 1):
        byte = text[np.minimum(first_digit + column, last_byte)]
        in_run &= (byte >= _ZERO) & (byte <= _ZERO + 9)
        if not in_run.any():
            break
        if column == _MAX_DIGITS:
            return None  # a longer run than an int64 surely holds
        values = np.where(in_run, values * 10 + (byte - _ZERO), values)
        digits += in_run
    after = first_digit + digits
    if single_argument:
        # the key runs up to the "))" that ends the line (its "\n" is at bounds[1:] - 1)
        plain = after == bounds[1:] - 1 - len(ROW_END)
    else:
        plain = text[np.minimum(after, last_byte)] == _COMMA
    if not (plain.all() and digits.all()):
        return None
    return array("q", values.tobytes())
