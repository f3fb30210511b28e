"""One tagged vocabulary: updates.json and the standalone script give the engine the same values."""

from __future__ import annotations

import ast
import datetime
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError
from repairkit.plan import PlannedUpdate
from repairkit.restore_engine.records import ContentTypeName, JsonText, decode_value
from repairkit.snapshot import ContentTypeRef, JsonValue, Value
from repairkit.tagged_values import encode_value
from repairkit.updates_file import UPDATES_FILE, read_updates_file, render_updates_file

EVERY_KIND: list[tuple[Value, object]] = [  # a value, and what the engine takes
    (Decimal("-12.50"), Decimal("-12.50")),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 6), datetime.datetime(2024, 1, 2, 3, 4, 5, 6)),
    (datetime.date(2024, 1, 2), datetime.date(2024, 1, 2)),
    (datetime.time(1, 2, 3, 4), datetime.time(1, 2, 3, 4)),
    (ContentTypeRef("auth", "user"), ContentTypeName("auth", "user")),
    (JsonValue("null"), JsonText("null")),
    (JsonValue('{"k":[1,2]}'), JsonText('{"k":[1,2]}')),
    (uuid.UUID(int=5), uuid.UUID(int=5)),
    (datetime.timedelta(days=-1, microseconds=1), datetime.timedelta(days=-1, microseconds=1)),
    (b"\x00\xff", b"\x00\xff"),
    ("text", "text"), (3, 3), (1.5, 1.5), (True, True), (None, None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "engine"), EVERY_KIND, ids=lambda v: type(v).__name__)
def test_both_forms_decode_to_the_same_engine_value(
    tmp_path: Path, value: Value, engine: object
) -> None:
    literal = ast.literal_eval(repr(encode_value(value)))  # as the standalone script holds it
    assert decode_value(literal) == engine and type(decode_value(literal)) is type(engine)
    update = PlannedUpdate("t", 1, "c", value, value, "backup", "requested")
    path = tmp_path / UPDATES_FILE
    path.write_text(render_updates_file([update]), encoding="utf-8")
    (read,) = read_updates_file(path)
    assert read.restored == engine and type(read.restored) is type(engine)


def test_an_updates_file_with_a_bad_tagged_value_is_named(tmp_path: Path) -> None:
    update = PlannedUpdate("t", 1, "c", "", Decimal("1"), "backup", "requested")
    path = tmp_path / UPDATES_FILE
    document = json.loads(render_updates_file([update]))
    document["updates"][0]["restored"] = ["Decimal", "not a number"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DumpFormatError, match="entry 1: .*not a valid tagged value"):
        read_updates_file(path)
