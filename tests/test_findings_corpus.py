"""Measured, not claimed: damaged copies of the real demo dump, scored per kind.

``benchmarks/corruption_corpus.py`` injects every kind of damage together
with a working day's legitimate edits; ``benchmarks/bench_findings.py``
prints the same figures for more seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from bench_findings import FULL_RECALL_KINDS, missed_targets  # noqa: E402
from corruption_corpus import KINDS, measure  # noqa: E402

SEEDS = range(1, 11)


def test_findings_meet_their_targets_on_the_corpus(tmp_path: Path) -> None:
    result = measure(SEEDS, tmp_path)
    assert result.corpora == len(SEEDS)
    for kind in KINDS:  # every kind was injected, so every figure means something
        one = result.scores[kind]
        assert one.true_positives + one.false_negatives > 0, kind
    assert result.edits > 100
    assert missed_targets(result) == []
    for kind in FULL_RECALL_KINDS:
        assert result.scores[kind].recall == 1.0, kind
    assert all(result.scores[kind].precision == 1.0 for kind in KINDS)
    assert result.edits_reported == []
    # Measured beyond the targets: '?' and U+FFFD, and every dangling link the
    # corpus makes (MTI parents, foreign keys, generic keys, a tree's parent_id).
    assert result.scores["replaced"].recall == 1.0
    assert result.scores["dangling"].recall == 1.0
