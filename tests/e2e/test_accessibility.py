"""The ten most used pages and every page a recipient sees, through PageChecks.check at 1366 and 390 px:
axe-core finds no serious or critical violation, and no page is wider than a phone, a contact's and an
organisation's 200-character unbroken names included. One app, one browser, one sign-in."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from engage.clock import GENEVA, now_utc
from engage.extensions import db
from tests.e2e.helpers import assert_accessible, sign_in_by_keyboard

pytestmark = pytest.mark.e2e

# 200 characters without a space or hyphen: the longest name the directory takes, and nowhere to wrap.
LONG_PERSON = ("Hubert" + "Wolfeschlegelsteinhausenbergerdorff" * 6)[:200]
LONG_ORGANISATION = ("Mission" + "Llanfairpwllgwyngyllgogerychwyrndrobwll" * 6)[:200]


@pytest.fixture
def seeded(live):
    """An organisation and a contact with the longest unbroken names, on a meeting a week ahead
    organised by the lead with a demo contact; an answer link for the long-named contact, and one expired."""
    from sqlalchemy import select

    from engage.asks.models import Ask
    from engage.auth.models import User
    from engage.directory.models import Contact
    from engage.directory.services import create_contact, create_organisation
    from engage.invitations.rsvp import make_rsvp_token
    from engage.meetings.services import schedule_meeting

    def work():
        now = now_utc()
        org = create_organisation(None, now, {"name": LONG_ORGANISATION, "kind": "embassy", "country": "DE",
                                              "city": "Geneva"})
        person = create_contact(None, now, {"full_name": LONG_PERSON, "email": "long.name@example.org",
                                            "organisation_id": org.id, "position": "Counsellor"})
        other = db.session.scalars(select(Contact).where(Contact.full_name == "Aroha Ngata")).one()
        lead = db.session.get(User, live.users["lead"][1])
        starts_at = (now + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
        meeting = schedule_meeting(lead, now, {
            "title": "Pre-session meeting: health recommendations", "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1), "timezone": GENEVA, "location": "Palais des Nations, Geneva",
            "organiser_id": lead.id, "staff_ids": [lead.id], "notify": False,
            "attendees": [{"contact_id": c.id, "role": "required"} for c in (person, other)]}).meeting
        attendee = next(a for a in meeting.attendees if a.contact_id == person.id)
        key = live.app.config["SECRET_KEY"]
        fgm_ask = db.session.scalars(select(Ask).where(Ask.cycle == 1).order_by(Ask.id)).first()
        return {"meeting": meeting.id, "contact": person.id, "organisation": org.id, "fgm_ask": fgm_ask.id,
                "rsvp": make_rsvp_token(key, meeting.id, attendee.id, meeting.uid, meeting.ends_at),
                "expired": make_rsvp_token(key, meeting.id, attendee.id, meeting.uid, now - timedelta(days=1))}

    return live.run(work)


def test_most_used_and_recipient_pages_pass_axe_at_both_widths(live, open_page, seeded):
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "lead", checks)
    checks.check("start")
    for name, path, shows in [
        ("meetings", "/meetings/", None),
        ("meeting", f"/meetings/{seeded['meeting']}", LONG_PERSON),
        ("meeting-form", "/meetings/new", None),
        ("contacts", "/directory/contacts?q=HubertWolfe", LONG_PERSON),
        ("contact", f"/directory/contacts/{seeded['contact']}", LONG_ORGANISATION),
        ("organisations", "/directory/organisations?q=MissionLlanfair", LONG_ORGANISATION),
        ("organisation", f"/directory/organisations/{seeded['organisation']}", LONG_PERSON),
        ("engagement-log", "/outcomes/", None),
        ("coverage", "/reports/coverage", None),
        ("recommendations", "/recommendations/", None),
        ("ask-matches", "/asks/matches?cycle=1", "to decide"),
        ("ask-with-suggestions", f"/asks/{seeded['fgm_ask']}", "Taken up in full"),
    ]:
        page.goto(live.url + path)
        if shows:
            expect(page.locator("main")).to_contain_text(shows)
        checks.check(name)

    # The recipient, in a browser that never signed in: the invitation, the answer recorded, a stale link.
    guest, guest_checks = open_page()
    guest.goto(f"{live.url}/rsvp/{seeded['rsvp']}")
    expect(guest.locator("main")).to_contain_text(f"Invitation for {LONG_PERSON}")
    guest_checks.check("rsvp")
    guest.get_by_role("button", name="Maybe", exact=True).click()
    expect(guest.get_by_role("alert")).to_contain_text(re.compile("your answer is recorded"))
    guest_checks.check("rsvp-answered")
    guest.goto(f"{live.url}/rsvp/{seeded['expired']}")
    expect(guest.locator("h1")).to_have_text("This answer link cannot be used")
    guest_checks.check("rsvp-expired-link")

    # The check itself is live: a button with no name (a critical violation) fails it, named.
    guest.evaluate("() => document.querySelector('main').append(document.createElement('button'))")
    with pytest.raises(AssertionError, match=r"(?s)rsvp-expired-link .* fails axe-core.*critical button-name.*<button></button>"):
        assert_accessible(guest, "rsvp-expired-link")
