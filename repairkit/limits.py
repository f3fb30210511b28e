"""Limits on what one input may make repairkit hold, each named in the error that hits it.

A dump comes from a broken machine or from anyone, so a reader stops with
a ``DumpFormatError`` naming the limit before a value or a stream grows past
it, rather than running out of memory. The limits and how to raise them
are in docs/limits.md; each can be raised by an environment variable (read
at every use, so worker processes see it too), and the command line sets
that variable from its option.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

from repairkit.errors import RepairkitError

MAX_DECOMPRESSED_ENV = "REPAIRKIT_MAX_DECOMPRESSED"
# 256 MiB: a fixture read as objects takes several times its size in memory.
DEFAULT_MAX_DECOMPRESSED = 256 << 20

# Python's own limit on the digits of an integer read from text (sys.int_info).
MAX_INTEGER_DIGITS = getattr(sys.int_info, "default_max_str_digits", 4300)

_SIZE = re.compile(r"(\d+)\s*([KMGT]?)i?B?", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The limits that apply to one reading."""

    max_decompressed: int  # bytes that one compressed file may decompress to


def parse_size(text: str) -> int:
    """Return the bytes of a size such as ``512M``, ``2G``, ``1GiB`` or ``1048576``.

    :raises ValueError: if ``text`` is not such a size.
    """
    match = _SIZE.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"not a size: {text!r} (examples: 512M, 2G, 1048576)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def format_size(size: int) -> str:
    """Write ``size`` bytes the way ``parse_size`` reads them, in the largest exact unit."""
    for unit in ("T", "G", "M", "K"):
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def read_limits() -> ReadLimits:
    """Return the limits in force: the defaults, raised or lowered by the environment.

    :raises RepairkitError: if the environment holds a size that is not one.
    """
    configured = os.environ.get(MAX_DECOMPRESSED_ENV)
    try:
        size = parse_size(configured) if configured else DEFAULT_MAX_DECOMPRESSED
    except ValueError as err:
        raise RepairkitError(f"{MAX_DECOMPRESSED_ENV}: {err}") from err
    return ReadLimits(max_decompressed=size)
