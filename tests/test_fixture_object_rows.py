"""A JSON fixture's plain models kept as their objects' texts, decoded when asked.

The rows that come out of a kept text must be the rows that decoding
every object gives (``read_django_fixture(decode_all=True)``), on real
``dumpdata`` fixtures of the field site (every Django field type, on
SQLite), before and after alignment; and a change of a value's type or
value that Python's ``hash`` or ``==`` would miss must be found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.readers import read_snapshots
from repairkit.readers.fixture.align import align_snapshots
from repairkit.readers.fixture.dump import read_django_fixture
from repairkit.readers.fixture.object_rows import FixtureRowStore
from repairkit.snapshot import Snapshot

from .field_site import FieldDatabase


@pytest.fixture(scope="module")
def field_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Return the field site's dumpdata JSON and JSONL, before and after its accident."""
    work = tmp_path_factory.mktemp("fieldsite-fixtures")
    before = FieldDatabase("sqlite", str(work / "before.sqlite3"))
    before.django("migrate", "-v", "0")
    before.python("from fieldsite import populate; populate.fill()")
    after = before.copy(str(work / "after.sqlite3"))
    after.python("from fieldsite import accident; accident.happen()")
    paths: dict[str, tuple[Path, Path]] = {}
    for form in ("json", "jsonl"):
        pair = work / f"before.{form}", work / f"after.{form}"
        for database, path in zip((before, after), pair, strict=True):
            database.django("dumpdata", "--format", form, "-o", str(path))
        paths[form] = pair
    return paths


def typed_rows(snapshot: Snapshot) -> dict[str, object]:
    """Return every table's columns, key and rows, values shown with their types (repr)."""
    return {
        name: (table.column_names, table.pk, table.key, sorted(map(repr, table.decode().items())))
        for name, table in snapshot.tables.items()
    }


def kept_as_text(snapshot: Snapshot) -> set[str]:
    return {name for name, t in snapshot.tables.items() if isinstance(t.store, FixtureRowStore)}


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_kept_texts_give_the_rows_that_decoding_every_object_gives(
    field_fixtures: dict[str, tuple[Path, Path]], form: str
) -> None:
    for path in field_fixtures[form]:
        kept, decoded = read_django_fixture(path), read_django_fixture(path, decode_all=True)
        assert kept_as_text(kept), "no model of the field site was kept as text"
        assert not kept_as_text(decoded)
        assert list(kept.tables) == list(decoded.tables)
        assert typed_rows(kept) == typed_rows(decoded)
        assert kept.content_types == decoded.content_types


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_aligned_kept_texts_diff_as_decoded_rows_do(
    field_fixtures: dict[str, tuple[Path, Path]], form: str
) -> None:
    before, after = field_fixtures[form]
    kept = read_snapshots([before, after])
    decoded = align_snapshots(
        [read_django_fixture(path, decode_all=True) for path in (before, after)]
    )
    for ours, theirs in zip(kept, decoded, strict=True):
        assert typed_rows(ours) == typed_rows(theirs)
    kept_diff, decoded_diff = diff_snapshots(*kept), diff_snapshots(*decoded)
    assert kept_diff.has_differences
    assert kept_diff == decoded_diff


def test_a_json_fixture_and_its_jsonl_twin_compare_by_fingerprint(
    field_fixtures: dict[str, tuple[Path, Path]],
) -> None:
    # dumpdata writes the same text for an object in both formats.
    json_before, jsonl_before = field_fixtures["json"][0], field_fixtures["jsonl"][0]
    old, new = read_snapshots([json_before, jsonl_before])
    shared = kept_as_text(old) & kept_as_text(new)
    assert shared
    for name in shared:
        assert (
            old.tables[name].store.fingerprint_scheme == new.tables[name].store.fingerprint_scheme
        )
    assert not diff_snapshots(old, new).has_differences


def write_objects(path: Path, objects: list[dict[str, object]], form: str = "json") -> Path:
    if form == "json":
        path.write_text(json.dumps(objects), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(obj) + "\n" for obj in objects), encoding="utf-8")
    return path


def partner(pk: int, value: object) -> dict[str, object]:
    return {"model": "contacts.partner", "pk": pk, "fields": {"name": f"P{pk}", "value": value}}


@pytest.mark.parametrize("form", ["json", "jsonl"])
@pytest.mark.parametrize(
    ("old", "new"),
    [(-1, -2), (True, 1), (1, 1.0), ("1", 1), (0, False), (None, ""), (2**61, 1)],
    ids=repr,
)
def test_a_change_that_hash_or_equality_would_miss_is_compared(
    tmp_path: Path, form: str, old: object, new: object
) -> None:
    rows = [partner(pk, "same") for pk in range(1, 50)]
    before = write_objects(tmp_path / f"old.{form}", [*rows, partner(50, old)], form)
    after = write_objects(tmp_path / f"new.{form}", [*rows, partner(50, new)], form)
    snapshots = read_snapshots([before, after])
    assert all(kept_as_text(snapshot) == {"contacts_partner"} for snapshot in snapshots)
    old_table, new_table = (snapshot.tables["contacts_partner"] for snapshot in snapshots)
    assert old_table.store.fingerprint_scheme == new_table.store.fingerprint_scheme
    # Only pk 50 is decoded and compared, and it is.
    differing = [
        pk for pk in old_table.pks if old_table.fingerprints[pk] != new_table.fingerprints[pk]
    ]
    assert differing == [50]
    decoded = [read_django_fixture(path, decode_all=True) for path in (before, after)]
    found = diff_snapshots(*snapshots)
    assert found == diff_snapshots(*align_snapshots(decoded))
    if isinstance(old, int) and isinstance(new, float):
        # The value model holds 1 and 1.0 as one number (values.same_value), as it
        # does for every source: compared, and judged the same.
        assert not found.has_differences
        return
    (table_diff,) = found.tables.values()
    (change,) = table_diff.changed
    (field,) = change.fields
    assert (change.pk, field.column) == (50, "value")
    assert (type(field.old), field.old, type(field.new), field.new) == (
        type(old), old, type(new), new
    )  # fmt: skip


def test_a_model_with_one_object_that_is_not_plain_is_decoded_whole(tmp_path: Path) -> None:
    objects = [partner(1, "x"), partner(2, {"a": 1}), partner(3, "y")]
    path = write_objects(tmp_path / "mixed.json", objects)
    kept, decoded = read_django_fixture(path), read_django_fixture(path, decode_all=True)
    assert not kept_as_text(kept)
    assert typed_rows(kept) == typed_rows(decoded)


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_a_duplicate_pk_of_a_plain_model_is_refused_where_it_was(tmp_path: Path, form: str) -> None:
    objects = [partner(1, "x"), partner(2, "y"), partner(1, "z")]
    path = write_objects(tmp_path / f"twice.{form}", objects, form)
    messages = []
    for decode_all in (False, True):
        with pytest.raises(DumpFormatError) as raised:
            read_django_fixture(path, decode_all=decode_all)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert "duplicate pk 1" in messages[0]


def test_learned_kinds_convert_kept_texts_and_name_the_conversion(tmp_path: Path) -> None:
    # An XML fixture names its fields' types: the JSON fixture's texts become dates.
    xml = tmp_path / "typed.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<django-objects version="1.0">'
        '<object model="contacts.partner" pk="1">'
        '<field name="born" type="DateField">2001-02-03</field></object>'
        "</django-objects>",
        encoding="utf-8",
    )
    plain = write_objects(
        tmp_path / "plain.json",
        [{"model": "contacts.partner", "pk": 1, "fields": {"born": "2001-02-03"}}],
    )
    typed, text = read_snapshots([xml, plain])
    table = text.tables["contacts_partner"]
    assert isinstance(table.store, FixtureRowStore)
    assert "date" in table.store.fingerprint_scheme
    assert table.decode() == typed.tables["contacts_partner"].decode()
    untyped = read_snapshots([plain, plain])[0].tables["contacts_partner"]
    assert untyped.store.fingerprint_scheme != table.store.fingerprint_scheme
