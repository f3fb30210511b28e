"""Parse a Django ``dumpdata`` fixture (JSON, JSONL, XML, YAML) into plain records, as data.

Nothing in a fixture is executed: JSON goes through ``json``, YAML through
``yaml.safe_load``-equivalent loaders, XML through ``defusedxml``, which
refuses DTDs, entity expansion and external references. Compressed
fixtures (``.gz``, ``.bz2``, ``.xz``, ``.zip``) are opened the way
``loaddata`` opens them.

Values come out in the one value model (``repairkit.values``) where the
format says or shows the type; foreign keys and many-to-many lists come out
as ``Reference`` and ``Members`` where the format makes them recognisable.
The rules are in docs/formats.md.
"""

from __future__ import annotations

import datetime
import json
import re
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.limits import MAX_INTEGER_DIGITS
from repairkit.snapshot import Value
from repairkit.values import ValueType, convert_value, json_document, to_bytes

from .compressed import COMPRESSED_SUFFIXES, read_compressed
from .fixture_xml import check_children, parse_xml_tree

FIXTURE_FORMATS = ("json", "jsonl", "xml", "yaml")
_SUFFIX_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".xml": "xml",
    ".yaml": "yaml",
    ".yml": "yaml",
}

Key = int | str | tuple[Any, ...]  # a primary key, or a natural key as a tuple


@dataclass(frozen=True, slots=True)
class Reference:
    """A foreign key value: a target's pk, or its natural key as a tuple."""

    key: Key | None  # None: a null foreign key, where the format marks it as a key (XML)
    target: str | None = None  # "app_label.model" where the format names it (XML)


@dataclass(frozen=True, slots=True)
class Members:
    """A many-to-many field's value: the keys of the related rows."""

    keys: tuple[Key, ...]
    target: str | None = None


FieldValue = Value | Reference | Members


@dataclass(frozen=True, slots=True)
class FixtureObject:
    """One serialized object: model label, pk (None with natural primary keys), fields."""

    model: str
    pk: Key | None
    fields: dict[str, FieldValue]
    line: int | None
    number: int  # position in the file, from 1, for messages where no line is known


def fixture_format_of(path: Path) -> str | None:
    """Return ``json``/``jsonl``/``xml``/``yaml`` from the file name, under a compression suffix."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
    return _SUFFIX_FORMATS.get(suffixes[-1]) if suffixes else None


def read_fixture_objects(path: Path, form: str | None = None) -> list[FixtureObject]:
    """Read every object of the fixture at ``path``.

    :raises DumpNotFoundError: if there is no such file.
    :raises DumpFormatError: if it is not a valid fixture of its format.
    """
    form = form or fixture_format_of(path)
    if form not in FIXTURE_FORMATS:
        raise DumpFormatError(
            path, None, f"not a fixture file name (.json, .jsonl, .xml, .yaml): {path.name!r}"
        )
    shown, text = _read_text(path)
    parse = {"json": _parse_json, "jsonl": _parse_jsonl, "xml": _parse_xml, "yaml": _parse_yaml}[
        form
    ]
    return list(parse(shown, text))


def _read_text(path: Path) -> tuple[Path, str]:
    """Return the name that messages give the text (``archive.zip:member``), and the text."""
    if not path.is_file():
        raise DumpNotFoundError(path, "no such fixture file")
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        data, shown = read_compressed(path)
    else:
        try:
            data, shown = path.read_bytes(), path
        except OSError as err:
            raise DumpFormatError(path, None, f"cannot read: {err.strerror}") from err
    try:
        return shown, data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DumpFormatError(
            shown, line, f"not UTF-8: byte {data[err.start : err.start + 1]!r} {err.reason}"
        ) from err


# --- JSON and JSONL ---------------------------------------------------------------------------


def _parse_json(path: Path, text: str) -> Iterator[FixtureObject]:
    # Decoded item by item so that each object knows its line.
    decoder = json.JSONDecoder()
    lines = _LineCounter(text)
    position = _skip_space(text, 0)
    if text[position : position + 1] != "[":
        raise DumpFormatError(path, lines.at(position), "a JSON fixture is a list of objects")
    position = _skip_space(text, position + 1)
    number = 0
    if text[position : position + 1] == "]":
        return
    while True:
        line = lines.at(position)
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as err:
            raise DumpFormatError(path, err.lineno, f"not valid JSON: {err.msg}") from err
        except (ValueError, RecursionError) as err:
            raise DumpFormatError(path, line, _beyond_limits(err)) from err
        number += 1
        yield _object_from_json(path, item, line, number)
        position = _skip_space(text, position)
        separator = text[position : position + 1]
        if separator == "]":
            break
        if separator != ",":
            raise DumpFormatError(
                path, lines.at(position), f"expected ',' or ']', got {separator!r}"
            )
        position = _skip_space(text, position + 1)
    if text[position + 1 :].strip():
        raise DumpFormatError(path, lines.at(position + 1), "text after the end of the list")


_SPACE = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


class _LineCounter:
    """Line numbers of positions met in increasing order, counted once over the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line = 1

    def at(self, position: int) -> int:
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


def _parse_jsonl(path: Path, text: str) -> Iterator[FixtureObject]:
    # Only LF (and CR LF) end a line: str.splitlines would also split at U+2028,
    # U+2029 and U+0085, which JSON text holds raw.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise DumpFormatError(path, number, f"not valid JSON: {err.msg}") from err
        except (ValueError, RecursionError) as err:
            raise DumpFormatError(path, number, _beyond_limits(err)) from err
        yield _object_from_json(path, item, number, number)


def _beyond_limits(error: ValueError | RecursionError) -> str:
    """Say which limit of Python's parsers a value passed (docs/limits.md)."""
    if isinstance(error, RecursionError):
        return "values nested too deeply for Python's parser (a nesting depth limit)"
    return f"an integer of more than {MAX_INTEGER_DIGITS} digits (Python's limit): {error}"


def _object_from_json(path: Path, item: object, line: int | None, number: int) -> FixtureObject:
    """Check one serialized object's shape; type its values by their JSON shape."""
    where = "" if line is not None else f"object {number}: "
    if not isinstance(item, dict) or not isinstance(item.get("model"), str):
        raise DumpFormatError(
            path, line, f"{where}expected an object with a 'model', got {_short(item)}"
        )
    fields = item.get("fields", {})
    if not isinstance(fields, dict):
        raise DumpFormatError(path, line, f"{where}'fields' of {item['model']} is {_short(fields)}")
    pk = item.get("pk")
    if isinstance(pk, list) and len(pk) > 1 and all(_is_scalar_key(part) for part in pk):
        pk = tuple(pk)  # a CompositePrimaryKey (Django 5.2): its fields' values, in order
    elif not (pk is None or _is_scalar_key(pk)):
        raise DumpFormatError(path, line, f"{where}pk of {item['model']} is {_short(pk)}")
    try:
        values = {str(name): _value_by_shape(value) for name, value in fields.items()}
    except ValueError as err:
        raise DumpFormatError(path, line, f"{where}{item['model']} pk={pk!r}: {err}") from err
    return FixtureObject(item["model"].lower(), pk, values, line, number)


def _value_by_shape(value: object) -> FieldValue:
    """Type one JSON/YAML value by its shape (the rules in docs/formats.md).

    A fixture's text is kept as text, even where it looks like a date or a
    number: only the models (``--settings``) or the other side of a diff
    can tell a DateField from a CharField holding ``2024-05-06``
    (``readers/fixture_types.py``). An object, or a list that no key
    could be, is a JSONField's document.
    """
    if isinstance(value, list):
        if not value or all(isinstance(item, list) for item in value):
            return Members(tuple(_key(item) for item in value))
        if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            return Members(tuple(value))
        if all(_is_scalar_key(item) for item in value):
            return Reference(_key(value))
        return json_document(value)
    if isinstance(value, dict):
        return json_document(value)
    if isinstance(value, datetime.datetime):  # YAML gives these natively
        return convert_value(value, ValueType.DATETIME)
    if isinstance(value, datetime.time):
        return convert_value(value, ValueType.TIME)
    if value is None or isinstance(value, (bool, int, float, str, datetime.date)):
        return value
    raise ValueError(f"unexpected value {_short(value)}")


def _key(value: object) -> Key:
    if isinstance(value, list) and all(_is_scalar_key(part) for part in value):
        return tuple(value)
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    raise ValueError(f"unexpected key {_short(value)}")


def _is_scalar_key(value: object) -> TypeGuard[int | str]:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


# Shown values are cut while they are written: a value built from YAML aliases can
# be far too large to write out whole.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 3, 50, 50, 40


def _short(value: object) -> str:
    text = _SHORT.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- YAML -------------------------------------------------------------------------------------


def _parse_yaml(path: Path, text: str) -> Iterator[FixtureObject]:
    import yaml  # only YAML fixtures need PyYAML

    # SafeLoader builds only plain data; the C version where PyYAML has it.
    # The document is composed first and each object built from its node, so
    # that each object knows its line.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        if "*" in text:
            _refuse_yaml_aliases(path, text, yaml)
        try:
            root = loader.get_single_node()
        except RecursionError as err:  # the pure-Python composer, without libyaml
            line = loader.get_mark().line + 1 if hasattr(loader, "get_mark") else None
            raise DumpFormatError(path, line, _beyond_limits(err)) from err
        except yaml.YAMLError as err:
            raise DumpFormatError(
                path, _yaml_line(err, text), f"not valid YAML: {_yaml_problem(err)}"
            ) from err
        if root is None:
            return
        if not isinstance(root, yaml.SequenceNode):
            raise DumpFormatError(
                path, root.start_mark.line + 1, "a YAML fixture is a list of objects"
            )
        for number, node in enumerate(root.value, start=1):
            line = node.start_mark.line + 1
            try:
                item = loader.construct_document(node)
            except yaml.YAMLError as err:
                raise DumpFormatError(
                    path, _yaml_line(err, text) or line, f"not valid YAML: {_yaml_problem(err)}"
                ) from err
            except (ValueError, RecursionError) as err:
                raise DumpFormatError(path, line, _beyond_limits(err)) from err
            yield _object_from_json(path, item, line, number)
    finally:
        loader.dispose()


def _refuse_yaml_aliases(path: Path, text: str, yaml: Any) -> None:
    # Django's serializer never writes aliases, and aliases of aliases make a
    # small file stand for a structure too large to walk (an "alias bomb").
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                raise DumpFormatError(
                    path, event.start_mark.line + 1,
                    f"YAML alias *{event.anchor} refused: a fixture writes every value out",
                )  # fmt: skip
    except yaml.YAMLError as err:
        raise DumpFormatError(
            path, _yaml_line(err, text), f"not valid YAML: {_yaml_problem(err)}"
        ) from err


def _yaml_line(error: Exception, text: str) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(error, "position", None)  # a ReaderError: a character the reader refuses
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def _yaml_problem(error: Exception) -> str:
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    text = f"{context}: {problem}" if context and problem else str(problem or error)
    return text.splitlines()[0] if text else type(error).__name__


# --- XML --------------------------------------------------------------------------------------

# The XML serializer names each field's type, so values are typed exactly.
_XML_TYPES = {
    "BooleanField": ValueType.BOOLEAN, "NullBooleanField": ValueType.BOOLEAN,
    "DecimalField": ValueType.DECIMAL, "FloatField": ValueType.FLOAT,
    "DateField": ValueType.DATE, "DateTimeField": ValueType.DATETIME,
    "TimeField": ValueType.TIME, "JSONField": ValueType.JSON,
    "DurationField": ValueType.DURATION, "UUIDField": ValueType.UUID,
    "BinaryField": ValueType.BINARY,
}  # fmt: skip
_INTEGER = re.compile(r"-?(0|[1-9]\d*)")


def _parse_xml(path: Path, text: str) -> Iterator[FixtureObject]:
    # Refuses DTDs, entity declarations and external references outright; keeps
    # a text's carriage returns (see repairkit.readers.fixture_xml).
    root, lines = parse_xml_tree(path, text)
    if root.tag != "django-objects":
        raise DumpFormatError(
            path, lines.get(id(root)), f"root element is <{root.tag}>, not <django-objects>"
        )
    for number, element in enumerate(root, start=1):
        line = lines.get(id(element))
        model = element.get("model")
        if element.tag != "object" or not model:
            raise DumpFormatError(path, line, f"object {number}: expected <object model=...>")
        pk = element.get("pk")
        fields: dict[str, FieldValue] = {}
        for field in element:
            try:
                name = _field_name(field)
                if name in fields:
                    raise ValueError(f"field {name!r} given twice")
                fields[name] = _xml_value(field, name)
            except (ValueError, RecursionError) as err:
                problem = _beyond_limits(err) if _is_limit(err) else str(err)
                raise DumpFormatError(
                    path, lines.get(id(field), line), f"{model} pk={pk!r}: {problem}"
                ) from err
        try:
            key = _xml_key(pk) if pk is not None else None
        except ValueError as err:
            raise DumpFormatError(path, line, f"{model} pk: {_beyond_limits(err)}") from err
        yield FixtureObject(model.lower(), key, fields, line, number)


def _is_limit(error: ValueError | RecursionError) -> bool:
    return isinstance(error, RecursionError) or "integer string conversion" in str(error)


def _field_name(field: Any) -> str:
    name = field.get("name")
    if field.tag != "field" or not name:
        raise ValueError(f"expected <field name=...>, got <{field.tag}>")
    return str(name)


def _xml_value(field: Any, name: str) -> FieldValue:
    # Only the elements Django's serializer writes are read; any other
    # element or text mixed in is refused, never dropped.
    rel, target = field.get("rel"), field.get("to")
    what = f"field {name!r}"
    if rel == "ManyToManyRel":
        members = check_children(field, "object", what)
        return Members(tuple(_xml_member(child, what) for child in members), target)
    if field.find("None") is not None:
        check_children(field, "None", what, alone=True)
        return Reference(None, target) if rel in ("ManyToOneRel", "OneToOneRel") else None
    if rel == "ManyToOneRel" or rel == "OneToOneRel":
        naturals = [child.text or "" for child in check_children(field, "natural", what)]
        key: Key = tuple(naturals) if naturals else _xml_key(field.text or "")
        return Reference(key, target)
    check_children(field, "", what)
    value_type = _XML_TYPES.get(field.get("type", ""), None)
    text = field.text or ""
    if value_type is ValueType.BINARY:
        return to_bytes(text)  # Django's XML serializer writes binary as base64
    if value_type is not None:
        return convert_value(text, value_type)
    if field.get("type", "").endswith(("IntegerField", "AutoField")):
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"{text[:40]!r} is not an integer")
        return int(text)
    return text


def _xml_member(child: Any, what: str) -> Key:
    naturals = [natural.text or "" for natural in check_children(child, "natural", what)]
    if naturals:
        return tuple(naturals)
    return _xml_key(child.get("pk", ""))


def _xml_key(text: str) -> int | str:
    # XML loses the pk's type; digits without a leading zero are taken as an integer id.
    return int(text) if _INTEGER.fullmatch(text) else text


_CONTENT_SIGNS = (
    ("jsonl", re.compile(r'\{\s*"model"\s*:')),
    ("json", re.compile(r'\[\s*(\]|\{\s*"model"\s*:)')),
    ("xml", re.compile(r"(<\?xml[^>]*>\s*)?<django-objects")),
    ("yaml", re.compile(r"(- model:|\[\])")),
)


def sniff_fixture_format(source: str) -> str | None:
    """Return the fixture format of the file ``source`` from its name, else from its first bytes."""
    path = Path(source)
    if not path.is_file():
        return None
    form = fixture_format_of(path)
    if form is not None:
        return form
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        return None  # a compressed file without a fixture name: too costly to guess
    with path.open("rb") as stream:
        start = stream.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    for name, sign in _CONTENT_SIGNS:
        if sign.match(start):
            return name
    return None
