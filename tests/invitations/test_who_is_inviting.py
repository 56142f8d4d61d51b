"""Who is inviting: every message a recipient receives, and the page their link opens, name the organisation;
the page offers the invitation for their calendar, a note to the organiser, and another time."""
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import getaddresses

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from engage.extensions import db
from engage.invitations.models import HeldReply
from engage.invitations.services import rsvp_links
from engage.meetings.calendar import organiser_mailbox
from engage.organisation.services import save_settings
from engage.outbox.services import drain_outbox
from tests import factories
from tests.conftest import sqlite_only

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ORG = "Kenya Health Rights Coalition"
STAFF_TITLE = "HIV key populations briefing (SOGI)"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def meeting(app):
    save_settings(None, NOW, {"name": ORG, "reply_to": "upr@khrc.example"}, logo_bytes=PNG)
    organiser = factories.make_user(email="achieng@example.org", full_name="Achieng Odhiambo")
    mission = factories.make_organisation(name="Permanent Mission of Ghana", country="GH", kind="permanent_mission")
    kofi = factories.make_contact(mission, email="kofi@example.org", full_name="Kofi Mensah", timezone="Europe/Zurich")
    return factories.make_meeting(organiser=organiser, contacts=[kofi], now=NOW, title=STAFF_TITLE,
                                  invitation_title="Meeting with the Mission of Ghana")


def _page(meeting, suffix=""):
    url = rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"]
    return re.sub(r"^https?://[^/]+", "", url) + suffix


def test_the_email_names_the_organisation_in_from_body_and_signature_and_replies_still_reach_engage(
        app, smtp_server, meeting):
    drain_outbox(NOW, {**app.config, **smtp_server.config()}, "test-worker")
    [received] = smtp_server.messages
    message = message_from_bytes(received.raw, policy=policy.default)
    [(from_name, from_address)] = getaddresses([str(message["From"])])
    assert (from_name, from_address) == (ORG, organiser_mailbox())
    # The envelope keeps the configured sender's domain, the one SPF and DMARC vouch for.
    assert received.mail_from.rsplit("@", 1)[1] == organiser_mailbox().rsplit("@", 1)[1]
    assert getaddresses([str(message["Reply-To"])]) == [(ORG, "upr@khrc.example")]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"Achieng Odhiambo of {ORG} would like to invite you" in text
    assert text.rstrip().endswith(f"With best regards,\nAchieng Odhiambo\n{ORG}")
    html = message.get_body(("html",)).get_content()
    assert f"<strong>{ORG}</strong></p>" in html  # the signature
    logo = re.search(r'<img src="([^"]+)"', html).group(1)
    assert logo.startswith(app.config["ENGAGE_BASE_URL"] + "/organisation/logo/")
    assert STAFF_TITLE not in text and STAFF_TITLE not in html
    # A calendar's answer goes to the ORGANIZER, which stays the mailbox engage reads replies from.
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["ORGANIZER"]).lower() == f"mailto:{organiser_mailbox()}"
    # The logo in the email is served by engage, to anyone (recipients never sign in).
    served = app.test_client().get(re.sub(r"^https?://[^/]+", "", logo))
    assert (served.status_code, served.mimetype, served.data) == (200, "image/png", PNG)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("sensitivity", ["internal", "restricted"])
def test_the_answer_page_names_the_organisation_and_adds_the_invitation_to_a_calendar(app, meeting, sensitivity):
    from engage.access import services as access

    if sensitivity == "restricted":
        access.set_sensitivity(factories.make_dpo(), NOW, meeting, "restricted")
        db.session.commit()
    client = app.test_client()
    page = client.get(_page(meeting)).get_data(as_text=True)
    assert f"of <strong class=\"text-body\">{ORG}</strong> invites you" in page
    assert 'id="add-to-calendar"' in page and STAFF_TITLE not in page
    answer = client.get(_page(meeting, "/invitation.ics"))
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    [event] = Calendar.from_ical(answer.data).walk("VEVENT")
    assert str(event["SUMMARY"]) == meeting.title_for_invitations
    assert b"SOGI" not in answer.data and b"key populations" not in answer.data
    assert str(event["UID"]) == meeting.uid  # the same entry the emailed invitation made


@time_machine.travel(NOW, tick=False)
def test_a_note_and_another_time_reach_the_meeting_page(app, meeting, staff_client):
    client = app.test_client()
    answered = client.post(_page(meeting), data={"answer": "tentative", "note": "I may bring our health attaché."})
    assert answered.status_code == 302
    proposed = client.post(_page(meeting, "/another-time"),
                           data={"date": "2026-12-08", "time": "14:30", "comment": "Tuesday suits us better."})
    assert proposed.status_code == 303
    held = db.session.scalars(select(HeldReply)).one()
    # 14:30 in Geneva, the attendee's zone, in December (CET, UTC+1); the meeting's hour kept.
    assert (held.kind, held.source) == ("counter", "rsvp")
    assert held.proposed_starts_at == datetime(2026, 12, 8, 13, 30, tzinfo=UTC)
    assert held.proposed_ends_at == datetime(2026, 12, 8, 14, 30, tzinfo=UTC)
    meeting_page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "“I may bring our health attaché.”" in meeting_page
    assert "Kofi Mensah</strong> proposed a new time" in meeting_page and "Tuesday suits us better." in meeting_page
    # Answering again without the note field keeps it; an emptied field removes it.
    client.post(_page(meeting), data={"answer": "accepted"})
    assert meeting.attendees[0].answer_note == "I may bring our health attaché."
    client.post(_page(meeting), data={"answer": "accepted", "note": ""})
    db.session.refresh(meeting.attendees[0])
    assert meeting.attendees[0].answer_note is None


@sqlite_only
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("path, data, field", [
    ("", {"answer": "accepted", "note": "x" * 501}, "note"),
    ("", {"answer": "accepted", "note": "hello\x00"}, "note"),
    ("", {"answer": "sometimes"}, "answer"),
    ("/another-time", {"date": "2026-12-08", "time": "25:99"}, "time"),
    ("/another-time", {"date": "8 December", "time": "14:30"}, "date"),
    ("/another-time", {"date": "2026-11-27", "time": "14:30"}, "date"),
    ("/another-time", {"date": "2027-03-28", "time": "02:30"}, "time"),  # Geneva's clocks skip it
    ("/another-time", {"date": "2026-12-08", "time": "14:30", "comment": "\x00"}, "comment"),
])
def test_bad_input_on_the_answer_page_is_a_422_naming_the_field(app, meeting, path, data, field):
    answer = app.test_client().post(_page(meeting, path), data=data)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert meeting.attendees[0].response == "needs_action" and meeting.attendees[0].answer_note is None
    assert db.session.scalar(select(HeldReply.id)) is None
