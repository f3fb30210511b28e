"""The one-call RE2 check of a file's rows accepts only what re accepts line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from repairkit.readers.lino.block_match import all_rows_match, block_pattern, translate
from repairkit.readers.lino.restore import read_restore_module
from repairkit.readers.lino.values import RowDecoder

BACKUP = Path(__file__).resolve().parent.parent / "fixtures" / "backup"


def decoders() -> dict[str, RowDecoder]:
    module = read_restore_module(BACKUP / "restore.py")
    return {
        name: RowDecoder(schema, module.model_globals, len(module.languages))
        for name, schema in module.tables.items()
    }


def rows_of(table: str) -> list[bytes]:
    path = sorted(BACKUP.glob(f"{table}*.py"))[0]
    return [line for line in path.read_bytes().split(b"\n") if line.startswith(b"loader.save(")]


def test_every_table_of_a_real_dump_takes_the_fast_path() -> None:
    for name, decoder in decoders().items():
        assert block_pattern(decoder.pattern_source) is not None, name


def test_the_rows_of_a_real_dump_match_at_once() -> None:
    decoder = decoders()["repairdemo_partner"]
    rows = rows_of("repairdemo_partner")
    assert len(rows) == 60
    assert all_rows_match(decoder.pattern_source, rows)


def test_a_string_continued_on_the_next_line_is_left_to_re() -> None:
    # Joined by a newline, "...'a\\" and "b'..." would be one valid row, with a
    # backslash-newline inside the text; as lines, neither is a row.
    decoder = decoders()["repairdemo_partner"]
    row = rows_of("repairdemo_partner")[1]
    cut = row.index(b"'Alex") + 3
    rows = [row[:cut] + b"\\", row[cut:]]
    assert not decoder.pattern.fullmatch(rows[0])
    assert not all_rows_match(decoder.pattern_source, rows)


def test_a_row_outside_the_grammar_is_not_accepted() -> None:
    decoder = decoders()["repairdemo_partner"]
    rows = rows_of("repairdemo_partner")
    broken = rows[5].replace(b",True,", b",__import__('os'),")
    assert broken != rows[5]
    assert not all_rows_match(decoder.pattern_source, [*rows[:5], broken, *rows[6:]])


@pytest.mark.parametrize("digits", [999, 1000, 4300, 4301])
def test_long_integers_are_judged_by_re(digits: int) -> None:
    decoder = decoders()["repairdemo_partner"]
    row = rows_of("repairdemo_partner")[0]
    long_pk = row.replace(b"(1,", b"(" + b"9" * digits + b",", 1)
    fast = all_rows_match(decoder.pattern_source, [long_pk])
    # Fast only below the relaxed limit; whatever it says, it never accepts what re refuses.
    assert fast == (digits < 1000)
    assert bool(decoder.pattern.fullmatch(long_pk)) == (digits <= 4300)


@pytest.mark.parametrize(
    "source", [rb"a.b", rb"\s+", rb"(?=x)y", rb"[]a]", rb"x{0,2000}", rb"(?i)a"]
)
def test_patterns_re2_would_read_otherwise_are_not_translated(source: bytes) -> None:
    assert translate(source) is None
