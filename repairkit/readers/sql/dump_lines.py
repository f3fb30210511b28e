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
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from repairkit.errors import DumpFormatError

from .line_places import RECENT_LINES, DumpFile, LinePlace
from .statements import Dialect, Line

_GZIP_MAGIC = b"\x1f\x8b"


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

    :raises DumpFormatError: for a line that is not UTF-8 (MySQL aside), or
        a broken or cut-off gzip file.
    """
    number = 0
    errors = decoding_errors(dialect)
    if place is None:
        place = LinePlace(DumpFile(path, 0, errors, seekable=False))
    end = 0  # the file offset after the line
    starts, sizes, mask = place.starts, place.sizes, RECENT_LINES - 1
    try:
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8", errors)
            except UnicodeDecodeError as err:
                raise DumpFormatError(path, number, f"not UTF-8: {err}") from err
            start, end = end, end + len(raw)
            if number == 1 and text.startswith("\ufeff"):
                text, start = text[1:], start + 3  # the mark is 3 bytes in UTF-8
            line = text.removesuffix("\n")
            size = end - start - (len(text) - len(line))
            place.number, place.text, place.start, place.size = number, line, start, size
            starts[number & mask], sizes[number & mask] = start, size
            yield number, line
    except (OSError, EOFError, zlib.error) as err:
        raise DumpFormatError(path, number + 1, f"cannot decompress: {err}") from err
