"""UUIDs, durations, binary data and JSON documents in a restore directory.

They are written as dump2py writes them (the text of ``value_to_string``)
in columns that restore.py marks (``if x is not None: x = uuid.UUID(x)``),
and read back exactly, SQL NULL and JSON null apart.
"""

from __future__ import annotations

import ast
import datetime
import uuid
from pathlib import Path

import pytest

from repairkit.errors import DumpFormatError, PlanError
from repairkit.plan import PlannedRow, PlannedTable, Reason, RestorePlan
from repairkit.readers.lino.dump import read_lino_dump
from repairkit.readers.lino.restore import read_restore_module
from repairkit.snapshot import Column, ColumnKind, JsonValue, Value
from repairkit.values import json_document, to_json_value
from repairkit.writers import write_restore_dir

KEY = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
DURATIONS = [
    datetime.timedelta(microseconds=1), datetime.timedelta(microseconds=-1),
    datetime.timedelta(days=-1, seconds=5), datetime.timedelta(0), datetime.timedelta.max,
    datetime.timedelta.min, datetime.timedelta(days=3, hours=25, microseconds=500),
]  # fmt: skip
BYTES = [b"", b"\x00", b"\xff", bytes(range(256)), b"\x00\xff\x00", b"ab", b"abc"]
DOCUMENTS = [
    to_json_value("null"),  # JSON null, not SQL NULL
    to_json_value('"null"'),  # a JSON string that reads "null"
    to_json_value('"a string"'),
    json_document({"b": [1, 2.5, None, True], "a": {"é": "\u2028 line sep", "q": "'\"\\"}}),
    to_json_value('{"z": 1, "a": 2}'),  # key order and spacing as the source stored them
    to_json_value("[]"),
    to_json_value("0"),
]


def text_table() -> PlannedTable:
    """A table keyed by a UUID, with a column of each text kind, NULLs among them."""
    columns = (
        Column("id"), Column("length"), Column("data"), Column("doc"),
        Column("other_id"), Column("title"),
    )  # fmt: skip
    rows: list[tuple[Value, ...]] = [
        (KEY, DURATIONS[0], BYTES[0], DOCUMENTS[0], KEY, "first"),
        (uuid.UUID(int=0), None, None, None, None, None),  # SQL NULL in every column
    ]
    for index in range(len(DOCUMENTS)):
        rows.append((
            uuid.UUID(int=index + 1), DURATIONS[index % len(DURATIONS)],
            BYTES[index % len(BYTES)], DOCUMENTS[index], uuid.UUID(int=index), f"row {index}",
        ))  # fmt: skip
    planned = tuple(PlannedRow(str(row[0]), row, "backup", Reason.MISSING) for row in rows)
    return PlannedTable("app_thing", "app.Thing", columns, "id", planned)


def write(tmp_path: Path, table: PlannedTable | None = None) -> Path:
    out = tmp_path / "repair"
    write_restore_dir(RestorePlan(("backup",), "current", (table or text_table(),), (), ()), out)
    return out


def test_every_text_kind_reads_back_with_its_type(tmp_path: Path) -> None:
    planned = text_table()
    read = read_lino_dump(write(tmp_path, planned)).tables["app_thing"]
    got = read.decode()
    assert set(got) == {row.pk for row in planned.rows}  # a UUID key is its dashed text
    for row in planned.rows:
        assert got[row.pk] == row.values
        assert [type(value) for value in got[row.pk]] == [type(value) for value in row.values]
        document = row.values[3]
        if isinstance(document, JsonValue):
            # As the source stored it, not re-encoded: no '"\"null\""', no reordered keys.
            assert got[row.pk][3].stored_text == document.stored_text  # type: ignore[union-attr]
    assert got[str(uuid.UUID(int=0))][3] is None  # SQL NULL stays None
    assert got[str(KEY)][3] == JsonValue("null")  # JSON null stays JSON null
    kinds = {column.name: column.kind for column in read.columns}
    assert kinds == {
        "id": ColumnKind.UUID, "length": ColumnKind.DURATION, "data": ColumnKind.BINARY,
        "doc": ColumnKind.JSON, "other_id": ColumnKind.UUID, "title": ColumnKind.PLAIN,
    }  # fmt: skip


def test_values_are_written_as_dump2py_writes_them(tmp_path: Path) -> None:
    out = write(tmp_path)
    lines = (out / "app_thing.py").read_text(encoding="utf-8").splitlines()
    assert (
        f"loader.save(create_app_thing('{KEY}','00:00:00.000001','','null','{KEY}','first'))"
        in lines
    )
    assert any("'-1 00:00:05','/w=='" in line for line in lines)  # days=-1, seconds=5; 0xff
    assert any("'\"null\"'" in line for line in lines)  # a JSON string, written once
    restore = (out / "restore.py").read_text(encoding="utf-8")
    for line in (
        "import base64", "import json", "import uuid",
        "from django.utils.dateparse import parse_duration",
        "    if id is not None: id = uuid.UUID(id)",
        "    if length is not None: length = parse_duration(length)",
        "    if data is not None: data = base64.b64decode(data, validate=True)",
        "    if doc is not None: doc = json.loads(doc)",
    ):  # fmt: skip
        assert line in restore.splitlines()
    assert "title = " not in restore


def test_the_markers_are_python_that_gives_the_values(tmp_path: Path) -> None:
    """Run as Python (as Lino would run it), each create function converts its texts."""
    out = write(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile((out / "restore.py").read_text(encoding="utf-8"), "restore.py", "exec"), namespace)  # noqa: S102 -- our own output, to prove its markers are real Python
    namespace["app_Thing"] = dict  # the model: here, the keywords it is given
    create = namespace["create_app_thing"]
    planned = text_table()
    for line, row in zip(
        (out / "app_thing.py").read_text(encoding="utf-8").splitlines()[5:], planned.rows,
        strict=False,
    ):  # fmt: skip
        call = ast.parse(line).body[0].value.args[0]  # type: ignore[attr-defined]
        made = create(*(ast.literal_eval(argument) for argument in call.args))  # type: ignore[operator]
        document = row.values[3]
        expected = {
            "id": row.values[0], "length": row.values[1], "data": row.values[2],
            "doc": document.load() if isinstance(document, JsonValue) else None,
            "other_id": row.values[4], "title": row.values[5],
        }  # fmt: skip
        assert made == expected


def test_an_undecodable_text_is_refused_naming_file_line_and_column(tmp_path: Path) -> None:
    for column, bad in (
        ("id", "not-a-uuid"), ("length", "25:00:00"), ("length", "1 day"),
        ("data", "AP8"), ("data", "A*=="), ("doc", "{'a': 1}"), ("doc", ""),
        ("data", 5), ("doc", True),
    ):  # fmt: skip
        out = write(tmp_path / f"{column}-{bad}")
        data_file = out / "app_thing.py"
        lines = data_file.read_text(encoding="utf-8").splitlines()
        names = ["id", "length", "data", "doc", "other_id", "title"]
        number = next(i for i, line in enumerate(lines) if line.startswith("loader.save(")) + 2
        row = ast.parse(lines[number - 1]).body[0].value.args[0]  # type: ignore[attr-defined]
        values = [ast.literal_eval(argument) for argument in row.args]
        values[names.index(column)] = bad
        lines[number - 1] = f"loader.save(create_app_thing({','.join(map(repr, values))}))"
        data_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # Refused when the dump is read, before any row is asked for.
        with pytest.raises(DumpFormatError) as caught:
            read_lino_dump(out)
        assert caught.value.path == data_file
        assert caught.value.line == number
        if column == "doc":  # the grammar cannot tell JSON: decoding names the column
            assert repr(column) in caught.value.problem


def test_a_real_dump2py_column_without_a_marker_stays_text(tmp_path: Path) -> None:
    out = write(tmp_path)
    restore = out / "restore.py"
    restore.write_text(
        restore.read_text(encoding="utf-8").replace(
            "    if id is not None: id = uuid.UUID(id)\n", ""
        ),
        encoding="utf-8",
    )
    schema = read_restore_module(restore).tables["app_thing"]
    assert schema.parameters[0].kind is ColumnKind.PLAIN
    assert read_lino_dump(out).tables["app_thing"].decode()[str(KEY)][0] == str(KEY)


def test_a_column_that_no_one_marker_fits_is_refused_by_name(tmp_path: Path) -> None:
    mixed = PlannedTable(
        "app_t", None, (Column("id"), Column("blob")), "id",
        (PlannedRow(5, (5, b"\x00"), "b", Reason.MISSING),
         PlannedRow(6, (6, KEY), "b", Reason.MISSING)),
    )  # fmt: skip
    with pytest.raises(PlanError, match=r"app_t pk 6, column 'blob': UUID\('0f8fad5b.*base64"):
        write(tmp_path, mixed)
    text_then_uuid = PlannedTable(
        "app_t", None, (Column("id"), Column("ref")), "id",
        (PlannedRow(5, (5, "plain text"), "b", Reason.MISSING),
         PlannedRow(6, (6, KEY), "b", Reason.MISSING)),
    )  # fmt: skip
    with pytest.raises(PlanError, match=r"app_t pk 5, column 'ref': str value 'plain text'"):
        write(tmp_path, text_then_uuid)
    assert not (tmp_path / "repair").exists()


def test_an_upgrade_copy_keeps_the_markers_and_refuses_json_null(tmp_path: Path) -> None:
    """``repairkit upgrade`` copies a backup for Lino's loader, which runs the markers."""
    from repairkit.upgrade.lino_copy import render_lino_copy

    planned = text_table()
    with pytest.raises(PlanError, match=r"column 'doc': JSON null, which Lino's loader stores"):
        render_lino_copy(read_lino_dump(write(tmp_path / "with-null", planned)))
    rows = tuple(row for row in planned.rows if row.values[3] != JsonValue("null"))
    without_null = PlannedTable(planned.name, planned.model, planned.columns, planned.pk, rows)
    backup = read_lino_dump(write(tmp_path / "backup", without_null))
    copy = tmp_path / "copy"
    copy.mkdir()
    for name, text in render_lino_copy(backup).items():
        (copy / name).write_text(text, encoding="utf-8")
    restore = (copy / "restore.py").read_text(encoding="utf-8").splitlines()
    assert "import uuid" in restore
    assert "    if doc is not None: doc = json.loads(doc)" in restore
    assert read_lino_dump(copy).tables["app_thing"].decode() == backup.tables["app_thing"].decode()
