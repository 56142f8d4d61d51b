"""The three journeys, driven in Chromium against the real app and a real SMTP server, each once with
English-speaking staff and once with French-speaking staff (their pages in French; the recipients keep
their own language). Screenshots of both are kept in test-artifacts/e2e (the French ones' names hold "fr").

1. Staff books a meeting from the planning view (10:00 Geneva in summer is 11:00 Nairobi).
2. A recipient answers from the link in their invitation; staff reschedule and the update arrives.
3. Staff log an outcome; a lead filters the log, opens coverage, downloads the XLSX, sees the overdue follow-up.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from engage.clock import GENEVA, NAIROBI, now_utc
from engage.extensions import db
from engage.i18n import translator
from tests.e2e.helpers import DESKTOP, PHONE, assert_in_language, ics_of, sign_in_by_keyboard, text_of

pytestmark = pytest.mark.e2e


def summer_day() -> date:
    """The first Tuesday of next year's July: Geneva is on summer time (CEST, UTC+2), Nairobi on EAT (UTC+3)."""
    day = date(now_utc().year + 1, 7, 1)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _utc(day: date, hour: int) -> datetime:
    """`hour`:00 UTC on `day`."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def _org(name):
    from sqlalchemy import select

    from engage.directory.models import Organisation
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _nz_recommendations(now) -> list:
    """Two health recommendations by New Zealand (invented for the tests), for the planning view and agendas."""
    from engage.upr.services import create_recommendation
    return [create_recommendation(None, now, {"cycle": 1, "reference": reference, "recommending_state": "NZ",
                                              "response": "supported", "text": f"{text} (test data).",
                                              "themes": ["Right to health"]})
            for reference, text in (("101.150", "Ensure access to HIV prevention and treatment for key populations"),
                                    ("101.151", "Remove user fees for maternal health services"))]


def _user(live, role):
    from engage.auth.models import User
    return db.session.get(User, live.users[role][1])


# ---- the staff's language ----

@pytest.fixture(params=["en", "fr"])
def language(request, live):
    """The language the staff chose for their pages: each journey runs in English, then in French."""
    def choose():
        for role in live.users:
            _user(live, role).language = request.param
    live.run(choose)
    return request.param


@pytest.fixture
def w(language):
    """The words of the staff's pages in their language: `w("Book the meeting")` (the catalogue's)."""
    return translator(language).gettext


@pytest.fixture
def open_staff_page(open_page, language):
    """A page in a browser that asks for the staff's language, as theirs would; in French, each page
    checked is also checked to be wholly French (no sentence of the catalogue left in English)."""
    def make():
        page, checks = open_page(locale="fr-FR" if language == "fr" else "en-GB")
        if language != "en":
            check = checks.check

            def check_in_language(name: str, phone: bool = True) -> None:
                check(name, phone)
                assert_in_language(page, language, name)
            checks.check = check_in_language
        return page, checks
    return make


def in_zone(w, times: str, city: str, abbreviation: str) -> str:
    """'10:00–11:00 Geneva (CEST)', '10:00–11:00 heure de Genève (CEST)'."""
    return w("%(time)s %(city)s (%(abbreviation)s)", time=times, city=w(city), abbreviation=abbreviation)


# ---- Journey 1 ----

@pytest.fixture
def geneva_mission(live):
    """New Zealand's Geneva mission with a second contact, two health recommendations by New Zealand, and a
    meeting already in the staff member's diary at the time they will pick (so the booking clashes)."""
    from engage.directory.services import create_contact
    from engage.meetings.services import schedule_meeting

    def work():
        now = now_utc()
        mission = _org("Permanent Mission of New Zealand, Geneva")
        create_contact(None, now, {"full_name": "Hannah Reid", "email": "hannah.reid@example.org",
                                   "organisation_id": mission.id, "position": "First Secretary, Global Health"})
        _nz_recommendations(now)
        staff = _user(live, "staff")
        busy = _utc(summer_day(), 8) + timedelta(minutes=30)
        schedule_meeting(staff, now, {"title": "Coalition strategy call", "starts_at": busy,
                                      "ends_at": busy + timedelta(hours=1), "timezone": NAIROBI,
                                      "location": "Online", "online_url": "https://meet.example.org/coalition",
                                      "organiser_id": staff.id, "staff_ids": [staff.id], "attendees": [],
                                      "notify": False})
        return {"contacts": [(c.full_name, c.email) for c in mission.contacts]}

    data = live.run(work)
    assert len(data["contacts"]) == 2
    assert live.mail.deliver() == []  # nothing was meant to go out yet
    return data


def test_staff_books_a_meeting(live, open_staff_page, w, language, geneva_mission):
    page, checks = open_staff_page()
    sign_in_by_keyboard(page, live, "staff", checks)
    checks.check("home")

    # At a phone's width the menu folds away behind a button that opens it.
    page.set_viewport_size(PHONE)
    recommendations = page.locator("#topnav").get_by_role("link", name=w("Recommendations"))
    expect(recommendations).to_be_hidden()
    page.get_by_role("button", name=w("Show navigation")).click()
    recommendations.click()
    page.wait_for_url(re.compile(r"/recommendations/$"))
    page.set_viewport_size(DESKTOP)
    checks.check("recommendations")

    # The planning view, the Health group, and New Zealand's row: not engaged yet.
    page.get_by_role("link", name=w("Plan which missions to meet")).click()
    checks.check("plan")
    # The quick pick's link, as the page's sentence words it.
    health = re.search(r">([^<]+)</a>", w('Quick pick: <a href="%(url)s">the Health group</a> (%(themes)s)',
                                           url="", themes="")).group(1)
    page.get_by_role("link", name=health).first.click()
    checks.check("plan-health-themes")
    row = page.locator("li[data-state='NZ']")
    expect(row).to_contain_text(w("Not yet engaged"))
    expect(row).to_contain_text("101.150")
    expect(row).to_contain_text("101.151")
    booking = row.locator("a[href^='/meetings/new']")
    expect(booking).to_have_accessible_name(re.compile(r"Permanent Mission of New Zealand, Geneva"))
    booking.click()

    # The booking form: Geneva's zone, New Zealand's people and recommendations on offer.
    page.wait_for_url(re.compile(r"/meetings/new\?"))
    checks.check("book-a-meeting")
    expect(page.get_by_label(w("Time zone of these times"))).to_have_value(GENEVA)
    # The planning row's people and recommendations come chosen, shown as chips in the pickers.
    names = [c[0] for c in geneva_mission["contacts"]]
    expect(page.locator("#required_contact_ids + .ts-wrapper .item")).to_have_count(2)
    for name in names:
        expect(page.locator("#required_contact_ids + .ts-wrapper")).to_contain_text(name)
    agenda = page.locator("#recommendation_ids + .ts-wrapper .item")
    expect(agenda).to_have_count(2)
    expect(agenda.first).to_contain_text(re.compile(r"^101\.150 \(New Zealand\)"))
    expect(agenda.last).to_contain_text(re.compile(r"^101\.151 \(New Zealand\)"))
    day = summer_day()
    page.get_by_label(w("Date"), exact=True).fill(day.isoformat())
    page.get_by_label(w("Starts at"), exact=True).fill("10:00")
    page.get_by_label(w("Ends at"), exact=True).fill("11:00")
    preview = page.locator("#time-preview")
    expect(preview).to_contain_text(in_zone(w, "10:00–11:00", "Geneva", "CEST"))
    expect(preview).to_contain_text(in_zone(w, "11:00–12:00", "Nairobi", "EAT"))
    page.get_by_role("button", name=w("Book the meeting")).click()

    # A clash with the staff member's own call: warned, then booked anyway.
    warning = page.locator("#conflicts")
    expect(warning).to_contain_text(translator(language).ngettext(
        "This clashes with %(num)d meeting", "This clashes with %(num)d meetings", 1))
    expect(warning).to_contain_text("Coalition strategy call")
    checks.check("book-a-meeting-clash")
    for name in names:  # still chosen, and in sight
        expect(page.locator("#required_contact_ids + .ts-wrapper .item").filter(has_text=name)).to_be_visible()
    expect(page.locator("#time-preview")).to_contain_text(in_zone(w, "11:00–12:00", "Nairobi", "EAT"))
    page.get_by_label(w("Book it anyway, despite the clashes listed above")).check()
    page.get_by_role("button", name=w("Book the meeting")).click()

    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    checks.check("meeting-booked")
    times = page.locator("#times")
    expect(times).to_contain_text(in_zone(w, "10:00–11:00", "Geneva", "CEST"))
    if language == "en":
        expect(times).to_contain_text(f"{day:%a} {day.day} {day:%b %Y}, 10:00–11:00 Geneva (CEST)")
    else:  # the day in French, as Babel writes it
        from babel.dates import format_date
        expect(times).to_contain_text(format_date(day, "d MMMM y", locale=language))
    expect(times).to_contain_text(in_zone(w, "11:00–12:00", "Nairobi", "EAT"))
    for name in names:
        expect(page.locator("#people")).to_contain_text(name)

    # The SMTP server got one invitation per contact, each a REQUEST at 08:00 UTC; the staff member
    # who booked it organises it and is sent none (their calendar already has it).
    received = live.mail.deliver()
    invited = {c[1] for c in geneva_mission["contacts"]}
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in received) == sorted(invited)
    uids = set()
    for message in received:
        calendar, method = ics_of(message)
        assert method == "REQUEST" and str(calendar["METHOD"]) == "REQUEST"
        event = calendar.walk("VEVENT")[0]
        assert event.decoded("DTSTART") == _utc(day, 8), "10:00 Geneva (CEST) is 08:00 UTC"
        uids.add(str(event["UID"]))
    assert len(uids) == 1


# ---- Journey 2 ----

@pytest.fixture
def invited_meeting(live):
    """A meeting at 10:00 Geneva on a summer day with two mission contacts; its invitations already received."""
    from sqlalchemy import select

    from engage.directory.models import Contact
    from engage.meetings.services import schedule_meeting

    day = summer_day() + timedelta(days=1)
    starts_at = _utc(day, 8)

    def work():
        staff = _user(live, "staff")
        people = list(db.session.scalars(select(Contact).where(Contact.full_name.in_(
            ["Aroha Ngata", "Jean-Paul Habimana"])).order_by(Contact.full_name)))
        change = schedule_meeting(staff, now_utc(), {
            "title": "Pre-session meeting: health recommendations", "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1), "timezone": GENEVA, "location": "Palais des Nations, Geneva",
            "organiser_id": staff.id, "staff_ids": [staff.id],
            "attendees": [{"contact_id": c.id, "role": "required"} for c in people]})
        return {"id": change.meeting.id, "title": change.meeting.title,
                "title_for_invitations": change.meeting.title_for_invitations, "day": day,
                "people": {c.full_name: c.email for c in people}}

    meeting = live.run(work)
    meeting["invitations"] = {m["To"].addresses[0].addr_spec: m for m in live.mail.deliver()}
    assert set(meeting["people"].values()) <= set(meeting["invitations"])
    return meeting


def test_recipient_answers_and_staff_reschedule(live, open_page, open_staff_page, w, invited_meeting):
    # Aroha opens the Accept link from her email, in a browser that has never signed in.
    email = invited_meeting["people"]["Aroha Ngata"]
    invitation = invited_meeting["invitations"][email]
    first_ics, _ = ics_of(invitation)
    first = first_ics.walk("VEVENT")[0]
    links = dict(re.findall(r"^\s*(Accept|Maybe|Decline):\s+(\S+)\s*$", text_of(invitation), re.M))
    assert links["Accept"].startswith(f"{live.url}/rsvp/"), links
    page, checks = open_page()
    page.goto(links["Accept"])
    checks.check("rsvp")
    expect(page.locator("h1")).to_have_text(invited_meeting["title_for_invitations"])  # never the staff title
    expect(page.locator("main")).to_contain_text("10:00 Geneva (CEST) · 11:00 Nairobi (EAT)")
    expect(page.locator("main")).to_contain_text("Invitation for Aroha Ngata.")
    expect(page.locator("#current-answer")).to_have_text("No answer yet")

    # She confirms with the keyboard alone.
    confirm = page.get_by_role("button", name="Confirm: Accept")
    expect(confirm).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if confirm.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the Confirm button cannot be reached with the Tab key")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("your answer is recorded: Accepted")
    expect(page.locator("#current-answer")).to_have_text("Accepted")
    checks.check("rsvp-accepted")

    # Then she changes her mind.
    page.get_by_role("button", name="Decline", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("your answer is recorded: Declined")
    expect(page.locator("#current-answer")).to_have_text("Declined")

    # The staff member sees her answer on the meeting page.
    staff_page, staff_checks = open_staff_page()
    sign_in_by_keyboard(staff_page, live, "staff")
    staff_page.get_by_role("link", name=w("Meetings")).first.click()
    staff_checks.check("meetings")
    staff_page.get_by_role("link", name=invited_meeting["title"]).first.click()
    staff_checks.check("meeting")
    aroha = staff_page.locator("#people tr").filter(has_text="Aroha Ngata")
    expect(aroha).to_contain_text(w("Declined"))
    expect(staff_page.locator("#people tr").filter(has_text="Jean-Paul Habimana")).to_contain_text(w("No answer yet"))

    # Reschedule to 14:00 Geneva: the form says 15:00 Nairobi, the page the new time.
    staff_page.get_by_role("link", name=w("Edit or reschedule")).click()
    staff_checks.check("edit-meeting")
    expect(staff_page.get_by_label(w("Starts at"), exact=True)).to_have_value("10:00")
    staff_page.get_by_label(w("Starts at"), exact=True).fill("14:00")
    staff_page.get_by_label(w("Ends at"), exact=True).fill("15:00")
    expect(staff_page.locator("#time-preview")).to_contain_text(in_zone(w, "14:00–15:00", "Geneva", "CEST"))
    expect(staff_page.locator("#time-preview")).to_contain_text(in_zone(w, "15:00–16:00", "Nairobi", "EAT"))
    staff_page.get_by_role("button", name=w("Save changes")).click()
    staff_page.wait_for_url(re.compile(r"/meetings/\d+$"))
    expect(staff_page.locator("#times")).to_contain_text(in_zone(w, "14:00–15:00", "Geneva", "CEST"))
    expect(staff_page.locator("#times")).to_contain_text(in_zone(w, "15:00–16:00", "Nairobi", "EAT"))
    expect(staff_page.locator("#people tr").filter(has_text="Aroha Ngata")).to_contain_text(w("No answer yet"))
    staff_checks.check("meeting-rescheduled")

    # Aroha receives the update: the same UID, a higher SEQUENCE, the new time, asked to answer again.
    updates = {m["To"].addresses[0].addr_spec: m for m in live.mail.deliver()}
    assert set(invited_meeting["people"].values()) <= set(updates)
    update_ics, method = ics_of(updates[email])
    event = update_ics.walk("VEVENT")[0]
    assert method == "REQUEST"
    assert str(event["UID"]) == str(first["UID"])
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    day = invited_meeting["day"]
    assert event.decoded("DTSTART") == _utc(day, 12), "14:00 Geneva (CEST) is 12:00 UTC"
    listed = event.get("ATTENDEE")
    attendee = [a for a in (listed if isinstance(listed, list) else [listed]) if str(a).lower() == f"mailto:{email}"]
    assert attendee and attendee[0].params["PARTSTAT"] == "NEEDS-ACTION"


# ---- Journey 3 ----

@pytest.fixture
def held_meeting(live):
    """A meeting with New Zealand's Geneva mission a week ago (booked two weeks before), its outcome not yet logged."""
    from engage.meetings.services import schedule_meeting

    def work():
        now = now_utc()
        staff = _user(live, "staff")
        mission = _org("Permanent Mission of New Zealand, Geneva")
        recs = _nz_recommendations(now)
        starts_at = (now - timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
        change = schedule_meeting(staff, starts_at - timedelta(days=14), {
            "title": "Pre-session meeting: New Zealand", "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1), "timezone": GENEVA, "location": "Mission of New Zealand",
            "organiser_id": staff.id, "staff_ids": [staff.id], "notify": False,
            "attendees": [{"contact_id": c.id, "role": "required"} for c in mission.contacts],
            "recommendation_ids": [r.id for r in recs]})
        return {"id": change.meeting.id, "title": change.meeting.title}

    meeting = live.run(work)
    assert live.mail.deliver() == []
    return meeting


def test_lead_reviews_the_engagement(live, open_staff_page, w, language, held_meeting, tmp_path):
    from openpyxl import load_workbook

    from engage.outcomes.services import today

    # Staff log what the meeting achieved, with a follow-up that is already three days late.
    page, checks = open_staff_page()
    sign_in_by_keyboard(page, live, "staff")
    page.get_by_role("link", name=w("Outcomes")).first.click()
    checks.check("engagement-log-staff")
    page.get_by_role("link", name=w("Log outcome: %(meeting)s", meeting=held_meeting["title"])).click()
    checks.check("log-outcome")
    page.get_by_label(w("Overall summary")).fill("The mission agreed to raise HIV key populations in the review.")
    hiv = page.locator("fieldset").filter(has=page.locator("legend", has_text="101.150"))
    hiv.get_by_label(w("Their position")).select_option(label=w("Will raise it in the review"))
    hiv.get_by_label(w("What they committed to")).fill("Will make a recommendation on HIV key populations")
    late = today(now_utc()) - timedelta(days=3)
    action = page.locator("fieldset").filter(has=page.get_by_text(w("Follow-up action %(number)s", number=1), exact=True))
    action.get_by_label(w("Action")).fill("Send the mission our shadow report")
    action.get_by_label(w("Due on")).fill(late.isoformat())
    page.get_by_role("button", name=w("Save the outcome")).click()
    expect(page.get_by_role("alert").first).to_contain_text(w("Outcome logged; the meeting is marked held."))
    checks.check("meeting-outcomes")

    # The lead filters the engagement log by theme and state.
    def outcomes(n: int) -> str:
        """'3 outcomes', '3 résultats': the log's count as the page words it (without its markup)."""
        words = translator(language).ngettext("<strong>%(total)s</strong> outcome", "<strong>%(total)s</strong> outcomes",
                                              n, total=n)
        return re.sub(r"<[^>]+>", "", words)
    lead, lead_checks = open_staff_page()
    sign_in_by_keyboard(lead, live, "lead")
    lead.get_by_role("link", name=w("Outcomes")).first.click()
    lead_checks.check("engagement-log")
    expect(lead.locator("#log-count")).to_contain_text(outcomes(3))  # the overall summary and one per agenda item
    lead.get_by_label(w("Theme")).select_option("Right to health")
    lead.get_by_label(w("Recommending state")).select_option(label="New Zealand")
    lead.get_by_role("button", name=w("Filter")).click()
    lead.wait_for_url(re.compile(r"theme=Right\+to\+health.*state=NZ|state=NZ.*theme=Right\+to\+health"))
    lead_checks.check("engagement-log-filtered")
    expect(lead.locator("#log-count")).to_contain_text(outcomes(2))
    rows = lead.locator("table tbody tr")
    expect(rows.filter(has_text="101.150")).to_contain_text("Will make a recommendation on HIV key populations")
    expect(rows.filter(has_text="101.150")).to_contain_text(w("Will raise it in the review"))
    expect(rows.filter(has_text="101.151")).to_contain_text(w("Not discussed"))

    # Coverage: New Zealand has a commitment secured on the right to health; the XLSX says the same.
    lead.get_by_role("link", name=w("Coverage")).first.click()
    lead_checks.check("coverage")
    lead.get_by_label(w("Themes"), exact=True).select_option(["Right to health"])
    lead.get_by_role("button", name=w("Show")).click()
    lead.wait_for_url(re.compile(r"/reports/coverage\?.*theme=Right\+to\+health"))
    lead_checks.check("coverage-right-to-health")
    nz = lead.locator("table tbody tr").filter(has=lead.locator("th", has_text="New Zealand"))
    expect(nz).to_contain_text(w("Commitment secured"))
    expect(nz).to_contain_text("2 · 1 · 1")
    with lead.expect_download() as download:
        lead.get_by_role("link", name=w("Download XLSX")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    sheet = load_workbook(path, read_only=True)["Coverage"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, nz_row = table[0], next(r for r in table if r[0] == "NZ")
    column = header.index("Right to health: status")
    assert nz_row[1] == "New Zealand"
    assert "commitment" in str(nz_row[column]).lower()
    assert nz_row[header.index("Right to health: commitments")] == 1

    # The dashboard shows the overdue follow-up.
    lead.get_by_role("link", name=w("Dashboard")).first.click()
    lead_checks.check("dashboard")
    expect(lead.locator("#figure-overdue")).to_have_text("1")
    overdue = lead.locator("section[aria-labelledby='overdue-heading'] tbody tr")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("Send the mission our shadow report")
    if language == "en":
        expect(overdue).to_contain_text(f"{late.day} {late:%b %Y}")
    expect(overdue).to_contain_text("Wanjiru Njeri")
