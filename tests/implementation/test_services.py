"""Recording assessments, who sees them, and a recommendation's status as each reader sees it."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engage.errors import PermissionDenied, ValidationError
from engage.extensions import db
from engage.implementation import queries, services
from engage.implementation.models import Assessment
from tests import factories
from tests.implementation.conftest import RESTRICTED_EVIDENCE
from tests.outcomes.helpers import WHEN


def test_the_status_is_the_latest_assessment_the_reader_may_see(assessed, lead_user):
    rec_id = assessed.world.recs["de_hiv"].id
    assert queries.latest_assessments(lead_user, [rec_id])[rec_id].status == "in_progress"
    assert queries.latest_assessments(assessed.dpo, [rec_id])[rec_id].status == "regressed"
    assert queries.latest_assessments(assessed.granted, [rec_id])[rec_id].status == "regressed"
    assert queries.latest_assessments(lead_user, [assessed.world.recs["fr_hiv"].id]) == {}


def test_assessments_for_leave_out_what_the_reader_may_not_see_and_flag_the_rest(assessed, lead_user):
    rec_id = assessed.world.recs["de_hiv"].id
    seen = queries.assessments_for(lead_user, [rec_id])
    assert [a.status for a in seen] == ["in_progress", "not_started"]
    assert not any(a.restricted for a in seen)
    granted = queries.assessments_for(assessed.granted, [rec_id])
    assert [(a.status, a.restricted) for a in granted] == [
        ("regressed", True), ("in_progress", False), ("not_started", False)]
    assert queries.last_assessed_on(lead_user, [rec_id])[rec_id].isoformat() == "2026-10-01"


def test_restricted_evidence_is_sealed_at_rest(assessed):
    raw = db.session.execute(text("SELECT evidence FROM assessment WHERE id = :id"),
                             {"id": assessed.restricted_one.id}).scalar()
    assert raw.startswith("enc:v1:") and RESTRICTED_EVIDENCE not in raw
    plain = db.session.execute(text("SELECT evidence FROM assessment WHERE id = :id"),
                               {"id": assessed.open_one.id}).scalar()
    assert plain == "A bill is before parliament"


def test_an_assessment_from_a_restricted_meeting_is_restricted_itself(assessed):
    assert assessed.restricted_one.sensitivity == "restricted"
    assert assessed.restricted_one.source_kind == "meeting"


def test_bad_input_names_each_field(assessed, staff_user):
    with pytest.raises(ValidationError) as exc:
        services.create_assessment(staff_user, WHEN, {
            "recommendation_id": assessed.world.recs["de_hiv"].id, "assessed_on": "2026-13-01",
            "status": "done", "links": "not a link", "confidence": "sure"})
    assert set(exc.value.fields) == {"assessed_on", "status", "links", "confidence"}
    assert "Line 1" in exc.value.fields["links"][0]
    with pytest.raises(ValidationError) as exc:
        services.create_assessment(staff_user, WHEN, {"recommendation_id": 999999, "assessed_on": "2026-01-01",
                                                      "status": "implemented", "source_kind": "meeting"})
    assert set(exc.value.fields) == {"recommendation_id", "meeting_id"}
    assert db.session.query(Assessment).count() == 3


def test_a_meeting_the_recorder_may_not_see_is_no_meeting(assessed, lead_user):
    with pytest.raises(ValidationError) as exc:
        services.create_assessment(lead_user, WHEN, {
            "recommendation_id": assessed.world.recs["de_hiv"].id, "assessed_on": "2026-01-01",
            "status": "implemented", "meeting_id": assessed.world.meetings["fr"].id})
    assert exc.value.fields["meeting_id"] == [f"No meeting with id {assessed.world.meetings['fr'].id}."]


def test_only_the_recorder_or_a_lead_changes_an_assessment(assessed, staff_user, lead_user):
    other = factories.make_user(role="staff")
    with pytest.raises(PermissionDenied):
        services.update_assessment(other, WHEN, assessed.open_one, {"status": "implemented"})
    changes = services.update_assessment(lead_user, WHEN, assessed.open_one, {"status": "implemented"})
    assert changes == {"status": ["in_progress", "implemented"]}
    services.delete_assessment(staff_user, WHEN, assessed.older)
    assert [a.status for a in queries.timeline(lead_user, assessed.world.recs["de_hiv"].id)] == ["implemented"]


def test_responsibilities_replace_the_list_and_refuse_other_kinds(assessed, staff_user):
    rec = assessed.world.recs["se_health"]
    treasury = factories.make_organisation(name="National Treasury", kind="ministry", country="KE")
    services.set_responsibilities(staff_user, WHEN, rec, {"responsibilities": [
        {"organisation_id": assessed.moh.id, "role": "lead"},
        {"organisation_id": treasury.id, "role": "supporting"}]})
    got = queries.responsibilities_for([rec.id])[rec.id]
    assert [(r.organisation.name, r.role) for r in got] == [("Ministry of Health", "lead"),
                                                            ("National Treasury", "supporting")]
    with pytest.raises(ValidationError) as exc:
        services.set_responsibilities(staff_user, WHEN, rec, {"responsibilities": [
            {"organisation_id": assessed.world.orgs["de"].id}]})
    assert "not a ministry" in exc.value.fields["responsibilities.0.organisation_id"][0]
