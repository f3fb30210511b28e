"""Open a compressed fixture (``.gz``, ``.bz2``, ``.xz``, ``.lzma``, ``.zip``) within limits.

The stream is decompressed in chunks and stops with a named error once it
passes ``REPAIRKIT_MAX_DECOMPRESSED`` (docs/limits.md), so that a
compression bomb ends before memory does. A corrupt or cut-off stream is a
``DumpFormatError`` naming the file (and the archive member) and the line
of the decompressed text that decompressing had reached (1 when the
archive itself cannot be opened).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

from repairkit.errors import DumpFormatError
from repairkit.limits import MAX_DECOMPRESSED_ENV, format_size, read_limits

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".zip")
_CHUNK = 1 << 20
_STREAMS: dict[str, Callable[[Path], IO[bytes]]] = {
    ".gz": lambda path: cast(IO[bytes], gzip.open(path, "rb")),
    ".bz2": lambda path: bz2.open(path, "rb"),
    ".xz": lambda path: lzma.open(path, "rb"),
    ".lzma": lambda path: lzma.open(path, "rb"),
}
# What the decompressors raise for a damaged stream: gzip's BadGzipFile is an
# OSError, a cut-off stream an EOFError; zipfile adds its own and, for
# unsupported methods or encryption, NotImplementedError and RuntimeError.
_DAMAGED = (
    OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, NotImplementedError,
    RuntimeError, ValueError,
)  # fmt: skip


def read_compressed(path: Path) -> tuple[bytes, Path]:
    """Return the decompressed bytes of ``path``, and the name that messages give them.

    For a zip archive the name is ``archive.zip:member``; it holds one
    member, as for ``loaddata``.

    :raises DumpFormatError: if the file is damaged, is not one file, or
        decompresses to more than the limit.
    """
    suffix = path.suffix.lower()
    if suffix != ".zip":
        return _read_stream(path, path, lambda: _STREAMS[suffix](path)), path
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGED as err:
        # Nothing was decompressed: the position reached is the first line.
        raise DumpFormatError(path, 1, f"not a readable zip archive: {err}") from err
    with archive:
        names = archive.namelist()
        if len(names) != 1:
            raise DumpFormatError(
                path, 1, f"a zipped fixture holds one file, this holds {len(names)}"
            )
        shown = Path(f"{path}:{names[0]}")
        return _read_stream(path, shown, lambda: archive.open(names[0])), shown


def _read_stream(path: Path, shown: Path, opener: Callable[[], IO[bytes]]) -> bytes:
    limit = read_limits().max_decompressed
    chunks: list[bytes] = []
    size = 0
    try:
        with opener() as stream:
            while chunk := stream.read(_CHUNK):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise DumpFormatError(
                        shown, _lines_in(chunks), f"decompresses to more than"
                        f" {format_size(limit)}, the limit (raise it with"
                        f" --max-decompressed or {MAX_DECOMPRESSED_ENV})",
                    )  # fmt: skip
    except DumpFormatError:
        raise
    except _DAMAGED as err:
        raise DumpFormatError(
            shown,
            _lines_in(chunks),
            f"cannot decompress {path.name!r}: {err or type(err).__name__}",
        ) from err
    return b"".join(chunks)


def _lines_in(chunks: list[bytes]) -> int:
    """Return the line that decompressing had reached, counted from 1."""
    return sum(chunk.count(b"\n") for chunk in chunks) + 1
