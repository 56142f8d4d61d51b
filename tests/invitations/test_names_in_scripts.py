"""Names in French, Spanish, Arabic, Chinese and Kiswahili reach recipients as typed: in the email's To
header (RFC 2047 encoded words, read back by Python's email parser from a real SMTP server), in the body,
and as the iCalendar ATTENDEE's CN (read back by icalendar and vobject)."""
from datetime import UTC, datetime
from email import message_from_bytes, policy

import vobject
from icalendar import Calendar

from engage.outbox.services import drain_outbox
from tests import factories
from tests.directory.test_names_in_scripts import NAMES

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def test_every_name_survives_the_header_the_body_and_the_calendar(app, smtp_server):
    mission = factories.make_organisation(name="Permanent Mission of Egypt", country="EG", kind="permanent_mission")
    contacts = {language: factories.make_contact(mission, full_name=name, email=f"{language}@mission.example",
                                                 language=language) for language, name in NAMES.items()}
    factories.make_meeting(contacts=list(contacts.values()), now=NOW, starts_at=datetime(2027, 7, 6, 8, 0, tzinfo=UTC))
    drain_outbox(NOW, {**app.config, **smtp_server.config()}, "test-worker")
    received = {m.rcpt_tos[0]: m for m in smtp_server.messages}
    assert len(received) == len(NAMES)
    for language, name in NAMES.items():
        raw = received[f"{language}@mission.example"].raw
        headers = raw.split(b"\r\n\r\n", 1)[0]
        assert headers.isascii()  # 7-bit on the wire: the name travels as encoded words
        message = message_from_bytes(raw, policy=policy.default)
        [to] = message["To"].addresses
        assert (to.display_name, to.addr_spec) == (name, f"{language}@mission.example")
        if not name.isascii():
            assert b"=?utf-8?" in headers.lower()
        body = message.get_body(("plain",)).get_content()
        assert name in body.splitlines()[0]  # "Dear …," / "Bonjour …," / "Estimado/a …:"
        ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
        [event] = Calendar.from_ical(ics).walk("VEVENT")
        assert event["ATTENDEE"].params["CN"] == name
        card = vobject.readOne(ics.decode("utf-8"))
        assert card.vevent.attendee.params["CN"] == [name]
