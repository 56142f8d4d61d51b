"""In a coalition, a member's invitations come from that member (its sender's name and reply address);
alone, from the organisation as before."""
from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from sqlalchemy import select

from engage.extensions import db
from engage.meetings import services as meetings
from engage.members import services as members
from engage.organisation import services as organisation
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.outcomes.helpers import WHEN


def _book(user, contact, day):
    change = meetings.schedule_meeting(user, WHEN, {
        "title": "On health", "starts_at": datetime(2026, 12, day, 7, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, day, 8, 0, tzinfo=UTC), "timezone": "Africa/Nairobi", "organiser": user.id,
        "attendees": [{"contact_id": contact.id}]})
    db.session.commit()
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == change.meeting.id)).one()
    return message_from_bytes(row.raw, policy=policy.default)


def test_a_members_invitation_comes_from_that_member(app, admin_user, staff_user):
    organisation.save_settings(admin_user, WHEN, {"name": "KELIN", "reply_to": "upr@kelin.example.org"})
    contact = factories.make_contact(factories.make_organisation(name="Embassy of Germany", kind="embassy",
                                                                 country="DE", city="Nairobi"))
    alone = _book(staff_user, contact, 9)
    assert "KELIN" in alone["From"] and "upr@kelin.example.org" in alone["Reply-To"]
    khrc = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC",
                                                    "from_name": "KHRC UPR team", "reply_to": "upr@khrc.example.org"})
    db.session.flush()
    other = factories.make_user(role="staff", email="staff@khrc.example.org")
    other.member_id = khrc.id
    db.session.commit()
    theirs = _book(other, contact, 10)
    assert "KHRC UPR team" in theirs["From"] and "upr@khrc.example.org" in theirs["Reply-To"]
    assert "KELIN" not in theirs.get_body(("plain",)).get_content()
