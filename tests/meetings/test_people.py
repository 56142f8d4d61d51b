"""An internal meeting with one restricted contact among its attendees, seen by people without a grant:
every page, download and feed shows the meeting with that attendee left out and counted ("1 other
attendee"); editing keeps them on it and cancelling still tells them.

Each request runs on a fresh database session, as in production (in tests the session otherwise
outlives requests and holds records loaded before the access guard could hide them).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from flask import g
from sqlalchemy import select

from engage.access import services as access
from engage.directory.models import Contact
from engage.extensions import db
from engage.meetings import calendar
from engage.meetings.models import Meeting
from engage.meetings.people import people_for
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.conftest import NOW, login
from tests.invitations.test_ingest import reply_email
from tests.meetings.conftest import booking

HIDDEN_NAME, HIDDEN_EMAIL = "Hidden Diplomat", "hidden@embassy.example"
SHOWN_NAME, SHOWN_EMAIL = "Shown Diplomat", "shown@mission.example"
HIDDEN_ORG = "Embassy of Secretland"


def serve_each_request_on_a_fresh_session(app) -> None:
    """Production starts every request with an empty session: do the same (and forget the cached user)."""
    def fresh():
        db.session.expunge_all()
        g.pop("_login_user", None)
        g.pop("api_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, fresh)


@dataclass
class Hidden:
    meeting_id: int
    uid: str
    shown_id: int
    hidden_id: int
    organiser_id: int


def make_hidden(organiser, dpo, **meeting_values) -> Hidden:
    """An internal meeting of `organiser` with one internal and one restricted contact."""
    shown = factories.make_contact(factories.make_organisation(name="Permanent Mission of Norway"),
                                   full_name=SHOWN_NAME, email=SHOWN_EMAIL)
    hidden = factories.make_contact(factories.make_organisation(name=HIDDEN_ORG),
                                    full_name=HIDDEN_NAME, email=HIDDEN_EMAIL)
    meeting = factories.make_meeting(organiser=organiser, contacts=[shown, hidden], staff=[organiser],
                                     title="Coalition briefing", **meeting_values)
    access.set_sensitivity(dpo, NOW, hidden, "restricted")
    db.session.commit()
    return Hidden(meeting.id, meeting.uid, shown.id, hidden.id, organiser.id)


@pytest.fixture
def dpo(app):
    return factories.make_dpo()


@pytest.fixture
def world(app, staff_user, dpo):
    return make_hidden(staff_user, dpo)


@pytest.fixture
def organiser(app, world, staff_user):
    """The organiser (staff, no grant), signed in; each request on a fresh session."""
    client = login(app.test_client(), staff_user)
    serve_each_request_on_a_fresh_session(app)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _contact(contact_id):
    return db.session.get(Contact, contact_id)


def _no_trace_of_them(body: str, organisation: bool = True) -> None:
    assert HIDDEN_NAME not in body and HIDDEN_EMAIL not in body
    if organisation:  # an organisation is no secret (filters list it); that it is on this meeting is
        assert HIDDEN_ORG not in body


def _attendee_emails(world) -> set[str]:
    db.session.expunge_all()
    return {a.email for a in db.session.get(Meeting, world.meeting_id).attendees}


def _outbox(kind: str) -> set[str]:
    return set(db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == kind)))


def test_the_meeting_page_leaves_them_out_and_counts_them(world, organiser):
    response = organiser.get(f"/meetings/{world.meeting_id}")
    assert response.status_code == 200
    body = _text(response)
    assert SHOWN_NAME in body and "and 1 other attendee" in body
    _no_trace_of_them(body)


def test_the_meetings_list_and_its_export_leave_them_out(world, organiser):
    response = organiser.get("/meetings/")
    assert response.status_code == 200
    body = _text(response)
    assert "Coalition briefing" in body and "Permanent Mission of Norway · 1 other attendee</td>" in body
    _no_trace_of_them(body, organisation=False)
    response = organiser.get("/meetings/export.csv")
    if response.status_code == 302:  # exports ask to confirm first
        response = organiser.post(response.headers["Location"], data={"confirm": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert SHOWN_EMAIL in _text(response)
    _no_trace_of_them(_text(response))


def test_its_ics_download_names_only_who_they_may_see(world, organiser):
    response = organiser.get(f"/meetings/{world.meeting_id}.ics")
    assert response.status_code == 200
    body = _text(response).replace("\r\n ", "")  # unfold
    assert SHOWN_NAME in body and "and 1 other attendee" in body
    _no_trace_of_them(body)


def test_editing_keeps_the_attendee_the_editor_cannot_see(world, organiser, frozen):
    page = organiser.get(f"/meetings/{world.meeting_id}/edit")
    assert page.status_code == 200
    assert "Also invited: 1 other attendee you cannot see" in _text(page)
    _no_trace_of_them(_text(page))
    db.session.expunge_all()
    user = db.session.get(factories.User, world.organiser_id)
    form = booking(user, [_contact(world.shown_id)], title="Coalition briefing (moved)")
    response = organiser.post(f"/meetings/{world.meeting_id}/edit", data=form)
    assert response.status_code == 302, _text(response)[:2000]
    assert _attendee_emails(world) == {SHOWN_EMAIL, HIDDEN_EMAIL, "staff@example.org"}
    assert HIDDEN_EMAIL in _outbox("update")  # moved: they hear of it like everyone else


def test_cancelling_tells_the_attendee_the_canceller_cannot_see(world, organiser):
    page = organiser.get(f"/meetings/{world.meeting_id}/cancel")
    assert page.status_code == 200
    assert "Everyone invited (2 and 1 other attendee)" in _text(page)
    _no_trace_of_them(_text(page))
    response = organiser.post(f"/meetings/{world.meeting_id}/cancel", data={"reason": "", "notify": "y"})
    assert response.status_code == 302
    assert {SHOWN_EMAIL, HIDDEN_EMAIL} <= _outbox("cancellation")


def test_removing_an_attendee_they_cannot_see_is_a_404(world, organiser):
    db.session.expunge_all()
    attendee = next(a for a in db.session.get(Meeting, world.meeting_id).attendees if a.contact_id == world.hidden_id)
    response = organiser.post(f"/meetings/{world.meeting_id}/attendees/{attendee.id}/remove")
    assert response.status_code == 404
    assert HIDDEN_EMAIL in _attendee_emails(world)


def test_a_forwarded_reply_is_applied(world, organiser):
    response = organiser.post(f"/meetings/{world.meeting_id}/replies",
                              data={"file": (io.BytesIO(reply_email(world.uid, SHOWN_EMAIL, "DECLINED").as_bytes()),
                                             "reply.eml")},
                              content_type="multipart/form-data")
    assert response.status_code == 303, _text(response)[:2000]
    db.session.expunge_all()
    answers = {a.email: a.response for a in db.session.get(Meeting, world.meeting_id).attendees}
    assert answers[SHOWN_EMAIL] == "declined"


def test_the_team_feed_of_a_lead_without_a_grant_carries_it_without_them(app, world, lead_user):
    feed = calendar.create_feed(lead_user, NOW, lead_user, "team")
    db.session.commit()
    secret = feed.secret
    serve_each_request_on_a_fresh_session(app)
    response = app.test_client().get(f"/calendar/{secret}.ics")
    assert response.status_code == 200
    body = _text(response).replace("\r\n ", "")
    assert world.uid in body and SHOWN_NAME in body and "and 1 other attendee" in body
    _no_trace_of_them(body)


def test_people_for_counts_for_those_without_a_grant_and_shows_to_the_dpo(world, staff_user, dpo):
    meeting = db.session.get(Meeting, world.meeting_id)
    theirs, dpos, recipients = people_for(staff_user, meeting), people_for(dpo, meeting), people_for(None, meeting)
    assert [a.email for a in theirs.contacts] == [SHOWN_EMAIL] and theirs.hidden == 1
    assert theirs.hidden_phrase == "1 other attendee"
    assert {a.email for a in dpos.contacts} == {SHOWN_EMAIL, HIDDEN_EMAIL} and dpos.hidden == 0
    assert [a.email for a in recipients.contacts] == [SHOWN_EMAIL] and recipients.hidden == 1
    access.grant(dpo, NOW, _contact(world.hidden_id), user=staff_user)
    db.session.commit()
    assert people_for(staff_user, meeting).hidden == 0


