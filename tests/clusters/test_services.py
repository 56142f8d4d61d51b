"""Clusters: add with members, rename, add and remove members, merge, delete; one cluster per recommendation."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.clusters import queries, services
from engage.clusters.models import ClusterMember, RecommendationCluster
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.extensions import db
from engage.history import history_for
from engage.recommendations.models import Recommendation
from tests.clusters.helpers import make_history


@pytest.fixture
def recs(app):
    return make_history()


def test_a_cluster_holds_recommendations_of_several_cycles(recs, staff_user, now):
    opcat = services.create_cluster(staff_user, now, {
        "name": "Ratify the OP-CAT", "description": "Every cycle since 2010",
        "recommendation_ids": [recs["1/101.3"].id, recs["2/142.7"].id, recs["4/140.5"].id]})
    db.session.commit()
    members = queries.members_of(opcat)
    assert [(m.recommendation.cycle, m.recommendation.reference) for m in members] == [
        (1, "101.3"), (2, "142.7"), (4, "140.5")]
    assert all(m.added_by_id == staff_user.id and m.score is None for m in members)
    summary = queries.summaries([opcat.id])[opcat.id]
    assert summary.members == 3 and summary.cycles == {1: 1, 2: 1, 4: 1}
    assert summary.states == 4  # the joint 2nd-cycle one counts both its states
    assert summary.responses == {"noted": 2, "pending": 1}
    assert queries.clusters_of([recs["2/142.7"].id, recs["3/143.12"].id]) == {recs["2/142.7"].id: opcat}
    assert history_for(opcat)[0].action == "created"


def test_a_recommendation_is_in_one_cluster_at_most(recs, staff_user, now):
    opcat = services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    with pytest.raises(ConflictError) as refused:
        services.create_cluster(staff_user, now, {"name": "Torture", "recommendation_ids": [recs["1/101.3"].id]})
    assert "OP-CAT" in refused.value.message and "recommendation_ids" in refused.value.fields
    # Adding one it holds already changes nothing.
    assert services.add_members(staff_user, now, opcat, {"recommendation_ids": [recs["1/101.3"].id]}) == []
    with pytest.raises(ValidationError) as missing:
        services.add_members(staff_user, now, opcat, {"recommendation_ids": [987654]})
    assert missing.value.fields == {"recommendation_ids": ["No recommendation with id 987654."]}
    with pytest.raises(ValidationError) as empty:
        services.add_members(staff_user, now, opcat, {"recommendation_ids": []})
    assert "recommendation_ids" in empty.value.fields
    with pytest.raises(ValidationError) as nameless:
        services.create_cluster(staff_user, now, {"name": "  "})
    assert "name" in nameless.value.fields


def test_rename_remove_merge_and_delete(recs, staff_user, now):
    opcat = services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    torture = services.create_cluster(staff_user, now, {
        "name": "Torture prevention", "recommendation_ids": [recs["2/142.7"].id, recs["3/143.12"].id]})
    assert services.update_cluster(staff_user, now, opcat, {"name": "Ratify the OP-CAT"}) == {
        "name": ["OP-CAT", "Ratify the OP-CAT"]}
    assert services.update_cluster(staff_user, now, opcat, {"name": "Ratify the OP-CAT"}) == {}
    with pytest.raises(ValidationError):
        services.update_cluster(staff_user, now, opcat, {"name": None})

    assert services.merge_clusters(staff_user, now, opcat, {"cluster_id": torture.id}) == 2
    db.session.commit()
    assert db.session.get(RecommendationCluster, torture.id) is None
    assert len(queries.members_of(opcat)) == 3
    with pytest.raises(ValidationError):
        services.merge_clusters(staff_user, now, opcat, {"cluster_id": opcat.id})

    services.remove_member(staff_user, now, opcat, recs["3/143.12"].id)
    with pytest.raises(NotFoundError):
        services.remove_member(staff_user, now, opcat, recs["3/143.12"].id)
    assert [h.action for h in history_for(opcat)][:3] == ["member_removed", "merged", "updated"]

    services.delete_cluster(staff_user, now, opcat)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ClusterMember)) == 0
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == len(recs)  # kept


def test_deleting_a_recommendation_takes_it_out_of_its_cluster(recs, staff_user, now):
    opcat = services.create_cluster(staff_user, now, {"name": "OP-CAT", "recommendation_ids": [recs["1/101.3"].id,
                                                                                              recs["4/140.5"].id]})
    db.session.commit()
    db.session.delete(recs["4/140.5"])
    db.session.commit()
    assert [m.recommendation.reference for m in queries.members_of(opcat)] == ["101.3"]


def test_the_list_filters_by_name_and_cycle(recs, staff_user, now):
    services.create_cluster(staff_user, now, {"name": "Ratify the OP-CAT", "recommendation_ids": [recs["1/101.3"].id]})
    services.create_cluster(staff_user, now, {"name": "Health budget", "description": "Abuja 15%",
                                              "recommendation_ids": [recs["3/143.90"].id]})
    names = lambda **kw: [c.name for c in db.session.scalars(services.cluster_query(**kw))]  # noqa: E731
    assert names() == ["Health budget", "Ratify the OP-CAT"]
    assert names(q="abuja") == ["Health budget"]
    assert names(cycle=1) == ["Ratify the OP-CAT"]
    assert names(cycle=2) == []
