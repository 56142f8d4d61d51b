"""What an update keeps of the answers, and the small things of each message (issue 15, calendar replies 6 and 7)."""
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.meetings import services as meetings
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.ical_readers import read_with_vobject
from tests.invitations.test_ingest import NOW


@pytest.fixture
def accepted(app):
    """A meeting whose one contact has accepted, its first invitation already in the outbox."""
    organiser = factories.make_user(email="organiser@example.org")
    contact = factories.make_contact(email="zoe@example.org", full_name="Zoë Müller")
    meeting = factories.make_meeting(organiser=organiser, contacts=[contact], now=NOW)
    meetings.record_response(None, NOW, meeting.attendees[0], "accepted")
    db.session.commit()
    return meeting


def _messages(meeting, recipient=None):
    query = select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id).order_by(OutboxMessage.id)
    rows = db.session.scalars(query).all()
    return [message_from_bytes(r.raw, policy=policy.default) for r in rows
            if recipient is None or r.recipient == recipient]


def _calendar(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return read_with_vobject(part.get_payload(decode=True))[0], part.get_payload(decode=True).decode()


@pytest.mark.parametrize("change", [{"location": "Room XXI, Palais des Nations"},
                                    {"invitation_title": "Mkutano wa Haki za Afya"},
                                    {"description": "A new agenda: health rights follow-up"}])
def test_a_change_of_place_title_or_agenda_keeps_the_answers(accepted, change):
    before = accepted.sequence
    meetings.update_meeting(accepted.organiser, NOW, accepted, change)
    db.session.commit()
    assert accepted.attendees[0].response == "accepted"
    if "description" not in change:  # place and title are what the attendee's calendar holds
        assert accepted.sequence == before + 1
        update = _messages(accepted, "zoe@example.org")[-1]
        event, text = _calendar(update)
        assert update["Subject"].startswith("Updated invitation") and event["sequence"] == before + 1
        assert "PARTSTAT=ACCEPTED" in text.replace("\r\n ", "")  # their calendar keeps the answer too


def test_only_a_new_date_or_time_asks_everyone_again(accepted):
    meetings.update_meeting(accepted.organiser, NOW, accepted, {
        "starts_at": accepted.starts_at + timedelta(days=1), "ends_at": accepted.ends_at + timedelta(days=1)})
    db.session.commit()
    assert accepted.attendees[0].response == "needs_action"
    _, text = _calendar(_messages(accepted, "zoe@example.org")[-1])
    assert "PARTSTAT=NEEDS-ACTION" in text.replace("\r\n ", "")


def test_a_cancellation_attaches_cancel_ics_and_every_calendar_part_says_utf_8(accepted):
    meetings.cancel_meeting(accepted.organiser, NOW, accepted)
    db.session.commit()
    invitation, cancellation = _messages(accepted, "zoe@example.org")
    for message, name in ((invitation, "invite.ics"), (cancellation, "cancel.ics")):
        [attachment] = [p for p in message.walk() if p.get_content_type() == "application/ics"]
        assert attachment.get_filename() == name and attachment.get_param("name") == name
        assert attachment.get_content_charset() == "utf-8"


def test_a_staff_organiser_is_not_sent_an_invitation_to_their_own_meeting(app):
    organiser = factories.make_user(email="organiser@example.org")
    colleague = factories.make_user(email="colleague@example.org")
    contact = factories.make_contact(email="zoe@example.org")
    meeting = factories.make_meeting(organiser=organiser, contacts=[contact], staff=[organiser, colleague], now=NOW)
    meetings.update_meeting(organiser, NOW, meeting, {"location": "Room XXI"})
    meetings.cancel_meeting(organiser, NOW, meeting)
    db.session.commit()
    recipients = {r.recipient for r in db.session.scalars(select(OutboxMessage))}
    assert recipients == {"zoe@example.org", "colleague@example.org"}
