"""Hostile and broken fixtures: every one a named error with file:line, or read exactly.

The attacks of the fuzzing issue that touch fixtures and compressed files:
XML entities and DTDs, YAML python tags and alias bombs, zip members named
``../x``, gzip and zip bombs, corrupt compressed files, integers beyond
Python's limit and nesting beyond its parser's, and the XML text that
was misread (mixed content, CR in CDATA, unknown elements, CRLF files).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.limits import MAX_DECOMPRESSED_ENV
from repairkit.readers import read_snapshot

ONE_ROW_JSON = '[{"model": "app.thing", "pk": 1, "fields": {"name": "Belgium"}}]'


def xml_fixture(fields: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> str:
    return (
        f'{declaration}<django-objects version="1.0">\n'
        f'  <object model="app.thing" pk="1">\n{fields}\n  </object>\n</django-objects>\n'
    )


def refusal(path: Path) -> DumpFormatError:
    with pytest.raises(DumpFormatError) as caught:
        read_snapshot(path)
    return caught.value


def row(path: Path) -> dict[str, object]:
    return read_snapshot(path).tables["app_thing"].records()[1]


# --- XML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE django-objects [<!ENTITY a "b">]>\n',
        '<!DOCTYPE django-objects SYSTEM "file:///etc/passwd">\n',
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n',
    ],
)
def test_xml_dtds_and_entities_are_refused_with_their_line(tmp_path: Path, prolog: str) -> None:
    path = tmp_path / "a.xml"
    text = xml_fixture('    <field name="name" type="CharField">x</field>')
    path.write_text(text.replace("\n", "\n" + prolog, 1), encoding="utf-8")
    error = refusal(path)
    assert error.line == 2 and "XML" in error.problem


def test_a_crlf_xml_fixture_reads_as_its_lf_twin(tmp_path: Path) -> None:
    fields = '    <field name="name" type="CharField">Bel\rgium</field>'
    lf, crlf = tmp_path / "lf.xml", tmp_path / "crlf.xml"
    lf.write_bytes(xml_fixture(fields).encode())
    crlf.write_bytes(xml_fixture(fields).replace("\n", "\r\n").encode())
    assert row(lf)["name"] == "Bel\rgium"
    assert row(crlf) == row(lf)


def test_a_carriage_return_in_cdata_is_read_as_one(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(
        xml_fixture('<field name="name" type="CharField"><![CDATA[a\rb]]></field>').encode()
    )
    assert row(path)["name"] == "a\rb"


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ('<field name="name" type="CharField">abc<b>x</b>def</field>', "unexpected <b>"),
        ('<field name="name" type="CharField"><unknown/></field>', "unexpected <unknown>"),
        ('<field name="name" type="CharField">abc<None/></field>', "unexpected text 'abc'"),
        ('<field name="n" rel="ManyToOneRel" to="a.b"><natural>x</natural><y/></field>', "<y>"),
        ('<field name="n" rel="ManyToManyRel" to="a.b"><object pk="1"/>x</field>', "text 'x'"),
        ('<field name="n" type="IntegerField">1_000</field>', "'1_000' is not an integer"),
    ],
)
def test_xml_content_that_django_never_writes_is_refused_by_name(
    tmp_path: Path, field: str, problem: str
) -> None:
    path = tmp_path / "a.xml"
    path.write_text(xml_fixture("\n\n    " + field), encoding="utf-8")
    error = refusal(path)
    assert problem in error.problem
    assert error.line == 6  # the field's own line, after two blank ones


def test_an_xml_fixture_declaring_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    declaration = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    path.write_text(xml_fixture("", declaration), encoding="utf-8")
    assert "encoding 'ISO-8859-1'" in refusal(path).problem


# --- YAML ------------------------------------------------------------------------------------


def test_yaml_python_tags_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        "- model: app.thing\n  pk: 1\n  fields:\n"
        "    name: !!python/object/apply:os.system ['true']\n",
        encoding="utf-8",
    )
    error = refusal(path)
    assert error.line == 4 and "python/object/apply" in error.problem


def test_a_yaml_alias_bomb_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    lines = ["- model: app.thing", "  pk: 1", "  fields:", "    a0: &a0 [x, x, x, x, x, x, x, x]"]
    lines += [f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]" for i in range(1, 12)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = refusal(path)
    assert error.line == 5 and "alias *a0" in error.problem


def test_yaml_errors_name_the_line_of_the_object(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        "- model: app.thing\n  pk: 1\n  fields: {}\n- model: app.thing\n  pk: [1, {a: b}]\n",
        encoding="utf-8",
    )
    error = refusal(path)
    assert error.line == 4 and "pk of app.thing" in error.problem


# --- Python's own limits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a.json", '[\n{"model": "app.thing", "pk": 1, "fields": {"n": ' + "9" * 6001 + "}}]"),
        ("a.jsonl", '{"model": "app.thing", "pk": 1, "fields": {}}\n{"model": "app.thing", "pk": '
         + "9" * 6001 + ', "fields": {}}\n'),
        ("a.yaml", "- model: app.thing\n  pk: 1\n  fields:\n    n: " + "9" * 6001 + "\n"),
        ("a.xml", xml_fixture('<field name="n" type="IntegerField">' + "9" * 6001 + "</field>")),
    ],
)  # fmt: skip
def test_an_integer_beyond_pythons_limit_is_a_named_error(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    error = refusal(path)
    # The line of the object (YAML, JSON) or of the field (XML) that holds it.
    assert error.line == {"a.json": 2, "a.jsonl": 2, "a.yaml": 1, "a.xml": 4}[name]
    assert "4300 digits" in error.problem or "integer" in error.problem


@pytest.mark.parametrize("name", ["a.json", "a.jsonl"])
def test_nesting_beyond_pythons_parser_is_a_named_error(tmp_path: Path, name: str) -> None:
    value = "[" * 100_000 + "]" * 100_000
    text = f'{{"model": "app.thing", "pk": 1, "fields": {{"n": {value}}}}}'
    path = tmp_path / name
    path.write_text(f"[{text}]" if name == "a.json" else text + "\n", encoding="utf-8")
    error = refusal(path)
    assert error.line == 1 and "nested too deeply" in error.problem


# --- compressed files --------------------------------------------------------------------------


def compressed(path: Path, data: bytes) -> Path:
    suffix = path.suffix
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(path.stem, data)
    else:
        packer = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
        path.write_bytes(packer(data))
    return path


@pytest.mark.parametrize("name", ["a.json.gz", "a.json.bz2", "a.json.xz", "a.json.zip"])
@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_a_corrupt_compressed_file_is_a_named_error(tmp_path: Path, name: str, damage: str) -> None:
    text = ONE_ROW_JSON.replace("[", "[\n" * 200, 1).encode() * 1
    path = compressed(tmp_path / name, text)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    error = refusal(path)
    assert error.line is not None
    assert str(error.path).startswith(str(path))


def test_a_zip_member_named_dot_dot_is_read_as_data_never_extracted(tmp_path: Path) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    path = inside / "a.json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../x.json", ONE_ROW_JSON[:-5])
    error = refusal(path)
    assert str(error.path) == f"{path}:../x.json"  # messages name the member
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.json.zip", "inside"]


def gzip_bomb(path: Path, mebibytes: int) -> Path:
    # Concatenated gzip members are one stream: a bomb of any size from one small member.
    member = gzip.compress(b" " * (1 << 20))
    path.write_bytes(gzip.compress(b"[") + member * mebibytes)
    return path


def zip_bomb(path: Path, mebibytes: int) -> Path:
    block = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("site.json", "w", force_zip64=True) as member:
            member.write(b"[")
            for _ in range(mebibytes):
                member.write(block)
    return path


@pytest.mark.parametrize("make", [gzip_bomb, zip_bomb])
def test_a_compression_bomb_stops_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: object
) -> None:
    assert callable(make)
    path = make(tmp_path / ("bomb.json.gz" if make is gzip_bomb else "bomb.json.zip"), 64)
    monkeypatch.setenv(MAX_DECOMPRESSED_ENV, "8M")
    error = refusal(path)
    assert "decompresses to more than 8M, the limit" in error.problem
    assert "--max-decompressed" in error.problem


@pytest.mark.slow
def test_a_gigabyte_gzip_bomb_stops_at_the_default_limit(tmp_path: Path) -> None:
    path = gzip_bomb(tmp_path / "bomb.json.gz", 1024)
    assert path.stat().st_size < 2 << 20
    error = refusal(path)
    assert "decompresses to more than 256M, the limit" in error.problem


def test_the_limit_can_be_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    padding = " " * (2 << 20)
    path = compressed(tmp_path / "big.json.gz", f"[{padding}{ONE_ROW_JSON[1:]}".encode())
    monkeypatch.setenv(MAX_DECOMPRESSED_ENV, "1M")
    assert "the limit" in refusal(path).problem
    monkeypatch.setenv(MAX_DECOMPRESSED_ENV, "4M")
    assert row(path) == {"id": 1, "name": "Belgium"}


def test_yaml_nesting_is_a_named_error_with_either_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    path = tmp_path / "deep.yaml"
    path.write_text(
        "- model: app.thing\n  pk: 1\n  fields:\n    x: " + "[" * 5000 + "]" * 5000 + "\n",
        encoding="utf-8",
    )
    assert refusal(path).line == 4  # libyaml's own depth limit
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)  # PyYAML without libyaml
    error = refusal(path)
    assert error.line == 4 and "nested too deeply" in error.problem


@pytest.mark.parametrize("name", ["site.json", "site.jsonl", "site.json.gz"])
def test_a_key_that_is_not_utf8_beside_a_plain_object_is_refused_with_its_line(
    tmp_path: Path, name: str
) -> None:
    objects = [
        b'{"model": "app.thing", "pk": 1, "fields": {"name": "a"}}',
        b'{"model": "app.thing", "pk": 2, "\xff": 1, "fields": {"name": "b"}}',
    ]
    data = b"\n".join(objects) if name == "site.jsonl" else b"[\n" + b",\n".join(objects) + b"\n]"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(DumpFormatError, match="not UTF-8") as caught:
        read_snapshot(path).tables["app_thing"].decode()
    assert caught.value.line == (2 if name == "site.jsonl" else 3)


def test_a_plain_object_with_a_key_dumpdata_never_writes_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "site.json"
    path.write_text(
        '[{"model": "app.thing", "pk": 1, "fields": {"name": "a"}},'
        ' {"model": "app.thing", "pk": 2, "note": "x", "fields": {"name": "b"}}]'
    )
    assert read_snapshot(path).tables["app_thing"].decode() == {1: (1, "a"), 2: (2, "b")}
