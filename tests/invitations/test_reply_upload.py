"""Staff upload a reply a calendar client sent to someone's own mailbox: applied once, or refused with the reason."""
import io

import pytest

from engage.extensions import db
from tests import factories
from tests.invitations.test_ingest import NOW, reply_email, reply_ics


@pytest.fixture
def meeting(app):
    first = factories.make_contact(email="kofi@example.org", full_name="Kofi Mensah")
    second = factories.make_contact(email="ama@example.org")
    return factories.make_meeting(contacts=[first, second], now=NOW)


def _upload(client, meeting, data: bytes, name="reply.ics"):
    return client.post(f"/meetings/{meeting.id}/replies", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _response(meeting, email):
    db.session.expire_all()
    return next(a.response for a in meeting.attendees if a.email == email)


def test_the_meeting_page_offers_the_upload_and_a_forwarded_ics_records_the_answer(staff_client, meeting):
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'action="/meetings/{meeting.id}/replies"' in page and 'for="reply-file"' in page

    raw = reply_email(meeting.uid, "kofi@example.org", "DECLINED").as_bytes()
    response = _upload(staff_client, meeting, raw, "reply.eml")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/meetings/{meeting.id}#people")
    assert _response(meeting, "kofi@example.org") == "declined"
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "kofi@example.org: Declined recorded from the forwarded reply." in page


def test_a_forwarded_eml_is_read_too(staff_client, meeting):
    raw = reply_email(meeting.uid, "ama@example.org", "TENTATIVE").as_bytes()
    assert _upload(staff_client, meeting, raw, "Fwd reply.eml").status_code == 303
    assert _response(meeting, "ama@example.org") == "tentative"


@pytest.mark.parametrize("build, reason", [
    (lambda m: b"", "The file is empty."),
    (lambda m: b"hello, this is not a calendar", "File:"),
    (lambda m: reply_ics("someone-else@engage", "kofi@example.org"), "for another meeting"),
    (lambda m: reply_ics(m.uid, "stranger@example.org"), "stranger@example.org is not on the meeting"),
    (lambda m: reply_ics(m.uid, "kofi@example.org", "BOGUS"), "PARTSTAT &#39;BOGUS&#39; is not one of"),
])
def test_bad_uploads_are_refused_with_the_reason_and_change_nothing(staff_client, meeting, build, reason):
    response = _upload(staff_client, meeting, build(meeting))
    assert response.status_code in (400, 422)
    assert reason in response.get_data(as_text=True)
    assert {a.response for a in meeting.attendees} == {"needs_action"}


def test_a_stale_reply_is_refused_after_a_reschedule(staff_client, staff_user, meeting):
    from datetime import timedelta

    from engage.meetings import services as meeting_services

    meeting_services.reschedule_meeting(meeting.organiser, NOW, meeting, meeting.starts_at + timedelta(hours=1),
                                        meeting.ends_at + timedelta(hours=1))
    db.session.commit()
    response = _upload(staff_client, meeting, reply_ics(meeting.uid, "kofi@example.org", "ACCEPTED", sequence=0))
    assert response.status_code == 422 and "stale answer" in response.get_data(as_text=True)
    assert _response(meeting, "kofi@example.org") == "needs_action"


def test_an_oversized_file_is_refused(staff_client, meeting):
    response = _upload(staff_client, meeting, b"x" * (1024 * 1024 + 10))
    assert response.status_code == 422 and "larger than 1 MiB" in response.get_data(as_text=True)


def test_only_signed_in_staff_may_upload(client, meeting):
    response = _upload(client, meeting, reply_ics(meeting.uid, "kofi@example.org"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _response(meeting, "kofi@example.org") == "needs_action"


def test_an_unknown_meeting_is_404(staff_client, meeting):
    response = staff_client.post("/meetings/999999/replies", data={"file": (io.BytesIO(b"x"), "r.ics")},
                                 content_type="multipart/form-data")
    assert response.status_code == 404


def test_a_form_without_a_file_is_a_400_naming_it(staff_client, meeting):
    response = staff_client.post(f"/meetings/{meeting.id}/replies", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the .ics or .eml file." in response.get_data(as_text=True)


def test_a_french_speaking_user_uploads_and_is_answered_in_french(staff_client, staff_user, meeting):
    staff_user.language = "fr"
    db.session.commit()
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Téléversez la réponse transférée (.ics ou .eml)" in page and "Appliquer la réponse" in page
    raw = reply_email(meeting.uid, "kofi@example.org", "DECLINED").as_bytes()
    assert _upload(staff_client, meeting, raw, "reply.eml").status_code == 303
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "kofi@example.org : réponse « Refusée » enregistrée d’après la réponse transférée." in page
    refused = _upload(staff_client, meeting, b"")
    assert refused.status_code in (400, 422)
    page = refused.get_data(as_text=True)
    assert "La réponse transférée n’a pas été appliquée" in page and "Rien n’a été modifié sur" in page
