"""Assessing a cluster as a whole: the same assessment recorded for each of its recommendations, from
the cluster's page and POST /api/v1/clusters/{id}/assessments, all or nothing."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from engage.clusters import services
from engage.errors import PermissionDenied, ValidationError
from engage.extensions import db
from engage.implementation.models import Assessment
from tests.clusters.helpers import make_history

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OPCAT = ("1/101.3", "2/142.7", "4/140.5")


@pytest.fixture
def recs(app):
    return make_history()


@pytest.fixture
def opcat(recs, staff_user, now):
    cluster = services.create_cluster(staff_user, now, {"name": "Ratify the OP-CAT",
                                                        "recommendation_ids": [recs[k].id for k in OPCAT]})
    db.session.commit()
    return cluster


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Assessment))


def test_staff_record_one_assessment_per_member_from_the_cluster_page(staff_client, recs, opcat):
    page = staff_client.get(f"/clusters/{opcat.id}").get_data(as_text=True)
    assert "Record an assessment for all 3 recommendations" in page and "None yet" in page
    response = staff_client.post(f"/clusters/{opcat.id}/assess", data={
        "assessed_on": "2026-11-20", "status": "in_progress", "evidence": "The bill is before the cabinet",
        "links": "https://example.org/opcat", "source_kind": "government_report", "source_detail": "Cabinet brief",
        "meeting_id": "", "confidence": "high", "sensitivity": "internal",
        "documents": [(io.BytesIO(PDF), "brief.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/clusters/{opcat.id}#assess")
    made = db.session.scalars(select(Assessment).order_by(Assessment.recommendation_id)).all()
    assert sorted(a.recommendation_id for a in made) == sorted(recs[k].id for k in OPCAT)
    assert {(a.status, a.evidence, a.source_detail, a.confidence) for a in made} == {
        ("in_progress", "The bill is before the cabinet", "Cabinet brief", "high")}
    # Each keeps its own copy of the document.
    assert [[(d.filename, d.data) for d in a.documents] for a in made] == [[("brief.pdf", PDF)]] * 3
    shown = staff_client.get(f"/clusters/{opcat.id}").get_data(as_text=True)
    assert shown.count("In progress</span>") == 3 and "None yet" not in shown
    assert "The assessment is saved for all 3 recommendations: In progress." in shown
    # The recommendation outside the cluster is left as it was.
    assert db.session.scalar(select(Assessment).where(Assessment.recommendation_id == recs["4/140.99"].id)) is None


def test_a_bad_field_records_nothing_and_is_named(staff_client, staff_api, opcat):
    before = _count()
    response = staff_client.post(f"/clusters/{opcat.id}/assess", data={
        "assessed_on": "20 November", "status": "in_progress", "source_kind": "other"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Record an assessment for all 3 recommendations" in page and 'id="assessed_on"' in page
    assert "is-invalid" in page
    refused = staff_api.post(f"/api/v1/clusters/{opcat.id}/assessments",
                             json={"assessed_on": "2026-11-20", "status": "done"})
    assert refused.status_code == 422 and "status" in refused.get_json()["error"]["fields"]
    extra = staff_api.post(f"/api/v1/clusters/{opcat.id}/assessments",
                           json={"assessed_on": "2026-11-20", "status": "implemented", "recommendation_id": 1})
    assert extra.status_code == 422 and "recommendation_id" in extra.get_json()["error"]["fields"]
    # A document of another type refuses the whole cluster's assessment.
    wrong = staff_client.post(f"/clusters/{opcat.id}/assess", data={
        "assessed_on": "2026-11-20", "status": "implemented", "documents": [(io.BytesIO(b"MZ\x90\x00"), "x.exe")]},
        content_type="multipart/form-data")
    assert wrong.status_code == 422
    db.session.expire_all()
    assert _count() == before


def test_anonymous_visitors_and_token_less_calls_record_nothing(client, app, opcat):
    response = client.post(f"/clusters/{opcat.id}/assess", data={"assessed_on": "2026-11-20", "status": "implemented"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    api = app.test_client().post(f"/api/v1/clusters/{opcat.id}/assessments",
                                 json={"assessed_on": "2026-11-20", "status": "implemented"})
    assert api.status_code == 401
    with pytest.raises(PermissionDenied):
        services.assess_cluster(None, None, opcat, {"assessed_on": "2026-11-20", "status": "implemented"})
    assert _count() == 0


def test_the_api_records_one_per_member_and_answers_their_ids(staff_api, recs, opcat):
    response = staff_api.post(f"/api/v1/clusters/{opcat.id}/assessments", json={
        "assessed_on": "2026-11-20", "status": "partially_implemented", "evidence": "Signed, not ratified",
        "links": ["https://example.org/a"]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert sorted(body["recommendation_ids"]) == sorted(recs[k].id for k in OPCAT)
    for assessment_id, rec_id in zip(body["assessment_ids"], body["recommendation_ids"]):
        got = staff_api.get(f"/api/v1/assessments/{assessment_id}").get_json()
        assert (got["recommendation_id"], got["status"], got["evidence"]) == (rec_id, "partially_implemented",
                                                                               "Signed, not ratified")
    members = staff_api.get(f"/api/v1/clusters/{opcat.id}").get_json()["members"]
    assert {m["latest_status"] for m in members} == {"partially_implemented"}
    assert staff_api.post("/api/v1/clusters/99999/assessments",
                          json={"assessed_on": "2026-11-20", "status": "implemented"}).status_code == 404


def test_an_empty_cluster_is_refused_with_a_clear_message(staff_api, staff_user, now, recs):
    empty = services.create_cluster(staff_user, now, {"name": "Nothing yet"})
    db.session.commit()
    response = staff_api.post(f"/api/v1/clusters/{empty.id}/assessments",
                              json={"assessed_on": "2026-11-20", "status": "implemented"})
    assert response.status_code == 422
    assert "no recommendations to assess" in response.get_json()["error"]["message"]
    with pytest.raises(ValidationError):
        services.assess_cluster(staff_user, now, empty, {"assessed_on": "2026-11-20", "status": "implemented"})
    assert _count() == 0


def test_a_restricted_choice_stays_restricted_for_every_assessment(staff_client, lead_client, opcat):
    response = staff_client.post(f"/clusters/{opcat.id}/assess", data={
        "assessed_on": "2026-11-20", "status": "regressed", "evidence": "The minister said it is shelved",
        "sensitivity": "restricted"})
    assert response.status_code == 302
    made = db.session.scalars(select(Assessment)).all()
    assert len(made) == 3 and {a.sensitivity for a in made} == {"restricted"}
    # The recorder sees them, marked; someone without a grant sees no status at all.
    mine = staff_client.get(f"/clusters/{opcat.id}").get_data(as_text=True)
    assert mine.count("Regressed</span>") == 3 and "Restricted</span>" in mine
    theirs = lead_client.get(f"/clusters/{opcat.id}").get_data(as_text=True)
    assert "Regressed</span>" not in theirs and "shelved" not in theirs and theirs.count("None yet") == 3
