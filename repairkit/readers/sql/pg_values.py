"""Read PostgreSQL's text form of the types the value model holds natively: bytea, uuid, interval.

pg_dump writes every value as the server's output text (in COPY lines and
in ``--inserts`` literals alike), and the live reader asks the server for
the same text where the driver's own conversion would guess (an interval
of months). One parser for both keeps the two sources equal.
"""

from __future__ import annotations

import datetime
import re
import uuid

_OCTAL_BYTE = re.compile(rb"\\([0-3][0-7]{2})|\\\\")
_UUID_HEX = re.compile(r"[0-9a-fA-F]{32}")
# IntervalStyle "postgres", which pg_dump always sets: "1 year 2 mons -3 days +04:05:06.5".
_INTERVAL = re.compile(
    r"(?:([-+]?\d+) years? ?)?(?:([-+]?\d+) mons? ?)?(?:([-+]?\d+) days? ?)?"
    r"(?:([-+])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?"
)


def read_bytea(text: str) -> bytes:
    """Return the bytes of a bytea in hex (``\\x00ff``) or escape (``a\\000\\\\``) format.

    :raises ValueError: for text the server would refuse as a bytea.
    """
    if text.startswith("\\x"):
        digits = "".join(text[2:].split())
        if len(digits) % 2:
            raise ValueError(f"bytea {_shorten(text)!r} has an odd number of hex digits")
        return bytes.fromhex(digits)
    raw = text.encode("utf-8")
    if b"\\" not in raw:
        return raw
    pieces: list[bytes] = []
    position = 0
    for match in _OCTAL_BYTE.finditer(raw):
        before = raw[position : match.start()]
        if b"\\" in before:
            raise ValueError(f"bytea {_shorten(text)!r}: a backslash that starts no escape")
        pieces.append(before)
        octal = match.group(1)
        pieces.append(bytes([int(octal, 8)]) if octal else b"\\")
        position = match.end()
    if b"\\" in raw[position:]:
        raise ValueError(f"bytea {_shorten(text)!r}: a backslash that starts no escape")
    pieces.append(raw[position:])
    return b"".join(pieces)


def read_uuid(text: str) -> uuid.UUID:
    """Return a uuid from the server's text (``a0eebc99-9c0b-...``, also braced or undashed).

    :raises ValueError: for anything else.
    """
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    digits = inner.replace("-", "")
    if not _UUID_HEX.fullmatch(digits) or inner.startswith("-") or "--" in inner:
        raise ValueError(f"not a uuid: {_shorten(text)!r}")
    return uuid.UUID(hex=digits)


def read_interval(text: str) -> datetime.timedelta:
    """Return an interval of days and time as a timedelta (what a Django DurationField holds).

    :raises ValueError: for an interval with years or months, which has no
        fixed length, and for text that is not an interval in the
        ``postgres`` style.
    """
    match = _INTERVAL.fullmatch(text.strip())
    if match is None or not text.strip():
        raise ValueError(f"not an interval in the 'postgres' style: {_shorten(text)!r}")
    years, months, days, sign, hours, minutes, seconds, fraction = match.groups()
    if int(years or 0) or int(months or 0):
        raise ValueError(
            f"interval {text!r} holds years or months, which have no fixed length as a duration"
        )
    clock = datetime.timedelta(
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
        microseconds=int((fraction or "0").ljust(6, "0")),
    )
    try:
        return datetime.timedelta(days=int(days or 0)) + (-clock if sign == "-" else clock)
    except OverflowError as err:
        raise ValueError(f"interval {_shorten(text)!r} is beyond a timedelta") from err


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
