"""The admins' Outbox page: list, filters, one message as its recipient sees it, .eml, resend."""
import csv
import io
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest

from engage.extensions import db
from engage.outbox import services
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.outbox.mail import queue_simple

CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//engage//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
            "UID:abc@engage\r\nSEQUENCE:0\r\nDTSTART:20270706T080000Z\r\nDTEND:20270706T090000Z\r\n"
            "SUMMARY:Mkutano na Wizara ya Afya\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def invitation_bytes(recipient="amina@example.org"):
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "Engage <organiser@engage.test>"
    msg["To"] = f"Amina Wanjirũ <{recipient}>"
    msg["Subject"] = "Invitation: Mkutano na Wizara ya Afya — réunion"
    msg["Message-ID"] = "<inv-1@engage.test>"
    msg.set_content("Karibu. Tuesday 6 July 2027, 11:00 Nairobi.\n")
    msg.add_alternative('<p>Karibu <script>alert("x")</script><b>Amina</b></p>', subtype="html")
    msg.add_alternative(CALENDAR, subtype="calendar", params={"method": "REQUEST"})
    return msg.as_bytes()


def _queue_invitation(now, recipient="amina@example.org", **kwargs):
    raw = invitation_bytes(recipient)
    row = services.queue_message(now, "invitation", recipient, "Invitation: Mkutano na Wizara ya Afya — réunion",
                                 raw, f"inv:{recipient}", "<inv-1@engage.test>", **kwargs)
    db.session.commit()
    return row, raw


def test_the_outbox_lists_every_message_with_its_status_and_a_count(app, admin_client, now):
    queue_simple("ana@example.org", 1)
    failed = queue_simple("ben@example.org", 2, kind="reminder")
    db.session.commit()
    failed.status, failed.last_error = "failed", "refused: 550 5.1.1 User unknown"
    db.session.commit()
    page = admin_client.get("/admin/outbox/").get_data(as_text=True)
    assert "(2 messages)" in page
    assert "ana@example.org" in page and "ben@example.org" in page
    assert "Waiting to send" in page and "Failed" in page and "550 5.1.1 User unknown" in page
    assert "No mail server is configured" in page  # the testing config has no MAIL_SERVER
    # One line per message: its error, attempts and meeting open in place, with a link to the whole message.
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert len(rows) == 2 and all(r.count("<details>") == 1 and "<summary" in r for r in rows)
    ben = next(r for r in rows if "ben@example.org" in r)
    details = ben.split("<details>", 1)[1]
    assert "550 5.1.1 User unknown" in details and f'href="/admin/outbox/{failed.id}"' in details
    assert "550 5.1.1" not in ben.split("<details>", 1)[0]


def test_the_outbox_is_in_the_admin_navigation(app, admin_client):
    assert 'href="/admin/outbox/"' in admin_client.get("/").get_data(as_text=True)


def test_the_outbox_is_not_in_staff_navigation(app, staff_client):
    # (one client per test: the app context the fixture pushes keeps flask-login's user in g)
    assert 'href="/admin/outbox/"' not in staff_client.get("/").get_data(as_text=True)


def test_filters_by_status_kind_meeting_and_recipient(app, admin_client, now):
    from engage.meetings.models import Meeting

    organiser = factories.make_user()
    meeting = Meeting(title="Mission of Germany", starts_at=now + timedelta(days=3),
                      ends_at=now + timedelta(days=3, hours=1), timezone="Africa/Nairobi",
                      organiser_id=organiser.id, created_at=now, updated_at=now)
    db.session.add(meeting)
    db.session.flush()
    queue_simple("ana@example.org", 1, meeting_id=meeting.id)
    queue_simple("ben@example.org", 2, kind="reminder")
    sent = queue_simple("carla@example.org", 3)
    db.session.commit()
    sent.status = "sent"
    db.session.commit()

    def listed(query):
        page = admin_client.get(f"/admin/outbox/?{query}").get_data(as_text=True)
        return {r for r in ("ana@", "ben@", "carla@") if r in page}

    assert listed("status=sent") == {"carla@"}
    assert listed("kind=reminder") == {"ben@"}
    assert listed(f"meeting={meeting.id}") == {"ana@"}
    assert listed("recipient=BEN") == {"ben@"}
    assert "Mission of Germany" in admin_client.get(f"/admin/outbox/?meeting={meeting.id}").get_data(as_text=True)
    page = admin_client.get("/admin/outbox/?recipient=nobody").get_data(as_text=True)
    assert "No message matches these filters" in page


def test_bad_filters_are_named_beside_their_field_not_a_500(app, admin_client):
    response = admin_client.get("/admin/outbox/?status=lost&meeting=abc&kind=%00")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("invalid-feedback") >= 2
    assert "Not a valid choice" in page


def test_an_empty_outbox_says_what_fills_it(app, admin_client):
    page = admin_client.get("/admin/outbox/").get_data(as_text=True)
    assert "The outbox is empty" in page and "meeting is scheduled" in page


def test_the_list_is_paginated(app, admin_client, now):
    app.config["PER_PAGE"] = 5
    for i in range(12):
        queue_simple(f"person{i:02d}@example.org", i, now=now + timedelta(minutes=i))
    db.session.commit()
    first = admin_client.get("/admin/outbox/").get_data(as_text=True)
    third = admin_client.get("/admin/outbox/?page=3").get_data(as_text=True)
    assert "(12 messages)" in first and "person11@" in first and "person00@" not in first
    assert "person00@" in third and "person11@" not in third
    assert 'aria-label="Pages"' in first


def test_export_gives_the_filtered_list_as_csv(app, admin_client, now):
    queue_simple("ana@example.org", 1)
    queue_simple("ben@example.org", 2, kind="reminder")
    db.session.commit()
    response = admin_client.get("/admin/outbox/export.csv?kind=reminder")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["to"], r["kind"], r["status"]) for r in rows] == [("ben@example.org", "reminder", "pending")]
    assert rows[0]["created_at"] == "2026-11-28T09:00:00Z"


def test_one_message_shows_as_the_recipient_would_see_it(app, admin_client, now):
    row, _ = _queue_invitation(now)
    page = admin_client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Invitation: Mkutano na Wizara ya Afya — réunion" in page  # decoded header, accents intact
    assert "Amina Wanjirũ" in page
    assert "&lt;inv-1@engage.test&gt;" in page
    assert "Karibu. Tuesday 6 July 2027, 11:00 Nairobi." in page
    assert "text/calendar; method=REQUEST" in page
    assert "METHOD:REQUEST" in page and "SUMMARY:Mkutano na Wizara ya Afya" in page
    # The HTML part sits in a sandboxed frame, escaped: its script can never run in the admin's page.
    assert '<iframe title="HTML part of the message" sandbox' in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_the_eml_download_is_byte_identical_to_what_was_queued(app, admin_client, now):
    row, raw = _queue_invitation(now)
    response = admin_client.get(f"/admin/outbox/{row.id}.eml")
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == raw


def test_an_admin_resends_a_failed_message(app, admin_client, now):
    row, _ = _queue_invitation(now)
    row.status, row.attempts, row.last_error = "failed", 8, "gave up after 8 attempts"
    db.session.commit()
    page = admin_client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Send again" in page
    response = admin_client.post(f"/admin/outbox/{row.id}/resend", follow_redirects=True)
    assert "is queued again" in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, row.id)
    assert (stored.status, stored.attempts, stored.last_error) == ("pending", 0, None)


def test_a_sent_message_cannot_be_resent_from_the_page(app, admin_client, now):
    row, _ = _queue_invitation(now)
    row.status = "sent"
    db.session.commit()
    assert "Send again" not in admin_client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    response = admin_client.post(f"/admin/outbox/{row.id}/resend", follow_redirects=True)
    assert "Only a failed or not-sent message can be resent" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "sent"


def test_an_unknown_message_is_a_404(app, admin_client):
    assert admin_client.get("/admin/outbox/999").status_code == 404
    assert admin_client.get("/admin/outbox/999.eml").status_code == 404
    assert admin_client.post("/admin/outbox/999/resend").status_code == 404


@pytest.mark.parametrize("who", ["staff_client", "lead_client"])
def test_staff_and_leads_may_not_see_the_outbox(app, now, request, who):
    client = request.getfixturevalue(who)
    row, _ = _queue_invitation(now)
    row.status = "failed"
    db.session.commit()
    for method, url in [("GET", "/admin/outbox/"), ("GET", f"/admin/outbox/{row.id}"),
                        ("GET", f"/admin/outbox/{row.id}.eml"), ("GET", "/admin/outbox/export.csv"),
                        ("POST", f"/admin/outbox/{row.id}/resend")]:
        assert client.open(url, method=method).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "failed"


def test_a_french_speaking_admin_reads_the_outbox_in_french(app, admin_client, admin_user, now):
    queue_simple("ana@example.org", 1)
    row, _ = _queue_invitation(now)
    row.status, row.last_error = "failed", "refused: 550 5.1.1 User unknown"
    admin_user.language = "fr"
    db.session.commit()
    page = admin_client.get("/admin/outbox/").get_data(as_text=True)
    assert "Boîte d’envoi" in page and "(2 messages)" in page and "En attente d’envoi" in page and "Échec" in page
    assert "Tout statut" in page and "Le destinataire contient" in page and "Ouvrir le message" in page
    assert "Invitation: Mkutano na Wizara ya Afya — réunion" in page  # the subject as it was sent
    assert "550 5.1.1 User unknown" in page and "Waiting to send" not in page
    one = admin_client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Renvoyer" in one and "Télécharger le .eml" in one and "En-têtes" in one and "Texte brut" in one
    resent = admin_client.post(f"/admin/outbox/{row.id}/resend", follow_redirects=True).get_data(as_text=True)
    assert "est de nouveau en file d’attente" in resent


def test_an_english_speaking_admin_still_reads_the_outbox_in_english(app, admin_client, now):
    queue_simple("ana@example.org", 1)
    db.session.commit()
    page = admin_client.get("/admin/outbox/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Outbox" in page and "Waiting to send" in page and "Any status" in page
    assert "Boîte d’envoi" not in page
