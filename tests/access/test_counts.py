"""Counts equal lists: every count, total, badge and chart figure a person without a grant can reach is
the DPO's figure once the restricted records are gone, and every count equals the rows it lists.

The world (tests/access/conftest.py) holds restricted records of every kind: a contact (who also
attends an internal meeting), a meeting (with its outcomes and a follow-up), an outcome on an
internal meeting (with a follow-up of its own), and outbox messages about them. For each role
without a grant, the figures are read as that role; then the DPO removes the restricted records
and reads the same figures: they must be the same numbers and the same rows.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from sqlalchemy import delete, func, or_, select

from engage.access import services as access
from engage.directory.models import Contact
from engage.extensions import db
from engage.members import services as members
from engage.meetings.models import Attendee, Meeting, meeting_recommendation
from engage.outbox.models import OutboxMessage
from engage.outcomes import services as outcomes
from engage.outcomes.models import FollowUp, Outcome
from engage.reminders.models import FollowUpNotice, Reminder
from tests.access.conftest import sign_in, text
from tests.conftest import ApiClient
from tests.outbox.mail import queue_simple
from tests import factories
from tests.outcomes.helpers import WHEN

NO_GRANT = ["staff", "lead", "admin"]
RESTRICTED_FOLLOW_UP = "Brief the German HIV desk"  # on the restricted outcome of an internal meeting
MISSING_ID = 999_999


@pytest.fixture(autouse=True)
def _on_the_worlds_day():
    """Pages count "overdue" and "this week" from today: today is the world's day."""
    with time_machine.travel(WHEN, tick=False):
        yield


@pytest.fixture
def counted(restricted):
    """The restricted world, plus follow-ups and outbox messages of every kind, hidden and not."""
    world, dpo = restricted.world, restricted.users["dpo"]
    dpo.role = "admin"  # reports and the outbox are for leads and admins: the DPO reads them all
    outcomes.add_follow_up(dpo, WHEN, restricted.outcome, {
        "description": RESTRICTED_FOLLOW_UP, "owner_id": world.staff.id, "due_on": date(2026, 11, 20)})
    outcomes.add_follow_up(dpo, WHEN, world.outcomes["de_overall"], {
        "description": "Send Germany the report", "owner_id": world.staff.id, "due_on": date(2026, 11, 28)})
    outcomes.add_follow_up(dpo, WHEN, world.outcomes["br_overall"], {
        "description": "Thank Brazil", "owner_id": world.staff.id, "due_on": date(2026, 11, 21)})
    # Outbox: to the restricted contact (about an internal meeting), about the restricted meeting,
    # and two nobody need hide.
    queue_simple("diplomat-de@example.org", 1, meeting_id=world.meetings["de"].id)
    queue_simple("diplomat-fr@example.org", 2, meeting_id=restricted.meeting.id)
    queue_simple("other@example.org", 3, meeting_id=restricted.meeting.id, kind="reminder")
    queue_simple("diplomat-br@example.org", 4, meeting_id=world.meetings["br"].id)
    queue_simple("staff@example.org", 5, kind="digest")
    failed = queue_simple("diplomat-DE@example.org", 6, meeting_id=world.meetings["de"].id, kind="update")
    failed.status = "failed"
    db.session.commit()
    return restricted


def remove_restricted(r) -> None:
    """What the DPO sees once every restricted record (and everything only about it) is gone."""
    remove([r.meeting.id], [r.outcome.id], [r.contact.id])
    assert not db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.sensitivity == "restricted"))


def remove(meeting_ids, outcome_ids=(), contact_ids=(), outcomes_of=()) -> None:
    """Delete these meetings, outcomes (and every outcome of the meetings `outcomes_of`) and contacts,
    and everything only about them."""
    outcome_ids = list(db.session.scalars(select(Outcome.id).where(or_(
        Outcome.meeting_id.in_([*meeting_ids, *outcomes_of]), Outcome.id.in_(list(outcome_ids))))))
    follow_up_ids = select(FollowUp.id).where(FollowUp.outcome_id.in_(outcome_ids))
    attendee_ids = list(db.session.scalars(select(Attendee.id).where(
        or_(Attendee.meeting_id.in_(meeting_ids), Attendee.contact_id.in_(list(contact_ids))))))
    emails = [e.lower() for e in db.session.scalars(select(Contact.email).where(Contact.id.in_(list(contact_ids))))]
    for statement in (
        delete(FollowUpNotice).where(FollowUpNotice.follow_up_id.in_(follow_up_ids)),
        delete(FollowUp).where(FollowUp.outcome_id.in_(outcome_ids)),
        delete(Outcome).where(Outcome.id.in_(outcome_ids)),
        delete(Reminder).where(or_(Reminder.meeting_id.in_(meeting_ids), Reminder.attendee_id.in_(attendee_ids))),
        delete(OutboxMessage).where(or_(OutboxMessage.meeting_id.in_(meeting_ids),
                                        func.lower(OutboxMessage.recipient).in_(emails))),
        delete(Attendee).where(Attendee.id.in_(attendee_ids)),
        meeting_recommendation.delete().where(meeting_recommendation.c.meeting_id.in_(meeting_ids)),
        delete(Meeting).where(Meeting.id.in_(meeting_ids)),
        delete(Contact).where(Contact.id.in_(list(contact_ids))),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()
    db.session.expire_all()


# ---- reading figures ----

def _api(app, user) -> ApiClient:
    return ApiClient(app.test_client(), factories.make_token(user))


def api_figures(api, urls, missing_ok: bool = False) -> dict:
    """{url: (total, ids listed)}; each total equals the rows listed (one page holds them all). With
    `missing_ok`, a list under a record that does not exist for the reader is (404, None)."""
    figures = {}
    for url in urls:
        response = api.get(url + ("&" if "?" in url else "?") + "per_page=200")
        if missing_ok and response.status_code == 404:
            figures[url] = (404, None)
            continue
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_json()
        ids = sorted(item["id"] for item in body["items"])
        assert body["total"] == len(ids), (url, body["total"], len(ids))
        figures[url] = (body["total"], ids)
    return figures


def _rows(page: str) -> int:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return body.count("<tr")


def _number(pattern: str, page: str, url: str) -> int:
    found = re.search(pattern, page)
    assert found, (url, pattern)
    return int(found.group(1).replace(",", ""))


# Each list page: the pattern of the count it shows, and the links that name its rows.
PAGES = {
    "/meetings/?when=all": (r"(\d+) meetings?</span>", r'href="/meetings/(\d+)"'),
    "/meetings/?when=past": (r"(\d+) meetings?</span>", r'href="/meetings/(\d+)"'),
    "/directory/contacts": (r"<strong>(\d+)</strong> contacts?", r'href="/directory/contacts/(\d+)"'),
    "/outcomes/": (r'id="log-count"><strong>([\d,]+)</strong>', r'href="/outcomes/(\d+)"'),
    "/outcomes/follow-ups": (r'id="fu-count"><strong>(\d+)</strong>', r"/outcomes/follow-ups/(\d+)/"),
    "/outcomes/follow-ups?state=all": (r'id="fu-count"><strong>(\d+)</strong>', r"/outcomes/follow-ups/(\d+)/"),
    "/outcomes/follow-ups?state=overdue": (r'id="fu-count"><strong>(\d+)</strong>', r"/outcomes/follow-ups/(\d+)/"),
}
ADMIN_PAGES = {
    "/admin/outbox/": (r"\((\d+) messages?\)", r'href="/admin/outbox/(\d+)"'),
    "/admin/outbox/?status=failed": (r"\((\d+) messages? matching\)", r'href="/admin/outbox/(\d+)"'),
}


def page_figures(client, pages: dict) -> dict:
    """{url: (count shown, rows listed, ids linked)}; each count equals the rows listed."""
    figures = {}
    for url, (count_pattern, link_pattern) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = text(response)
        count, rows = _number(count_pattern, page, url), _rows(page)
        assert count == rows, (url, count, rows)
        figures[url] = (count, rows, sorted(set(re.findall(link_pattern, page))))
    return figures


def follow_up_badges(client) -> tuple:
    page = text(client.get("/outcomes/follow-ups"))
    found = re.search(r"<p>(\d+) open · <span[^>]*>(\d+) overdue</span> · (\d+) due today", page)
    assert found, page[:2000]
    return tuple(int(n) for n in found.groups())


def outbox_badges(client) -> dict:
    page = text(client.get("/admin/outbox/"))
    badges = dict((label, int(n)) for label, n in re.findall(r">([A-Z][a-z ()]+): (\d+)<", page))
    scheduler = text(client.get("/admin/scheduler/"))
    queue = re.search(r"Outbox</h2>\s*<p[^>]*>(.*?)</p>", scheduler, re.S).group(1)
    return {"outbox": badges, "scheduler": " ".join(queue.split())}


def _clean(page: str) -> str:
    """A page's content (not its menu, the dashboard's settings hint for admins or coverage's choice of
    member for the secretariat, which differ by role)
    without what differs from one request to the next (form tokens, nonces)."""
    if '<main id="main"' in page:
        page = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    page = re.sub(r'<span[^>]*id="cycle-setting-hint".*?</span>', "", page)   # shown to admins only
    page = re.sub(r'<div[^>]*id="member-choice">.*?</select>\s*</div>', "", page, flags=re.S)  # the secretariat's
    page = re.sub(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"', "csrf", page)
    page = re.sub(r'content="[^"]*" name="csrf-token"|name="csrf-token" content="[^"]*"', "csrf", page)
    page = re.sub(r'nonce="[^"]*"', "", page)
    return re.sub(r"\s+", " ", page)  # what a removed block leaves is blank lines and spaces


REPORT_PAGES = ["/reports/", "/reports/coverage", "/reports/coverage?by=recommendation&theme=HIV/AIDS",
                "/reports/coverage.csv", "/reports/summary?state=DE", "/reports/summary?theme=HIV/AIDS"]


def report_pages(client) -> dict:
    """Dashboard figures and charts, coverage: whole pages, every number on them."""
    figures = {}
    for url in REPORT_PAGES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        figures[url] = _clean(text(response))
    return figures


def _api_lists(r):
    de_org = r.world.orgs["de"].id
    return ["/api/v1/contacts", "/api/v1/contacts?q=diplomat", f"/api/v1/contacts?organisation_id={de_org}",
            "/api/v1/outcomes", "/api/v1/outcomes?position=supportive", f"/api/v1/outcomes?organisation_id={de_org}",
            "/api/v1/outcomes?theme=HIV/AIDS", "/api/v1/outcomes?state=FR",
            f"/api/v1/meetings/{r.world.meetings['de'].id}/outcomes"]


def _meeting_api_lists(r):
    return ["/api/v1/meetings", "/api/v1/meetings?when=all", "/api/v1/meetings?q=Geneva",
            f"/api/v1/meetings?organisation_id={r.world.orgs['fr'].id}",
            f"/api/v1/meetings?recommendation_id={r.world.recs['fr_hiv'].id}"]


def _compare(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    wrong = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not wrong, wrong


# ---- the matrix ----

@pytest.mark.parametrize("role", NO_GRANT)
def test_api_totals_are_the_dpos_without_the_restricted_records(role, counted, app):
    urls = _api_lists(counted)
    mine = api_figures(_api(app, counted.users[role]), urls)
    dpo = _api(app, counted.users["dpo"])
    theirs = api_figures(dpo, urls)
    assert mine != theirs  # the restricted records are in the DPO's lists, so the comparison means something
    remove_restricted(counted)
    _compare(mine, api_figures(dpo, urls))


@pytest.mark.parametrize("role", NO_GRANT)
def test_meetings_api_totals_are_the_dpos_without_the_restricted_records(role, counted, app):
    urls = _meeting_api_lists(counted)
    mine = api_figures(_api(app, counted.users[role]), urls)
    dpo = _api(app, counted.users["dpo"])
    assert mine != api_figures(dpo, urls)
    remove_restricted(counted)
    _compare(mine, api_figures(dpo, urls))


@pytest.mark.parametrize("role", NO_GRANT)
def test_page_counts_and_badges_are_the_dpos_without_the_restricted_records(role, counted, clients):
    mine = page_figures(clients[role], PAGES), follow_up_badges(clients[role])
    theirs = page_figures(clients["dpo"], PAGES), follow_up_badges(clients["dpo"])
    assert mine != theirs
    remove_restricted(counted)
    after = page_figures(clients["dpo"], PAGES), follow_up_badges(clients["dpo"])
    _compare(mine[0], after[0])
    assert mine[1] == after[1]


@pytest.mark.parametrize("role", NO_GRANT)
def test_the_home_page_is_unchanged_by_restricted_records(role, counted, clients):
    client = clients[role]
    before = _clean(text(client.get("/")))
    remove_restricted(counted)
    assert _clean(text(client.get("/"))) == before


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_dashboard_coverage_and_summaries_are_the_dpos_without_the_restricted_records(role, counted, clients):
    mine = report_pages(clients[role])
    theirs = report_pages(clients["dpo"])
    assert mine["/reports/"] != theirs["/reports/"]
    remove_restricted(counted)
    after = report_pages(clients["dpo"])
    for url in REPORT_PAGES:
        assert mine[url] == after[url], url


def test_outbox_and_scheduler_counts_are_the_dpos_without_the_restricted_records(counted, clients, app):
    admin, dpo = clients["admin"], clients["dpo"]
    mine = page_figures(admin, ADMIN_PAGES), outbox_badges(admin)
    mine_api = api_figures(_api(app, counted.users["admin"]), ["/api/v1/outbox", "/api/v1/outbox?status=failed"])
    dpo_api = _api(app, counted.users["dpo"])
    assert mine != (page_figures(dpo, ADMIN_PAGES), outbox_badges(dpo))
    assert mine_api != api_figures(dpo_api, ["/api/v1/outbox", "/api/v1/outbox?status=failed"])
    remove_restricted(counted)
    assert mine == (page_figures(dpo, ADMIN_PAGES), outbox_badges(dpo))
    _compare(mine_api, api_figures(dpo_api, ["/api/v1/outbox", "/api/v1/outbox?status=failed"]))


# ---- single findings the matrix grew from ----

@pytest.mark.parametrize("role", NO_GRANT)
def test_a_hidden_contact_id_finds_what_a_missing_one_finds(role, counted, app):
    api = _api(app, counted.users[role])
    de_org = counted.world.orgs["de"].id  # its one contact is the restricted one
    missing = api.get(f"/api/v1/meetings?contact_id={MISSING_ID}")
    for url in (f"/api/v1/meetings?contact_id={counted.contact.id}", f"/api/v1/meetings?organisation_id={de_org}"):
        response = api.get(url)
        assert (response.status_code, response.get_json()) == (missing.status_code, missing.get_json()), url
    assert missing.get_json()["total"] == 0
    assert _api(app, counted.users["dpo"]).get(
        f"/api/v1/meetings?contact_id={counted.contact.id}").get_json()["total"] == 1


def test_follow_up_counts_leave_restricted_outcomes_out(counted, clients):
    # Open: France's (restricted meeting), Germany's HIV desk (restricted outcome), Germany's report, Brazil's.
    assert follow_up_badges(clients["dpo"]) == (4, 3, 1)
    assert follow_up_badges(clients["staff"]) == (2, 1, 1)
    page = text(clients["staff"].get("/outcomes/follow-ups?state=all"))
    assert RESTRICTED_FOLLOW_UP not in page and "Send France the shadow report" not in page


# ---- a coalition: a second member's roles against each sharing level of the first's meetings ----
#
# Every record of the world is the first member's (the secretariat). A second member joins; each of its
# roles reads the figures; then the first member's DPO removes what the policy keeps from the second
# (restricted records, meetings kept private, the outcomes of meetings shared in summary, with their
# follow-ups) and reads the same figures: the same numbers and the same rows.

SECOND = ["staff", "lead", "admin", "dpo"]
LEVELS = ["private", "coalition_summary", "coalition_full", "mixed"]
MIXED = {"de": "coalition_full", "br": "coalition_summary", "fr": "private"}  # France is restricted too


@pytest.fixture
def coalition(counted):
    """The counted world, a second member (KHRC) and a user of each role in it (its own DPO too)."""
    second = members.create_member(counted.users["admin"], WHEN, {"name": "Kenya Human Rights Commission",
                                                                  "short_name": "KHRC"})
    users = {}
    for role in SECOND:
        user = factories.make_user(role="admin" if role == "dpo" else role, email=f"khrc-{role}@example.org")
        user.member_id, user.is_dpo = second.id, role == "dpo"
        users[role] = user
    db.session.commit()
    return counted, users


def levels_of(r, level) -> dict:
    return {key: MIXED[key] if level == "mixed" else level for key in r.world.meetings}


def share(r, level) -> None:
    for key, shared in levels_of(r, level).items():
        access.set_sharing(r.users["dpo"], WHEN, r.world.meetings[key], shared)
    db.session.commit()


def remove_unshared(r, level) -> None:
    """What the first member's DPO sees once everything the second member may not see is gone."""
    levels = levels_of(r, level)
    private = [r.world.meetings[k].id for k, shared in levels.items() if shared == "private"]
    summary = [r.world.meetings[k].id for k, shared in levels.items() if shared == "coalition_summary"]
    remove([r.meeting.id, *private], [r.outcome.id], [r.contact.id], outcomes_of=summary)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", SECOND)
def test_a_second_member_counts_and_lists_what_the_first_shares(role, level, coalition, app):
    r, second = coalition
    share(r, level)
    user = second[role]
    urls = _api_lists(r) + _meeting_api_lists(r)
    client = sign_in(app, user)
    mine = api_figures(_api(app, user), urls, True), page_figures(client, PAGES), follow_up_badges(client)
    dpo = r.users["dpo"]
    assert mine[0] != api_figures(_api(app, dpo), urls)  # the first member sees more: the test means something
    remove_unshared(r, level)
    dpo_client = sign_in(app, dpo)
    theirs = api_figures(_api(app, dpo), urls, True), page_figures(dpo_client, PAGES), follow_up_badges(dpo_client)
    _compare(mine[0], theirs[0])
    _compare(mine[1], theirs[1])
    assert mine[2] == theirs[2]


@pytest.mark.parametrize("level", ["coalition_summary", "mixed"])
@pytest.mark.parametrize("role", ["lead", "dpo"])
def test_a_second_members_dashboard_coverage_and_summaries_count_what_the_first_shares(role, level, coalition, app):
    r, second = coalition
    share(r, level)
    mine = report_pages(sign_in(app, second[role]))
    remove_unshared(r, level)
    after = report_pages(sign_in(app, r.users["dpo"]))
    for url in REPORT_PAGES:
        assert mine[url] == after[url], url


def test_the_first_member_still_sees_all_of_its_own(coalition, app):
    r, _ = coalition
    share(r, "private")
    urls = _api_lists(r) + _meeting_api_lists(r)
    staff = api_figures(_api(app, r.users["staff"]), urls, True)
    remove_restricted(r)
    _compare(staff, api_figures(_api(app, r.users["dpo"]), urls, True))


def test_a_grant_opens_a_restricted_record_across_members_and_nothing_else_does(coalition, app):
    r, second = coalition
    share(r, "coalition_full")
    meeting_url = f"/api/v1/meetings/{r.meeting.id}"
    for role in SECOND:  # the second member's DPO is not the first member's
        assert _api(app, second[role]).get(meeting_url).status_code == 404, role
    access.grant(r.users["dpo"], WHEN, r.meeting, user=second["staff"])
    db.session.commit()
    assert _api(app, second["staff"]).get(meeting_url).status_code == 200
    assert _api(app, second["lead"]).get(meeting_url).status_code == 404


@pytest.mark.parametrize("level", ["coalition_summary", "mixed"])
def test_a_second_members_outbox_counts_only_messages_about_meetings_it_sees_in_full(level, coalition, app):
    r, second = coalition
    share(r, level)
    urls = ["/api/v1/outbox", "/api/v1/outbox?status=failed"]
    client = sign_in(app, second["admin"])
    mine = page_figures(client, ADMIN_PAGES), outbox_badges(client), api_figures(_api(app, second["admin"]), urls)
    # A message tells what its meeting is about: of a meeting shared in summary, none shows.
    summary = [r.world.meetings[k].id for k, shared in levels_of(r, level).items() if shared == "coalition_summary"]
    remove_unshared(r, level)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.meeting_id.in_(summary)))
    db.session.commit()
    dpo = sign_in(app, r.users["dpo"])
    assert mine == (page_figures(dpo, ADMIN_PAGES), outbox_badges(dpo), api_figures(_api(app, r.users["dpo"]), urls))


def _export_and_feed_figures(app, user) -> dict:
    """The meetings, contacts and engagement log exports' rows and the team calendar feed's events, as
    `user` (a lead or above) gets them."""
    from engage.meetings import calendar
    client = sign_in(app, user)
    figures = {}
    for url in ("/meetings/export.csv?when=all", "/directory/contacts/export.csv", "/reports/log.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        lines = response.get_data(as_text=True).splitlines()
        figures[url] = sorted(line.split(",", 1)[0] for line in lines[1:])
    feed = calendar.create_feed(None, WHEN, user, "team")
    db.session.commit()
    body = app.test_client().get(f"/calendar/{feed.secret}.ics").get_data(as_text=True)
    figures["team feed"] = sorted(re.findall(r"^UID:(.+)$", body, re.M))
    figures["team feed notes"] = "Ask about the budget" in body
    return figures


@pytest.mark.parametrize("level", ["coalition_summary", "mixed"])
@pytest.mark.parametrize("role", ["lead", "dpo"])  # the team feed and the engagement log are for leads
def test_a_second_members_exports_and_feeds_hold_what_the_first_shares(role, level, coalition, app):
    r, second = coalition
    r.world.meetings["de"].description = "Ask about the budget line"  # notes: shown only in full
    db.session.commit()
    share(r, level)
    mine = _export_and_feed_figures(app, second[role])
    full = levels_of(r, level)["de"] == "coalition_full"
    assert mine["team feed notes"] is full
    remove_unshared(r, level)
    theirs = _export_and_feed_figures(app, r.users["dpo"])
    assert theirs["team feed notes"] is True  # the first member's own
    mine.pop("team feed notes"), theirs.pop("team feed notes")
    _compare(mine, theirs)
