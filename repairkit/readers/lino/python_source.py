"""Check the bytes of a Python file of a dump the way Python's own tokenizer would.

Lino restores a dump by executing its files, so a file that Python would
read differently from repairkit, or not at all, must be refused rather than
read: undecodable bytes, a NUL, an encoding declared other than UTF-8, a
bare carriage return (which Python takes for a line end, so that text after
it in a comment would run as a statement). Each check is one pass in C over
the whole file; only an error costs a second look, to name the line.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from repairkit.errors import DumpFormatError

BOM = codecs.BOM_UTF8

# PEP 263: a comment on line 1 or 2 that names the file's encoding. Python
# looks at line 2 only when line 1 is blank or a comment.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"[ \t\f]*(?:#.*)?")
_BARE_RETURN = re.compile(rb"\r(?!\n)")
_CHUNK = 1 << 20


def check_python_source(path: Path, data: bytes) -> bytes:
    """Return ``data`` without its UTF-8 BOM, after checking that Python reads it as we do.

    Line ends may be ``\\n`` or ``\\r\\n``.

    :raises DumpFormatError: naming the line of the first byte that Python
        would refuse or read differently.
    """
    bom = data.startswith(BOM)
    if bom:
        data = data[len(BOM) :]
    _check_coding(path, data, bom)
    if b"\0" in data:
        raise DumpFormatError(
            path, line_of(data, data.index(b"\0")), "NUL byte: Python refuses a file holding one"
        )
    bare_return = _BARE_RETURN.search(data) if b"\r" in data else None
    if bare_return:
        raise DumpFormatError(
            path,
            line_of(data, bare_return.start()),
            "carriage return without a line feed: Python reads it as a line end",
        )
    if not data.isascii():
        _check_utf8(path, data)
    return data


def line_of(data: bytes, position: int) -> int:
    """Return the number of the line holding byte ``position`` of ``data``."""
    return data.count(b"\n", 0, position) + 1


def _check_utf8(path: Path, data: bytes) -> None:
    """Decode ``data`` a chunk at a time, so that its text never is in memory whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        held = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
        try:
            decoder.decode(view[start : start + _CHUNK], final=start + _CHUNK >= len(data))
        except UnicodeDecodeError as err:
            position = start - held + err.start
            reason = f"{err.reason} ({data[position : position + 4]!r})"
            raise DumpFormatError(path, line_of(data, position), f"not UTF-8: {reason}") from err


def _check_coding(path: Path, data: bytes, bom: bool) -> None:
    first_end = data.find(b"\n")
    first = data[: first_end if first_end >= 0 else len(data)]
    candidates = [(1, first)]
    if first_end >= 0 and _BLANK_OR_COMMENT.fullmatch(first.rstrip(b"\r")):
        second_end = data.find(b"\n", first_end + 1)
        candidates.append((2, data[first_end + 1 : second_end if second_end >= 0 else len(data)]))
    for number, line in candidates:
        cookie = _CODING.match(line)
        if cookie is None:
            continue
        name = cookie.group(1).decode("ascii", "replace")
        # Python's own normalisation: "UTF_8", "utf-8-unix" and "utf8" all mean UTF-8.
        normal = name[:12].lower().replace("_", "-")
        if normal == "utf-8" or normal.startswith("utf-8-"):
            return
        if bom:  # Python takes only the exact name after a BOM, not even "utf8"
            raise DumpFormatError(path, number, f"declares encoding {name!r} after a UTF-8 BOM")
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            raise DumpFormatError(path, number, f"unknown encoding {name!r} declared") from None
        if codec != "utf-8":
            raise DumpFormatError(
                path, number, f"declares encoding {name!r}: only UTF-8 dumps can be read"
            )
        return
