"""Suggestions on real recommendations of two cycles (Slovenia's OHCHR matrices): the figures of
bench/RESULTS.md, "Clusters across cycles", held as a floor so a change to the matcher that makes
cluster suggestions worse is seen."""
from __future__ import annotations

from engage.asks.matching import meets_threshold
from tests.clusters.labelled import figures, labelled, matrix


def test_the_labelled_set_names_real_paragraphs():
    second = {c.id for c in matrix(2)}
    third = {c.id for c in matrix(3)}
    assert len(second) == 163 and len(third) == 215
    for ref, expected in labelled().items():
        assert ref in third and expected <= second, ref


def test_the_suggestions_hold_their_measured_figures():
    found = figures(meets_threshold)
    assert found.recommendations == 40 and found.with_match == 23
    assert found.first_right >= 0.70  # measured: 74 %
    assert found.suggested_right >= 0.45  # measured: 52 %
    assert found.groups_found >= 12  # measured: 14 of 23
    assert found.no_match_with_suggestion <= 6  # measured: 5 of 17
