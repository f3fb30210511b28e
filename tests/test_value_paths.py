"""A changed JSON value is shown as the paths that changed, in text, JSON and HTML."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.snapshot import JsonValue
from repairkit.value_paths import ABSENT, PathChange, changed_paths

OLD_SETTINGS = {"theme": "dark", "lang": "en", "tags": ["a", "b"], "<b>x</b>": 1}
NEW_SETTINGS = {"theme": "light", "lang": "en", "tags": ["a"], "size": 3, "<b>x</b>": 2}


def json_value(document: object) -> JsonValue:
    return JsonValue(json.dumps(document, sort_keys=True, separators=(",", ":")))


def test_the_paths_of_a_changed_document_in_the_order_it_is_written() -> None:
    assert changed_paths(json_value(OLD_SETTINGS), json_value(NEW_SETTINGS)) == (
        PathChange("['<b>x</b>']", 1, 2),
        PathChange("['tags'][1]", "b", ABSENT),
        PathChange("['theme']", "dark", "light"),
        PathChange("['size']", ABSENT, 3),
    )


def test_a_type_change_is_a_change_though_python_finds_the_values_equal() -> None:
    old, new = json_value({"a": 1, "b": True, "c": [1]}), json_value({"a": 1.0, "b": 1, "c": [1]})
    assert changed_paths(old, new) == (
        PathChange("['a']", 1, 1.0),
        PathChange("['b']", True, 1),
    )


def test_a_text_holding_json_is_structured_and_other_values_are_not() -> None:
    assert changed_paths('{"theme": "dark"}', '{"theme": "light"}') == (
        PathChange("['theme']", "dark", "light"),
    )
    assert changed_paths('{"theme": "dark"}', '{"theme":"dark"}') == ()  # only spelled anew
    assert changed_paths("{not json", "{not json either") == ()
    assert changed_paths(json_value("dark"), json_value("light")) == ()  # a scalar document
    assert changed_paths(json_value([1]), None) == ()
    assert changed_paths(1, 2) == ()


def test_a_document_nested_as_deep_as_json_loads_takes_is_walked() -> None:
    depth = sys.getrecursionlimit() - 60
    old = JsonValue("[" * depth + "1" + "]" * depth)
    new = JsonValue("[" * depth + "2" + "]" * depth)
    (change,) = changed_paths(old, new)
    assert change.path == "[0]" * depth and (change.old, change.new) == (1, 2)


def write_fixtures(tmp_path: Path) -> tuple[str, str]:
    paths = []
    for name, settings, person in (("old", OLD_SETTINGS, "Bob"), ("new", NEW_SETTINGS, "Bobby")):
        rows = [
            {"model": "app.profile", "pk": 1, "fields": {"name": "Ann", "settings": settings}},
            {"model": "app.profile", "pk": 2, "fields": {"name": person, "settings": {}}},
        ]
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(rows), encoding="utf-8")
        paths.append(str(path))
    return paths[0], paths[1]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    return result.output


def test_the_text_shows_the_changed_paths_and_other_fields_whole(tmp_path: Path) -> None:
    lines = run("diff", *write_fixtures(tmp_path)).splitlines()
    start = lines.index("  changed (2):")
    assert [line.strip() for line in lines[start + 1 :]] == [
        "1  settings['theme']: 'dark' -> 'light'",
        "settings['tags'][1]: 'b' -> (absent)",
        "settings['<b>x</b>']: 1 -> 2",
        "settings['size']: (absent) -> 3",
        "2  name: 'Bob' -> 'Bobby'",
    ]


def test_the_json_lists_the_paths_beside_the_whole_values(tmp_path: Path) -> None:
    document = json.loads(run("diff", *write_fixtures(tmp_path), "--format", "json"))
    first, second = document["tables"]["app_profile"]["changed"]
    assert first["fields"]["settings"] == [OLD_SETTINGS, NEW_SETTINGS]
    assert first["paths"] == [
        {"column": "settings", "path": "settings['theme']", "old": "dark", "new": "light"},
        {"column": "settings", "path": "settings['tags'][1]", "old": "b"},
        {"column": "settings", "path": "settings['<b>x</b>']", "old": 1, "new": 2},
        {"column": "settings", "path": "settings['size']", "new": 3},
    ]
    assert "paths" not in second


class _CellTexts(HTMLParser):
    """The text of each table cell with the class ``changed``, as a browser shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td" and ("class", "changed") in attrs:
            self._inside = True
            self.cells.append("")
        elif tag == "br" and self._inside:
            self.cells[-1] += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.cells[-1] += data


def test_the_html_shows_the_changed_paths_escaped(tmp_path: Path) -> None:
    page = run("diff", *write_fixtures(tmp_path), "--format", "html")
    assert "<b>x</b>" not in page  # a key is dump data: escaped like every value
    parser = _CellTexts()
    parser.feed(page)
    assert parser.cells == [
        "['theme']: 'dark' → 'light'\n['tags'][1]: 'b' → (absent)\n['<b>x</b>']: 1 → 2\n"
        "['size']: (absent) → 3",
        "'Bob' → 'Bobby'",
    ]
