"""The outbox hides what its reader may not see: messages of restricted meetings, to restricted contacts,
and the names of restricted contacts inside other people's messages; its counts agree with its lists."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.access import services as access
from engage.extensions import db
from engage.outbox.models import OutboxMessage
from engage.outbox.preview import preview_message
from tests import factories
from tests.access.conftest import _serve_each_client_as_itself, sign_in, text  # noqa: F401 (fixture)
from tests.conftest import ApiClient

QUIET, QUIET_EMAIL = "Quiet Diplomat", "quiet@example.org"      # restricted contact, attends an internal meeting
SECRET_EMAIL = "secret-guest@example.org"                         # visible contact, on a restricted meeting only


@pytest.fixture
def world(app, admin_user, lead_user, staff_user):
    dpo = factories.make_dpo(role="admin")
    org = factories.make_organisation(name="Embassy of Norway, Nairobi")
    quiet = factories.make_contact(org, full_name=QUIET, email=QUIET_EMAIL)
    loud = factories.make_contact(org, full_name="Loud Diplomat", email="loud@example.org")
    guest = factories.make_contact(org, full_name="Secret Guest", email=SECRET_EMAIL)
    access.set_sensitivity(dpo, factories.WHEN, quiet, "restricted")
    db.session.commit()
    internal = factories.make_meeting(organiser=lead_user, contacts=[quiet, loud], staff=[staff_user],
                                      title="Norway on health")
    secret = factories.make_meeting(organiser=lead_user, contacts=[guest], title="Secret strategy",
                                    starts_at=internal.starts_at + timedelta(days=1), sensitivity="restricted",
                                    invitation_title="Meeting with the coalition")
    db.session.commit()
    return {"dpo": dpo, "internal": internal, "secret": secret, "quiet": quiet}


def _hidden_rows(world):
    rows = db.session.scalars(select(OutboxMessage)).all()
    return [m for m in rows if m.recipient == QUIET_EMAIL or m.meeting_id == world["secret"].id]


def test_the_outbox_api_lists_and_counts_only_what_the_admin_may_see(app, world, admin_user):
    hidden = _hidden_rows(world)
    assert {m.recipient for m in hidden} >= {QUIET_EMAIL, SECRET_EMAIL}
    admin = ApiClient(app.test_client(), factories.make_token(admin_user))
    dpo = ApiClient(app.test_client(), factories.make_token(world["dpo"]))
    mine, theirs = admin.get("/api/v1/outbox").get_json(), dpo.get("/api/v1/outbox").get_json()
    body = str(mine)
    assert QUIET_EMAIL not in body and SECRET_EMAIL not in body
    assert world["secret"].id not in {i["meeting_id"] for i in mine["items"]}
    assert mine["total"] == len(mine["items"]) == theirs["total"] - len(hidden)
    assert {QUIET_EMAIL, SECRET_EMAIL} <= {i["to"] for i in theirs["items"]}
    # Filters do not reach around the rule.
    for query in (f"to={QUIET_EMAIL}", f"meeting_id={world['secret'].id}", "to=QUIET@EXAMPLE"):
        assert admin.get(f"/api/v1/outbox?{query}").get_json()["total"] == 0, query
    assert dpo.get(f"/api/v1/outbox?meeting_id={world['secret'].id}").get_json()["total"] >= 1


def test_outbox_and_scheduler_status_counts_leave_hidden_messages_out(app, world, admin_user):
    pending_all = db.session.query(OutboxMessage).filter_by(status="pending").count()
    pending_hidden = len([m for m in _hidden_rows(world) if m.status == "pending"])
    assert pending_hidden >= 2
    admin, dpo = sign_in(app, admin_user), sign_in(app, world["dpo"])
    visible = pending_all - pending_hidden
    page = text(admin.get("/admin/outbox/"))
    assert f"Waiting to send: {visible}<" in page and f"({visible} messages)" in page
    assert f"Waiting to send: {pending_all}<" in text(dpo.get("/admin/outbox/"))
    assert f"pending: {visible}<" in text(admin.get("/admin/scheduler/"))
    assert f"pending: {pending_all}<" in text(dpo.get("/admin/scheduler/"))


def test_the_scheduler_page_lists_no_reminder_of_a_restricted_meeting_or_contact(app, world, admin_user):
    from engage.reminders.services import due_reminders

    start = world["internal"].starts_at - timedelta(hours=23)
    everything = due_reminders(start, timedelta(days=2))
    assert {r.meeting_id for r in everything} >= {world["secret"].id, world["internal"].id}
    mine = due_reminders(start, timedelta(days=2), admin_user)
    assert world["secret"].id not in {r.meeting_id for r in mine}
    assert all(r.attendee.contact_id != world["quiet"].id for r in mine)
    assert len(due_reminders(start, timedelta(days=2), world["dpo"])) == len(everything)


def test_messages_name_no_restricted_contact_to_anyone(app, world, admin_user, staff_user):
    internal = world["internal"]
    to_staff = db.session.scalar(select(OutboxMessage).where(OutboxMessage.meeting_id == internal.id,
                                                            OutboxMessage.recipient == staff_user.email))
    to_loud = db.session.scalar(select(OutboxMessage).where(OutboxMessage.meeting_id == internal.id,
                                                           OutboxMessage.recipient == "loud@example.org"))
    # The staff member's own invitation, as it reaches their mailbox, and another guest's.
    for message in (to_staff, to_loud):
        shown = preview_message(message.raw)
        read = " ".join([str(shown.headers), shown.text or "", shown.html or "", (shown.calendar or "").replace("\r\n ", "")])
        assert QUIET not in read and QUIET_EMAIL not in read, message.recipient
        assert "Loud Diplomat" in read and "1 other attendee" in read, message.recipient
    page = text(sign_in(app, admin_user).get(f"/admin/outbox/{to_loud.id}")).replace("\r\n ", "").replace("\n ", "")
    assert QUIET not in page and QUIET_EMAIL not in page and "1 other attendee" in page
    hidden = [m for m in _hidden_rows(world)]
    client = sign_in(app, admin_user)
    for message in hidden:
        assert client.get(f"/admin/outbox/{message.id}").status_code == 404
        assert client.get(f"/admin/outbox/{message.id}.eml").status_code == 404
