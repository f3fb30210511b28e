"""The one value model (docs/values.md): kinds, precision, and what a fixture alone cannot tell.

The end-to-end proof, every field type through every source and output
form on real databases, is tests/test_field_matrix.py; these are the rules
one by one.
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.readers import read_snapshot
from repairkit.readers.fixture.align import align_snapshots
from repairkit.readers.fixture.column_types import apply_column_types, learn_column_types
from repairkit.snapshot import JsonValue
from repairkit.values import (
    MILLISECOND_PRECISION,
    SECOND_PRECISION,
    ValueType,
    at_precision,
    convert_value,
    json_document,
    to_bytes,
    to_duration,
    to_uuid,
)

MOMENT = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)


def test_datetimes_and_times_keep_their_microseconds() -> None:
    aware = MOMENT.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert convert_value(aware, ValueType.DATETIME) == MOMENT - datetime.timedelta(hours=2)
    assert convert_value("2024-05-06T07:08:09.123456Z", ValueType.DATETIME) == MOMENT
    assert convert_value("23:59:59.999999", ValueType.TIME) == datetime.time(23, 59, 59, 999999)
    # PyMySQL hands TIME over as a timedelta.
    one = datetime.timedelta(hours=12, microseconds=1)
    assert convert_value(one, ValueType.TIME) == datetime.time(12, 0, 0, 1)


def test_precision_cuts_only_for_comparing() -> None:
    assert at_precision(MOMENT, SECOND_PRECISION) == MOMENT.replace(microsecond=0)
    assert at_precision(MOMENT, MILLISECOND_PRECISION) == MOMENT.replace(microsecond=123000)
    assert at_precision(MOMENT, None) == MOMENT
    assert at_precision("2024", SECOND_PRECISION) == "2024"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (1, datetime.timedelta(microseconds=1)),  # bigint microseconds: SQLite, MySQL
        (-86395000000, datetime.timedelta(days=-1, seconds=5)),
        ("-1 00:00:05", datetime.timedelta(days=-1, seconds=5)),  # Django's serializers
        ("00:00:00.000001", datetime.timedelta(microseconds=1)),
        ("P1DT00H00M00.000007S", datetime.timedelta(days=1, microseconds=7)),
        (datetime.timedelta(hours=1), datetime.timedelta(hours=1)),  # PostgreSQL interval
    ],
)
def test_durations_from_every_form(stored: object, expected: datetime.timedelta) -> None:
    assert to_duration(stored) == expected
    assert convert_value(stored, ValueType.DURATION) == expected


def test_uuids_and_bytes_from_every_form() -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert to_uuid("12345678123456781234567812345678") == key  # SQLite, MySQL char(32)
    assert to_uuid(str(key)) == key
    assert to_bytes("AP8A") == b"\x00\xff\x00"  # base64, as fixtures write it
    assert to_bytes("\\x00ff00") == b"\x00\xff\x00"  # PostgreSQL's bytea text
    assert convert_value(memoryview(b"\x00\xff"), ValueType.TEXT) == b"\x00\xff"
    with pytest.raises(ValueError, match="not base64"):
        to_bytes("not base64!")


def test_json_by_value_and_json_null_is_not_sql_null() -> None:
    written = '{"b": 1, "a": "\\u00e9"}'
    document = convert_value(written, ValueType.JSON)
    assert document == convert_value('{"a":"é","b":1}', ValueType.JSON)
    assert isinstance(document, JsonValue) and document.stored_text == written
    assert convert_value("null", ValueType.JSON) == JsonValue("null")
    assert convert_value(None, ValueType.JSON) is None
    # A fixture's value is the document itself: a str is a JSON string.
    assert json_document("abc") == JsonValue('"abc"')
    assert json_document({"b": 1, "a": 2}).stored_text == '{"b": 1, "a": 2}'  # as Django stores it


def write_fixture(path: Path, objects: list[dict[str, object]]) -> Path:
    if path.suffix == ".jsonl":
        lines = [json.dumps(item, ensure_ascii=False) for item in objects]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    return path


def test_fixture_documents_and_line_separators(tmp_path: Path) -> None:
    text = "line\u2028separator\u2029paragraph\u0085next"
    objects: list[dict[str, object]] = [
        {"model": "app.doc", "pk": 1, "fields": {"data": {"k": [1, None]}, "text": text}},
        {"model": "app.doc", "pk": 2, "fields": {"data": [1, "two", {"three": 3}], "text": ""}},
    ]
    for name in ("site.json", "site.jsonl"):
        table = read_snapshot(str(write_fixture(tmp_path / name, objects))).tables["app_doc"]
        rows = table.records()
        assert rows[1]["text"] == text, name
        assert rows[1]["data"] == JsonValue('{"k":[1,null]}'), name
        assert rows[2]["data"] == JsonValue('[1,"two",{"three":3}]'), name


def test_fixture_text_is_not_retyped_by_its_shape(tmp_path: Path) -> None:
    objects: list[dict[str, object]] = [
        {"model": "app.item", "pk": 1, "fields": {"code": "2024-05-06", "price": "12.50"}},
    ]
    snapshot = read_snapshot(str(write_fixture(tmp_path / "site.json", objects)))
    assert snapshot.tables["app_item"].records()[1] == {
        "id": 1, "code": "2024-05-06", "price": "12.50",
    }  # fmt: skip
    # The models (or a typed source) decide.
    types = {"app_item": {"price": ValueType.DECIMAL, "code": ValueType.TEXT}}
    typed = apply_column_types(snapshot, types, from_fixture=True)
    assert typed.tables["app_item"].records()[1]["price"] == Decimal("12.50")
    assert typed.tables["app_item"].records()[1]["code"] == "2024-05-06"


def test_a_typed_source_types_the_fixture_and_precision_is_the_coarser(tmp_path: Path) -> None:
    fixture = write_fixture(tmp_path / "site.json", [
        {"model": "app.event", "pk": 1, "fields": {"at": "2024-05-06T07:08:09.123Z"}},
    ])  # fmt: skip
    xml = tmp_path / "site.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<django-objects version="1.0">'
        '<object model="app.event" pk="1">'
        '<field name="at" type="DateTimeField">2024-05-06T07:08:09.123456+00:00</field>'
        "</object></django-objects>",
        encoding="utf-8",
    )
    old, new = align_snapshots([read_snapshot(str(fixture)), read_snapshot(str(xml))])
    assert learn_column_types(new.tables["app_event"]) == {"at": ValueType.DATETIME}
    assert old.tables["app_event"].records()[1]["at"] == MOMENT.replace(microsecond=123000)
    # dumpdata's JSON keeps milliseconds: at that precision the two are the same moment.
    assert not diff_snapshots(old, new).has_differences


def test_an_id_in_a_field_named_like_a_type_stays_an_id(tmp_path: Path) -> None:
    objects: list[dict[str, object]] = [
        {"model": "contenttypes.contenttype", "pk": 1,
         "fields": {"app_label": "auth", "model": "user"}},
        {"model": "app.ticket", "pk": 1, "fields": {"ticket_type": 1, "content_type": 1}},
    ]  # fmt: skip
    snapshot = read_snapshot(str(write_fixture(tmp_path / "site.json", objects)))
    row = snapshot.tables["app_ticket"].records()[1]
    assert row["ticket_type"] == 1
    assert str(row["content_type_id"]) == "auth.user"


def test_a_json_document_nested_beyond_python_s_limit_is_a_value_error() -> None:
    from repairkit.values import to_canonical_json

    with pytest.raises(ValueError, match="nested too deeply"):
        to_canonical_json("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(("before", "after"), [(-1, -2), (1, True), (1, 2**61), (-(2**61), -1)])
def test_values_python_hashes_alike_are_still_a_change(before: object, after: object) -> None:
    from repairkit.diff import diff_tables
    from repairkit.snapshot import Column, MemoryRowStore, Table

    def table(value: object) -> Table:
        return Table("t", [Column("id"), Column("n")], "id", MemoryRowStore({1: (1, value)}))

    assert hash(before) == hash(after)
    changed = diff_tables(table(before), table(after)).changed
    assert [field.column for change in changed for field in change.fields] == ["n"]
