"""What the Lino dump reader learns from restore.py, and every value form it decodes.

The real demo dumps are checked value by value against the site's own
database in test_lino_fixtures.py; this module covers the schema and the
value forms, including a dump in the Python 2 era style (``u'...'`` strings
with ``\\xe9`` escapes, ``execfile("x.py")`` without arguments, languages
in another order).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from repairkit.readers.lino.dump import read_lino_dump
from repairkit.readers.lino.restore import read_restore_module
from repairkit.snapshot import ColumnKind, ContentTypeRef
from repairkit.workers import worker_pool

from .conftest import FIXTURES

PY2_DUMP = Path(__file__).parent / "files" / "py2_dump"


def test_schema_of_the_demo_dump() -> None:
    module = read_restore_module(FIXTURES / "backup" / "restore.py")
    assert module.languages == ("en", "de", "fr")
    assert module.info["settings"] == "repairdemo.settings"
    assert module.info["time_zone"] == "UTC"
    country = module.tables["repairdemo_country"]
    assert [p.name for p in country.parameters] == ["name", "isocode", "short_code"]
    assert [c.name for c in country.columns] == [
        "name",
        "name_de",
        "name_fr",
        "isocode",
        "short_code",
    ]
    assert country.pk == "isocode"
    person = module.tables["repairdemo_person"]
    assert person.pk == "partner_ptr_id"
    assert person.parent_model == "repairdemo.Partner"
    product = {c.name: c.kind for c in module.tables["repairdemo_product"].columns}
    assert product["price"] is ColumnKind.DECIMAL
    assert product["name"] is ColumnKind.PLAIN
    note = module.tables["repairdemo_note"]
    assert {c.name: c.kind for c in note.columns}["owner_type_id"] is ColumnKind.CONTENT_TYPE
    # main() lists the split table's parts in order
    parts = [name for name, _ in module.data_files if name.startswith("repairdemo_orderitem")]
    assert parts == [f"repairdemo_orderitem_{i}.py" for i in (1, 2, 3)]


def test_snapshot_of_the_demo_dump() -> None:
    snapshot = read_lino_dump(FIXTURES / "backup")
    assert snapshot.label == "backup"
    person = snapshot.tables["repairdemo_person"]
    assert person.parent == "repairdemo_partner"
    assert person.column("partner_ptr_id").kind is ColumnKind.PARENT_LINK
    assert person.column("partner_ptr_id").references == "repairdemo_partner"
    assert repr(person) == f"<Table repairdemo_person {len(person)} rows pk=partner_ptr_id>"
    # dump2py writes an empty choicelist value as None; the database holds ''
    assert person.column("gender").kind is ColumnKind.CHOICE
    assert person.records([27])[27]["gender"] == ""
    # the split table is read from all its parts
    assert len(snapshot.tables["repairdemo_orderitem"]) == 586
    assert len(snapshot.tables["system_siteconfig"]) == 0


def test_parallel_reading_gives_the_same_snapshot() -> None:
    alone = read_lino_dump(FIXTURES / "backup")
    with worker_pool(2) as map_files:
        pooled = read_lino_dump(FIXTURES / "backup", map_files=map_files)
        assert pooled.tables.keys() == alone.tables.keys()
        for name, table in alone.tables.items():
            assert dict(pooled.tables[name].fingerprints) == dict(table.fingerprints)
            assert pooled.tables[name].decode() == table.decode()


def test_python2_era_dump() -> None:
    snapshot = read_lino_dump(PY2_DUMP)
    assert snapshot.info["source_version"] == "18.12.0"
    assert snapshot.info["time_zone"] == "Europe/Brussels"
    countries = snapshot.tables["countries_country"]
    # bv2kw lists de, fr, en: the first language is the plain column
    assert countries.column_names == ("name", "name_fr", "name_en", "isocode", "short_code")
    assert countries.records()["BE"] == {
        "name": "Belgien",
        "name_fr": "Belgique",
        "name_en": "Belgium",
        "isocode": "BE",
        "short_code": "",
    }
    partners = snapshot.tables["contacts_partner"].records()
    assert partners[1] == {
        "id": 1,
        "name": "Café Müller",
        "country_id": "BE",
        "balance": Decimal("12.50"),
        "created": datetime.datetime(2018, 12, 3, 9, 5, 0),
    }
    assert partners[2]["name"] == "Line one\nline \u201ctwo\u201d \\ end"
    assert partners[2]["balance"] is None
    person = snapshot.tables["contacts_person"]
    assert person.pk == "partner_ptr_id"
    assert person.parent == "contacts_partner"
    assert person.records() == {2: {"partner_ptr_id": 2, "first_name": "Jürgen", "gender": "M"}}
    notes = snapshot.tables["notes_note"].records()
    assert notes[1]["owner_type_id"] == ContentTypeRef("contacts", "person")
    assert str(notes[1]["owner_type_id"]) == "contacts.person"
    assert notes[1]["time"] == datetime.time(9, 30, 0)
    assert notes[1]["body"] == 'It\'s "fine"'
    assert notes[2] == {"id": 2, "owner_type_id": None, "owner_id": None, "time": None, "body": ""}


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("None", None),
        ("True", True),
        ("False", False),
        ("-42", -42),
        ("3.5", 3.5),
        ("'plain'", "plain"),
        ('"it\'s"', "it's"),
        ("u'\\xe9\\u20ac\\U0001f600'", "é€😀"),
        ("'tab\\there\\r\\n'", "tab\there\r\n"),
        ("'\\N{BULLET} \\101'", "• A"),
        ("'back\\\\slash \\d'", "back\\slash \\d"),
        ("'😀 ü'", "😀 ü"),
        ("dt(2016,7,2,23,55,12)", datetime.datetime(2016, 7, 2, 23, 55, 12)),
        ("date(2025,10,17)", datetime.date(2025, 10, 17)),
        ("time(9,0,0)", datetime.time(9, 0, 0)),
        ("'0:12'", "0:12"),
    ],
)
def test_value_forms(tmp_path: Path, literal: str, value: object) -> None:
    dump = one_column_dump(tmp_path, literal)
    assert read_lino_dump(dump).tables["demo_thing"].records()[1]["value"] == value


def one_column_dump(tmp_path: Path, literal: str) -> Path:
    """Write a tiny dump of one table (id, value) whose only row holds ``literal``."""
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "restore.py").write_text(
        'demo_Thing = resolve_model("demo.Thing")\n\n'
        "def create_demo_thing(id, value):\n"
        "    kw = dict()\n"
        "    kw.update(id=id)\n"
        "    kw.update(value=value)\n"
        "    return demo_Thing(**kw)\n\n"
        "def main(args):\n"
        '    execfile("demo_thing.py", *args)\n',
        encoding="utf-8",
    )
    (dump / "demo_thing.py").write_text(
        "# -*- coding: UTF-8 -*-\n"
        'logger.info("Loading 1 objects to table demo_thing...")\n'
        "# fields: id, value\n"
        f"loader.save(create_demo_thing(1,{literal}))\n"
        "\n"
        "loader.flush_deferred_objects()\n",
        encoding="utf-8",
    )
    return dump
