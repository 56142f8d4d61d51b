"""Restricted meetings: every message engage sends about one says nothing of its topic.

Meetings about sensitive topics go through the real services (booking, reschedule, new place, an
attendee added, one removed, reminder, digest, follow-up notice, cancellation); every stored message
is then read back — every header, every decoded part, the calendar by icalendar and vobject — and
none of the sensitive terms may appear anywhere.
"""
import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from engage.extensions import db
from engage.meetings.titles import default_invitation_title
from engage.meetings import services as meetings
from engage.meetings.calendar import meeting_ics
from engage.outbox.models import OutboxMessage
from engage.outcomes import services as outcomes
from engage.reminders.digest import queue_morning_messages
from engage.reminders.services import queue_due_reminders
from tests import factories
from tests.ical_readers import read_with_vobject

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
STARTS = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)  # 10:00 Geneva (CEST)

TERMS = ["HIV", "TB", "tuberculosis", "LGBT", "sex work", "drugs", "SOGI", "key population", "gay", "transgender",
         "harm reduction", "Ministry of Health briefing", "decriminalise", "same-sex"]
RECOMMENDATIONS = [
    "Decriminalise sex work and ensure access to HIV services for sex workers",
    "Repeal laws criminalising same-sex relations between consenting adults (LGBT, SOGI)",
    "Provide harm reduction services for people who use drugs and TB screening in prisons",
]
INTERNAL_TITLE = "HIV key populations strategy: sex workers, LGBT people, people who use drugs"
PURPOSE = "Brief the mission on SOGI and key population concerns; transgender people and TB."


def _calendars(message):
    for part in message.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            yield part.get_payload(decode=True)


def _everything_said(raw: bytes) -> str:
    """Every header (decoded), every parameter, every decoded part, unfolded: all a reader could see."""
    message = message_from_bytes(raw, policy=policy.default)
    said = []
    for part in message.walk():
        for name, value in part.items():
            said.append(f"{name}: {value}")
        for key, value in part.get_params() or []:
            said.append(f"{key}={value}")
        if part.get_filename():
            said.append(part.get_filename())
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        said.append(text.replace("\r\n ", "").replace("\r\n\t", ""))
    return "\n".join(said)


def _assert_neutral(text: str, where: str) -> None:
    for term in TERMS + RECOMMENDATIONS + [INTERNAL_TITLE, PURPOSE]:
        # Short terms as words: "TB" inside a longer word (a base64 run, "HTTB") is not the topic.
        pattern = rf"\b{re.escape(term)}\b" if len(term) <= 4 else re.escape(term)
        assert not re.search(pattern, text, re.I), f"{term!r} appears in {where}"


def _check_calendar(ics: bytes, recipient: str, where: str) -> None:
    parsed = Calendar.from_ical(ics)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["CLASS"]) == "PRIVATE", where
    attendees = event.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a).lower() for a in attendees] == [f"mailto:{recipient}"], where
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "URL", "COMMENT", "CATEGORIES"):
        if name in event:
            _assert_neutral(str(event[name]), f"{where} {name}")
    for key in event.get("ATTENDEE", []) if isinstance(event.get("ATTENDEE"), list) else [event["ATTENDEE"]]:
        _assert_neutral(str(key.params), f"{where} ATTENDEE params")
    assert read_with_vobject(ics)[0]["uid"] == str(event["UID"])
    import vobject

    vevent = next(vobject.readComponents(ics.decode("utf-8"))).vevent
    said = [f"{line.name};{line.params}:{line.value}" for line in vevent.lines()]
    _assert_neutral("\n".join(said), f"{where} (vobject)")
    assert vevent.summary.value == "Meeting with the Permanent Mission of Germany"
    assert vevent.getChildValue("class") == "PRIVATE"
    assert len(vevent.contents.get("attendee", [])) == 1


@pytest.fixture
def world(app):
    germany = factories.make_organisation(name="Permanent Mission of Germany", kind="permanent_mission",
                                          country="DE", city="Geneva")
    people = {
        "diplomat": factories.make_contact(germany, full_name="Anna Schmidt", email="anna@example.org"),
        "attache": factories.make_contact(germany, full_name="Jonas Weber", email="jonas@example.org"),
        "late": factories.make_contact(germany, full_name="Lena Vogel", email="lena@example.org"),
        "organiser": factories.make_user(email="organiser@example.org", full_name="Achieng Odhiambo"),
        "colleague": factories.make_user(email="colleague@example.org", full_name="Kevin Mwangi"),
    }
    recs = [factories.make_recommendation(text=text, themes=("HIV and TB key populations",))
            for text in RECOMMENDATIONS]
    meeting = factories.make_meeting(
        organiser=people["organiser"], contacts=[people["diplomat"], people["attache"]],
        staff=[people["colleague"]], starts_at=STARTS, title=INTERNAL_TITLE, description=PURPOSE,
        recommendation_ids=[r.id for r in recs], tags=["LGBT", "SOGI"], sensitivity="restricted", now=NOW)
    return {**people, "meeting": meeting}


def test_every_message_about_a_restricted_meeting_is_neutral(app, world):
    meeting, organiser = world["meeting"], world["organiser"]
    assert meeting.sensitivity == "restricted"
    # Reschedule, new place, someone added, someone removed.
    meetings.update_meeting(organiser, NOW, meeting, {"starts_at": STARTS + timedelta(hours=1),
                                                      "ends_at": STARTS + timedelta(hours=2)})
    db.session.commit()
    meetings.update_meeting(organiser, NOW, meeting, {"location": "Room 4, Palais Wilson"})
    db.session.commit()
    meetings.add_attendee(organiser, NOW, meeting, contact_id=world["late"].id)
    db.session.commit()
    attache = next(a for a in meeting.attendees if a.contact_id == world["attache"].id)
    meetings.remove_attendee(organiser, NOW, meeting, attache)
    db.session.commit()
    # A restricted outcome's follow-up due on the morning of the meeting, for the digest and notice.
    held = factories.make_meeting(organiser=organiser, contacts=[world["diplomat"]], title="LGBT briefing",
                                  starts_at=NOW + timedelta(days=1), sensitivity="restricted", notify=False, now=NOW)
    morning = datetime(2027, 7, 6, 4, 30, tzinfo=UTC)  # 07:30 Nairobi, the meeting's day
    outcomes.create_outcome(organiser, NOW + timedelta(days=2), held, {
        "summary": "They will raise sex work decriminalisation", "position": "will_raise"},
        follow_ups=[{"description": "Send the HIV key population brief", "owner_id": organiser.id,
                     "due_on": date(2027, 7, 6)}])
    db.session.commit()
    # Reminder (the nearest one due) and the morning digest.
    assert queue_due_reminders(meeting.starts_at - timedelta(minutes=30), "test")["queued"] >= 1
    queue_morning_messages(morning, app.config)
    # Then the whole meeting is cancelled, with a reason that names the topic.
    meetings.cancel_meeting(organiser, NOW, meeting, reason="The SOGI working group asked us to wait (HIV)")
    db.session.commit()

    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    kinds = {row.kind for row in rows}
    assert {"invitation", "update", "cancellation", "reminder", "digest"} <= kinds, kinds
    removed_cancel = [r for r in rows if r.kind == "cancellation" and r.recipient == "jonas@example.org"]
    assert removed_cancel, "the removed attendee hears of it"
    late_invite = [r for r in rows if r.kind == "invitation" and r.recipient == "lena@example.org"]
    assert late_invite, "the added attendee is invited"
    for row in rows:
        where = f"{row.kind} to {row.recipient}"
        _assert_neutral(row.subject, f"{where} (stored subject)")
        _assert_neutral(_everything_said(row.raw), where)
        message = message_from_bytes(row.raw, policy=policy.default)
        if row.meeting_id == meeting.id:
            assert "Meeting with the Permanent Mission of Germany" in message["Subject"], where
            calendars = list(_calendars(message))
            assert calendars, where
            for ics in calendars:
                _check_calendar(ics, row.recipient.lower(), where)


def test_the_download_and_feed_of_a_restricted_meeting_are_neutral_and_private(app, world):
    ics = meeting_ics(world["meeting"], NOW, "engage@example.org")
    event = next(iter(Calendar.from_ical(ics).walk("VEVENT")))
    assert str(event["CLASS"]) == "PRIVATE"
    assert str(event["SUMMARY"]) == "Meeting with the Permanent Mission of Germany"
    _assert_neutral(ics.decode().replace("\r\n ", ""), "the .ics download")


def test_internal_meetings_use_the_title_for_invitations_and_keep_their_agenda(app, world, smtp_server):
    meeting = factories.make_meeting(organiser=world["organiser"], contacts=[world["diplomat"]],
                                     title="Germany: push on 142.15", description="Ask about the budget line",
                                     now=NOW)
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)).one()
    message = message_from_bytes(row.raw, policy=policy.default)
    assert "Meeting with the Permanent Mission of Germany" in message["Subject"]
    assert "push on" not in _everything_said(row.raw)
    assert "Ask about the budget line" in message.get_body(("plain",)).get_content()
    event = next(iter(Calendar.from_ical(next(_calendars(message))).walk("VEVENT")))
    assert str(event["CLASS"]) == "PUBLIC"


def test_a_new_title_for_invitations_is_sent_as_an_update(app, world):
    meeting = factories.make_meeting(organiser=world["organiser"], contacts=[world["diplomat"]], now=NOW)
    sequence = meeting.sequence
    meetings.update_meeting(world["organiser"], NOW, meeting, {"invitation_title": "Courtesy call"})
    db.session.commit()
    assert meeting.sequence == sequence + 1
    update = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "update")).one()
    assert update.subject.startswith("Updated invitation: Courtesy call")
    body = message_from_bytes(update.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "Title: was —, now Courtesy call" in body


def test_a_too_long_title_for_invitations_is_refused_by_name(app, world):
    from engage.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        meetings.update_meeting(world["organiser"], NOW, world["meeting"], {"invitation_title": "x" * 201})
    assert str(caught.value).startswith("invitation_title")


@pytest.mark.parametrize("names, ours, expected", [
    (["Permanent Mission of Germany"], "", "Meeting with the Permanent Mission of Germany"),
    (["Ministry of Health", "UNAIDS"], "", "Meeting with the Ministry of Health and UNAIDS"),
    (["A", "B", "C", "D"], "", "Meeting with A, B and 2 others"),
    (["A", "B", "C"], "", "Meeting with A, B and C"),
    ([], "KELIN", "Meeting with KELIN"),
    ([], "The organisation", "Meeting"),
    ([], "", "Meeting"),
])
def test_default_title_for_invitations(names, ours, expected):
    assert default_invitation_title(names, ours) == expected


def test_when_the_dpo_restricts_a_meeting_its_attendees_get_it_again_with_no_topic(app, world):
    from engage.access import services as access

    dpo = factories.make_user(email="dpo@example.org")
    dpo.is_dpo = True
    meeting = factories.make_meeting(organiser=world["organiser"], contacts=[world["diplomat"]],
                                     title=INTERNAL_TITLE, description=PURPOSE, now=NOW)
    access.set_sensitivity(dpo, NOW, meeting, "restricted")
    db.session.commit()
    update = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id,
                                                            OutboxMessage.kind == "update")).one()
    message = message_from_bytes(update.raw, policy=policy.default)
    subject = " ".join(str(message["Subject"]).split())
    assert subject.startswith("Updated invitation: Meeting with the Permanent Mission of Germany — ")
    _assert_neutral(_everything_said(update.raw), "the update after restricting")
    for ics in _calendars(message):
        _check_calendar(ics, "anna@example.org", "the update after restricting")
