"""The access pages: groups, the sensitivity and access panel, the sensitivity field in forms and the API."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engage.access import services as access
from engage.access.models import AccessGrant, AccessGroup
from engage.audit.models import AuditEvent
from engage.directory.models import Contact
from engage.extensions import db
from engage.meetings.models import Meeting
from tests import factories
from tests.access.conftest import sign_in, text
from tests.directory.test_forms import CONTACT_FORM


def _dpo():
    return factories.make_dpo()


def test_groups_pages_are_for_the_dpo_and_admins(app, staff_client, lead_client, admin_user):
    assert staff_client.get("/access/groups").status_code == 403
    assert lead_client.get("/access/groups").status_code == 403
    assert lead_client.post("/access/groups", data={"name": "Mine"}).status_code == 403
    client = sign_in(app, _dpo())
    page = client.get("/access/groups")
    assert page.status_code == 200 and "No groups yet" in text(page)
    response = client.post("/access/groups", data={"name": "SOGI working group", "description": "KP work"})
    assert response.status_code == 302
    group = db.session.scalar(select(AccessGroup))
    staff = db.session.scalar(select(factories.User).where(factories.User.email == "staff@example.org"))
    assert client.post(f"/access/groups/{group.id}/members", data={"user_id": str(staff.id)}).status_code == 302
    assert [u.email for u in group.members] == ["staff@example.org"]
    page = text(client.get(f"/access/groups/{group.id}"))
    assert "staff@example.org" in page and "Delete this group" in page
    # A clash of names is refused beside the field, nothing saved.
    response = client.post("/access/groups", data={"name": "sogi working group"})
    assert response.status_code == 422 and "Already in use." in text(response)
    assert client.post(f"/access/groups/{group.id}/members/{staff.id}/remove").status_code == 302
    assert group.members == []
    assert client.post(f"/access/groups/{group.id}/delete").status_code == 302
    assert db.session.scalar(select(AccessGroup)) is None
    assert client.get("/access/groups/999").status_code == 404


def test_a_bad_group_name_or_purpose_is_refused_beside_its_field(app):
    client = sign_in(app, _dpo())
    for data, message in (({"name": "  "}, "Give the group a name."),
                          ({"name": "x" * 101}, "At most 100 characters."),
                          ({"name": "Ops", "description": "x" * 2001}, "At most 2000 characters."),
                          ({"name": "Ops\x07"}, "Contains a control character (U+0007); remove it.")):
        response = client.post("/access/groups", data=data)
        assert response.status_code == 422 and message in text(response), data
    assert db.session.scalar(select(AccessGroup)) is None
    group = access.create_group(factories.make_dpo(email="dpo2@example.org"), datetime(2026, 11, 28, tzinfo=UTC),
                                {"name": "Ops"})
    db.session.commit()
    response = client.post(f"/access/groups/{group.id}", data={"name": "", "description": "Operations"})
    assert response.status_code == 422 and "Give the group a name." in text(response)
    db.session.refresh(group)
    assert (group.name, group.description) == ("Ops", None)


def test_the_panel_restricts_grants_and_revokes(app, staff_user, lead_user):
    dpo = _dpo()
    meeting = factories.make_meeting(organiser=staff_user, title="Key populations strategy")
    client = sign_in(app, dpo)
    response = client.post(f"/access/meeting/{meeting.id}/sensitivity", data={"sensitivity": "restricted"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting.id}#access")
    db.session.expire_all()
    assert meeting.sensitivity == "restricted"
    lead = sign_in(app, lead_user)
    assert lead.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.post(f"/access/meeting/{meeting.id}/grants", data={"user_id": str(lead_user.id)}).status_code == 302
    assert lead.get(f"/meetings/{meeting.id}").status_code == 200
    found = db.session.scalar(select(AccessGrant))
    assert client.post(f"/access/meeting/{meeting.id}/grants/{found.id}/revoke").status_code == 302
    assert lead.get(f"/meetings/{meeting.id}").status_code == 404
    # Neither a person nor a group, or both: refused with a message; a bad value: refused.
    response = client.post(f"/access/meeting/{meeting.id}/grants", data={}, follow_redirects=True)
    assert "choose one person or one group" in text(response)
    response = client.post(f"/access/meeting/{meeting.id}/sensitivity", data={"sensitivity": "top-secret"},
                           follow_redirects=True)
    assert "Sensitivity: choose internal or restricted." in text(response)
    # Someone who cannot see it gets a 404 from every panel action, and nothing changes.
    assert lead.post(f"/access/meeting/{meeting.id}/sensitivity", data={"sensitivity": "internal"}).status_code == 404
    assert lead.post(f"/access/meeting/{meeting.id}/grants", data={"user_id": str(lead_user.id)}).status_code == 404
    assert lead.post("/access/nonsense/1/sensitivity", data={"sensitivity": "internal"}).status_code == 404
    db.session.expire_all()
    assert meeting.sensitivity == "restricted"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"sensitivity_changed", "grant_changed"} <= actions


def test_a_grant_to_both_neither_or_someone_not_offered_is_refused_and_nothing_granted(app, staff_user, lead_user):
    dpo = _dpo()
    meeting = factories.make_meeting(organiser=staff_user, title="Key populations strategy")
    group = access.create_group(dpo, datetime(2026, 11, 28, tzinfo=UTC), {"name": "Ops"})
    gone = factories.make_user(email="gone@example.org")
    gone.is_disabled = True
    db.session.commit()
    client = sign_in(app, dpo)
    audited = db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "grant_changed")).all()
    for data in ({"user_id": "", "group_id": ""}, {"user_id": str(lead_user.id), "group_id": str(group.id)},
                 {"user_id": "someone"}, {"user_id": str(2**31)}, {"user_id": str(gone.id)},
                 {"user_id": "99999"}, {"group_id": "99999"}):
        response = client.post(f"/access/meeting/{meeting.id}/grants", data=data)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting.id}#access")
        assert "Grant: choose one person or one group." in text(client.get(response.headers["Location"])), data
    assert db.session.scalar(select(AccessGrant)) is None
    assert db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "grant_changed")).all() == audited
    # one of the two, as the panel offers them: granted
    assert client.post(f"/access/meeting/{meeting.id}/grants", data={"user_id": str(lead_user.id), "group_id": ""}
                       ).status_code == 302
    assert db.session.scalar(select(AccessGrant.user_id)) == lead_user.id


def test_a_staff_member_who_may_not_manage_gets_403(app, staff_user, lead_user):
    meeting = factories.make_meeting(organiser=lead_user, title="Open meeting")
    client = sign_in(app, staff_user)
    assert client.post(f"/access/meeting/{meeting.id}/sensitivity",
                       data={"sensitivity": "restricted"}).status_code == 403
    assert "Sensitivity and access" not in text(client.get(f"/meetings/{meeting.id}"))
    db.session.expire_all()
    assert meeting.sensitivity == "internal"


def test_the_booking_form_can_book_a_restricted_meeting(app, staff_user, lead_user):
    client = sign_in(app, staff_user)
    assert 'name="sensitivity"' in text(client.get("/meetings/new"))
    response = client.post("/meetings/new", data={
        "title": "KP strategy", "date": "2026-12-14", "start_time": "10:00", "end_time": "11:00",
        "timezone": "Africa/Nairobi", "location_kind": "in_person", "location": "Nairobi",
        "organiser_id": str(staff_user.id), "reminders": "24h", "sensitivity": "restricted",
        "no_attendees_ok": "y"})  # an internal meeting: nobody outside the team
    assert response.status_code == 302, text(response)[:2000]
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "KP strategy"))
    assert meeting.sensitivity == "restricted"
    assert access.can_see(staff_user, meeting) and not access.can_see(lead_user, meeting)
    assert "Restricted</span>" in text(client.get(f"/meetings/{meeting.id}"))


def test_the_contact_form_can_add_a_restricted_contact(app, staff_user, lead_user):
    client = sign_in(app, staff_user)
    response = client.post("/directory/contacts/new", data={
        **CONTACT_FORM, "full_name": "Quiet Person", "email": "quiet@example.org", "sensitivity": "restricted"})
    assert response.status_code == 302, text(response)[:2000]
    contact = db.session.scalar(select(Contact).where(Contact.email == "quiet@example.org"))
    assert contact.sensitivity == "restricted" and access.can_see(staff_user, contact)
    assert not access.can_see(lead_user, contact)


def test_the_api_takes_and_shows_sensitivity(app, staff_api, lead_api):
    response = staff_api.post("/api/v1/contacts", json={"full_name": "A", "email": "a@example.org",
                                                       "sensitivity": "secret"})
    assert response.status_code == 422 and "sensitivity" in response.get_json()["error"]["fields"]
    response = staff_api.post("/api/v1/contacts", json={"full_name": "A", "email": "a@example.org",
                                                       "sensitivity": "restricted"})
    assert response.status_code == 201 and response.get_json()["sensitivity"] == "restricted"
    contact_id = response.get_json()["id"]
    assert lead_api.get(f"/api/v1/contacts/{contact_id}").status_code == 404
    assert lead_api.patch(f"/api/v1/contacts/{contact_id}", json={"sensitivity": "internal"}).status_code == 404
    start = datetime(2026, 12, 14, 7, tzinfo=UTC).isoformat()
    end = datetime(2026, 12, 14, 8, tzinfo=UTC).isoformat()
    body = {"title": "KP", "starts_at": start, "ends_at": end, "timezone": "Africa/Nairobi", "location": "Nairobi"}
    response = staff_api.post("/api/v1/meetings", json={**body, "sensitivity": "hush"})
    assert response.status_code == 422 and "sensitivity" in response.get_json()["error"]["fields"]
    response = staff_api.post("/api/v1/meetings", json={**body, "sensitivity": "restricted"})
    assert response.status_code == 201 and response.get_json()["sensitivity"] == "restricted"
    meeting_id = response.get_json()["id"]
    assert lead_api.get(f"/api/v1/meetings/{meeting_id}").status_code == 404
    response = staff_api.patch(f"/api/v1/meetings/{meeting_id}", json={"sensitivity": "internal"})
    assert response.status_code == 200 and response.get_json()["sensitivity"] == "internal"
    assert lead_api.get(f"/api/v1/meetings/{meeting_id}").status_code == 200


def test_create_user_can_make_a_dpo(app, runner):
    result = runner.invoke(args=["engage", "create-user", "dpo@example.org", "--role", "staff", "--dpo",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "data-protection officer" in result.output
    user = db.session.scalar(select(factories.User).where(factories.User.email == "dpo@example.org"))
    assert user.is_dpo


def test_the_outbox_leaves_out_messages_about_what_an_admin_may_not_see(app, admin_user, staff_user):
    org = factories.make_organisation()
    quiet = factories.make_contact(org, full_name="Quiet Diplomat", email="quiet@example.org")
    loud = factories.make_contact(org, full_name="Loud Diplomat", email="loud@example.org")
    meeting = factories.make_meeting(organiser=staff_user, contacts=[quiet])
    factories.make_meeting(organiser=staff_user, contacts=[loud])
    dpo = _dpo()
    access.set_sensitivity(dpo, factories.WHEN, meeting, "restricted")
    db.session.commit()
    from engage.outbox.models import OutboxMessage
    hidden = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == "quiet@example.org"))
    client = sign_in(app, admin_user)
    page = text(client.get("/admin/outbox/"))
    assert "loud@example.org" in page and "quiet@example.org" not in page
    assert client.get(f"/admin/outbox/{hidden}").status_code == 404
    assert client.get(f"/admin/outbox/{hidden}.eml").status_code == 404
    access.grant(dpo, factories.WHEN, meeting, user=admin_user)
    db.session.commit()
    assert "quiet@example.org" in text(client.get("/admin/outbox/"))


def test_a_meeting_history_does_not_name_contacts_the_reader_may_not_see(app, staff_user, lead_user):
    from engage.meetings import services as meetings

    org = factories.make_organisation()
    quiet = factories.make_contact(org, full_name="Quiet Diplomat", email="quiet@example.org")
    meeting = factories.make_meeting(organiser=lead_user)
    meetings.add_attendee(lead_user, factories.WHEN, meeting, contact_id=quiet.id)
    access.set_sensitivity(_dpo(), factories.WHEN, quiet, "restricted")
    db.session.commit()
    page = text(sign_in(app, staff_user).get(f"/meetings/{meeting.id}"))
    assert "Quiet Diplomat" not in page and "quiet@example.org" not in page and "a restricted contact" in page
    dpo = db.session.scalar(select(factories.User).where(factories.User.email == "dpo@example.org"))
    assert "quiet@example.org" in text(sign_in(app, dpo).get(f"/meetings/{meeting.id}"))
