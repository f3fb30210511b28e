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

import bz2
import datetime
import gzip
import json
import lzma
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from repairkit.errors import DumpFormatError, DumpNotFoundError
from repairkit.snapshot import Value
from repairkit.values import ValueType, convert_value, json_document, to_bytes

FIXTURE_FORMATS = ("json", "jsonl", "xml", "yaml")
_SUFFIX_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".xml": "xml",
    ".yaml": "yaml",
    ".yml": "yaml",
}
_OPENERS: dict[str, Callable[[Path], bytes]] = {
    ".gz": lambda path: gzip.decompress(path.read_bytes()),
    ".bz2": lambda path: bz2.decompress(path.read_bytes()),
    ".xz": lambda path: lzma.decompress(path.read_bytes()),
    ".lzma": lambda path: lzma.decompress(path.read_bytes()),
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
    if suffixes and (suffixes[-1] in _OPENERS or suffixes[-1] == ".zip"):
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
    text = _read_text(path)
    parse = {"json": _parse_json, "jsonl": _parse_jsonl, "xml": _parse_xml, "yaml": _parse_yaml}[
        form
    ]
    return list(parse(path, text))


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DumpNotFoundError(path, "no such fixture file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                # loaddata reads only single-file archives, and so does repairkit.
                if len(names) != 1:
                    raise DumpFormatError(
                        path, None, f"a zipped fixture holds one file, this holds {len(names)}"
                    )
                data = archive.read(names[0])
        elif suffix in _OPENERS:
            data = _OPENERS[suffix](path)
        else:
            data = path.read_bytes()
        return data.decode("utf-8")
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as err:
        raise DumpFormatError(path, None, f"cannot decompress: {err}") from err
    except UnicodeDecodeError as err:
        raise DumpFormatError(path, None, f"not UTF-8: {err}") from err


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
        yield _object_from_json(path, item, number, number)


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


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- YAML -------------------------------------------------------------------------------------


def _parse_yaml(path: Path, text: str) -> Iterator[FixtureObject]:
    import yaml  # only YAML fixtures need PyYAML

    # SafeLoader builds only plain data; the C version where PyYAML has it.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        items = yaml.load(text, Loader=loader)  # noqa: S506 -- a safe loader, see above
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DumpFormatError(
            path, line, f"not valid YAML: {getattr(err, 'problem', err)}"
        ) from err
    if items is None:
        return
    if not isinstance(items, list):
        raise DumpFormatError(path, None, "a YAML fixture is a list of objects")
    for number, item in enumerate(items, start=1):
        yield _object_from_json(path, item, None, number)


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
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        # Refuses DTDs, entity declarations and external references outright.
        # Django writes a text's carriage returns raw, and XML parsers must turn
        # those into line feeds; as references they survive, as Django meant them.
        root = fromstring(text.replace("\r", "&#13;").encode("utf-8"), forbid_dtd=True)
    except ParseError as err:
        raise DumpFormatError(path, err.position[0], f"not valid XML: {err}") from err
    except DefusedXmlException as err:
        raise DumpFormatError(path, None, f"refused XML: {err}") from err
    if root.tag != "django-objects":
        raise DumpFormatError(path, None, f"root element is <{root.tag}>, not <django-objects>")
    for number, element in enumerate(root, start=1):
        model = element.get("model")
        if element.tag != "object" or not model:
            raise DumpFormatError(path, None, f"object {number}: expected <object model=...>")
        try:
            fields = {_field_name(field): _xml_value(field) for field in element}
        except ValueError as err:
            raise DumpFormatError(
                path, None, f"object {number} ({model} pk={element.get('pk')!r}): {err}"
            ) from err
        pk = element.get("pk")
        yield FixtureObject(
            model.lower(), _xml_key(pk) if pk is not None else None, fields, None, number
        )


def _field_name(field: Any) -> str:
    name = field.get("name")
    if field.tag != "field" or not name:
        raise ValueError(f"expected <field name=...>, got <{field.tag}>")
    return str(name)


def _xml_value(field: Any) -> FieldValue:
    rel, target = field.get("rel"), field.get("to")
    children = list(field)
    if rel == "ManyToManyRel":
        return Members(tuple(_xml_member(child) for child in children), target)
    if rel == "ManyToOneRel" or rel == "OneToOneRel":
        if children and children[0].tag == "None":
            return Reference(None, target)
        naturals = [child.text or "" for child in children if child.tag == "natural"]
        key: Key = tuple(naturals) if naturals else _xml_key(field.text or "")
        return Reference(key, target)
    if children and children[0].tag == "None":
        return None
    value_type = _XML_TYPES.get(field.get("type", ""), None)
    text = field.text or ""
    if value_type is ValueType.BINARY:
        return to_bytes(text)  # Django's XML serializer writes binary as base64
    if value_type is not None:
        return convert_value(text, value_type)
    if field.get("type", "").endswith(("IntegerField", "AutoField")):
        return int(text)
    return text


def _xml_member(child: Any) -> Key:
    naturals = [natural.text or "" for natural in child if natural.tag == "natural"]
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
    if path.suffix.lower() in _OPENERS or path.suffix.lower() == ".zip":
        return None  # a compressed file without a fixture name: too costly to guess
    with path.open("rb") as stream:
        start = stream.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    for name, sign in _CONTENT_SIGNS:
        if sign.match(start):
            return name
    return None
