"""FingerprintIndex: the same answers as a dict of fingerprints, from two arrays."""

from __future__ import annotations

import random
import shutil
import sys
from array import array
from pathlib import Path

import pytest

from repairkit import diff_snapshots, fingerprints
from repairkit.errors import DumpFormatError
from repairkit.fingerprint_index import FingerprintIndex
from repairkit.fingerprints import FingerprintCollector
from repairkit.key_match import match_keys
from repairkit.readers.lino.dump import read_lino_dump

from .conftest import FIXTURES

sys.path.insert(0, str(FIXTURES.parent / "benchmarks"))
import dumpgen  # noqa: E402 -- the benchmark's generator, beside the tests


def _index(prints: dict[int, int], parts: int = 3) -> FingerprintIndex:
    keys = list(prints)
    size = len(keys) // parts + 1
    chunks = [keys[start : start + size] for start in range(0, len(keys), size)]
    built = FingerprintIndex.from_parts(
        [(array("q", chunk), array("q", [prints[pk] for pk in chunk])) for chunk in chunks]
    )
    assert built is not None
    return built


def _random_prints(rng: random.Random, count: int) -> dict[int, int]:
    prints: dict[int, int] = {}
    while len(prints) < count:
        prints[rng.randrange(-(2**63), 2**63)] = rng.randrange(-(2**63), 2**63)
    return prints


def test_an_index_answers_as_the_dict_it_was_built_from() -> None:
    prints = _random_prints(random.Random(1), 500)  # keys in random order, some negative
    index = _index(prints)
    assert len(index) == 500
    assert dict(index.items()) == prints
    assert sorted(index) == list(index) == sorted(prints)
    assert sorted(index.values()) == sorted(prints.values())
    for pk, print_ in list(prints.items())[:50]:
        assert index[pk] == print_ and pk in index
    for absent in (max(prints) + 1, "1", 1.0, True, 2**64, None):
        assert absent not in index
        assert index.get(absent) is None  # type: ignore[call-overload]


def test_a_repeated_key_gives_no_index() -> None:
    parts = [(array("q", [1, 2, 3]), array("q", [7, 8, 9])), (array("q", [3]), array("q", [5]))]
    assert FingerprintIndex.from_parts(parts) is None
    assert FingerprintIndex.from_parts([(array("q", [4, 4]), array("q", [1, 1]))]) is None


@pytest.mark.parametrize("by_fingerprint", [True, False])
def test_matching_two_indexes_agrees_with_matching_two_dicts(by_fingerprint: bool) -> None:
    rng = random.Random(2)
    old = _random_prints(rng, 2000)
    new = dict(old)
    for pk in rng.sample(sorted(old), 100):
        del new[pk]
    for pk in rng.sample(sorted(new), 100):
        new[pk] ^= 1  # one bit: a changed row
    new.update(_random_prints(rng, 100))
    from_arrays = match_keys(_index(old), _index(new), by_fingerprint)
    from_dicts = match_keys(old, new, by_fingerprint)
    assert from_arrays.deleted == from_dicts.deleted and len(from_arrays.deleted) == 100
    assert from_arrays.added == from_dicts.added and len(from_arrays.added) == 100
    assert from_arrays.candidates == sorted(from_dicts.candidates)
    assert len(from_arrays.candidates) == (100 if by_fingerprint else 1900)
    mixed = match_keys(_index(old), new, by_fingerprint)  # an index against a dict
    assert (mixed.deleted, mixed.added) == (from_dicts.deleted, from_dicts.added)
    assert sorted(mixed.candidates) == sorted(from_dicts.candidates)


def test_an_empty_index_matches_as_an_empty_dict() -> None:
    empty = FingerprintIndex.from_parts([])
    assert empty is not None and len(empty) == 0 and 1 not in empty
    full = _index({1: 10, 2: 20})
    assert match_keys(empty, full, True).added == (1, 2)
    assert match_keys(full, empty, True).deleted == (1, 2)
    assert full.differ_from(array("q", [1, 2, 3]), array("q", [10, 21, 30])) == [1, 2]
    assert empty.differ_from(array("q", [1]), array("q", [10])) == [0]


def test_a_large_lino_table_is_indexed_and_diffs_as_with_dicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = dumpgen.generate(tmp_path, 25_000, 0.01, seed=3)
    indexed = [read_lino_dump(tmp_path / name) for name in ("old", "new")]
    partners = indexed[0].tables[dumpgen.PARTNERS.db_table]
    assert isinstance(partners.fingerprints, FingerprintIndex)
    assert isinstance(indexed[0].tables[dumpgen.COUNTRIES.db_table].fingerprints, dict)
    monkeypatch.setattr(fingerprints, "INDEXED_ROWS", 10**9)
    in_dicts = [read_lino_dump(tmp_path / name) for name in ("old", "new")]
    assert isinstance(in_dicts[0].tables[dumpgen.PARTNERS.db_table].fingerprints, dict)
    by_index, by_dict = diff_snapshots(*indexed), diff_snapshots(*in_dicts)
    assert by_index.tables == by_dict.tables
    expected = manifest["expected"][dumpgen.PARTNERS.db_table]
    changes = by_index.tables[dumpgen.PARTNERS.db_table]
    assert len(changes.deleted) == len(expected["deleted"]) > 0
    assert len(changes.changed) == len(expected["changed"]) > 0


def test_a_data_file_changed_after_reading_is_refused_when_decoded(tmp_path: Path) -> None:
    dump = tmp_path / "backup"
    shutil.copytree(FIXTURES / "backup", dump)
    table = read_lino_dump(dump).tables["repairdemo_person"]
    data_file = next(dump.glob("repairdemo_person*.py"))
    text = data_file.read_text(encoding="utf-8")
    first_row = text.index("loader.save(")
    data_file.write_text(text[:first_row] + text[first_row:].replace("'", '"', 2))
    first_pk = next(iter(table.pks))  # the changed row, read alone, then with the whole file
    assert len(table) > 8
    for wanted in ([first_pk], None):
        with pytest.raises(DumpFormatError, match="changed while it was being read"):
            table.decode(wanted)


def _collect(pairs: list[tuple[object, object]]) -> object:
    collector = FingerprintCollector()
    for pk, print_ in pairs:
        collector.add(pk, print_)  # type: ignore[arg-type]
    return collector.finish()


def test_a_collector_indexes_a_large_table_of_integers_and_keeps_a_dict_otherwise() -> None:
    size = fingerprints.INDEXED_ROWS
    integers = [(pk, pk * 7 - 2**62) for pk in range(size, 0, -1)]  # in reverse order
    indexed = _collect(integers)
    assert isinstance(indexed, FingerprintIndex) and dict(indexed.items()) == dict(integers)
    assert isinstance(_collect(integers[:10]), dict)  # small
    for odd in [("a", 1), (2**63, 1), (True, 1), (5, None), (integers[3][0], 99)]:
        mixed = _collect([*integers, odd])
        assert isinstance(mixed, dict) and mixed == {**dict(integers), odd[0]: odd[1]}


def test_locate_gives_the_keys_held_in_the_order_asked_with_positions_and_fingerprints() -> None:
    prints = _random_prints(random.Random(14), 500)
    index = _index(prints)
    keys = list(prints)
    assert -5 not in prints
    asked = [keys[7], 2**70, "text", keys[3], -5, keys[7]]
    found, positions, found_prints = index.locate(asked)
    assert found == [keys[7], keys[3], keys[7]]
    assert found_prints == [prints[pk] for pk in found]
    everything, all_positions, all_prints = index.locate(None)
    assert [everything[position] for position in positions] == found
    assert sorted(everything) == everything == sorted(prints)
    assert all_positions == list(range(len(prints)))
    assert dict(zip(everything, all_prints, strict=True)) == prints
