"""Suggestions: a recommendation's matches in other cycles by the asks' matcher, the groups to confirm,
and confirming them."""
from __future__ import annotations

import pytest

from engage.asks import matching
from engage.clusters import queries, services, suggestions
from engage.errors import ValidationError
from engage.extensions import db
from tests.clusters.helpers import make_history


@pytest.fixture
def recs(app):
    return make_history()


def refs(items):
    return [f"{s.recommendation.cycle}/{s.recommendation.reference}" for s in items]


def test_the_same_demand_in_other_cycles_ranks_first(recs):
    ranked = suggestions.similar_to(recs["4/140.5"])
    assert set(refs(ranked[:3])) == {"1/101.3", "2/142.7", "3/143.12"}
    assert all(s.suggested for s in ranked[:3])
    assert all(s.recommendation.cycle != 4 for s in ranked)  # never its own cycle
    assert "2/142.30" not in refs(s for s in ranked if s.suggested)  # the death penalty's OP is another protocol
    budget = suggestions.similar_to(recs["4/140.77"])
    assert set(refs(s for s in budget if s.suggested)) == {"1/101.40", "3/143.90"}
    assert not [s for s in suggestions.similar_to(recs["4/140.99"]) if s.suggested]  # road safety: nothing


def test_the_bar_is_the_asks_matchers_own():
    assert suggestions.bar() == (matching.THRESHOLD, matching.BEST_THRESHOLD)


def test_proposals_group_the_newest_cycle_with_earlier_ones(recs, staff_user, now):
    found = {f"{p.recommendation.cycle}/{p.recommendation.reference}": p for p in suggestions.proposals()}
    # The death penalty's two wordings share less (the 2nd-cycle one is also about a treaty): proposed as
    # the best match only (the asks' lower bar for the first-ranked), with nothing else.
    assert set(found) == {"4/140.5", "4/140.77", "4/140.12"}
    assert refs(found["4/140.12"].matches) == ["2/142.30"]
    opcat = found["4/140.5"]
    assert opcat.cluster is None and set(refs(opcat.matches)) == {"1/101.3", "2/142.7", "3/143.12"}
    # Cycle 3 against cycles 1 and 2 only.
    assert {f"{p.recommendation.cycle}/{p.recommendation.reference}" for p in suggestions.proposals(3)} == {
        "3/143.12", "3/143.90"}

    # Once a cluster holds some of them, the proposal is to join it, and clustered ones are not proposed.
    held = services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    db.session.commit()
    again = {f"{p.recommendation.cycle}/{p.recommendation.reference}": p for p in suggestions.proposals()}
    assert again["4/140.5"].cluster == held
    assert [(m.recommendation.reference, m.cluster) for m in again["4/140.5"].matches] == [
        ("101.3", held), ("142.7", None), ("143.12", None)]


def test_confirming_makes_a_cluster_with_the_matchers_scores(recs, staff_user, now):
    ids = [recs["4/140.5"].id, recs["1/101.3"].id, recs["2/142.7"].id]
    cluster = suggestions.confirm(staff_user, now, {"recommendation_ids": ids})
    db.session.commit()
    assert cluster.name == "Ratify promptly the Optional Protocol to the Convention against Torture"
    members = {m.recommendation_id: m.score for m in queries.members_of(cluster)}
    assert set(members) == set(ids)
    assert members[recs["4/140.5"].id] is None  # the one matched against
    assert members[recs["1/101.3"].id] >= matching.THRESHOLD

    # Joining: the 3rd-cycle one joins the cluster named.
    suggestions.confirm(staff_user, now, {"recommendation_ids": [recs["3/143.12"].id], "cluster_id": cluster.id})
    assert len(queries.members_of(cluster)) == 4
    with pytest.raises(ValidationError) as refused:
        suggestions.confirm(staff_user, now, {"recommendation_ids": [recs["4/140.12"].id], "cluster_id": 99999})
    assert "cluster_id" in refused.value.fields
