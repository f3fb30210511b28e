"""A fixture file's plain objects kept as where their texts are, read again when asked.

The rows must be those that decoding every object gives, on real
``dumpdata`` output large enough to be read in many pieces and to hold
its keys in a ``FingerprintIndex``, as JSON, as JSON with ``--indent``,
and as JSONL; a compressed fixture keeps its texts; a file changed
between reading and decoding is refused, naming the file and the line.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import tracemalloc
from pathlib import Path

import pytest

from repairkit.diff import diff_snapshots
from repairkit.errors import DumpFormatError
from repairkit.fingerprint_index import FingerprintIndex
from repairkit.fingerprints import INDEXED_ROWS
from repairkit.readers import read_snapshots
from repairkit.readers.fixture.align import align_snapshots
from repairkit.readers.fixture.dump import read_django_fixture
from repairkit.readers.fixture.object_rows import FixtureRowStore, HeldTexts
from repairkit.readers.fixture.object_spans import SpannedTexts
from repairkit.snapshot import Snapshot, Table

from .field_site import FieldDatabase
from .test_fixture_object_rows import typed_rows

BIG_TABLE = "fieldsite_charvalue"
# Texts that look like the end of one object and the start of the next, so that the
# pieces' first guesses at where an object ends fall inside strings.
LOOKALIKES = [
    '}, {"model": "fieldsite.charvalue", "pk": 1, "fields": {"value": "x"}}',
    "},\n{",
    "}  ,  {",
    '\\"}, {',
    "}]",
    "",
    "emoji \U0001f389 and \u00e9",
]
FORMS = {
    "json": ("json", []),
    "json-indent": ("json", ["--indent", "2"]),
    "jsonl": ("jsonl", []),
}


@pytest.fixture(scope="module")
def big_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Return the field site's dumpdata, with more char values than an index needs, per form."""
    work = tmp_path_factory.mktemp("fieldsite-big")
    before = FieldDatabase("sqlite", str(work / "before.sqlite3"))
    before.django("migrate", "-v", "0")
    before.python(
        "from fieldsite import populate, models\n"
        "populate.fill()\n"
        f"texts = {LOOKALIKES!r}\n"
        f"count = {INDEXED_ROWS + 5000}\n"
        "models.CharValue.objects.bulk_create(\n"
        "    models.CharValue(value=f'{texts[i % len(texts)]} {i}') for i in range(count)\n"
        ")\n"
    )
    after = before.copy(str(work / "after.sqlite3"))
    after.python(
        "from fieldsite import models\n"
        "models.CharValue.objects.filter(pk__in=range(1000, 1010)).delete()\n"
        "models.CharValue.objects.filter(pk__in=range(2000, 2010)).update(value='changed }, {')\n"
        "models.CharValue.objects.create(value='added')\n"
    )
    paths: dict[str, tuple[Path, Path]] = {}
    for name, (form, options) in FORMS.items():
        pair = work / f"before-{name}.{form}", work / f"after-{name}.{form}"
        for database, path in zip((before, after), pair, strict=True):
            database.django("dumpdata", "--format", form, *options, "-o", str(path))
        paths[name] = pair
    return paths


def texts_of(table: Table) -> object:
    store = table.store
    assert isinstance(store, FixtureRowStore)
    return store.source


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
@pytest.mark.parametrize("name", FORMS)
def test_spanned_texts_give_the_rows_that_decoding_every_object_gives(
    big_fixtures: dict[str, tuple[Path, Path]], name: str
) -> None:
    for path in big_fixtures[name]:
        assert path.stat().st_size > 20 * 65536  # read in many pieces
        kept, decoded = read_django_fixture(path), read_django_fixture(path, decode_all=True)
        big = kept.tables[BIG_TABLE]
        assert isinstance(texts_of(big), SpannedTexts)
        assert isinstance(big.fingerprints, FingerprintIndex)
        assert list(kept.tables) == list(decoded.tables)
        assert typed_rows(kept) == typed_rows(decoded)
        assert kept.content_types == decoded.content_types
        # Rows asked for by key, in an order of their own, come back in that order.
        asked = [7, 20_003, 3, 999_999, 12]
        assert list(big.decode(asked)) == [7, 20_003, 3, 12]
        assert big.decode(asked) == decoded.tables[BIG_TABLE].decode(asked)


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
@pytest.mark.parametrize("name", FORMS)
def test_spanned_fixtures_diff_as_decoded_ones_do(
    big_fixtures: dict[str, tuple[Path, Path]], name: str
) -> None:
    before, after = big_fixtures[name]
    kept = read_snapshots([before, after])
    decoded = align_snapshots(
        [read_django_fixture(path, decode_all=True) for path in (before, after)]
    )
    found = diff_snapshots(*kept)
    assert found == diff_snapshots(*decoded)
    changes = found.tables[BIG_TABLE]
    assert (len(changes.deleted), len(changes.added), len(changes.changed)) == (10, 1, 10)


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
def test_a_json_fixture_and_its_jsonl_twin_hold_the_same_rows(
    big_fixtures: dict[str, tuple[Path, Path]],
) -> None:
    # dumpdata spaces JSONL otherwise (",", not ", "): every row is read again and compared.
    old, new = read_snapshots([big_fixtures["json"][0], big_fixtures["jsonl"][0]])
    assert old.tables[BIG_TABLE].fingerprints != new.tables[BIG_TABLE].fingerprints
    assert not diff_snapshots(old, new).has_differences


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
def test_a_compressed_fixture_keeps_its_texts_and_gives_the_same_rows(
    big_fixtures: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    path = big_fixtures["json"][0]
    packed = tmp_path / f"{path.name}.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    held, spanned = read_django_fixture(packed), read_django_fixture(path)
    assert isinstance(texts_of(held.tables[BIG_TABLE]), HeldTexts)
    assert typed_rows(held) == typed_rows(spanned)


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
def test_objects_out_of_key_order_are_found_by_key(
    big_fixtures: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    # dumpdata writes objects in key order; a fixture need not be.
    lines = big_fixtures["jsonl"][0].read_bytes().splitlines(keepends=True)
    shuffled = tmp_path / "reversed.jsonl"
    shuffled.write_bytes(b"".join(reversed(lines)))
    kept, decoded = read_django_fixture(shuffled), read_django_fixture(shuffled, decode_all=True)
    assert isinstance(kept.tables[BIG_TABLE].fingerprints, FingerprintIndex)
    assert typed_rows(kept) == typed_rows(decoded)
    # All rows come in the order of the file, as decoding every object gives them.
    assert list(kept.tables[BIG_TABLE].decode()) == list(decoded.tables[BIG_TABLE].decode())
    original = read_django_fixture(big_fixtures["jsonl"][0])
    assert not diff_snapshots(original, kept).has_differences


def _object_line(path: Path, pk: int) -> int:
    """Return the line of the big table's object ``pk`` in a fixture, found by its text."""
    text = path.read_text(encoding="utf-8")
    # ", " in JSON, "," in JSONL, a line of its own per key with --indent.
    marker = re.compile(rf'"model": "fieldsite\.charvalue",\s*"pk": {pk},')
    found = marker.search(text)
    assert found is not None
    start = text.rindex("{", 0, found.start())  # where the object starts
    return text.count("\n", 0, start) + 1


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
@pytest.mark.parametrize("name", ["json-indent", "jsonl"])
def test_a_fixture_changed_after_reading_is_refused_with_file_and_line(
    big_fixtures: dict[str, tuple[Path, Path]], tmp_path: Path, name: str
) -> None:
    path = tmp_path / big_fixtures[name][0].name
    shutil.copyfile(big_fixtures[name][0], path)
    snapshot = read_django_fixture(path)
    table = snapshot.tables[BIG_TABLE]
    pk = 5000
    value = table.records([pk])[pk]["value"]
    assert isinstance(value, str)
    assert value.isascii()
    # Another value of the same length, so that only the text tells.
    data = path.read_bytes()
    old = json.dumps(value).encode()
    new = json.dumps(value[:-1] + ("0" if value[-1] != "0" else "1")).encode()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    with pytest.raises(DumpFormatError) as caught:
        table.decode([4999, pk, 5001])
    assert caught.value.path == path
    assert caught.value.line == _object_line(path, pk)
    assert caught.value.problem == "the file changed while it was being read"
    # Rows whose text is as it was read still decode.
    assert list(table.decode([4999, 5001])) == [4999, 5001]


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
@pytest.mark.parametrize("name", FORMS)
def test_a_fixture_that_grew_after_reading_is_refused(
    big_fixtures: dict[str, tuple[Path, Path]], tmp_path: Path, name: str
) -> None:
    path = tmp_path / big_fixtures[name][0].name
    shutil.copyfile(big_fixtures[name][0], path)
    table = read_django_fixture(path).tables[BIG_TABLE]
    with path.open("ab") as stream:
        stream.write(b"\n")
    with pytest.raises(DumpFormatError, match="changed while it was being read") as caught:
        table.decode()
    assert caught.value.path == path
    assert caught.value.line == _object_line(path, 1)


def _peak_of_reading(path: Path) -> tuple[Snapshot, int]:
    tracemalloc.start()
    try:
        snapshot = read_django_fixture(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return snapshot, peak


@pytest.mark.slow  # dumpdata of 25,000 objects, three ways
@pytest.mark.parametrize("name", ["json", "jsonl"])
def test_reading_a_fixture_in_place_holds_far_less_than_holding_its_texts(
    big_fixtures: dict[str, tuple[Path, Path]], tmp_path: Path, name: str
) -> None:
    path = big_fixtures[name][0]
    packed = tmp_path / f"{path.name}.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    read_django_fixture(path)  # the modules it needs, imported before measuring
    spanned, in_place = _peak_of_reading(path)
    held, holding = _peak_of_reading(packed)
    assert len(spanned.tables[BIG_TABLE]) == len(held.tables[BIG_TABLE]) > INDEXED_ROWS
    # Holding the texts holds the whole text, and more while reading it (9 times, here).
    assert in_place * 4 < holding


@pytest.mark.parametrize(
    "layout",
    [
        {"indent": 3},
        {"separators": (",", ":")},
        {"indent": "\t", "separators": (" ,", ": ")},
    ],
    ids=repr,
)
def test_any_json_layout_gives_the_rows_of_decoding_every_object(
    tmp_path: Path, layout: dict[str, object]
) -> None:
    path = tmp_path / "layout.json"
    path.write_text(json.dumps(_partners(3000), **layout), encoding="utf-8")  # type: ignore[arg-type]
    kept, decoded = read_django_fixture(path), read_django_fixture(path, decode_all=True)
    assert isinstance(texts_of(kept.tables["contacts_partner"]), SpannedTexts)
    assert typed_rows(kept) == typed_rows(decoded)


def test_irregular_spaces_between_items_give_the_rows_of_decoding_every_object(
    tmp_path: Path,
) -> None:
    texts = [json.dumps(partner) for partner in _partners(3000)]
    gaps = [",", " ,", ",\n\n", "\t, \r\n"]
    body = "".join(text + gaps[index % len(gaps)] for index, text in enumerate(texts[:-1]))
    path = tmp_path / "irregular.json"
    path.write_text(f"[ {body}{texts[-1]} ]", encoding="utf-8")
    kept, decoded = read_django_fixture(path), read_django_fixture(path, decode_all=True)
    assert isinstance(texts_of(kept.tables["contacts_partner"]), SpannedTexts)
    assert typed_rows(kept) == typed_rows(decoded)


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_a_small_fixture_changed_after_reading_is_refused_with_file_and_line(
    tmp_path: Path, form: str
) -> None:
    path = tmp_path / f"partners.{form}"
    partners = _partners(300)
    if form == "json":
        path.write_text(json.dumps(partners, indent=2), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(obj) + "\n" for obj in partners), encoding="utf-8")
    table = read_django_fixture(path).tables["contacts_partner"]
    assert isinstance(texts_of(table), SpannedTexts)
    text = path.read_text(encoding="utf-8")
    # pk 200's name, the same length, another text.
    start = text.index('"pk": 200,')
    name = text.index('"name": "', start) + len('"name": "')
    path.write_text(text[:name] + "#" + text[name + 1 :], encoding="utf-8")
    with pytest.raises(DumpFormatError) as caught:
        table.decode([100, 200])
    assert caught.value.path == path
    assert caught.value.line == text.count("\n", 0, text.rindex("{", 0, start)) + 1
    assert caught.value.problem == "the file changed while it was being read"
    assert list(table.decode([100, 300])) == [100, 300]


def _partners(count: int) -> list[dict[str, object]]:
    return [
        {"model": "contacts.partner", "pk": pk, "fields": {"name": LOOKALIKES[pk % 7] * 4}}
        for pk in range(1, count + 1)
    ]


def _snapshot_rows(snapshot: Snapshot) -> dict[str, int]:
    return {name: len(table) for name, table in snapshot.tables.items()}


@pytest.mark.parametrize("text", ["[]", " [ ]\n", "[\n]"])
def test_an_empty_list_is_an_empty_fixture(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.json"
    path.write_text(text)
    assert _snapshot_rows(read_django_fixture(path)) == {}
