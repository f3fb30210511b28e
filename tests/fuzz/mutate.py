"""Seeded mutations of a dump's bytes: the same seed and case number give the same mutant.

Most operators are blind (flip, cut, repeat, insert a hostile token); one is
aimed: ``letter`` changes one letter of a string value that occurs once in
the file, so that the reading has a known right answer (exactly that value
changed). Compressed seeds are corrupted as compressed bytes, or mutated as
plain text and compressed again.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Tokens that have broken readers, or that a grammar must refuse by name.
_COMMON_TOKENS = [
    b'"', b"'", b"\\", b"\x00", b"\r", b"\r\n", b"\n", b"\t", b"\xff", b"\xc3", b"\xed\xa0\x80",
    b"\x1b[31m", b"\x1b]0;title\x07", b"\xc2\x9b", b"\\ud800", b"\\u001b[2J", b"9" * 6001,
    b"-" + b"9" * 5000, b"1e99999999", b"NaN", b"Infinity", b"-0", b"0123", b"1.9",
    b"[" * 50000, b"{" * 50000, b"(" * 50000, b"\xef\xbb\xbf", b"x" * 100000,
]  # fmt: skip
_FORMAT_TOKENS = {
    "json": [b"[]", b"{}", b"null", b'{"model": "a.b"}', b"true", b'"\\ud800"', b"[[1, 2]]"],
    "xml": [
        b'<!DOCTYPE x [<!ENTITY a "b">]>', b"&a;", b"<b>x</b>", b"<![CDATA[\r]]>", b"<None/>",
        b"&#0;", b"&#x1b;", b"&#13;", b'<!ENTITY e SYSTEM "file:///etc/passwd">', b"<?pi x?>",
        b"<!-- c -->", b"</field>", b"<field name='x'>", b'<natural>a</natural>',
    ],
    "yaml": [
        b"&a [1, 2]", b"*a", b"!!python/object/apply:os.system ['true']", b"- ", b": ", b"\t",
        b"!!binary AAAA", b"<<: *a", b"? ", b"---\n", b"...\n", b"!!float .nan", b"%YAML 1.1\n",
    ],
    "lino": [
        b'__import__("os")', b'f"x"', b"\\N{foo}", b"# -*- coding: latin-1 -*-\n",
        b"# -*- coding: nosuch -*-\n", b"lambda: 0", b"10**100000", b"os.system('x')",
        b"loader.save(create_repairdemo_country(['X', 'Y', 'Z'],'XX','X'))\n", b"0x10", b"1_000",
        b"u'x'", b"b'x'", b"r'\\'", b"'''", b"\\\n", b"#", b"\r", b"execfile('/etc/passwd')\n",
    ],
    "sql": [
        b"');", b"\\'", b"E'\\303\\251'", b"X'0g'", b"TRUE", b"9223372036854775808", b"\\.\n",
        b"/*", b"*/", b"--", b"BEGIN;\n", b"DROP TABLE x;\n", b"'a'||'b'", b"\\N", b"NULL",
        b"SET standard_conforming_strings = off;\n", b"TRUNCATE x;\n", b";", b"''",
    ],
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Mutant:
    """A mutated file: its bytes, the operator's name and, when known, the right reading."""

    data: bytes
    operator: str
    changed_value: tuple[str, str] | None = None  # (old, new) for the ``letter`` operator


def token_family(reader: str) -> str:
    """Return the token family of a reader name from ``repairkit.readers.FORMATS``."""
    if reader in ("json", "jsonl"):
        return "json"
    if reader in ("xml", "yaml", "lino"):
        return reader
    return "sql"


def mutate(
    rng: random.Random, data: bytes, family: str, compression: str | None, values: Sequence[str]
) -> Mutant:
    """Return one mutant of ``data`` (a compressed file if ``compression`` names how).

    ``values`` are string values that occur exactly once in the plain text,
    the candidates of the ``letter`` operator.
    """
    if compression is None:
        return _mutate_plain(rng, data, family, values)
    plain = decompress(data, compression)
    choice = rng.random()
    if choice < 0.6:
        name, operator = rng.choice(_BLIND)
        return Mutant(operator(rng, data, family), f"compressed-{name}")
    mutant = _mutate_plain(rng, plain, family, values if choice > 0.85 else ())
    return Mutant(compress(mutant.data, compression), mutant.operator, mutant.changed_value)


def _mutate_plain(rng: random.Random, data: bytes, family: str, values: Sequence[str]) -> Mutant:
    if values and rng.random() < 0.15:
        return _change_letter(rng, data, values)
    name, operator = rng.choice(_BLIND)
    mutated = operator(rng, data, family)
    # A second operator now and then reaches states that one alone cannot.
    if rng.random() < 0.2:
        second, operator = rng.choice(_BLIND)
        mutated, name = operator(rng, mutated, family), f"{name}+{second}"
    return Mutant(mutated, name)


def _change_letter(rng: random.Random, data: bytes, values: Sequence[str]) -> Mutant:
    old = rng.choice(values)
    letters = [index for index, char in enumerate(old) if char.isascii() and char.isalpha()]
    index = rng.choice(letters)
    pool = LETTERS if old[index].islower() else LETTERS.upper()
    new_letter = rng.choice([char for char in pool if char != old[index]])
    new = old[:index] + new_letter + old[index + 1 :]
    return Mutant(data.replace(old.encode(), new.encode(), 1), "letter", (old, new))


def _position(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def _flip(rng: random.Random, data: bytes, family: str) -> bytes:
    at = rng.randrange(len(data)) if data else 0
    return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]


def _delete(rng: random.Random, data: bytes, family: str) -> bytes:
    at = _position(rng, data)
    return data[:at] + data[at + rng.choice((1, 2, 8, 64, 512)) :]


def _repeat(rng: random.Random, data: bytes, family: str) -> bytes:
    at = _position(rng, data)
    run = data[at : at + rng.choice((1, 4, 32, 256))]
    return data[:at] + run * rng.choice((2, 3, 100)) + data[at:]


def _truncate(rng: random.Random, data: bytes, family: str) -> bytes:
    return data[: _position(rng, data)]


def _insert_token(rng: random.Random, data: bytes, family: str) -> bytes:
    token = rng.choice(_COMMON_TOKENS + _FORMAT_TOKENS[family] * 3)
    at = _position(rng, data)
    return data[:at] + token + data[at:]


def _replace_token(rng: random.Random, data: bytes, family: str) -> bytes:
    # Replacing a number or a quoted word keeps the text's shape around it.
    spans = [match.span() for match in _REPLACEABLE.finditer(data)]
    if not spans:
        return _insert_token(rng, data, family)
    start, end = rng.choice(spans)
    token = rng.choice(_COMMON_TOKENS + _FORMAT_TOKENS[family] * 3)
    return data[:start] + token + data[end:]


_REPLACEABLE = re.compile(rb"-?\d+(\.\d+)?|[A-Za-z_]+")


def _lines(rng: random.Random, data: bytes, family: str) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return _flip(rng, data, family)
    first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.choice(("swap", "duplicate", "delete"))
    if action == "swap":
        lines[first], lines[second] = lines[second], lines[first]
    elif action == "duplicate":
        lines.insert(second, lines[first])
    else:
        del lines[first]
    return b"\n".join(lines)


_BLIND: list[tuple[str, Callable[[random.Random, bytes, str], bytes]]] = [
    ("flip", _flip), ("delete", _delete), ("repeat", _repeat), ("truncate", _truncate),
    ("insert", _insert_token), ("insert", _insert_token), ("replace", _replace_token),
    ("replace", _replace_token), ("lines", _lines),
]  # fmt: skip


def decompress(data: bytes, compression: str) -> bytes:
    """Return the plain text of a seed compressed as ``compression`` (a suffix: gz, bz2, ...)."""
    if compression == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read(archive.namelist()[0])
    return {"gz": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}[compression](data)


def compress(data: bytes, compression: str, member: str = "site.json") -> bytes:
    """Compress ``data`` the way its seed was compressed."""
    if compression == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, data)
        return buffer.getvalue()
    return {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compression](data)
