"""How many worker processes read the inputs: small inputs in this process, else the cores."""

from __future__ import annotations

from pathlib import Path

from repairkit.workers import SMALL_INPUT_BYTES, default_jobs, jobs_for_inputs

from .conftest import FIXTURES


def test_the_shipped_fixtures_are_read_in_this_process() -> None:
    sources = [str(FIXTURES / "backup"), str(FIXTURES / "current")]
    assert jobs_for_inputs(None, sources) == 1


def test_a_jobs_option_is_taken_as_given() -> None:
    assert jobs_for_inputs(3, [str(FIXTURES / "backup")]) == 3


def test_big_inputs_get_the_default_pool(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    with (dump / "big_table.py").open("wb") as stream:
        stream.truncate(SMALL_INPUT_BYTES)  # a sparse file: its size counts, not its blocks
    assert jobs_for_inputs(None, [str(dump)]) == default_jobs()
    assert jobs_for_inputs(None, ["postgresql://localhost/site", str(dump)]) == default_jobs()


def test_urls_and_missing_paths_count_as_nothing() -> None:
    assert jobs_for_inputs(None, ["sqlite:///nowhere.db", "django:site.settings", "gone/"]) == 1


def test_a_sqlite_url_counts_as_its_file(tmp_path: Path) -> None:
    # Its large tables are hashed in key ranges by the pool's workers.
    database = tmp_path / "big.sqlite3"
    with database.open("wb") as stream:
        stream.truncate(SMALL_INPUT_BYTES)
    assert jobs_for_inputs(None, [f"sqlite:///{database}"]) == default_jobs()
    assert jobs_for_inputs(None, [f"sqlite:///{tmp_path / 'small.sqlite3'}"]) == 1
