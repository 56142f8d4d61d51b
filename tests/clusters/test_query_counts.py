"""The cluster lists, a cluster's page and the suggestions cost the same statements for few rows or many."""
from __future__ import annotations

from engage.clusters import services
from engage.extensions import db
from tests.conftest import _api_for
from tests.factories import make_recommendation
from tests.test_query_counts import fresh

# A cluster's page: 14, and one for the meetings its assessment form offers as a source.
MAX_STATEMENTS = 15


def _grow(actor, now, clusters: int, start: int) -> list[int]:
    """`clusters` clusters of three recommendations each (cycles 1, 2 and a joint 3rd-cycle one)."""
    ids = []
    for n in range(start, start + clusters):
        members = [make_recommendation(themes=("Right to health",), cycle=1, reference=f"101.{n}",
                                       text=f"Ratify treaty number {n} on health"),
                   make_recommendation(cycle=2, reference=f"142.{n}", text=f"Ratify treaty {n} on health now"),
                   make_recommendation(cycle=3, reference=f"143.{n}", recommending_states=["FR", "DE"],
                                       text=f"Consider ratifying treaty {n}")]
        cluster = services.create_cluster(actor, now, {"name": f"Treaty {n:03d}",
                                                       "recommendation_ids": [r.id for r in members]})
        ids.append(cluster.id)
    db.session.commit()
    return ids


def _counts(app, staff_client_or_api, url, grow):
    counts = []
    for step in grow:
        step()
        response = fresh(app, lambda: staff_client_or_api.get(url))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        counts.append(len(response.statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= MAX_STATEMENTS, counts
    return counts


def test_the_list_page_and_api(app, staff_client, staff_user, now):
    api = _api_for(app, staff_user)
    state = {"next": 0}

    def grow(by):
        def step():
            _grow(staff_user, now, by, state["next"])
            state["next"] += by
        return step
    _counts(app, staff_client, "/clusters/", [grow(3), grow(9)])
    _counts(app, api, "/api/v1/clusters?per_page=50", [grow(3), grow(9)])


def test_a_clusters_page_and_its_api(app, staff_client, staff_user, now):
    api = _api_for(app, staff_user)
    [cluster_id] = _grow(staff_user, now, 1, 0)
    state = {"next": 100}

    def more(by):
        def step():
            cluster = services.get_cluster(cluster_id)
            recs = [make_recommendation(cycle=4, reference=f"140.{state['next'] + i}", recommending_states=["KE", "UG"]
                                        if i % 2 else ["GH"], text=f"More {i}") for i in range(by)]
            services.add_members(staff_user, now, cluster, {"recommendation_ids": [r.id for r in recs]})
            db.session.commit()
            state["next"] += by
        return step
    _counts(app, staff_client, f"/clusters/{cluster_id}", [more(1), more(8)])
    _counts(app, api, f"/api/v1/clusters/{cluster_id}", [more(1), more(8)])


def test_the_suggestions(app, staff_client, staff_user, now):
    state = {"next": 0}

    def grow(by):
        def step():
            for n in range(state["next"], state["next"] + by):
                make_recommendation(cycle=1, reference=f"101.{n}", text=f"Ratify treaty number {n} on health")
                make_recommendation(cycle=2, reference=f"142.{n}", text=f"Ratify treaty number {n} on health")
            state["next"] += by
        return step
    _counts(app, staff_client, "/clusters/suggestions", [grow(2), grow(10)])
