"""JSON fixtures: the fast parser (msgspec) reads what ``json`` reads, and errors keep their lines.

Each case is checked against what the standard library makes of the same
text, so that the fast path cannot drift from ``json``'s semantics: values
msgspec refuses (NaN, Infinity, 1e400, lone surrogates) go through ``json``,
and an object's line is found only when a message needs it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.readers.fixture.dump import read_django_fixture
from repairkit.readers.fixture.json_text import ObjectLines, item_lines, parse_json_items
from repairkit.readers.fixture.parse import read_fixture_objects


def write(tmp_path: Path, text: str, name: str = "f.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "-Infinity",
        "1e400",
        '"\\ud800"',
        "123456789012345678901234567890123",  # past 64 bits: orjson would make it a float
        "-0.0",
        '"caf\\u00e9 \\"x\\""',
        "2.2250738585072011e-308",
    ],
)
def test_a_value_reads_as_json_reads_it(tmp_path: Path, value: str) -> None:
    text = f'[\n{{"model": "a.t", "pk": 1, "fields": {{"x": {value}}}}}\n]'
    for name, body in (("f.json", text), ("f.jsonl", text.strip("[]\n") + "\n")):
        (obj,) = read_fixture_objects(write(tmp_path, body, name))
        expected = json.loads(value)
        got = obj.fields["x"]
        assert type(got) is type(expected)
        assert got == expected or (math.isnan(expected) and math.isnan(got))


def test_the_last_of_duplicate_keys_wins_as_in_json(tmp_path: Path) -> None:
    text = '[{"model": "a.t", "pk": 1, "fields": {"x": 1, "y": 2, "x": 3}}]'
    (obj,) = read_fixture_objects(write(tmp_path, text))
    assert list(obj.fields.items()) == list(json.loads(text)[0]["fields"].items())


def indented(objects: list[object]) -> str:
    return json.dumps(objects, indent=2)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_duplicate_pk_names_the_line_of_its_object(tmp_path: Path) -> None:
    objects = [{"model": "a.t", "pk": pk, "fields": {"x": pk}} for pk in (1, 2, 3)]
    objects.append({"model": "a.t", "pk": 2, "fields": {"x": "again"}})
    text = indented(objects)
    with pytest.raises(DumpFormatError) as caught:
        read_django_fixture(write(tmp_path, text))
    # The object starts at its "{", the line before its "model".
    assert caught.value.line == line_of(text, '"again"') - 4
    assert "object 4: duplicate pk 2 of a.t" in caught.value.problem


def test_a_bad_object_after_good_ones_names_its_line(tmp_path: Path) -> None:
    objects: list[object] = [{"model": "a.t", "pk": pk, "fields": {}} for pk in (1, 2)]
    objects.append({"model": "a.t", "pk": True, "fields": {}})
    text = indented(objects)
    with pytest.raises(DumpFormatError) as caught:
        read_django_fixture(write(tmp_path, text))
    assert caught.value.line == line_of(text, "true") - 2
    assert caught.value.problem == "pk of a.t is True"


def test_text_msgspec_refuses_is_reported_by_json_with_its_line(tmp_path: Path) -> None:
    text = '[\n{"model": "a.t", "pk": 1, "fields": {}},\n{"model": "a.t", "pk": 2,, }\n]'
    with pytest.raises(DumpFormatError) as caught:
        read_django_fixture(write(tmp_path, text))
    assert caught.value.line == 3
    assert caught.value.problem.startswith("not valid JSON")


def test_a_value_too_deep_for_json_still_gets_its_line() -> None:
    # Far deeper than json (or msgspec) decodes: the lines come from the bracket scan.
    deep = "[" * 5000 + "]" * 5000
    first = '{"model": "a.t", "pk": 1, "fields": {}}'
    text = f'[\n{first},\n{{"model": "a.t", "pk": 2, "fields": {{"x": {deep}}}}}\n]'
    lines = ObjectLines(Path("f.json"), text.encode())
    assert (lines.line_of(1), lines.line_of(2), lines.line_of(3)) == (2, 3, None)


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [\n ] ",
        '[\n1,\n"a,]\\\\\\"[",\n{"a": [1, {"b": "}"}]},\n[[], []]\n, null]',
        indented([{"model": "a.t", "pk": n, "fields": {"s": "x\n]" * n}} for n in range(5)]),
    ],
)
def test_the_bracket_scan_finds_the_lines_json_finds(text: str) -> None:
    expected = list(parse_json_items(Path("f.json"), text, lambda path, item, line, number: line))
    assert item_lines(text) == expected
