"""An assessment recorded from a meeting that is restricted later stays restricted, even once the
meeting is deleted (its link is then cut)."""
from __future__ import annotations

from engage.access import services as access
from engage.extensions import db
from engage.implementation import services
from tests import factories
from tests.outcomes.helpers import WHEN, make_world

EVIDENCE = "The permanent secretary named the clinics to be closed"


def _seen_by(client, api, rec) -> list[bool]:
    """Whether the reader notices the assessment on the recommendation's page, the matrix and the API list."""
    page = client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    matrix = client.get("/implementation/", query_string={"status": "implemented"}).get_data(as_text=True)
    listed = api.get(f"/api/v1/assessments?recommendation_id={rec.id}").get_json()
    return [EVIDENCE in page, rec.reference in matrix, bool(listed["items"])]


def test_an_assessment_of_a_meeting_restricted_later_stays_hidden_after_the_meeting_is_deleted(
        app, staff_user, lead_user, lead_client, lead_api, staff_client):
    world = make_world(staff_user, lead_user)
    rec, meeting = world.recs["se_health"], world.meetings["br"]
    assessment = services.create_assessment(staff_user, WHEN, {
        "recommendation_id": rec.id, "assessed_on": "2026-11-02", "status": "implemented",
        "evidence": EVIDENCE, "meeting_id": meeting.id})
    db.session.commit()
    assert _seen_by(lead_client, lead_api, rec) == [True, True, True]

    dpo = factories.make_dpo()
    access.grant(dpo, WHEN, meeting, user=staff_user)  # granted the meeting: keeps its assessment
    access.set_sensitivity(dpo, WHEN, meeting, "restricted")
    db.session.commit()
    assert _seen_by(lead_client, lead_api, rec) == [False, False, False]

    db.session.delete(meeting)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(assessment), assessment.id).meeting_id is None
    assert _seen_by(lead_client, lead_api, rec) == [False, False, False]
    assert lead_client.get(f"/implementation/assessments/{assessment.id}").status_code == 404
    assert EVIDENCE in staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
