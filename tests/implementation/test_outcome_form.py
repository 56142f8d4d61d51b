"""The outcome form of a meeting with a ministry records the assessment in the same form."""
from __future__ import annotations

from datetime import UTC, datetime

from engage.extensions import db
from engage.implementation.models import Assessment
from engage.outcomes.models import Outcome
from tests import factories
from tests.outcomes.helpers import make_meeting


def _ministry_meeting(staff_user):
    moh = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    official = factories.make_contact(moh, full_name="Dr Wanjiru", email="wanjiru@health.go.ke")
    rec = factories.make_recommendation(cycle=3, reference="142.15", recommending_state="DE", text="Fund UHC.")
    meeting = make_meeting(staff_user, [official], datetime(2026, 11, 3, 6, 0, tzinfo=UTC), [rec],
                           title="Ministry of Health review", staff=[staff_user])
    return moh, rec, meeting


def test_an_outcome_at_a_ministry_meeting_records_its_assessment(staff_client, staff_user):
    moh, rec, meeting = _ministry_meeting(staff_user)
    page = staff_client.get(f"/outcomes/meetings/{meeting.id}/add").get_data(as_text=True)
    assert "Implementation status this meeting showed" in page
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/add", data={
        "recommendation_id": str(rec.id), "organisation_id": str(moh.id), "position": "supportive",
        "summary": "The ministry walked us through the UHC rollout.", "assessment_status": "in_progress",
        "assessment_evidence": "Rollout in 12 of 47 counties", "assessment_confidence": "high"})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    outcome = db.session.query(Outcome).filter_by(recommendation_id=rec.id).one()
    assessment = db.session.query(Assessment).one()
    assert (assessment.recommendation_id, assessment.status, assessment.evidence, assessment.confidence) == (
        rec.id, "in_progress", "Rollout in 12 of 47 counties", "high")
    assert (assessment.meeting_id, assessment.outcome_id, assessment.source_kind) == (meeting.id, outcome.id, "meeting")
    assert assessment.assessed_on.isoformat() == "2026-11-03"  # the meeting's day
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "In progress" in page and "Ministry of Health review" in page


def test_a_bad_assessment_refuses_the_outcome_too(staff_client, staff_user):
    moh, rec, meeting = _ministry_meeting(staff_user)
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/add", data={
        "recommendation_id": "", "organisation_id": str(moh.id), "position": "",
        "summary": "Overall", "assessment_status": "implemented", "assessment_confidence": "medium"})
    assert response.status_code == 422
    assert "Choose the recommendation the assessment is of." in response.get_data(as_text=True)
    assert db.session.query(Outcome).filter_by(meeting_id=meeting.id).count() == 0
    assert db.session.query(Assessment).count() == 0


def test_a_meeting_with_an_embassy_has_no_assessment_fields(staff_client, staff_user):
    embassy = factories.make_organisation(name="Embassy of Germany", kind="embassy", country="DE", city="Nairobi")
    diplomat = factories.make_contact(embassy, full_name="Anna", email="anna@diplo.de")
    meeting = make_meeting(staff_user, [diplomat], title="Germany")
    page = staff_client.get(f"/outcomes/meetings/{meeting.id}/add").get_data(as_text=True)
    assert "Implementation status this meeting showed" not in page
