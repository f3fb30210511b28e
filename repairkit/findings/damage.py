"""Tell, for one changed value, whether the change looks like damage and which kind.

Each test looks at one old -> new pair only; grouping the pairs into
findings, and the thresholds that need several rows, are in ``__init__``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from repairkit.snapshot import Value

from .records import FindingKind

# Bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D have no cp1252 character. Tools that
# mangle text map them to the Latin-1 control character of the same number,
# so a strict cp1252 decode would miss mojibake of e.g. "Á" (C3 81).
_CP1252_LENIENT = "".join(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)
# Text run through a wrong encoding twice is common too (a dump restored
# twice with the wrong settings); more rounds than that are not seen in practice.
MAX_MOJIBAKE_ROUNDS = 2
_REPLACEMENT_RUN = re.compile(r"(\ufffd+|\?+)")
_WHOLE_REPLACEMENT = re.compile(r"\ufffd+|\?{2,}")
_WORD_SEPARATORS = frozenset(" \t\n-,;/(")


def classify_change(old: Value, new: Value) -> FindingKind | None:
    """Return the kind of damage that turns ``old`` into ``new``, None for a plausible edit.

    A truncation is reported for every strict prefix here; whether a clean
    cut at a word boundary counts is decided per column (see ``is_clean_cut``).
    """
    if is_empty(new):
        return None if is_empty(old) else FindingKind.BLANKED
    if not isinstance(old, str) or not isinstance(new, str):
        return None
    if len(new) < len(old) and old.startswith(new):
        return FindingKind.TRUNCATED
    if is_replaced(old, new):
        return FindingKind.REPLACED
    if mojibake_direction(old, new):
        return FindingKind.MOJIBAKE
    return None


def is_empty(value: Value) -> bool:
    """Tell whether a value holds nothing: NULL, or a text of only whitespace."""
    return value is None or isinstance(value, str) and not value.strip()


def is_clean_cut(old: str, new: str) -> bool:
    """Tell whether ``new`` is ``old`` cut after a whole word, as a person would shorten it.

    "Peeters-Dubois" -> "Peeters" and "Schmitz GmbH" -> "Schmitz" are clean;
    "Bahnhofstr" (inside a word) and "Bahnhofstraße " (a trailing space) are not.
    """
    return new[-1].isalnum() and old[len(new)] in _WORD_SEPARATORS


def mojibake_direction(old: str, new: str) -> str | None:
    """Say how ``new`` is a mis-decoding of ``old``, or None if it is not.

    ``"utf8-as-cp1252"``: new is old's UTF-8 bytes read as cp1252/Latin-1
    (damage). ``"cp1252-as-utf8"``: the reverse, old was the mis-decoded text.
    """
    if any(candidate == new for candidate in _misdecodings(old)):
        return "utf8-as-cp1252"
    if any(candidate == old for candidate in _misdecodings(new)):
        return "cp1252-as-utf8"
    return None


def _misdecodings(text: str) -> Iterator[str]:
    for _ in range(MAX_MOJIBAKE_ROUNDS):
        if text.isascii():  # ASCII reads the same in every one of these encodings
            return
        raw = text.encode("utf-8", errors="surrogatepass")
        text = "".join(_CP1252_LENIENT[byte] for byte in raw)
        yield text
        latin1 = raw.decode("latin-1")
        if latin1 != text:
            yield latin1


def is_replaced(old: str, new: str) -> bool:
    """Tell whether ``new`` is ``old`` with letters replaced by U+FFFD or runs of ``?``.

    A value replaced as a whole by such a run counts, whatever the run's length.
    An encoder with ``errors="replace"`` writes one ``?`` per character, a
    decoder one U+FFFD per undecodable byte (up to 4 per character), so a
    run of n marks stands for between n/4 and n characters of the old text.
    """
    if "\ufffd" not in new and "?" not in new:
        return False
    if _WHOLE_REPLACEMENT.fullmatch(new) and any(c.isalpha() or not c.isascii() for c in old):
        # The whole value became marks: a tool that could not encode it at all, whatever the
        # run's length ("São Paulo" -> "????"); one '?' alone may be a person's "unknown".
        return new != old
    parts = _REPLACEMENT_RUN.split(new)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(.{{{-(-len(part) // 4)},{len(part)}}}?)"
        for index, part in enumerate(parts)
    )
    match = re.fullmatch(pattern, old, flags=re.DOTALL)
    if match is None:
        return False
    # Some replaced stretch must have held letters, not the same marks.
    return any(
        group != run and any(char.isalpha() or not char.isascii() for char in group)
        for group, run in zip(match.groups(), parts[1::2], strict=True)
    )
