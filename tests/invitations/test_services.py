"""Meeting changes become the right messages: sent through a real SMTP server, read back by real parsers."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.invitations import services
from engage.invitations.replies import ReplyData
from engage.meetings import services as meetings
from engage.outbox.models import OutboxMessage
from engage.outbox.services import drain_outbox
from tests import factories
from tests.ical_readers import read_with_icaljs, read_with_vobject

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GENEVA_SUMMER = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)   # 10:00 CEST
GENEVA_WINTER = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 CET
NAIROBI = datetime(2027, 3, 2, 7, 0, tzinfo=UTC)         # 10:00 EAT


def _send_all(app, smtp_server):
    config = {**app.config, **smtp_server.config()}
    return drain_outbox(NOW, config, "test-worker")


def _calendar_part(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part
    raise AssertionError("no text/calendar part")


def _by_recipient(smtp_server):
    out = {}
    for received in smtp_server.messages:
        out.setdefault(received.rcpt_tos[0].lower(), []).append(received.message)
    return out


@pytest.fixture
def people(app):
    org = factories.make_organisation(name="Permanent Mission of Sweden", kind="permanent_mission",
                                      country="SE", city="Geneva")
    diplomat = factories.make_contact(org, full_name="Zoë Müller-Ndirangu", email="zoe@example.org")
    official = factories.make_contact(None, full_name="Wanjiru Kamau", email="wanjiru@example.org")
    organiser = factories.make_user(email="organiser@example.org", full_name="Achieng Odhiambo")
    colleague = factories.make_user(email="colleague@example.org", full_name="Kevin Mwangi")
    return {"diplomat": diplomat, "official": official, "organiser": organiser, "colleague": colleague}


@pytest.mark.parametrize("starts_at, zone", [(GENEVA_SUMMER, "Europe/Zurich"), (GENEVA_WINTER, "Europe/Zurich"),
                                             (NAIROBI, "Africa/Nairobi")])
def test_each_attendee_gets_one_real_meeting_request_at_the_right_time(app, smtp_server, people, starts_at, zone):
    meeting = factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"], people["official"]],
                                     staff=[people["colleague"]], starts_at=starts_at, timezone=zone,
                                     title="Internal: Sweden on 142.15",
                                     invitation_title="Mkutano wa Haki za Afya — Genève", now=NOW)
    _send_all(app, smtp_server)
    received = _by_recipient(smtp_server)
    assert set(received) == {"zoe@example.org", "wanjiru@example.org", "colleague@example.org"}
    for email, messages in received.items():
        assert len(messages) == 1
        message = messages[0]
        assert message.get_content_type() == "multipart/mixed"
        alternative = message.get_payload()[0]
        assert alternative.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html",
                                                                            "text/calendar"]
        part = _calendar_part(message)
        assert part.get_param("method") == "REQUEST"
        ics = part.get_payload(decode=True)
        assert b"METHOD:REQUEST" in ics
        assert "Mkutano wa Haki za Afya — Genève" in message["Subject"]
        assert "Internal" not in message["Subject"]  # externals see the title for invitations
        attendees = [line for line in ics.decode().replace("\r\n ", "").splitlines() if line.startswith("ATTENDEE")]
        assert len(attendees) == 1 and email in attendees[0].lower()
        assert "PARTSTAT=NEEDS-ACTION" in attendees[0] and "RSVP=TRUE" in attendees[0]
        for reader in (read_with_icaljs, read_with_vobject):
            event = reader(ics)[0]
            assert event["uid"] == meeting.uid
            assert event["start_utc"] == starts_at
    zoe = received["zoe@example.org"][0]
    assert "Zoë Müller-Ndirangu" in str(zoe["To"])
    assert "/rsvp/" in zoe.get_body(("plain",)).get_content()


def test_reschedule_sends_an_update_with_the_same_uid_and_a_higher_sequence(app, smtp_server, people):
    meeting = factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"]],
                                     starts_at=GENEVA_SUMMER, now=NOW)
    _send_all(app, smtp_server)
    meetings.update_meeting(people["organiser"], NOW, meeting, {
        "starts_at": GENEVA_SUMMER + timedelta(hours=2), "ends_at": GENEVA_SUMMER + timedelta(hours=3)})
    db.session.commit()
    _send_all(app, smtp_server)
    first, second = _by_recipient(smtp_server)["zoe@example.org"]
    one, two = (read_with_icaljs(_calendar_part(m).get_payload(decode=True))[0] for m in (first, second))
    assert one["uid"] == two["uid"] == meeting.uid
    assert two["sequence"] > one["sequence"]
    assert two["start_utc"] == GENEVA_SUMMER + timedelta(hours=2)
    assert second["Subject"].startswith("Updated invitation")
    assert "Time: was" in second.get_body(("plain",)).get_content()


def test_removed_attendee_alone_gets_a_cancellation(app, smtp_server, people):
    meeting = factories.make_meeting(organiser=people["organiser"],
                                     contacts=[people["diplomat"], people["official"]], now=NOW)
    _send_all(app, smtp_server)
    attendee = services.find_attendee_by_email(meeting, "wanjiru@example.org")
    meetings.remove_attendee(people["organiser"], NOW, meeting, attendee)
    db.session.commit()
    _send_all(app, smtp_server)
    received = _by_recipient(smtp_server)
    assert len(received["zoe@example.org"]) == 1  # the change does not matter to her
    cancel = received["wanjiru@example.org"][1]
    part = _calendar_part(cancel)
    assert part.get_param("method") == "CANCEL"
    event = read_with_vobject(part.get_payload(decode=True))[0]
    assert event["uid"] == meeting.uid and event["status"] == "CANCELLED"


def test_cancelled_meeting_sends_cancel_to_everyone(app, smtp_server, people):
    meeting = factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"]],
                                     staff=[people["colleague"]], now=NOW)
    meetings.cancel_meeting(people["organiser"], NOW, meeting, reason="The minister is travelling")
    db.session.commit()
    _send_all(app, smtp_server)
    received = _by_recipient(smtp_server)
    for email in ("zoe@example.org", "colleague@example.org"):
        # The unsent invitation was superseded: the recipient hears only of the cancellation.
        methods = [_calendar_part(m).get_param("method") for m in received[email]]
        assert methods == ["CANCEL"]
        ics = _calendar_part(received[email][0]).get_payload(decode=True)
        assert read_with_icaljs(ics)[0]["status"] == "CANCELLED"
        assert "minister is travelling" in received[email][0].get_body(("plain",)).get_content()


def test_late_added_attendee_gets_the_current_request_and_others_nothing(app, smtp_server, people):
    meeting = factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"]], now=NOW)
    _send_all(app, smtp_server)
    meetings.add_attendee(people["organiser"], NOW, meeting, contact_id=people["official"].id)
    db.session.commit()
    _send_all(app, smtp_server)
    received = _by_recipient(smtp_server)
    assert len(received["zoe@example.org"]) == 1
    late = received["wanjiru@example.org"]
    assert len(late) == 1
    assert read_with_vobject(_calendar_part(late[0]).get_payload(decode=True))[0]["sequence"] == meeting.sequence


def test_notify_false_queues_nothing(app, people):
    factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"]], now=NOW, notify=False)
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0


def test_itip_reply_updates_the_response_and_stale_ones_are_refused(app, people):
    meeting = factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"]], now=NOW)
    reply = ReplyData(uid=meeting.uid, sequence=meeting.sequence, attendee_email="ZOE@example.org",
                      partstat="ACCEPTED", dtstamp=NOW, sender="zoe@example.org")
    result = services.apply_reply(reply, NOW)
    assert result.outcome == "applied" and result.response == "accepted"
    assert meeting.attendees[0].response == "accepted"

    meetings.update_meeting(people["organiser"], NOW, meeting, {
        "starts_at": meeting.starts_at + timedelta(hours=1), "ends_at": meeting.ends_at + timedelta(hours=1)})
    assert meeting.attendees[0].response == "needs_action"  # a new time asks again
    stale = services.apply_reply(ReplyData(uid=meeting.uid, sequence=0, attendee_email="zoe@example.org",
                                           partstat="DECLINED", dtstamp=NOW), NOW)
    assert stale.refused and "stale" in stale.reason
    assert meeting.attendees[0].response == "needs_action"
    unknown = services.apply_reply(ReplyData(uid="nope@engage", sequence=5, attendee_email="zoe@example.org",
                                             partstat="ACCEPTED", dtstamp=NOW), NOW)
    assert unknown.refused and "unknown" in unknown.reason
    stranger = services.apply_reply(ReplyData(uid=meeting.uid, sequence=9, attendee_email="who@example.org",
                                              partstat="ACCEPTED", dtstamp=NOW), NOW)
    assert stranger.refused and "not on the meeting" in stranger.reason


def test_reply_after_an_attendee_only_change_is_not_stale_for_those_who_got_no_update(app, people):
    meeting = factories.make_meeting(organiser=people["organiser"], contacts=[people["diplomat"]], now=NOW)
    held_sequence = meeting.sequence
    meetings.add_attendee(people["organiser"], NOW, meeting, contact_id=people["official"].id)
    assert meeting.sequence > held_sequence
    result = services.apply_reply(ReplyData(uid=meeting.uid, sequence=held_sequence, attendee_email="zoe@example.org",
                                            partstat="TENTATIVE", dtstamp=NOW, sender="zoe@example.org"), NOW)
    assert result.outcome == "applied", result.reason
