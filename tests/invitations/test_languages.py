"""Recipients read their invitations, updates, cancellations, reminders and answer pages in their
contact's language (French, Spanish; anything else in English), read back as they arrive: through a
real SMTP server, parsed by Python's email package, the calendar part by ical.js and vobject."""
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from icalendar import Calendar

from engage.extensions import db
from engage.invitations.services import rsvp_links
from engage.meetings import services as meeting_services
from engage.organisation.services import save_settings
from engage.outbox.services import drain_outbox
from engage.reminders.services import render_reminder
from engage.reminders.models import Reminder
from tests import factories
from tests.ical_readers import READERS

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2027, 7, 6, 8, 0, tzinfo=UTC)  # 10:00 in Geneva (CEST), 11:00 in Nairobi (EAT)
ORG = "Kenya Health Rights Coalition"
STAFF_TITLE = "SOGI briefing before the pre-session"

EXPECTED = {
    "fr": {
        "when": "mardi 6 juillet 2027, 10:00 heure de Genève (CEST) · 11:00 heure de Nairobi (EAT)",
        "title": "Réunion avec la Mission permanente de l’Allemagne",
        "subject": "Invitation : Réunion avec la Mission permanente de l’Allemagne — "
                   "mardi 6 juillet 2027, 10:00 heure de Genève (CEST)",
        "dear": "Bonjour Amélie Dupont-Lefèvre,",
        "invites": f"Achieng Odhiambo, de {ORG}, souhaite vous inviter à une réunion.",
        "text_words": ["Quand :", "Durée :    1 heure", "Accepter :", "Avec nos meilleures salutations,"],
        "html_words": ['<html lang="fr">', "Accepter</a>"],
        "description": "Quand : mardi 6 juillet 2027, 10:00–11:00 heure de Genève (CEST)",
        "page": ["Confirmez votre réponse", "Confirmer : Accepter", "Proposer un autre horaire",
                 "Les heures sont à l’heure de Genève."],
        "thanks": "Merci — votre réponse est enregistrée : Accepté.",
        "reminder": "Rappel : Réunion avec la Mission permanente de l’Allemagne",
        "reminder_line": "Rappel de la réunion, dans 5 jours.",
        "cancelled": "Annulée : Réunion avec la Mission permanente de l’Allemagne",
        "updated": "Horaire : auparavant mardi 6 juillet 2027, 10:00 heure de Genève (CEST)",
    },
    "es": {
        "when": "martes, 6 de julio de 2027, 10:00 hora de Ginebra (CEST) · 11:00 hora de Nairobi (EAT)",
        "title": "Reunión con la Misión Permanente de Alemania",
        "subject": "Invitación: Reunión con la Misión Permanente de Alemania — "
                   "martes, 6 de julio de 2027, 10:00 hora de Ginebra (CEST)",
        "dear": "Estimado/a Amélie Dupont-Lefèvre:",
        "invites": f"Achieng Odhiambo, de {ORG}, desea invitarle a una reunión.",
        "text_words": ["Cuándo:", "Duración:  1 hora", "Aceptar:", "Atentamente,"],
        "html_words": ['<html lang="es">', "Aceptar</a>"],
        "description": "Cuándo: martes, 6 de julio de 2027, 10:00–11:00 hora de Ginebra (CEST)",
        "page": ["Confirme su respuesta", "Confirmar: Aceptar", "Proponer otra hora",
                 "Las horas son en hora de Ginebra."],
        "thanks": "Gracias — su respuesta ha quedado registrada: Aceptada.",
        "reminder": "Recordatorio: Reunión con la Misión Permanente de Alemania",
        "reminder_line": "Le recordamos la reunión, dentro de 5 días.",
        "cancelled": "Cancelada: Reunión con la Misión Permanente de Alemania",
        "updated": "Hora: antes martes, 6 de julio de 2027, 10:00 hora de Ginebra (CEST)",
    },
}


def _meeting(language, **values):
    save_settings(None, NOW, {"name": ORG, "reply_to": "upr@khrc.example"})
    organiser = factories.make_user(email="achieng@example.org", full_name="Achieng Odhiambo")
    mission = factories.make_organisation(name="Permanent Mission of Germany", country="DE", kind="permanent_mission",
                                          city="Geneva")
    contact = factories.make_contact(mission, email="amelie@example.org", full_name="Amélie Dupont-Lefèvre",
                                     language=language, timezone="Europe/Zurich")
    return factories.make_meeting(organiser=organiser, contacts=[contact], now=NOW, starts_at=STARTS, title=STAFF_TITLE,
                                  **values)


def _delivered(app, smtp_server):
    drain_outbox(NOW, {**app.config, **smtp_server.config()}, "test-worker")
    messages = [message_from_bytes(m.raw, policy=policy.default) for m in smtp_server.messages]
    smtp_server.messages.clear()
    return messages


def _parts(message):
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    return text, html, ics


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_an_invitation_arrives_in_the_contacts_language_in_every_part_at_the_right_instant(
        app, smtp_server, language):
    words = EXPECTED[language]
    meeting = _meeting(language)
    [message] = _delivered(app, smtp_server)
    assert str(message["Subject"]) == words["subject"]
    text, html, ics = _parts(message)
    assert text.startswith(words["dear"] + "\n\n" + words["invites"])
    assert words["when"] in text and words["when"] in html
    for word in words["text_words"]:
        assert word in text
    for word in words["html_words"]:
        assert word in html
    assert STAFF_TITLE not in text + html and "Dear" not in text and "Accept:" not in text
    # The calendar part: the title and description in the same language, said so with LANGUAGE=.
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["SUMMARY"]) == words["title"]
    assert event["SUMMARY"].params["LANGUAGE"] == language
    assert event["DESCRIPTION"].params["LANGUAGE"] == language
    assert str(event["DESCRIPTION"]).startswith(words["description"])
    assert STAFF_TITLE.encode() not in ics
    # Two independent readers find the meeting at its instant.
    for read in READERS.values():
        [seen] = read(ics)
        assert (seen["uid"], seen["start_utc"], seen["end_utc"]) == (meeting.uid, STARTS, STARTS + timedelta(hours=1))
        assert seen["method"] == "REQUEST"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_answer_page_and_its_confirmation_answer_in_the_contacts_language(app, language):
    words = EXPECTED[language]
    meeting = _meeting(language)
    link = _path(rsvp_links(meeting, meeting.attendees[0].id)["accept_url"])
    client = app.test_client()
    with time_machine.travel(NOW, tick=False):
        page = client.get(link).get_data(as_text=True)
        assert f'<html lang="{language}">' in page
        assert words["title"] in page and words["when"] in page
        for word in words["page"]:
            assert word in page
        assert STAFF_TITLE not in page
        answered = client.post(_path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"]),
                               data={"answer": "accepted"}, follow_redirects=True)
    assert answered.status_code == 200
    assert words["thanks"] in answered.get_data(as_text=True)
    assert meeting.attendees[0].response == "accepted"
    # "Add to calendar" gives the same title, in the same language.
    with time_machine.travel(NOW, tick=False):
        ics = client.get(_path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"]) + "/invitation.ics").data
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert (str(event["SUMMARY"]), event["SUMMARY"].params["LANGUAGE"]) == (words["title"], language)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_updates_cancellations_and_reminders_are_in_the_contacts_language_too(app, smtp_server, language):
    words = EXPECTED[language]
    meeting = _meeting(language)
    _delivered(app, smtp_server)
    lead = factories.make_user(role="admin")
    meeting_services.update_meeting(lead, NOW, meeting, {"starts_at": STARTS + timedelta(hours=1),
                                                         "ends_at": STARTS + timedelta(hours=2)})
    db.session.commit()
    [update] = _delivered(app, smtp_server)
    text, html, ics = _parts(update)
    assert words["updated"] in text and words["updated"] in html
    for read in READERS.values():
        assert read(ics)[0]["start_utc"] == STARTS + timedelta(hours=1)
    # A reminder five days before, rendered as the scheduler renders it.
    reminder = db.session.scalars(db.select(Reminder).where(Reminder.meeting_id == meeting.id)).first()
    rendered = render_reminder(reminder, STARTS + timedelta(hours=1) - timedelta(days=5))
    raw = message_from_bytes(rendered.outbox.raw, policy=policy.default)
    assert str(raw["Subject"]).startswith(words["reminder"])
    assert words["reminder_line"] in _parts(raw)[0]
    meeting_services.cancel_meeting(lead, NOW, meeting)
    db.session.commit()
    [cancellation] = _delivered(app, smtp_server)
    assert str(cancellation["Subject"]).startswith(words["cancelled"])
    text, html, ics = _parts(cancellation)
    assert "CANCEL" == Calendar.from_ical(ics)["METHOD"]
    for read in READERS.values():
        assert read(ics)[0]["status"] == "CANCELLED"


def test_a_regional_tag_reads_its_language(app, smtp_server):
    _meeting("fr-CH")
    [message] = _delivered(app, smtp_server)
    assert str(message["Subject"]) == EXPECTED["fr"]["subject"]


def test_kiswahili_without_wording_falls_back_to_english_without_error(app, smtp_server):
    meeting = _meeting("sw")
    [message] = _delivered(app, smtp_server)
    text, html, ics = _parts(message)
    assert str(message["Subject"]).startswith("Invitation: Meeting with the Permanent Mission of Germany — "
                                              "Tue 6 Jul 2027, 10:00 Geneva (CEST)")
    assert text.startswith("Dear Amélie Dupont-Lefèvre,") and '<html lang="en">' in html
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert "LANGUAGE" not in event["SUMMARY"].params  # English, as every calendar assumes
    link = _path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"])
    with time_machine.travel(NOW, tick=False):
        page = app.test_client().get(link)
    assert page.status_code == 200 and "Suggest another time" in page.get_data(as_text=True)


def test_a_title_staff_wrote_in_kiswahili_or_french_reaches_those_readers(app, smtp_server):
    meeting = _meeting("sw", invitation_titles={"sw": "Mkutano na Ujumbe wa Kudumu wa Ujerumani",
                                                "fr": "Entretien avec la Mission d’Allemagne"})
    [message] = _delivered(app, smtp_server)
    text, _html, ics = _parts(message)
    assert "Mkutano na Ujumbe wa Kudumu wa Ujerumani" in str(message["Subject"])
    assert text.startswith("Dear ")  # the body stays English: engage has no Kiswahili catalogue
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert (str(event["SUMMARY"]), event["SUMMARY"].params["LANGUAGE"]) == \
        ("Mkutano na Ujumbe wa Kudumu wa Ujerumani", "sw")
    assert "LANGUAGE" not in event["DESCRIPTION"].params
    assert meeting.title_for_invitations_in("fr-BE") == "Entretien avec la Mission d’Allemagne"
    assert meeting.title_for_invitations_in("es") == EXPECTED["es"]["title"]
    assert meeting.title_for_invitations_in("en") == "Meeting with the Permanent Mission of Germany"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_restricted_meeting_shows_only_its_invitation_title_in_every_language(app, smtp_server, language):
    from engage.access import services as access

    meeting = _meeting(language, description="Discuss SOGI recommendations")
    _delivered(app, smtp_server)
    access.set_sensitivity(factories.make_dpo(), NOW, meeting, "restricted")
    db.session.commit()
    messages = _delivered(app, smtp_server)
    assert messages, "the restricted meeting is sent again, neutral"
    for message in messages:
        text, html, ics = _parts(message)
        for part in (text, html, ics.decode()):
            assert "SOGI" not in part and STAFF_TITLE not in part
        [event] = Calendar.from_ical(ics).walk("VEVENT")
        assert str(event["SUMMARY"]) == EXPECTED[language]["title"]


def test_a_link_that_cannot_be_read_is_answered_in_the_browsers_language(app):
    page = app.test_client().get("/rsvp/not-a-token", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert '<html lang="es">' in body and "Este enlace de respuesta no se puede usar" in body


def test_a_mistake_on_the_answer_page_is_explained_in_the_contacts_language(app):
    meeting = _meeting("fr")
    page = _path(rsvp_links(meeting, meeting.attendees[0].id)["answer_page_url"])
    with time_machine.travel(NOW, tick=False):
        refused = app.test_client().post(page + "/another-time", data={"date": "6 juillet", "time": ""})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Indiquez la date sous la forme AAAA-MM-JJ, par exemple 2027-07-06." in body
    assert "Choisissez une heure." in body


def test_a_restricted_meetings_own_title_is_what_every_language_reads_until_staff_translate_it(app, smtp_server):
    from engage.access import services as access

    # Staff wrote an invitation title so that no recipient reads whom the coalition is meeting; the
    # translated default ("Entretien avec la Mission d'Allemagne") would name them all the same.
    meeting = _meeting("fr", invitation_title="Courtesy call")
    access.set_sensitivity(factories.make_dpo(), NOW, meeting, "restricted")
    db.session.commit()
    assert meeting.title_for_invitations_in("fr") == "Courtesy call"
    messages = _delivered(app, smtp_server)
    assert messages
    for message in messages:
        text, html, ics = _parts(message)
        assert "Allemagne" not in message["Subject"] and "Courtesy call" in message["Subject"]
        [event] = Calendar.from_ical(ics).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Courtesy call" and "LANGUAGE" not in event["SUMMARY"].params
    meeting.invitation_titles = {"fr": "Visite de courtoisie"}
    assert meeting.title_for_invitations_in("fr") == "Visite de courtoisie"
