"""Who may answer for whom, and which answer is the latest: through the API, the meeting-page upload
and `engage ingest-replies` alike (issue 15, calendar replies 1, 2 and 4)."""
import html
import io
import mailbox
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.invitations.ingest import ingest_replies
from engage.invitations.models import HeldReply
from tests import factories
from tests.invitations.test_ingest import NOW

KOFI, AMA = "kofi@example.org", "ama@example.org"
PATHS = ["api", "upload", "ingest"]


def reply_calendar(uid, attendee, partstat="ACCEPTED", stamp=NOW, sequence=0):
    answer = f";PARTSTAT={partstat}" if partstat else ""
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "METHOD:REPLY",
        "BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}", f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        "DTSTART:20261207T090000Z", "DTEND:20261207T100000Z",
        f"ATTENDEE;CUTYPE=INDIVIDUAL;CN=Someone{answer}:mailto:{attendee}",
        "ORGANIZER:mailto:engage@example.org", "END:VEVENT", "END:VCALENDAR", ""])


def reply_mail(uid, attendee, partstat="ACCEPTED", *, sender=None, stamp=NOW, sequence=0, auth=None) -> bytes:
    """A REPLY as a mail client sends it; `auth` is the receiving server's Authentication-Results."""
    message = EmailMessage()
    if auth:
        message["Authentication-Results"] = auth
    message["From"] = f"Someone <{sender or attendee}>"
    message["To"] = "engage@example.org"
    message["Subject"] = f"{partstat or 'Answer'}: meeting"
    message["Message-ID"] = f"<{partstat}.{stamp:%H%M%S}.{sequence}.{sender or attendee}.{auth and 'a'}@client.example>"
    message.set_content("Answer attached.")
    message.add_alternative(reply_calendar(uid, attendee, partstat, stamp, sequence).encode(), maintype="text",
                            subtype="calendar", params={"method": "REPLY"})
    return message.as_bytes()


@pytest.fixture
def meeting(app, lead_user):
    kofi = factories.make_contact(email=KOFI, full_name="Kofi Mensah")
    ama = factories.make_contact(email=AMA, full_name="Ama Owusu")
    return factories.make_meeting(organiser=lead_user, contacts=[kofi, ama], now=NOW)


def deliver(path, app, raw: bytes, tmp_path, lead_api=None, lead_client=None):
    """Send one email through one ingestion path; (status, text) of what the sender is told."""
    if path == "api":
        response = lead_api.client.post("/api/v1/replies", data=raw,
                                        headers={**lead_api._headers(), "Content-Type": "message/rfc822"})
        return response.status_code, response.get_data(as_text=True)
    if path == "upload":
        response = lead_client.post(f"/meetings/{_only_meeting().id}/replies",
                                    data={"file": (io.BytesIO(raw), "reply.eml")}, content_type="multipart/form-data")
        page = lead_client.get(f"/meetings/{_only_meeting().id}").get_data(as_text=True) \
            if response.status_code < 400 else response.get_data(as_text=True)
        return response.status_code, html.unescape(page)
    box_path = tmp_path / f"box{len(list(tmp_path.iterdir()))}.mbox"
    box = mailbox.mbox(box_path)
    box.add(raw)
    box.flush()
    report = ingest_replies(str(box_path), NOW)
    db.session.commit()
    return 200, report.summary() + "\n" + "\n".join(report.rejected + report.held + report.ignored)


def _only_meeting():
    from engage.meetings.models import Meeting

    return db.session.scalars(select(Meeting).execution_options(all_sensitivities=True)).one()


def answers(meeting):
    db.session.expire_all()
    return {a.email: a.response for a in meeting.attendees}


@pytest.mark.parametrize("path", PATHS)
def test_a_reply_from_one_attendee_naming_another_is_held_for_staff_not_applied(meeting, send, path, lead_client):
    status, said = send(path, reply_mail(meeting.uid, KOFI, "ACCEPTED", sender=AMA))
    assert status < 400, said
    assert answers(meeting) == {KOFI: "needs_action", AMA: "needs_action"}
    assert f"sent from {AMA}, not from {KOFI}" in said
    page = lead_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "needs confirmation" in page and "Kofi Mensah" in page and ">Confirm</button>" in page


@pytest.mark.parametrize("path", PATHS)
def test_the_attendees_own_address_in_any_case_is_applied(meeting, send, path):
    status, said = send(path, reply_mail(meeting.uid, KOFI.upper(), "DECLINED", sender="Kofi@Example.ORG"))
    assert status < 400, said
    assert answers(meeting)[KOFI] == "declined"
    assert not db.session.scalars(select(HeldReply)).all()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("verdict", ["dkim=fail (signature did not verify) header.d=example.org",
                                     "dkim=none; spf=softfail; DMARC=fail header.from=example.org"])
def test_a_dkim_or_dmarc_failure_seen_by_the_organiser_server_is_a_refusal(meeting, send, path, verdict):
    status, said = send(path, reply_mail(meeting.uid, KOFI, "ACCEPTED", auth=f"mx.example.org; {verdict}"))
    assert "failed the receiving server's check" in said
    assert status == (200 if path == "ingest" else 422)
    assert answers(meeting)[KOFI] == "needs_action"
    assert not db.session.scalars(select(HeldReply)).all()


@pytest.mark.parametrize("path", PATHS)
def test_with_equal_sequence_the_latest_dtstamp_wins_whatever_the_order_they_arrive(meeting, send, path):
    later, earlier = NOW + timedelta(hours=2), NOW + timedelta(hours=1)
    assert send(path, reply_mail(meeting.uid, KOFI, "DECLINED", stamp=later))[0] < 400
    status, said = send(path, reply_mail(meeting.uid, KOFI, "ACCEPTED", stamp=earlier))
    assert status < 400 and "an older answer" in said
    assert answers(meeting)[KOFI] == "declined"
    assert send(path, reply_mail(meeting.uid, KOFI, "TENTATIVE", stamp=later + timedelta(minutes=1)))[0] < 400
    assert answers(meeting)[KOFI] == "tentative"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("partstat", ["", "NEEDS-ACTION"])
def test_a_reply_without_an_answer_keeps_the_recorded_one(meeting, send, path, partstat):
    assert send(path, reply_mail(meeting.uid, KOFI, "ACCEPTED"))[0] < 400
    status, said = send(path, reply_mail(meeting.uid, KOFI, partstat, stamp=NOW + timedelta(hours=1)))
    assert status < 400 and f"no answer in it (PARTSTAT {partstat or 'missing'})" in said
    assert answers(meeting)[KOFI] == "accepted"


def test_an_rsvp_click_compares_by_when_it_was_made(app, meeting, client, time_machine):
    from engage.invitations.services import rsvp_links

    attendee = next(a for a in meeting.attendees if a.email == KOFI)
    accept = rsvp_links(meeting, attendee.id)["accept_url"].split("5000", 1)[-1].split("?")[0]
    time_machine.move_to(NOW + timedelta(hours=1))
    client.post(accept, data={"answer": "accepted"})
    assert answers(meeting)[KOFI] == "accepted"
    report = ingest_replies_of(app, meeting, reply_mail(meeting.uid, KOFI, "DECLINED", stamp=NOW))
    assert "an older answer" in " ".join(report.ignored)
    assert answers(meeting)[KOFI] == "accepted"
    ingest_replies_of(app, meeting, reply_mail(meeting.uid, KOFI, "DECLINED", stamp=NOW + timedelta(hours=2)))
    assert answers(meeting)[KOFI] == "declined"


def ingest_replies_of(app, meeting, raw, _n=[0]):
    import tempfile
    from pathlib import Path

    _n[0] += 1
    folder = Path(tempfile.mkdtemp())
    box = mailbox.mbox(folder / "in.mbox")
    box.add(raw)
    box.flush()
    report = ingest_replies(str(folder / "in.mbox"), NOW)
    db.session.commit()
    return report


def _held_id():
    return db.session.scalars(select(HeldReply.id)).one()


def test_staff_confirm_a_held_reply_and_may_trust_its_sender_for_next_time(meeting, send, lead_client):
    send("ingest", reply_mail(meeting.uid, KOFI, "ACCEPTED", sender="kofi.mensah@mission.example"))
    held = _held_id()
    response = lead_client.post(f"/meetings/{meeting.id}/held-replies/{held}/confirm",
                                data={"trust": "y"})
    assert response.status_code == 303
    assert answers(meeting)[KOFI] == "accepted"
    assert "Kofi Mensah: Accepted recorded." in lead_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    # That address is now known for Kofi: the next answer from it is applied directly.
    send("ingest", reply_mail(meeting.uid, KOFI, "DECLINED", sender="kofi.mensah@mission.example",
                              stamp=NOW + timedelta(hours=1)))
    assert answers(meeting)[KOFI] == "declined"
    assert not db.session.scalars(select(HeldReply)).all()


def test_staff_discard_a_held_reply_and_the_answer_stands(meeting, send, lead_client):
    send("ingest", reply_mail(meeting.uid, KOFI, "DECLINED", sender=AMA))
    response = lead_client.post(f"/meetings/{meeting.id}/held-replies/{_held_id()}/discard",
                                data={})
    assert response.status_code == 303
    assert answers(meeting)[KOFI] == "needs_action"
    assert not db.session.scalars(select(HeldReply)).all()


def test_held_reply_actions_need_the_right_to_change_the_meeting(app, meeting, staff_client):
    ingest_replies_of(app, meeting, reply_mail(meeting.uid, KOFI, "DECLINED", sender=AMA))
    held = _held_id()
    # A staff member who is not on the meeting sees the held answer but may not act on it.
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "needs confirmation" in page and ">Confirm</button>" not in page
    assert staff_client.post(f"/meetings/{meeting.id}/held-replies/{held}/confirm", data={}).status_code == 403
    assert answers(meeting)[KOFI] == "needs_action"
