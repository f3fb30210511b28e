"""Open a SQL dump, gzip-compressed or not, and read it as numbered lines.

The first step of reading a dump (``dump``): bytes become text as UTF-8
(``decoding_errors``), lines are split at ``\\n`` only, and the line
reader tells a ``LinePlace`` (``line_places``) where each line is in the
file, so that row texts can be kept by their place (``kept_texts``).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO, cast

from repairkit.errors import DumpFormatError

from .line_places import RECENT_LINES, DumpFile, LinePlace
from .statements import Dialect, Line

_GZIP_MAGIC = b"\x1f\x8b"
# Bytes read at a time, split into lines and decoded together.
_READ_SIZE = 1 << 20


def open_dump(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, through gzip if it is compressed."""
    stream = path.open("rb")
    if stream.read(2) == _GZIP_MAGIC:
        stream.close()
        return cast(BinaryIO, gzip.open(path, "rb"))
    stream.seek(0)
    return stream


def decoding_errors(dialect: Dialect) -> str:
    """Return how a dump's bytes become text: MySQL's BLOBs are raw bytes, kept as surrogates."""
    return "surrogateescape" if dialect is Dialect.MYSQL else "strict"


def dump_file(path: Path, stream: BinaryIO, dialect: Dialect) -> DumpFile:
    """Return what reading the dump's row texts again needs to know of the file."""
    if isinstance(stream, gzip.GzipFile):
        return DumpFile(path, 0, decoding_errors(dialect), seekable=False)
    size = os.fstat(stream.fileno()).st_size
    return DumpFile(path, size, decoding_errors(dialect), seekable=True)


def numbered_lines(
    path: Path, stream: BinaryIO, dialect: Dialect, place: LinePlace | None = None
) -> Iterator[Line]:
    """Yield ``(number, text)`` per line, split at ``\\n`` only (a ``\\r`` may be data).

    A MySQL dump holds BLOBs as raw bytes: its bytes that are not UTF-8 are
    kept as surrogates (``surrogateescape``), for ``converters`` to turn back
    into bytes in a binary column and to refuse anywhere else. ``place``
    is told where each line is in the file before it is yielded.

    Lines are split and decoded a block of the file at a time, in C: read
    and decoded one by one, the lines cost more than anything the reader
    did with most of them.

    :raises DumpFormatError: for a line that is not UTF-8 (MySQL aside), or
        a broken or cut-off gzip file.
    """
    errors = decoding_errors(dialect)
    if place is None:
        place = LinePlace(DumpFile(path, 0, errors, seekable=False))
    number, offset = 0, 0  # the lines read so far; the file offset of the next one
    try:
        for block in _blocks_of_lines(stream):
            raws = block.split(b"\n")
            try:
                texts = block.decode("utf-8", errors).split("\n")
            except UnicodeDecodeError:
                _refuse_not_utf8(path, number, raws, errors)
                raise
            if block.endswith(b"\n"):
                raws.pop()  # after the last line end: nothing
                texts.pop()
            sizes = list(map(len, raws))
            starts = list(accumulate(map((1).__add__, sizes[:-1]), initial=offset))
            offset = starts[-1] + sizes[-1] + 1
            if number == 0 and texts[0].startswith("\ufeff"):
                texts[0] = texts[0][1:]  # the byte order mark: 3 bytes in UTF-8
                starts[0], sizes[0] = starts[0] + 3, sizes[0] - 3
            for cut in range(0, len(texts), RECENT_LINES):
                part, first = texts[cut : cut + RECENT_LINES], number + 1
                place.remember(first, starts[cut : cut + len(part)], sizes[cut : cut + len(part)])
                for number, text in enumerate(part, start=first):
                    place.number, place.text = number, text
                    yield number, text
    except (OSError, EOFError, zlib.error) as err:
        raise DumpFormatError(path, number + 1, f"cannot decompress: {err}") from err


def _blocks_of_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Yield the stream's bytes in blocks of whole lines: each ends with a line end but the last."""
    pending: list[bytes] = []  # the start of a line longer than a read
    # read1: what one read of the file gives, so that the lines before a cut-off
    # gzip stream's end are yielded before its error, which then names a line near it.
    read: Callable[[int], bytes] = getattr(stream, "read1", stream.read)
    while data := read(_READ_SIZE):
        end = data.rfind(b"\n") + 1
        if not end:
            pending.append(data)
            continue
        yield b"".join([*pending, data[:end]]) if pending else data[:end]
        pending = [data[end:]] if end < len(data) else []
    if pending:
        yield b"".join(pending)


def _refuse_not_utf8(path: Path, number: int, raws: list[bytes], errors: str) -> None:
    """Raise for the first of ``raws`` (lines from line ``number + 1`` on) that is not UTF-8.

    Each is decoded with its line end, as a line read by itself would be, so
    the message is the same.
    """
    for index, raw in enumerate(raws):
        try:
            (raw + b"\n" if index < len(raws) - 1 else raw).decode("utf-8", errors)
        except UnicodeDecodeError as err:
            raise DumpFormatError(path, number + 1 + index, f"not UTF-8: {err}") from err
