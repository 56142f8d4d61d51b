"""API tokens are scoped to the member organisation they were made for: a tool wired to one member's
records stops when its user moves to another member, and reads only what that member may."""
from __future__ import annotations

from sqlalchemy import update

from engage.auth.models import ApiToken
from engage.extensions import db
from engage.members import services as members
from tests import factories
from tests.conftest import ApiClient, login
from tests.outcomes.helpers import WHEN, make_world


def _khrc_staff(admin_user):
    khrc = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.flush()
    user = factories.make_user(role="staff", email="staff@khrc.example.org")
    user.member_id = khrc.id
    db.session.commit()
    return khrc, user


def test_a_token_reads_as_its_member_and_stops_when_its_user_moves_to_another(app, staff_user, lead_user, admin_user):
    world = make_world(staff_user, lead_user)
    meeting = world.meetings["de"]
    meeting.sharing = "private"
    db.session.commit()
    khrc, user = _khrc_staff(admin_user)
    secret = factories.make_token(user)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.member_id == khrc.id
    api = ApiClient(app.test_client(), secret)
    assert api.get(f"/api/v1/meetings/{meeting.id}").status_code == 404  # the first member's private meeting

    members.move_user(admin_user, WHEN, user, {"member_id": meeting.member_id})
    db.session.commit()
    assert api.get("/api/v1/meetings").status_code == 401  # revoked with the move
    page = login(app.test_client(), user).get("/account").get_data(as_text=True)
    assert token.prefix in page and "revoked" in page

    # A token that escaped revocation (made before scopes were kept, then the user moved) still stops.
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(revoked_at=None))
    db.session.commit()
    assert api.get("/api/v1/meetings").status_code == 401
    fresh = ApiClient(app.test_client(), factories.make_token(user))
    assert fresh.get(f"/api/v1/meetings/{meeting.id}").status_code == 200  # now its member's own meeting


def test_a_single_organisations_tokens_are_its_only_members(app, staff_user):
    secret = factories.make_token(staff_user)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == staff_user.id))
    assert token.member_id == staff_user.member_id is not None
    assert ApiClient(app.test_client(), secret).get("/api/v1/meetings").status_code == 200


def test_the_api_names_the_member_that_added_each_contact_only_in_a_coalition(app, staff_user, admin_user):
    first = factories.make_contact(full_name="Amina Diallo")
    db.session.commit()
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    assert "member_id" not in api.get(f"/api/v1/contacts/{first.id}").get_json()
    khrc, user = _khrc_staff(admin_user)
    theirs = factories.make_contact(full_name="Jonas Becker")
    theirs.member_id = khrc.id
    db.session.commit()
    listed = api.get("/api/v1/contacts").get_json()
    assert {c["full_name"]: c["member_id"] for c in listed["items"]} == {
        "Amina Diallo": staff_user.member_id, "Jonas Becker": khrc.id}
    only = api.get(f"/api/v1/contacts?member_id={khrc.id}").get_json()
    assert [c["full_name"] for c in only["items"]] == ["Jonas Becker"] and only["total"] == 1
    assert api.get("/api/v1/contacts?member_id=x").status_code == 422
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Contact"]
    assert "member_id" in schema["properties"]


def test_the_api_names_the_member_that_recorded_each_assessment_only_in_a_coalition(app, staff_user, lead_user,
                                                                                   admin_user):
    from engage.implementation import services as implementation

    world = make_world(staff_user, lead_user)
    assessment = implementation.create_assessment(staff_user, WHEN, {
        "recommendation_id": world.recs["de_hiv"].id, "assessed_on": "2026-11-20", "status": "in_progress",
        "evidence": "The ministry's budget line", "source_kind": "meeting", "meeting_id": world.meetings["de"].id,
        "sensitivity": "internal"})
    db.session.commit()
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    assert "member_id" not in api.get(f"/api/v1/assessments/{assessment.id}").get_json()
    _khrc_staff(admin_user)
    body = api.get(f"/api/v1/assessments/{assessment.id}").get_json()
    assert body["member_id"] == staff_user.member_id
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Assessment"]
    assert "member_id" in schema["properties"]
