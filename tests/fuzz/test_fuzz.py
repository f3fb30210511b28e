"""A small seeded fuzz run on every push: mutants of every format, read through API and CLI.

The formats in ``expectations.MUST_PASS`` must show no failure; the others
are run and reported (the table is printed in the test's output) until
their readers are fixed. ``python benchmarks/fuzz.py --cases 10000`` is the
large run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .cases import ACCEPTED, NAMED, TRACEBACK, Outcome, check_cli, classify_error
from .expectations import MUST_LOCATE, MUST_PASS
from .harness import Results, run_fuzz
from .seeds import make_seeds

pytest.importorskip("lino", reason="the seeds come from the demo site (pip install -e .[test])")

CASES_PER_FORMAT = 100
RUN_SEED = 20261201


@pytest.fixture(scope="session")
def fuzz_results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    seeds = make_seeds(tmp_path_factory.mktemp("fuzz-seeds"))
    return run_fuzz(seeds, CASES_PER_FORMAT, RUN_SEED, 2, tmp_path_factory.mktemp("fuzz-work"))


@pytest.mark.slow
def test_fixed_formats_show_no_failure(
    fuzz_results: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print(f"\n{CASES_PER_FORMAT} cases per format, {fuzz_results.seconds:.0f} s")
        print(fuzz_results.table())
    failing = [failure for failure in fuzz_results.failures if failure[0] in MUST_PASS]
    shown = "\n".join(f"{form} #{number} ({op}): {why}" for form, number, op, why in failing[:20])
    assert not failing, f"{len(failing)} failing cases:\n{shown}"


@pytest.mark.slow
def test_fixed_formats_name_the_line_of_every_error(fuzz_results: Results) -> None:
    unlocated = {
        form: fuzz_results.counts[form]["unlocated"]
        for form in MUST_LOCATE
        if fuzz_results.counts.get(form, {}).get("unlocated")
    }
    assert not unlocated, f"named errors without file:line: {unlocated}"


@pytest.mark.slow
def test_every_format_was_run(fuzz_results: Results) -> None:
    # A format without a seed (no PostgreSQL, no sqlite3) would pass unseen.
    assert set(MUST_PASS) <= set(fuzz_results.counts)
    assert all(counts["cases"] == CASES_PER_FORMAT for counts in fuzz_results.counts.values())


def test_the_harness_tells_a_traceback_from_a_named_error() -> None:
    from repairkit.errors import DumpFormatError

    assert classify_error(DumpFormatError("x.json", 3, "bad"))[0] == NAMED
    assert classify_error(ValueError("int too long"))[0] == TRACEBACK
    assert Outcome(TRACEBACK, "").failed and not Outcome(NAMED, "").failed


def test_the_harness_sees_a_control_character_reach_the_terminal(tmp_path: Path) -> None:
    # A model label holding an escape sequence: the CLI must print it escaped.
    fixture = tmp_path / "a.json"
    fixture.write_text('[{"model": "app.x\\u001b[2J", "pk": 1, "fields": {}}]', encoding="utf-8")
    problem, wrong = check_cli(fixture, fixture, ACCEPTED)
    assert (problem, wrong) == (None, None)
