"""Member organisations: one alone looks exactly like a single organisation; a second one makes a
coalition, where another member's meeting is seen only as its member shares it."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from engage.access import services as access
from engage.errors import PermissionDenied
from engage.extensions import db
from engage.members import services as members
from engage.members.models import Member
from engage.organisation import services as organisation
from engage.outcomes import services as outcomes
from tests import factories
from tests.conftest import ApiClient, login
from tests.outcomes.helpers import WHEN, make_world

# Words no page of a single organisation's install may show: they belong to the coalition.
COALITION_WORDS = re.compile(r"member organisation|secretariat|coalition_summary|coalition_full|"
                             r"private to its member|shared in summary|sharing", re.I)


def _pages(world) -> list[str]:
    m, c, o = world.meetings["de"].id, world.contacts["de"].id, world.orgs["de"].id
    return ["/", "/meetings/?when=all", f"/meetings/{m}", f"/meetings/{m}/edit", "/meetings/new",
            "/meetings/export.csv?when=all", "/directory/contacts", f"/directory/contacts/{c}",
            f"/directory/organisations/{o}", "/outcomes/", f"/outcomes/meetings/{m}", "/outcomes/follow-ups",
            "/reports/", "/reports/coverage", "/recommendations/plan", "/admin/users", "/account"]


def test_a_single_organisations_install_has_one_member_and_says_nothing_of_a_coalition(app, staff_user, lead_user,
                                                                                       admin_user):
    world = make_world(staff_user, lead_user)
    # The first write made the one member: every user and record is in it.
    assert members.count_members() == 1 and not members.coalition_mode()
    home = db.session.scalar(select(Member))
    assert home.is_secretariat
    for model in ("user", "contact", "meeting", "outcome", "follow_up"):
        table = db.metadata.tables[model]
        assert db.session.scalar(select(func.count()).select_from(table).where(table.c.member_id != home.id)) == 0
    client = login(app.test_client(), admin_user)
    for url in _pages(world):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        found = COALITION_WORDS.search(response.get_data(as_text=True))
        assert found is None, (url, found and found.group(0))
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    body = api.get(f"/api/v1/meetings/{world.meetings['de'].id}").get_data(as_text=True)
    assert COALITION_WORDS.search(body) is None and '"member' not in body


def test_naming_the_organisation_names_its_only_member(app, admin_user):
    organisation.save_settings(admin_user, WHEN, {"name": "Kenya Legal and Ethical Issues Network", "reply_to": ""})
    db.session.commit()
    home = db.session.scalar(select(Member))
    assert (home.name, home.short_name) == ("Kenya Legal and Ethical Issues Network", "Kenya Legal and Ethical Issues Network"[:40])


def test_only_an_admin_of_the_secretariat_adds_a_member(app, lead_user, admin_user):
    with pytest.raises(PermissionDenied):
        members.create_member(lead_user, WHEN, {"name": "KHRC", "short_name": "KHRC"})
    khrc = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.commit()
    assert members.coalition_mode() and not khrc.is_secretariat
    newcomer = factories.make_user(role="admin", email="admin@khrc.example.org")
    assert members.move_user(admin_user, WHEN, newcomer, {"member_id": khrc.id})
    db.session.commit()
    assert newcomer.member_id == khrc.id
    with pytest.raises(PermissionDenied):  # a member's admin runs its own people, not the coalition
        members.move_user(newcomer, WHEN, lead_user, {"member_id": khrc.id})


@pytest.fixture
def two_members(app, staff_user, lead_user, admin_user):
    """The outcomes world, all the first member's; a second member with a staff user and a lead."""
    world = make_world(staff_user, lead_user)
    outcomes.add_follow_up(staff_user, WHEN, world.outcomes["de_overall"], {
        "description": "Send Germany the shadow report", "owner_id": staff_user.id, "due_on": date(2026, 11, 28)})
    world.meetings["de"].description = "Ask about the budget line for PrEP"
    khrc = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.flush()
    others = {}
    for role in ("staff", "lead"):
        others[role] = factories.make_user(role=role, email=f"{role}@khrc.example.org")
        others[role].member_id = khrc.id
    db.session.commit()
    return world, others


def test_a_meeting_shared_in_summary_shows_that_it_took_place_not_its_notes_or_outcomes(app, two_members):
    world, others = two_members
    meeting = world.meetings["de"]
    assert meeting.sharing == "coalition_summary"  # the member's default
    client = login(app.test_client(), others["staff"])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Germany on HIV" in page and "Diplomat DE" in page and "142.15" in page  # what, with whom, on what
    for secret in ("Ask about the budget line for PrEP", "Good meeting on key populations",
                   "Will make a recommendation on HIV key populations", "Send Germany the shadow report"):
        assert secret not in page
    api = ApiClient(app.test_client(), factories.make_token(others["staff"]))
    body = api.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert body["title"] == "Germany on HIV" and body["description"] is None
    assert api.get(f"/api/v1/meetings/{meeting.id}/outcomes").get_json()["total"] == 0
    ics = client.get(f"/meetings/{meeting.id}.ics").get_data(as_text=True)
    assert "budget line" not in ics
    export = client.get("/meetings/export.csv?when=all", follow_redirects=True).get_data(as_text=True)
    assert "budget line" not in export


def test_shared_in_full_the_notes_and_outcomes_show_but_only_its_member_changes_it(app, two_members):
    world, others = two_members
    meeting = world.meetings["de"]
    access.set_sharing(world.staff, WHEN, meeting, "coalition_full")
    db.session.commit()
    client = login(app.test_client(), others["lead"])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Ask about the budget line for PrEP" in page
    assert "Will make a recommendation on HIV key populations" in client.get(
        f"/outcomes/meetings/{meeting.id}").get_data(as_text=True)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    with pytest.raises(PermissionDenied):
        access.set_sharing(others["lead"], WHEN, meeting, "private")


def test_a_private_meeting_does_not_exist_for_another_member(app, two_members):
    world, others = two_members
    meeting = world.meetings["de"]
    access.set_sharing(world.staff, WHEN, meeting, "private")
    db.session.commit()
    client = login(app.test_client(), others["staff"])
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert "Germany on HIV" not in client.get("/meetings/?when=all").get_data(as_text=True)
    # Its own member still sees it.
    assert login(app.test_client(), world.staff).get(f"/meetings/{meeting.id}").status_code == 200


def test_the_secretariats_admin_adds_a_member_and_moves_a_user_on_the_members_page(app, admin_user, staff_user):
    from tests.access.conftest import sign_in
    client = sign_in(app, admin_user)
    assert 'id="members-link"' not in client.get("/admin/users").get_data(as_text=True)  # one organisation
    page = client.get("/admin/members")
    assert page.status_code == 200
    refused = client.post("/admin/members", data={"name": "", "short_name": "KHRC", "default_sharing": "private",
                                                  "csrf_token": _csrf(page)})
    assert "Give the member organisation" in refused.get_data(as_text=True) and members.count_members() == 1
    added = client.post("/admin/members", data={"name": "Kenya Human Rights Commission", "short_name": "KHRC",
                                                "default_sharing": "private", "csrf_token": _csrf(page)})
    assert added.status_code == 302 and members.count_members() == 2
    khrc = members.find_member("khrc")
    assert khrc.default_sharing == "private"
    client.post(f"/admin/users/{staff_user.id}/member", data={"member_id": khrc.id, "csrf_token": _csrf(page)})
    db.session.expire_all()
    assert staff_user.member_id == khrc.id
    assert 'id="members-link"' in client.get("/admin/users").get_data(as_text=True)
    # A member's own admin does not run the coalition.
    other_admin = factories.make_user(role="admin", email="admin@khrc.example.org")
    other_admin.member_id = khrc.id
    db.session.commit()
    assert sign_in(app, other_admin).get("/admin/members").status_code == 403


def _csrf(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_the_command_line_adds_a_member_and_moves_a_user(app, runner, staff_user):
    result = runner.invoke(args=["engage", "add-member", "Kenya Human Rights Commission", "--short-name", "KHRC"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["engage", "move-user", staff_user.email, "KHRC"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert staff_user.member_id == members.find_member("KHRC").id
    assert runner.invoke(args=["engage", "move-user", staff_user.email, "Nobody"]).exit_code == 1


def test_booking_the_mission_another_member_met_shows_it_with_a_link_and_books_all_the_same(app, two_members):
    from datetime import UTC, datetime

    from engage.meetings import services as meetings
    world, others = two_members
    germany = world.meetings["de"]  # the first member's, 10 Nov 2026, shared in summary
    app.config["ENGAGE_COALITION_WINDOW_DAYS"] = 30  # a setting: three weeks and more apart
    client = login(app.test_client(), others["staff"])
    change = meetings.schedule_meeting(others["staff"], WHEN, {
        "title": "KHRC with Germany", "starts_at": datetime(2026, 12, 2, 7, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "timezone": "Africa/Nairobi",
        "organiser": others["staff"].id, "attendees": [{"contact_id": world.contacts["de"].id}],
        "notify": False})
    db.session.commit()
    page = client.get(f"/meetings/{change.meeting.id}").get_data(as_text=True)
    home = db.session.get(Member, germany.member_id).short_name
    assert f"{home} met Embassy of Germany, Nairobi on Tue 10 Nov 2026" in page
    assert f'href="/meetings/{germany.id}"' in page
    # Private, it is not pointed out; outside the window neither.
    access.set_sharing(world.staff, WHEN, germany, "private")
    db.session.commit()
    assert 'id="coalition-nearby"' not in client.get(f"/meetings/{change.meeting.id}").get_data(as_text=True)
    # And the first member sees the second's booking pointed out on its own meeting.
    first = login(app.test_client(), world.staff).get(f"/meetings/{germany.id}").get_data(as_text=True)
    assert re.search(r"KHRC (will meet|met) Embassy of Germany, Nairobi on Wed 2 Dec 2026", first)
    app.config["ENGAGE_COALITION_WINDOW_DAYS"] = 7
    assert 'id="coalition-nearby"' not in login(app.test_client(), world.staff).get(
        f"/meetings/{germany.id}").get_data(as_text=True)


def test_the_meetings_member_sets_what_the_others_see_on_its_page(app, two_members):
    world, others = two_members
    meeting = world.meetings["de"]
    lead = login(app.test_client(), world.lead)
    page = lead.get(f"/meetings/{meeting.id}")
    assert 'id="access-sharing"' in page.get_data(as_text=True)
    answer = lead.post(f"/access/meeting/{meeting.id}/sharing", data={"sharing": "coalition_full", "csrf_token": _csrf(page)})
    assert answer.status_code == 302
    db.session.expire_all()
    assert meeting.sharing == "coalition_full"
    refused = lead.post(f"/access/meeting/{meeting.id}/sharing", data={"sharing": "everyone", "csrf_token": _csrf(page)},
                        follow_redirects=True)
    assert "Choose private, coalition_summary or coalition_full" in refused.get_data(as_text=True)
    # The other member's lead sees no such control, and may not post it.
    other = login(app.test_client(), others["lead"])
    page = other.get(f"/meetings/{meeting.id}")
    assert 'id="access-sharing"' not in page.get_data(as_text=True)
    assert other.post(f"/access/meeting/{meeting.id}/sharing", data={"sharing": "private", "csrf_token": _csrf(page)},
                      follow_redirects=True).status_code in (200, 403)
    db.session.expire_all()
    assert meeting.sharing == "coalition_full"


def test_the_api_names_the_member_of_each_meeting_in_a_coalition_and_filters_by_it(app, two_members):
    world, others = two_members
    home_id = world.meetings["de"].member_id
    api = ApiClient(app.test_client(), factories.make_token(others["staff"]))
    listed = api.get("/api/v1/meetings?when=all").get_json()
    assert {(m["member_id"], m["sharing"]) for m in listed["items"]} == {(home_id, "coalition_summary")}
    one = api.get(f"/api/v1/meetings/{world.meetings['de'].id}").get_json()
    assert (one["member_id"], one["sharing"]) == (home_id, "coalition_summary")
    khrc_id = others["staff"].member_id
    assert api.get(f"/api/v1/meetings?member_id={khrc_id}").get_json()["total"] == 0
    mine = api.get(f"/api/v1/meetings?member_id={home_id}").get_json()
    assert mine["total"] == listed["total"] == len(mine["items"])
    assert api.get("/api/v1/meetings?member_id=x").status_code == 422
    document = api.get("/api/v1/openapi.json").get_json()
    assert "member_id" in document["components"]["schemas"]["Meeting"]["properties"]
    page = login(app.test_client(), others["staff"]).get(f"/meetings/?when=all&member={khrc_id}")
    assert 'id="member"' in page.get_data(as_text=True) and "Germany on HIV" not in page.get_data(as_text=True)


def test_a_members_admin_keeps_its_own_people_and_the_secretariats_keep_everyone(app, two_members, admin_user):
    from engage.auth import services as auth
    world, others = two_members
    khrc_admin = auth.create_user(others["lead"], WHEN, "admin@khrc.example.org", "KHRC Admin", "admin",
                                  factories.PASSWORD)
    assert khrc_admin.member_id == others["lead"].member_id  # a new account is its adder's member's
    db.session.commit()
    assert {u.email for u in auth.user_list("", khrc_admin)} == {"staff@khrc.example.org", "lead@khrc.example.org",
                                                                 "admin@khrc.example.org"}
    assert auth.user_count(khrc_admin) == 3 and auth.user_count(admin_user) == auth.user_count()
    with pytest.raises(PermissionDenied):
        auth.set_role(khrc_admin, WHEN, world.staff, "lead")
    with pytest.raises(PermissionDenied):
        auth.set_disabled(khrc_admin, WHEN, world.staff, True)
    auth.set_role(khrc_admin, WHEN, others["staff"], "lead")
    auth.set_role(admin_user, WHEN, others["lead"], "admin")  # the secretariat's admin
    db.session.commit()
    assert (others["staff"].role, others["lead"].role) == ("lead", "admin")


def test_a_contacts_notes_are_the_adding_members_and_the_rest_of_the_directory_is_shared(app, two_members):
    world, others = two_members
    contact = world.contacts["de"]
    contact.notes = "Prefers to meet after the budget speech"
    db.session.commit()
    client = login(app.test_client(), others["staff"])
    page = client.get(f"/directory/contacts/{contact.id}").get_data(as_text=True)
    assert "Diplomat DE" in page and "diplomat-de@example.org" in page and "budget speech" not in page
    api = ApiClient(app.test_client(), factories.make_token(others["staff"]))
    body = api.get(f"/api/v1/contacts/{contact.id}").get_json()
    assert body["email"] == "diplomat-de@example.org" and body["notes"] is None
    assert "budget speech" not in client.get("/directory/contacts/export.csv", follow_redirects=True).get_data(as_text=True)
    assert "budget speech" in login(app.test_client(), world.staff).get(
        f"/directory/contacts/{contact.id}").get_data(as_text=True)


def test_the_api_names_the_member_of_each_outcome_only_in_a_coalition(app, staff_user, lead_user, admin_user):
    world = make_world(staff_user, lead_user)
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    outcome_id = world.outcomes["de_hiv"].id
    assert "member_id" not in api.get(f"/api/v1/outcomes/{outcome_id}").get_json()
    assert all("member_id" not in o for o in api.get("/api/v1/outcomes").get_json()["items"])
    members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.commit()
    body = api.get(f"/api/v1/outcomes/{outcome_id}").get_json()
    assert body["member_id"] == world.meetings["de"].member_id
    assert all(o["member_id"] == body["member_id"] for o in api.get("/api/v1/outcomes").get_json()["items"])


def test_the_booking_form_tells_of_another_members_meeting_before_booking_on_the_same_ask(app, two_members):
    from tests.asks.helpers import make_ask
    from tests.meetings.conftest import booking
    world, others = two_members
    germany, diplomat = world.meetings["de"], world.contacts["de"]  # the first member's, 10 Nov 2026
    ask = make_ask(world.lead)
    germany.asks.append(ask)
    db.session.commit()
    home = db.session.get(Member, germany.member_id).short_name
    app.config["ENGAGE_COALITION_WINDOW_DAYS"] = 7
    client = login(app.test_client(), others["staff"])
    said = re.compile(rf"{home} (met|will meet) Embassy of Germany, Nairobi on Tue 10 Nov 2026")
    # Opened from the contact's page with a date: server-rendered, before anything is saved.
    link = f"/meetings/new?contact_id={diplomat.id}&organisation_id={diplomat.organisation_id}&date=2026-11-12"
    page = client.get(link).get_data(as_text=True)
    assert said.search(page) and f'href="/meetings/{germany.id}"' in page and "on the same ask" not in page
    page = client.get(f"{link}&ask_id={ask.id}").get_data(as_text=True)
    assert said.search(page) and "on the same ask" in page
    # Attendees chosen on the form (no script: "Show the times" sends it back) say the same.
    chosen = booking(others["staff"], [diplomat], date="2026-11-15", start_time="10:00", end_time="11:00",
                     ask_ids=[str(ask.id)], preview="1")
    page = client.post("/meetings/new", data=chosen).get_data(as_text=True)
    assert said.search(page) and "on the same ask" in page
    # Outside the window, nothing; a private meeting, nothing; and booking is never refused.
    assert 'id="coalition-nearby"' not in client.post("/meetings/new", data={
        **chosen, "date": "2026-12-01"}).get_data(as_text=True)
    access.set_sharing(world.staff, WHEN, germany, "private")
    db.session.commit()
    assert 'id="coalition-nearby"' not in client.get(f"{link}&ask_id={ask.id}").get_data(as_text=True)
    del chosen["preview"]
    answer = client.post("/meetings/new", data={**chosen, "already_held": "y"})
    assert answer.status_code == 302, re.findall(r'invalid-feedback[^>]*>([^<]+)', answer.get_data(as_text=True))


def test_a_single_organisations_booking_form_warns_of_no_other_member(app, staff_user, lead_user):
    world = make_world(staff_user, lead_user)
    diplomat = world.contacts["de"]
    page = login(app.test_client(), staff_user).get(
        f"/meetings/new?contact_id={diplomat.id}&date=2026-11-10").get_data(as_text=True)
    assert 'id="coalition-nearby"' not in page and not COALITION_WORDS.search(page)


def test_the_secretariat_reads_coverage_for_the_whole_coalition_or_one_member_counts_equal_to_lists(app, two_members):
    from datetime import UTC, datetime

    from engage.meetings.models import Meeting
    from engage.outcomes.models import Outcome
    from engage.reports import queries as reports
    from tests.outcomes.helpers import make_meeting
    world, others = two_members
    sweden = make_meeting(others["staff"], [world.contacts["se"]], datetime(2026, 11, 16, 7, 0, tzinfo=UTC),
                          [world.recs["se_health"]], title="KHRC with Sweden")
    outcomes.log_meeting_outcomes(others["staff"], WHEN, sweden, "Sweden is keen.", world.orgs["se"].id,
                                  [{"recommendation_id": world.recs["se_health"].id, "position": "supportive"}])
    access.set_sharing(others["staff"], WHEN, sweden, "coalition_full")
    db.session.commit()
    home, khrc = world.meetings["de"].member_id, sweden.member_id
    secretariat = world.lead  # the first member is the secretariat

    def listed(member_id):
        """What the reader lists: the states of the held meetings' organisations, the outcomes discussed."""
        meetings = [m for m in db.session.scalars(access.select_visible(secretariat, Meeting))
                    if m.status != "cancelled" and m.ends_at.replace(tzinfo=UTC) <= WHEN
                    and m.starts_at.replace(tzinfo=UTC) >= datetime(2025, 1, 1, tzinfo=UTC)
                    and member_id in (None, m.member_id)]
        states = {a.contact.organisation.country for m in meetings for a in m.contact_attendees}
        discussed = [o for o in db.session.scalars(access.select_visible(secretariat, Outcome))
                     if o.meeting in meetings and o.recommendation_id and o.position != "not_discussed"]
        return states, len(discussed)

    for member_id, states in ((None, {"DE", "FR", "SE"}), (home, {"DE", "FR"}), (khrc, {"SE"})):
        cov = reports.coverage(WHEN, actor=secretariat, member_id=member_id, by="recommendation")
        assert {r.state for r in cov.rows if r.met} == states == listed(member_id)[0]
        assert sum(r.cells["all"].discussed for r in cov.rows) == listed(member_id)[1]
    # On the page: the secretariat chooses; another member's lead is not offered it and ?member= changes nothing.
    page = login(app.test_client(), secretariat).get(f"/reports/coverage?member={khrc}").get_data(as_text=True)
    assert "Whole coalition" in page and re.search(rf'<option value="{khrc}" selected>KHRC</option>', page)
    bad = login(app.test_client(), secretariat).get("/reports/coverage?member=99999")
    assert bad.status_code == 400 and "Choose the whole coalition or a member" in bad.get_data(as_text=True)
    theirs = login(app.test_client(), others["lead"])
    assert "Whole coalition" not in theirs.get(f"/reports/coverage?member={home}").get_data(as_text=True)
    # Kept private, KHRC's meeting counts for nobody else, even chosen alone.
    access.set_sharing(others["staff"], WHEN, sweden, "private")
    db.session.commit()
    assert not [r for r in reports.coverage(WHEN, actor=secretariat, member_id=khrc, by="recommendation").rows
                if r.met] and listed(khrc) == (set(), 0)


def test_a_french_speaking_member_reads_the_coalition_warning_in_french(app, two_members):
    from datetime import UTC, datetime

    from engage.meetings import services as meetings
    world, others = two_members
    germany = world.meetings["de"]  # the first member's, 10 Nov 2026, shared in summary
    app.config["ENGAGE_COALITION_WINDOW_DAYS"] = 30
    others["staff"].language = "fr"
    client = login(app.test_client(), others["staff"])
    change = meetings.schedule_meeting(others["staff"], WHEN, {
        "title": "KHRC with Germany", "starts_at": datetime(2026, 12, 2, 7, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "timezone": "Africa/Nairobi",
        "organiser": others["staff"].id, "attendees": [{"contact_id": world.contacts["de"].id}],
        "notify": False})
    db.session.commit()
    page = client.get(f"/meetings/{change.meeting.id}").get_data(as_text=True)
    home = db.session.get(Member, germany.member_id).short_name
    assert f"{home} a rencontré Embassy of Germany, Nairobi le mardi 10 novembre 2026" in page
    assert " met Embassy of Germany" not in page
