"""Visibility computed once per request, services that filter their own queries, and the guard as a
safety net that says so when it had to filter something a service forgot."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import event, select

from engage.access import guard, services as access
from engage.extensions import db
from engage.members.models import Member
from engage.meetings.models import Meeting
from tests.access.conftest import MEETING_TITLE, text
from tests.outcomes.helpers import WHEN

# While the France follow-up (due 25 Nov, on the restricted meeting) is overdue.
TODAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _safety_net_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "engage.access" and r.levelno >= logging.WARNING]


def _lists(r):
    w = r.world
    pages = ["/", "/?meetings=team", "/search?q=diplomat", "/search?q=germany", "/meetings/?when=all", "/meetings/?when=all&q=France", "/meetings/?when=past",
             f"/meetings/?when=all&organisation_id={w.orgs['de'].id}", "/meetings/week?start=2026-11-16",
             "/meetings/month?month=2026-11", "/directory/contacts", "/directory/contacts?q=diplomat",
             "/outcomes/", "/outcomes/?q=France", "/outcomes/follow-ups", "/outcomes/follow-ups?state=all",
             f"/meetings/{w.meetings['de'].id}", f"/directory/contacts/{w.contacts['fr'].id}",
             f"/outcomes/{w.outcomes['de_edu'].id}"]
    api = ["/api/v1/meetings?when=all", f"/api/v1/meetings?contact_id={w.contacts['fr'].id}",
           "/api/v1/contacts", "/api/v1/contacts?q=diplomat", "/api/v1/outcomes", "/api/v1/outcomes?position=undecided",
           f"/api/v1/meetings/{w.meetings['de'].id}", f"/api/v1/contacts/{w.contacts['fr'].id}",
           f"/api/v1/outcomes/{w.outcomes['de_edu'].id}", f"/api/v1/meetings/{w.meetings['de'].id}/outcomes"]
    return pages, api


@pytest.mark.parametrize("role", ["staff", "granted"])
def test_main_lists_and_records_are_filtered_by_their_services(role, restricted, clients, apis, caplog):
    caplog.set_level(logging.WARNING, logger="engage.access")
    pages, api = _lists(restricted)
    for url in pages:
        assert clients[role].get(url).status_code == 200, url
    for url in api:
        assert apis[role].get(url).status_code == 200, url
    assert _safety_net_warnings(caplog) == []


def test_a_query_its_service_forgot_is_still_filtered_and_named_in_a_warning(app, restricted, caplog):
    caplog.set_level(logging.WARNING, logger="engage.access")
    staff = restricted.users["staff"]
    with app.test_request_context("/meetings/"):
        guard.act_as(staff)
        titles = set(db.session.scalars(select(Meeting.title)))
    assert MEETING_TITLE not in titles and "Germany on HIV" in titles
    assert _safety_net_warnings(caplog) == [
        "a query of Meeting in meetings.index was not filtered by its service (the access guard filtered it)"]


def test_an_actors_grants_are_read_once_per_request(app, restricted):
    granted = restricted.users["granted"]
    statements = []

    def count(conn, cursor, statement, *args):
        if "access_grant" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/meetings/"):
            guard.act_as(granted)
            for _ in range(3):
                shown = set(db.session.scalars(access.select_visible(granted, Meeting.title)))
                assert MEETING_TITLE in shown
            assert access.can_see(granted, restricted.meeting) and access.can_see(granted, restricted.outcome)
            assert access.can_see(granted, restricted.contact)
            access.require_visible(granted, restricted.meeting_outcome)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements


@pytest.mark.parametrize("change", ["grant", "group"])
def test_a_grant_shows_in_the_same_request(change, app, restricted):
    staff, dpo = restricted.users["staff"], restricted.users["dpo"]
    with app.test_request_context("/meetings/"):
        guard.act_as(staff)

        def titles():
            return set(db.session.scalars(access.select_visible(staff, Meeting.title)))

        assert MEETING_TITLE not in titles() and not access.can_see(staff, restricted.meeting)
        if change == "grant":
            row = access.grant(dpo, WHEN, restricted.meeting, user=staff)
        else:
            access.add_member(dpo, WHEN, restricted.group, staff)
        assert MEETING_TITLE in titles() and access.can_see(staff, restricted.meeting)
        if change == "grant":
            access.revoke(dpo, WHEN, restricted.meeting, row)
        else:
            access.remove_member(dpo, WHEN, restricted.group, staff)
        assert MEETING_TITLE not in titles() and not access.can_see(staff, restricted.meeting)


def test_restricting_a_record_hides_it_in_the_same_request(app, restricted):
    staff, lead = restricted.users["staff"], restricted.users["lead"]
    germany = restricted.world.meetings["de"]
    with app.test_request_context("/meetings/"):
        guard.act_as(staff)
        assert access.can_see(staff, germany)
        access.set_sensitivity(lead, WHEN, germany, "restricted", announce=False)
        assert not access.can_see(staff, germany) and access.can_see(lead, germany)  # the lead keeps it
        assert "Germany on HIV" not in set(db.session.scalars(access.select_visible(staff, Meeting.title)))


def test_outside_a_request_visibility_is_read_when_asked(app, restricted):
    staff, dpo = restricted.users["staff"], restricted.users["dpo"]
    query = access.select_visible(staff, Meeting.title)
    assert MEETING_TITLE not in set(db.session.scalars(query))
    access.grant(dpo, WHEN, restricted.meeting, user=staff)
    assert MEETING_TITLE in set(db.session.scalars(access.select_visible(staff, Meeting.title)))
    assert access.can_see(staff, restricted.meeting)


def test_the_meetings_contact_filter_reveals_nothing_of_a_hidden_contact(restricted, apis):
    hidden = restricted.contact  # the restricted German diplomat attends the internal Germany meeting
    url = f"/api/v1/meetings?contact_id={hidden.id}"
    assert apis["staff"].get(url).get_json()["total"] == 0
    assert [m["title"] for m in apis["granted"].get(url).get_json()["items"]] == ["Germany on HIV"]


def test_follow_up_counts_leave_out_those_of_hidden_outcomes(restricted, clients):
    with time_machine.travel(TODAY, tick=False):
        staff = text(clients["staff"].get("/outcomes/follow-ups"))
        dpo = text(clients["dpo"].get("/outcomes/follow-ups"))
    assert "1 open" in dpo and "1 overdue" in dpo
    assert "0 open" in staff and "0 overdue" in staff


# ---- every page and API list a user reaches ----

# Not pages of records: static files (the organisation's logo among them), the sign-in steps, and the RSVP
# link and its calendar file (signed, no login).
NOT_WALKED = {"static", "bootstrap.static", "organisation_logo.logo", "rsvp.answer", "rsvp.add_to_calendar",
              "auth.login", "auth.login_code", "auth.confirm_password"}


def _every_get_url(app, restricted) -> list[str]:
    """Every GET route, each record route once per record of the world (hidden ones included), plus the
    pages whose filters read other tables (summaries, plans, engaged states, the slot finder's contacts)."""
    from engage.importjobs import services as import_jobs
    from engage.meetings import calendar
    from engage.outbox.models import OutboxMessage
    from engage.outcomes.models import FollowUp
    from engage.outcomes.services import create_outcome
    from tests import factories
    from tests.asks.helpers import make_ask

    w = restricted.world
    # Invitations in the outbox: one to the restricted contact on an internal meeting, one on the restricted meeting.
    factories.make_meeting(organiser=w.staff, contacts=[restricted.contact, w.contacts["se"]], title="Sweden and Germany")
    feeds = [calendar.create_feed(None, WHEN, restricted.users[role], scope)
             for role, scope in (("staff", "personal"), ("granted", "personal"), ("lead", "team"),
                                 ("staff", "milestones"))]
    # The world's cycle 5 (its window holds the world's meetings), with a milestone on its timeline.
    from engage.cycles import services as cycles
    milestone = cycles.add_milestone(None, WHEN, cycles.get_cycle(5), {"kind": "wg_review", "due_on": "2027-01-20"})
    job = import_jobs.queue_import(restricted.users["staff"], WHEN, "contacts", "big.csv", b"full_name,email\n")
    # An ask on the restricted meeting's agenda, with an outcome on it there: its page and the asks' plan read both.
    ask = make_ask(restricted.users["lead"], target_states=["DE", "SE"])
    restricted.meeting.asks = [ask]
    create_outcome(restricted.users["lead"], WHEN, restricted.meeting,
                   {"ask_id": ask.id, "position": "declined", "summary": "Not this cycle"})
    # A mid-term report draft each for the lead and the admin (a draft is its owner's alone).
    from engage.handin import services as handin
    drafts = [handin.create_draft(restricted.users[role], WHEN, {"cycle": 4, "coalition": "KHRC"})
              for role in ("lead", "admin")]
    # A cluster of the world's recommendations: its page, export and API read no restricted record.
    from engage.clusters import services as clusters
    cluster = clusters.create_cluster(restricted.users["staff"], WHEN, {
        "name": "Health", "recommendation_ids": [r.id for r in w.recs.values()]})
    db.session.commit()
    values = {"meeting_id": sorted(m.id for m in db.session.scalars(select(Meeting))),
              "contact_id": [c.id for c in w.contacts.values()], "outcome_id": [o.id for o in w.outcomes.values()],
              "org_id": [o.id for o in w.orgs.values()], "rec_id": [r.id for r in w.recs.values()],
              "group_id": [restricted.group.id], "message_id": list(db.session.scalars(select(OutboxMessage.id))),
              "follow_up_id": list(db.session.scalars(select(FollowUp.id))), "kind": ["contacts", "organisations"],
              "secret": [f.secret for f in feeds], "job_id": [job.id], "ask_id": [ask.id],
              "number": [5], "milestone_id": [milestone.id], "draft_id": [d.id for d in drafts],
              "cluster_id": [cluster.id],
              "assessment_id": [restricted.assessment.id, restricted.meeting_assessment.id],
              "document_id": [1],
              "member_id": list(db.session.scalars(select(Member.id)))}  # a member's logo (none: 404)
    assert values["message_id"] and values["follow_up_id"]
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_WALKED:
            continue
        found = [rule.rule]
        for converter, arg in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule):
            placeholder = f"<{converter}:{arg}>" if converter else f"<{arg}>"
            found = [u.replace(placeholder, str(v)) for u in found for v in values[arg]]
        urls += found
    contacts = "&".join(f"contact_id={i}" for i in values["contact_id"])
    urls += ["/reports/summary?theme=HIV/AIDS", "/reports/summary?state=France", "/reports/summary?state=Germany",
             "/reports/coverage?by=recommendation", "/reports/log.csv?q=France", "/recommendations/?engaged=yes",
             "/recommendations/?engaged=no", "/recommendations/?engaged=yes&engaged_in=5",
             "/api/v1/recommendations?engaged=true", "/recommendations/plan?cycle=all&theme=HIV/AIDS",
             "/recommendations/plan.csv?cycle=all&theme=HIV/AIDS", f"/recommendations/plan/draft?{contacts}",
             f"/meetings/slots?first_day=2026-12-07&last_day=2026-12-11&minutes=60&{contacts}",
             "/api/v1/outbox?status=all", f"/api/v1/meetings?organisation_id={w.orgs['de'].id}",
             "/asks/plan?show=all", "/handin/annex?cycle=4&coalition=KHRC", "/handin/annex.docx?cycle=4&coalition=KHRC",
             "/handin/midterm/new?cycle=4&themes=HIV/AIDS", "/implementation/?status=regressed",
             "/implementation/due?months=6", "/api/v1/implementation?status=none",
             f"/api/v1/assessments?meeting_id={restricted.meeting.id}"]
    return sorted(urls)


@pytest.mark.parametrize("role", ["staff", "granted", "lead", "admin"])
def test_no_page_or_api_list_a_user_reaches_leaves_its_filtering_to_the_safety_net(role, app, restricted, clients,
                                                                                   apis, caplog):
    caplog.set_level(logging.WARNING, logger="engage.access")
    urls = _every_get_url(app, restricted)
    reached, warned = [], {}
    for url in urls:
        caplog.clear()
        response = (apis[role] if url.startswith("/api/") else clients[role]).get(url)
        response.get_data()  # a streamed body reads its rows now
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200:
            reached.append(url)
        if _safety_net_warnings(caplog):
            warned[url] = _safety_net_warnings(caplog)
    assert warned == {}
    # The walk reached what this role may open: reports, coverage, the dashboard, recommendations, exports, history.
    must = ["/", "/recommendations/", "/recommendations/plan?cycle=all&theme=HIV/AIDS", "/directory/contacts/export.csv",
            "/meetings/export.csv", f"/outcomes/recommendations/{restricted.world.recs['de_hiv'].id}",
            "/api/v1/meetings", "/api/v1/contacts", "/api/v1/outcomes", "/api/v1/recommendations",
            "/asks/", "/asks/plan?show=all", "/api/v1/asks"]
    if role in ("lead", "admin"):
        must += ["/reports/", "/reports/coverage", "/reports/coverage.csv", "/reports/coverage.xlsx", "/reports/log.csv",
                 "/reports/log.xlsx", "/reports/summary?theme=HIV/AIDS", "/reports/uptake", "/reports/uptake.csv",
                 "/reports/uptake.xlsx", "/api/v1/reports/uptake"]
    if role == "admin":
        must += ["/admin/outbox/", "/admin/outbox/export.csv", "/api/v1/outbox", "/audit/", "/data-protection/register"]
    assert [url for url in must if url not in reached] == []
