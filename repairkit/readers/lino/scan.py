"""Scan one data file of a Lino dump: check its lines and fingerprint its rows.

These are pure functions of a file's bytes, so that a process pool can run
them on several files at once. They loop in C (``bytes.split``, ``map``,
``hash``, one pattern match per row line) and hand back compact arrays;
decoding values is left to the caller, for the few rows that need it.

Fingerprints are ``hash()`` of a row's line. Python salts that hash per
interpreter, which is why a pool that runs these must fork from the process
that compares the results.
"""

from __future__ import annotations

import operator
import os
import re
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, count, repeat
from pathlib import Path

from repairkit.errors import DumpFormatError
from repairkit.fingerprints import INDEXED_ROWS
from repairkit.integer_tokens import matching_lines, token_patterns

from .block_match import all_rows_match
from .python_source import BOM, check_python_source
from .row_positions import ROW_END, integer_pks, row_offsets, rows_framed
from .values import RowDecoder, RowSyntaxError

ROW_START = b"loader.save(create_"

# Blank lines and comments may be indented; statements start in column 0,
# or Python refuses the file ("unexpected indent").
_ALLOWED_LINE = re.compile(
    rb"""[ \t\f]*(?:\#.*)?
    |(?:logger\.info\((?:"[^"\\]*"|'[^'\\]*')\)|loader\.flush_deferred_objects\(\))
     [ \t\f]*(?:\#.*)?""",
    re.VERBOSE,
)
_OBJECT_COUNT = re.compile(rb'logger\.info\("Loading ([0-9]+) objects')
_FEW_ROWS = 8  # fewer than 1 row in 8 wanted: read those lines alone, not the whole file
_CHANGED = "the file changed while it was being read"
_COUNT_DIGITS_LIMIT = 18  # a row count that fits a 64-bit integer


@dataclass(frozen=True, slots=True)
class Announcement:
    """The row count a data file's ``logger.info("Loading N objects ...")`` line announces."""

    count: int
    line: int


@dataclass(frozen=True, slots=True)
class FileScan:
    """What scanning one data file found.

    ``pks`` holds integer primary keys sliced from the lines when the key is
    the first argument and an integer literal; otherwise it is None and the
    caller must decode the rows to learn their keys. ``offsets[i]`` is where
    row ``i`` starts in the file (after line-end normalisation), with one
    more entry for the end of the last row.
    """

    path: Path
    first_line: int
    row_count: int
    announced: Announcement | None
    pks: array[int] | None
    fingerprints: array[int]
    offsets: array[int]
    size: int  # of the file's bytes as read_data_file returns them
    verbatim: bool  # those bytes are the file's (no BOM, no CRLF): offsets are the file's


@dataclass(frozen=True, slots=True)
class ScanJob:
    """The arguments of ``scan_data_file``, in one picklable record."""

    path: Path
    prefix: bytes
    pk_first: bool
    single_argument: bool
    decoder: RowDecoder | None = None  # checks every row line against its table's grammar


def scan_data_file(job: ScanJob) -> FileScan:
    """Check a data file line by line and fingerprint its rows.

    :raises DumpFormatError: for any line that is neither a row of this table
        (in its grammar) nor one of the few header and footer lines dump2py writes.
    """
    data = read_data_file(job.path)
    rows, first, announced, offsets = split_data_file(job.path, data, job.prefix)
    if job.decoder is not None:
        numbers = range(first, first + len(rows))
        # the rows as b"\\n".join(rows) would give them, without copying them
        block = memoryview(data)[offsets[0] : offsets[-1] - 1] if rows else None
        # "{" is rare in dumps, and finding it far faster than "\\N{" (backslashes are not)
        escaped_names = b"{" in data and b"\\N{" in data
        check_rows(job.path, rows, numbers, job.decoder, escaped_names, block)
    pk_start = len(job.prefix)
    return FileScan(
        path=job.path,
        first_line=first,
        row_count=len(rows),
        announced=announced,
        pks=integer_pks(data, rows, offsets, pk_start, job.single_argument)
        if job.pk_first
        else None,
        fingerprints=array("q", map(hash, rows)),
        offsets=offsets,
        size=len(data),
        # Removing a BOM or a CR shrinks the data: the same size means none was.
        verbatim=len(data) == job.path.stat().st_size,
    )


def read_data_file(path: Path) -> bytes:
    """Return a data file's bytes with line ends normalised to ``\\n``, without a BOM.

    :raises DumpFormatError: if the file does not end with a line end, or
        holds bytes that Python would refuse or read differently
        (``python_source``).
    """
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        raise DumpFormatError(
            path, data.count(b"\n") + 1, "file ends in the middle of a line (cut off?)"
        )
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    return check_python_source(path, data)


def reread_rows(scan: FileScan, indices: Iterable[int]) -> list[bytes]:
    """Return the row lines at ``indices`` of a scanned file, read again.

    The file was checked whole when scanned; reading it again, each line
    taken is checked to be the line scanned (its fingerprint), which costs
    far less than checking the file again and still refuses a file that
    changed in between. Where the scan's offsets are the file's, only the
    lines taken are read.

    :raises DumpFormatError: if the file is not what was scanned.
    """
    offsets, chosen = scan.offsets, list(indices)
    with scan.path.open("rb") as stream:
        few = len(chosen) * _FEW_ROWS < scan.row_count
        if few and scan.verbatim and os.fstat(stream.fileno()).st_size == scan.size:
            rows = []
            for index in chosen:
                stream.seek(offsets[index])
                size = offsets[index + 1] - offsets[index] - 1
                rows.append(_scanned(scan, index, stream.read(size)))
            return rows
        data = stream.read()
    data = _as_scanned(scan, data)
    return [
        _scanned(scan, index, data[offsets[index] : offsets[index + 1] - 1]) for index in chosen
    ]


def reread_rows_holding(scan: FileScan, keys: Collection[int]) -> tuple[list[int], list[bytes]]:
    """Return the indices and lines of the rows that may hold one of the integers ``keys``.

    One RE2 search over the file read again (``integer_tokens``: the grammar
    writes integers as plain digits); every row line, taken or not, is
    checked to be the line scanned, so that a file that changed is refused.

    :raises DumpFormatError: if the file is not what was scanned.
    """
    data = _as_scanned(scan, scan.path.read_bytes())
    offsets = scan.offsets
    lines = data[offsets[0] : offsets[-1]].split(b"\n")
    lines.pop()  # the empty text after the last row's newline
    if len(lines) != scan.row_count or not all(
        map(operator.eq, map(hash, lines), scan.fingerprints)
    ):
        for index, line in enumerate(lines):
            _scanned(scan, index, line)
        raise DumpFormatError(scan.path, scan.first_line, _CHANGED)
    chosen = matching_lines(data, offsets, token_patterns(keys))
    return chosen, [lines[index] for index in chosen]


def _as_scanned(scan: FileScan, data: bytes) -> bytes:
    """Normalise a data file's bytes read again as the scan did, refusing other sizes."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if len(data) != scan.size:
        raise DumpFormatError(scan.path, scan.first_line, _CHANGED)
    return data


def rows_with_prints(scan: FileScan, wanted: Collection[int]) -> list[int]:
    """Return the indices of the rows of ``scan`` whose fingerprint is one of ``wanted``."""
    if scan.row_count < INDEXED_ROWS:
        return list(compress(count(), map(wanted.__contains__, scan.fingerprints)))
    import numpy as np  # here: 90 ms to import, worth it only for large files

    prints = np.frombuffer(scan.fingerprints, np.int64)
    chosen = np.isin(prints, np.fromiter(wanted, np.int64, len(wanted)))
    return np.flatnonzero(chosen).tolist()


def _scanned(scan: FileScan, index: int, row: bytes) -> bytes:
    if hash(row) != scan.fingerprints[index]:
        raise DumpFormatError(scan.path, scan.first_line + index, _CHANGED)
    return row


def check_rows(
    path: Path,
    rows: list[bytes],
    numbers: Sequence[int],
    decoder: RowDecoder,
    escaped_names: bool,
    block: memoryview | None = None,
) -> None:
    """Check row lines (``numbers`` are their line numbers) against their table's grammar.

    ``escaped_names`` says that the file holds ``\\N{``: the rows that do are
    decoded, since only decoding tells whether a character name exists. So
    is every row of a table with a JSON column: only decoding tells valid JSON.
    ``block``, when given, is the rows joined by ``\\n``, as the file holds them.

    :raises DumpFormatError: for the first row outside the grammar.
    """
    if not all_rows_match(decoder.pattern_source, rows, block) and not all(
        map(decoder.pattern.fullmatch, rows)
    ):
        for offset, match in enumerate(map(decoder.pattern.fullmatch, rows)):
            if match is None:
                raise DumpFormatError(path, numbers[offset], decoder.explain(rows[offset]))
    if decoder.checks_by_decoding:
        chosen: Iterable[int] = range(len(rows))
    elif escaped_names:
        chosen = compress(range(len(rows)), map(operator.contains, rows, repeat(b"\\N{")))
    else:
        chosen = ()
    for offset in chosen:
        try:
            decoder.decode_line(rows[offset])
        except RowSyntaxError as err:
            raise DumpFormatError(path, numbers[offset], str(err)) from err


def split_data_file(
    path: Path, data: bytes, prefix: bytes
) -> tuple[list[bytes], int, Announcement | None, array[int]]:
    """Return a data file's row lines, the number of the first, the announced count,
    and where in ``data`` each row starts (``row_offsets``).

    :raises DumpFormatError: as for ``scan_data_file``.
    """
    lines = data.split(b"\n")
    lines.pop()  # the empty string after the final newline
    start = 0
    while start < len(lines) and not lines[start].startswith(ROW_START):
        check_other_line(path, start + 1, lines[start])
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1].startswith(ROW_START):
        check_other_line(path, end, lines[end - 1])
        end -= 1
    rows = lines[start:end]
    offsets = row_offsets(rows, header_size=sum(len(line) + 1 for line in lines[:start]))
    if not rows_framed(data, rows, offsets, prefix):
        _raise_bad_row(path, start + 1, rows, prefix)
    announced = None
    for number, line in enumerate(lines[:start], start=1):
        count = _OBJECT_COUNT.match(line)
        if count and len(count.group(1)) > _COUNT_DIGITS_LIMIT:
            digits = len(count.group(1))
            raise DumpFormatError(path, number, f"announces an object count of {digits} digits")
        if count:
            announced = Announcement(int(count.group(1)), number)
    return rows, start + 1, announced, offsets


def check_other_line(path: Path, number: int, line: bytes, expected: bytes | None = None) -> None:
    """Accept the header and footer lines dump2py writes; reject anything else.

    :raises DumpFormatError: naming the line and what it is.
    """
    if expected is None and _ALLOWED_LINE.fullmatch(line):
        return
    text = line.decode("utf-8", "replace").strip()
    if text.startswith("raise "):
        problem = f"the data of this table was not dumped: {text[:200]}"
    elif text.startswith(("import ", "from ")):
        problem = f"import statement {text[:80]!r} is not allowed in a dump"
    elif text.startswith(ROW_START.decode()):
        wanted = expected.decode() if expected else "this file's table"
        problem = f"row for another table: {text[:60]!r} (expected {wanted!r})"
    else:
        problem = f"unexpected statement {text[:80]!r}"
    raise DumpFormatError(path, number, problem)


def _raise_bad_row(path: Path, first: int, rows: list[bytes], prefix: bytes) -> None:
    for offset, line in enumerate(rows):
        if not line.startswith(prefix):
            check_other_line(path, first + offset, line, expected=prefix)
        if not line.endswith(ROW_END):
            raise DumpFormatError(path, first + offset, "row does not end with '))' (cut off?)")
