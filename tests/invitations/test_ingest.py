"""Calendar replies from the organiser mailbox (mbox, Maildir), the API and the CLI."""
import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.invitations.ingest import ingest_replies
from engage.invitations.models import ProcessedReply
from tests import factories

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def reply_ics(uid, email, partstat="ACCEPTED", sequence=0):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
             "METHOD:REPLY", "BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}",
             "DTSTAMP:20261128T090000Z", "DTSTART:20261207T090000Z",
             f"ATTENDEE;PARTSTAT={partstat};CN=Someone:mailto:{email}",
             "ORGANIZER:mailto:engage@example.org", "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def reply_email(uid, email, partstat="ACCEPTED", message_id=None):
    message = EmailMessage()
    message["From"] = email
    message["To"] = "engage@example.org"
    message["Subject"] = f"{partstat.title()}: meeting"
    message["Message-ID"] = message_id or f"<{partstat}.{email}@client.example.org>"
    message.set_content("Answer attached.")
    message.add_alternative(reply_ics(uid, email, partstat), maintype="text", subtype="calendar",
                            params={"method": "REPLY"})
    return message


def plain_email():
    message = EmailMessage()
    message["From"] = "newsletter@example.org"
    message["To"] = "engage@example.org"
    message["Subject"] = "Weekly news"
    message["Message-ID"] = "<news@example.org>"
    message.set_content("Nothing to do with meetings.")
    return message


@pytest.fixture
def meeting(app):
    first = factories.make_contact(email="kofi@example.org")
    second = factories.make_contact(email="ama@example.org")
    return factories.make_meeting(contacts=[first, second], now=NOW)


def _responses(meeting):
    db.session.expire_all()
    return {a.email: a.response for a in meeting.attendees}


def test_mbox_replies_are_applied_once_and_other_mail_is_left_alone(meeting, tmp_path):
    path = tmp_path / "replies.mbox"
    box = mailbox.mbox(path)
    box.add(reply_email(meeting.uid, "kofi@example.org", "ACCEPTED"))
    box.add(plain_email())
    box.add(reply_email(meeting.uid, "ama@example.org", "DECLINED"))
    box.flush()
    before = path.read_bytes()
    report = ingest_replies(str(path), NOW)
    db.session.commit()
    assert report.applied == 2 and report.skipped == 1 and not report.rejected
    assert _responses(meeting) == {"kofi@example.org": "accepted", "ama@example.org": "declined"}
    assert path.read_bytes() == before  # nothing moved, deleted or marked
    # A second pass changes nothing, even if someone answered differently on the page meanwhile.
    meeting.attendees[0].response = "tentative"
    db.session.commit()
    again = ingest_replies(str(path), NOW)
    db.session.commit()
    assert again.already_seen == 3 and again.applied == 0
    assert _responses(meeting)["kofi@example.org"] == "tentative"


def test_maildir_with_a_reply_for_an_unknown_meeting_is_rejected_with_a_reason(meeting, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(reply_email("unknown@elsewhere", "kofi@example.org"))
    box.add(reply_email(meeting.uid, "stranger@example.org", message_id="<s@example.org>"))
    report = ingest_replies(str(tmp_path / "Maildir"), NOW)
    db.session.commit()
    assert report.applied == 0
    assert any("unknown meeting UID" in r for r in report.rejected)
    assert any("not on the meeting" in r for r in report.rejected)
    assert set(_responses(meeting).values()) == {"needs_action"}
    rows = db.session.scalars(select(ProcessedReply)).all()
    assert {r.result for r in rows} == {"rejected"}


def test_cli_ingest_replies(meeting, tmp_path, runner):
    path = tmp_path / "replies.mbox"
    box = mailbox.mbox(path)
    box.add(reply_email(meeting.uid, "ama@example.org", "TENTATIVE"))
    box.flush()
    result = runner.invoke(args=["engage", "ingest-replies", "--source", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 answer(s) applied" in result.output
    assert _responses(meeting)["ama@example.org"] == "tentative"
    result = runner.invoke(args=["engage", "ingest-replies", "--source", str(tmp_path / "missing")])
    assert result.exit_code == 1


def test_api_reply_updates_the_answer(meeting, staff_api):
    response = staff_api.client.post("/api/v1/replies",
                                     data=reply_email(meeting.uid, "kofi@example.org", "DECLINED").as_bytes(),
                                     headers={"Authorization": f"Bearer {staff_api.token}",
                                              "Content-Type": "message/rfc822"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["replies"] == [{"uid": meeting.uid, "attendee_email": "kofi@example.org",
                                               "response": "declined", "outcome": "applied", "reason": ""}]
    assert _responses(meeting)["kofi@example.org"] == "declined"


def test_an_api_calendar_body_has_no_sender_so_it_waits_for_staff(meeting, staff_api):
    response = staff_api.client.post("/api/v1/replies", data=reply_ics(meeting.uid, "kofi@example.org", "DECLINED"),
                                     headers={"Authorization": f"Bearer {staff_api.token}",
                                              "Content-Type": "text/calendar"})
    assert response.status_code == 200, response.get_json()
    [reply] = response.get_json()["replies"]
    assert reply["outcome"] == "held" and "no sender to check" in reply["reason"]
    assert _responses(meeting)["kofi@example.org"] == "needs_action"


@pytest.mark.parametrize("body, reason", [
    (lambda m: reply_ics("nope@x", "kofi@example.org"), "unknown meeting UID"),
    (lambda m: reply_ics(m.uid, "who@example.org"), "not on the meeting"),
    (lambda m: reply_ics(m.uid, "kofi@example.org").replace(b"METHOD:REPLY", b"METHOD:REQUEST"), "REPLY"),
    (lambda m: b"not a calendar at all", ""),
])
def test_api_reply_refusals_are_422_and_change_nothing(meeting, staff_api, body, reason):
    response = staff_api.client.post("/api/v1/replies", data=body(meeting),
                                     headers={"Authorization": f"Bearer {staff_api.token}",
                                              "Content-Type": "text/calendar"})
    assert response.status_code == 422
    assert reason in response.get_json()["error"]["message"] + " ".join(response.get_json()["error"]["fields"].get("body", []))
    assert set(_responses(meeting).values()) == {"needs_action"}


def test_api_stale_reply_is_refused(meeting, staff_api):
    from engage.meetings import services as meetings
    from datetime import timedelta
    meetings.update_meeting(meeting.organiser, NOW, meeting, {"starts_at": meeting.starts_at + timedelta(hours=1),
                                                              "ends_at": meeting.ends_at + timedelta(hours=1)})
    db.session.commit()
    response = staff_api.client.post("/api/v1/replies", data=reply_ics(meeting.uid, "kofi@example.org", sequence=0),
                                     headers={"Authorization": f"Bearer {staff_api.token}",
                                              "Content-Type": "text/calendar"})
    assert response.status_code == 422
    assert "stale" in response.get_json()["error"]["message"]
