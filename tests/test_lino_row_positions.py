"""Row offsets and integer keys of a data file: the array path answers as the loop does."""

from __future__ import annotations

import pytest

from repairkit.fingerprints import INDEXED_ROWS
from repairkit.readers.lino.row_positions import integer_pks, row_offsets, rows_framed

PREFIX = b"loader.save(create_contacts_partner("
HEADER = b"# -*- coding: UTF-8 -*-\n# fields: id, name\n"


def _data(rows: list[bytes]) -> bytes:
    return HEADER + b"".join(row + b"\n" for row in rows)


def _loop_pks(rows: list[bytes], single_argument: bool) -> list[int] | None:
    """What slicing each line with ``int()`` gives: the meaning the array path must keep."""
    start = len(PREFIX)
    try:
        if single_argument:
            return [int(row[start:-2]) for row in rows]
        return [int(row[start : row.index(b",", start)]) for row in rows]
    except ValueError:
        return None


def _rows(count: int) -> list[bytes]:
    return [PREFIX + b"%d,'name %d'))" % (pk, pk) for pk in range(1, count + 1)]


@pytest.mark.parametrize("count", [3, INDEXED_ROWS])
def test_offsets_are_where_each_row_starts(count: int) -> None:
    rows = _rows(count)
    data = _data(rows)
    offsets = row_offsets(rows, len(HEADER))
    assert len(offsets) == count + 1
    assert [data[start : start + len(PREFIX)] for start in offsets[:-1]] == [PREFIX] * count
    assert offsets[-1] == len(data)


@pytest.mark.parametrize(
    "odd_key",
    [
        b"0012",  # leading zeros: int() reads 12
        b"-5",  # a sign: the loop decides
        b"1_000",  # int() reads underscores
        b" 7",  # and spaces
        b"1234567890123456789",  # 19 digits: past what the array path reads
        b"99999999999999999999",  # past an int64: no keys at all
        b"'abc'",  # not a number: no keys at all
        b"",  # nothing before the comma
    ],
)
@pytest.mark.parametrize("count", [5, INDEXED_ROWS])
def test_keys_are_what_int_reads(odd_key: bytes, count: int) -> None:
    rows = _rows(count)
    rows[count // 2] = PREFIX + odd_key + b",'odd'))"
    offsets = row_offsets(rows, len(HEADER))
    pks = integer_pks(_data(rows), rows, offsets, len(PREFIX), single_argument=False)
    expected = _loop_pks(rows, single_argument=False)
    if expected is None or max(map(abs, expected)) >= 2**63:
        assert pks is None
    else:
        assert pks is not None and pks.tolist() == expected


@pytest.mark.parametrize("count", [5, INDEXED_ROWS])
def test_a_key_that_is_the_only_argument_ends_at_the_closing_brackets(count: int) -> None:
    rows = [PREFIX + b"%d))" % pk for pk in range(7, count + 7)]
    offsets = row_offsets(rows, len(HEADER))
    data = _data(rows)
    pks = integer_pks(data, rows, offsets, len(PREFIX), single_argument=True)
    assert pks is not None and pks.tolist() == list(range(7, count + 7))
    rows[-1] = PREFIX + b"7 ))"  # int() reads "7 " as 7
    pks = integer_pks(_data(rows), rows, row_offsets(rows, len(HEADER)), len(PREFIX), True)
    assert pks is not None and pks.tolist() == _loop_pks(rows, single_argument=True)


@pytest.mark.parametrize(
    "odd_row",
    [
        None,  # every row framed
        b"loader.save(create_contacts_person(5,'x'))",  # another table's row
        PREFIX + b"5,'cut off'",  # no closing brackets
        PREFIX + b"5,'one bracket')",
        b"",  # a blank line between rows, shorter than the frame
        b"))",
    ],
)
@pytest.mark.parametrize("count", [5, INDEXED_ROWS])
def test_rows_framed_is_startswith_and_endswith(odd_row: bytes | None, count: int) -> None:
    rows = _rows(count)
    if odd_row is not None:
        rows[count // 2] = odd_row
    framed = rows_framed(_data(rows), rows, row_offsets(rows, len(HEADER)), PREFIX)
    assert framed is all(row.startswith(PREFIX) and row.endswith(b"))") for row in rows)
