"""The RSVP landing page: signed, scoped to one attendee, no login, idempotent."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from engage.extensions import db
from engage.invitations.services import rsvp_links
from engage.meetings import services as meetings
from tests import factories

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def meeting(app):
    org = factories.make_organisation(name="Embassy of Ghana", country="GH", kind="high_commission")
    first = factories.make_contact(org, email="kofi@example.org", full_name="Kofi Mensah")
    second = factories.make_contact(org, email="ama@example.org", full_name="Ama Owusu")
    return factories.make_meeting(contacts=[first, second], now=NOW, title="HIV key populations")


def _path(url):
    return re.sub(r"^https?://[^/]+", "", url)


@time_machine.travel(NOW, tick=False)
def test_accept_link_asks_to_confirm_then_records_the_answer(meeting):
    from flask import current_app
    client = current_app.test_client()
    attendee = meeting.attendees[0]
    links = rsvp_links(meeting, attendee.id)
    page = client.get(_path(links["accept_url"]))
    assert page.status_code == 200
    assert "Confirm: Accept" in page.get_data(as_text=True)
    db.session.refresh(attendee)
    assert attendee.response == "needs_action"  # a link scanner's GET changes nothing
    token_path = _path(links["answer_page_url"])
    response = client.post(token_path, data={"answer": "accepted"}, follow_redirects=True)
    assert "your answer is recorded: Accepted" in response.get_data(as_text=True)
    db.session.refresh(attendee)
    assert attendee.response == "accepted" and attendee.responded_at == NOW
    # The same answer again changes nothing, including when it came.
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        client.post(token_path, data={"answer": "accepted"})
    db.session.refresh(attendee)
    assert attendee.responded_at == NOW
    # Changing the answer works from the same page.
    client.post(token_path, data={"answer": "declined"})
    db.session.refresh(attendee)
    assert attendee.response == "declined"
    assert meeting.attendees[1].response == "needs_action"  # the other attendee is untouched


@time_machine.travel(NOW, tick=False)
def test_tampered_link_is_refused(meeting):
    from flask import current_app
    client = current_app.test_client()
    url = _path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"])
    tampered = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    response = client.post(tampered, data={"answer": "declined"})
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert all(a.response == "needs_action" for a in meeting.attendees)


def test_link_expires_after_the_meeting(meeting):
    from flask import current_app
    client = current_app.test_client()
    url = _path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"])
    with time_machine.travel(meeting.ends_at + timedelta(minutes=1), tick=False):
        response = client.post(url, data={"answer": "accepted"})
    assert response.status_code == 400
    db.session.refresh(meeting.attendees[0])
    assert meeting.attendees[0].response == "needs_action"


@time_machine.travel(NOW, tick=False)
def test_cancelled_meeting_cannot_be_answered(meeting):
    from flask import current_app
    client = current_app.test_client()
    url = _path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"])
    meetings.cancel_meeting(meeting.organiser, NOW, meeting)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "This meeting was cancelled." in page
    client.post(url, data={"answer": "accepted"})
    db.session.refresh(meeting.attendees[0])
    assert meeting.attendees[0].response == "needs_action"


@time_machine.travel(NOW, tick=False)
def test_answer_shows_on_the_staff_meeting_page(meeting, staff_client):
    from flask import current_app
    client = current_app.test_client()
    attendee = meeting.attendees[0]
    client.post(_path(rsvp_links(meeting, attendee.id)["answer_page_url"]), data={"answer": "declined"})
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    row = page[page.index("Kofi Mensah"):][:600]
    assert "Declined" in row
    # The history credits the answer to whoever gave it, not to "system".
    history = page[page.index('id="history"'):]
    assert "— Kofi Mensah answered" in history and "system" not in history
