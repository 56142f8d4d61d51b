"""Replies as real calendar clients send them, through all three ways in — the API, the meeting-page
upload and `engage ingest-replies` — spoofed and out of order too; proposed new times (COUNTER) and
delegation (issue 15, calendar replies 1, 2 and 5)."""
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from engage.directory.models import Contact
from engage.extensions import db
from engage.invitations.models import HeldReply
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.invitations import reply_fixtures
from tests.invitations.test_ingest import NOW
from tests.invitations.test_reply_trust import PATHS, answers

ZOE, AMA = "zoe@mission.example", "ama@example.org"
LATER = NOW + timedelta(hours=3)


@pytest.fixture
def meeting(app, lead_user):
    zoe = factories.make_contact(email=ZOE, full_name="Zoe Wanjiru")
    ama = factories.make_contact(email=AMA, full_name="Ama Owusu")
    return factories.make_meeting(organiser=lead_user, contacts=[zoe, ama], now=NOW,
                                  invitation_title="Health rights briefing", title="SOGI internal planning")


def _reply(client, meeting, partstat="DECLINED", **options):
    return reply_fixtures.CLIENTS[client](meeting.uid, ZOE, "Zoe Wanjiru", partstat, sequence=meeting.sequence,
                                          **{"stamp": LATER, **options})


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("client", sorted(reply_fixtures.CLIENTS))
def test_each_client_s_reply_is_applied_through_each_way_in(meeting, send, client, path):
    status, said = send(path, _reply(client, meeting))
    assert status < 400, said
    assert answers(meeting) == {ZOE: "declined", AMA: "needs_action"}


@pytest.mark.parametrize("client", sorted(reply_fixtures.CLIENTS))
def test_each_client_s_reply_sent_by_someone_else_waits_for_staff(meeting, send, client):
    status, said = send("ingest", _reply(client, meeting, sender=AMA))
    assert answers(meeting)[ZOE] == "needs_action"
    assert f"sent from {AMA}" in said
    assert db.session.scalars(select(HeldReply.kind)).all() == ["unconfirmed"]


@pytest.mark.parametrize("client", sorted(reply_fixtures.CLIENTS))
def test_each_client_s_older_answer_arriving_late_is_ignored(meeting, send, client):
    assert send("api", _reply(client, meeting, "TENTATIVE"))[0] == 200
    status, said = send("api", _reply(client, meeting, "ACCEPTED", stamp=LATER - timedelta(hours=1)))
    assert status == 200 and '"outcome":"ignored"' in said.replace(" ", "")
    assert answers(meeting)[ZOE] == "tentative"


def _counter(meeting):
    # 14:00–15:00 in Nairobi (E. Africa Standard Time, +03:00) is 11:00–12:00 UTC.
    return reply_fixtures.outlook_counter(meeting.uid, ZOE, "Zoe Wanjiru", local_start="20261207T140000",
                                          local_end="20261207T150000", sequence=meeting.sequence, stamp=LATER)


@pytest.mark.parametrize("path", PATHS)
def test_an_outlook_counter_is_shown_with_who_proposed_what_time(meeting, send, path, lead_client):
    status, said = send(path, _counter(meeting))
    assert status < 400, said
    [held] = db.session.scalars(select(HeldReply)).all()
    assert held.kind == "counter"
    assert (held.proposed_starts_at, held.proposed_ends_at) == (datetime(2026, 12, 7, 11, tzinfo=UTC),
                                                                datetime(2026, 12, 7, 12, tzinfo=UTC))
    page = lead_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Zoe Wanjiru</strong> proposed a new time" in page and "Could we meet an hour later?" in page
    assert "Accept: move the meeting" in page and ">Decline</button>" in page
    assert answers(meeting)[ZOE] == "needs_action"


def _outbox(meeting, recipient):
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id,
                                                          OutboxMessage.recipient == recipient)
                              .order_by(OutboxMessage.id)).all()
    return [(r, message_from_bytes(r.raw, policy=policy.default)) for r in rows]


def test_accepting_a_counter_moves_the_meeting_and_sends_everyone_the_update(meeting, send, lead_client):
    send("ingest", _counter(meeting))
    held = db.session.scalar(select(HeldReply.id))
    before = meeting.sequence
    response = lead_client.post(f"/meetings/{meeting.id}/held-replies/{held}/accept", data={})
    assert response.status_code == 303
    db.session.expire_all()
    assert meeting.starts_at == datetime(2026, 12, 7, 11, tzinfo=UTC) and meeting.sequence == before + 1
    for email in (ZOE, AMA):
        row, message = _outbox(meeting, email)[-1]
        assert row.kind == "update" and message["Subject"].startswith("Updated invitation")
        assert "SOGI" not in message["Subject"]
    assert not db.session.scalars(select(HeldReply)).all()


def test_declining_a_counter_sends_that_attendee_a_declinecounter(meeting, send, lead_client):
    send("ingest", _counter(meeting))
    held = db.session.scalar(select(HeldReply.id))
    starts_at = meeting.starts_at
    assert lead_client.post(f"/meetings/{meeting.id}/held-replies/{held}/decline", data={}).status_code == 303
    db.session.expire_all()
    assert meeting.starts_at == starts_at
    row, message = _outbox(meeting, ZOE)[-1]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = part.get_payload(decode=True).decode().replace("\r\n ", "")
    assert row.kind == "counter_declined" and part.get_param("method") == "DECLINECOUNTER"
    assert "METHOD:DECLINECOUNTER" in calendar and f"UID:{meeting.uid}" in calendar
    assert f"mailto:{ZOE}" in calendar and "SUMMARY:Health rights briefing" in calendar
    assert "SOGI" not in message.as_string() and "Health rights briefing" in message["Subject"]
    assert [r.kind for r, _ in _outbox(meeting, AMA)] == ["invitation"]  # nobody else hears of it


def _delegation(meeting, to):
    return reply_fixtures.outlook(meeting.uid, ZOE, "Zoe Wanjiru", f'DELEGATED;DELEGATED-TO="mailto:{to}"',
                                  sequence=meeting.sequence, stamp=LATER)


@pytest.mark.parametrize("path", PATHS)
def test_a_delegate_becomes_an_attendee_and_is_sent_the_invitation(meeting, send, path):
    status, said = send(path, _delegation(meeting, "Deputy@Mission.example"))
    assert status < 400, said
    assert answers(meeting) == {ZOE: "delegated", AMA: "needs_action", "deputy@mission.example": "needs_action"}
    deputy = db.session.scalar(select(Contact).where(Contact.email == "deputy@mission.example"))
    assert deputy is not None and deputy.organisation_id == meeting.attendees[0].contact.organisation_id
    [(row, message)] = _outbox(meeting, "deputy@mission.example")
    assert row.kind == "invitation" and "Health rights briefing" in message["Subject"]
    assert "SOGI" not in message.as_string()
    # The delegate's own answer is theirs to give, and Zoe may answer for them.
    send(path, reply_fixtures.gmail(meeting.uid, "deputy@mission.example", "Deputy", "ACCEPTED",
                                    sequence=meeting.sequence, stamp=LATER, sender=ZOE))
    assert answers(meeting)["deputy@mission.example"] == "accepted"


def test_a_delegate_who_is_already_a_contact_is_matched_by_address(meeting, send):
    known = factories.make_contact(email="deputy@mission.example", full_name="Kamau Deputy")
    db.session.commit()
    send("ingest", _delegation(meeting, "deputy@mission.example"))
    attendee = next(a for a in meeting.attendees if a.email == "deputy@mission.example")
    assert attendee.contact_id == known.id
    assert db.session.scalar(select(Contact.id).where(Contact.email == "deputy@mission.example")) == known.id
