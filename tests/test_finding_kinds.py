"""The table of finding kinds is the one place a kind is described.

Detectors, wording, merge rules and repairability come from
``repairkit.findings.kinds``; the command line's help and the corruption
corpus derive from it, and a kind it does not know is an error.
"""

from __future__ import annotations

import importlib
import sys

import pytest
from click.testing import CliRunner

from repairkit.cli import cli
from repairkit.errors import PlanError, RepairkitError
from repairkit.findings import FINDING_KINDS, FindingKind
from repairkit.findings.kinds import (
    REPAIRABLE_KINDS,
    Damage,
    UnknownFindingKindError,
    explain,
    kind_spec,
)
from repairkit.repairs import repairable_kinds

from .conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from corruption_corpus import KINDS  # noqa: E402


def test_every_kind_has_one_entry_with_a_real_detector() -> None:
    assert list(FINDING_KINDS) == list(FindingKind)
    for kind, spec in FINDING_KINDS.items():
        assert spec.kind is kind
        module, _, name = spec.detector.rpartition(".")
        where = importlib.import_module("repairkit.findings" + (f".{module}" if module else ""))
        assert callable(getattr(where, name)), spec.detector


def test_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(UnknownFindingKindError, match="unknown finding kind 'smudged'") as raised:
        kind_spec("smudged")
    assert isinstance(raised.value, LookupError) and isinstance(raised.value, RepairkitError)
    damage = Damage("t", "1 row", "name", "", "1", ["Ann"], ["An"])
    assert (
        explain(FindingKind.TRUNCATED, damage)
        == "1 row of t had name cut at 2 characters (e.g. 'Ann' -> 'An'): 1"
    )
    with pytest.raises(UnknownFindingKindError):
        explain("smudged", damage)  # type: ignore[arg-type]
    with pytest.raises(UnknownFindingKindError):
        explain(FindingKind.DANGLING, damage)  # worded by its detector, from the link


def test_repairable_kinds_come_from_the_table() -> None:
    assert REPAIRABLE_KINDS == tuple(k for k, spec in FINDING_KINDS.items() if spec.repairable)
    assert FindingKind.DANGLING not in REPAIRABLE_KINDS
    assert repairable_kinds([k.value for k in REPAIRABLE_KINDS]) == list(REPAIRABLE_KINDS)
    with pytest.raises(PlanError, match="missing row"):
        repairable_kinds(["dangling"])
    with pytest.raises(PlanError, match="no such finding kind"):
        repairable_kinds(["smudged"])


def test_the_help_and_the_corpus_name_every_kind_from_the_table() -> None:
    diff_help = " ".join(CliRunner().invoke(cli, ["diff", "--help"]).output.split())
    for spec in FINDING_KINDS.values():
        assert spec.described_as in diff_help, spec.kind
    merge_help = " ".join(CliRunner().invoke(cli, ["merge", "--help"]).output.split())
    names = ", ".join(kind.value for kind in REPAIRABLE_KINDS)
    assert f"point at: {names} (repeatable)" in merge_help
    assert KINDS == tuple(kind.value for kind in FindingKind)
