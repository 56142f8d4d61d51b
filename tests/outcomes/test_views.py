"""Outcome pages: logging through the form, the engagement log's filters, follow-ups, the query count."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select

from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outcomes import services
from engage.outcomes.models import FollowUp, Outcome
from engage.outcomes import log
from tests import factories
from tests.outcomes.helpers import make_meeting
from tests.conftest import sqlite_only


def _form(meeting, recs, **extra):
    data = {"summary": "Sweden will raise health coverage.", "organisation_id": "",
            "other_recommendation_id": "", "other_position": "supportive"}
    for i, rec in enumerate(recs):
        data.update({f"items-{i}-recommendation_id": str(rec.id), f"items-{i}-position": "will_raise",
                     f"items-{i}-commitment": f"Commit {i}", f"items-{i}-summary": "", f"items-{i}-notes": ""})
    for i in range(3):
        data.update({f"follow_ups-{i}-description": "", f"follow_ups-{i}-owner_id": "", f"follow_ups-{i}-due_on": ""})
    data.update(extra)
    return data


def test_staff_log_an_outcome_through_the_form(world, staff_client, frozen):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]], title="Sweden on health")
    page = staff_client.get(f"/outcomes/meetings/{meeting.id}/log")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "142.77" in html and 'for="items-0-position"' in html
    data = _form(meeting, [world.recs["se_health"]], organisation_id=str(world.orgs["se"].id),
                 other_recommendation_id=str(world.recs["de_edu"].id), other_position="opposed",
                 **{"follow_ups-0-description": "Send the brief", "follow_ups-0-owner_id": str(world.staff.id),
                    "follow_ups-0-due_on": "2026-12-03"})
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/log", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    shown = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sweden will raise health coverage." in shown and "Will raise it in the review" in shown
    assert "Opposed" in shown and "Send the brief" in shown
    assert db.session.get(Meeting, meeting.id).status == "held"
    positions = dict(db.session.execute(select(Outcome.recommendation_id, Outcome.position)
                                        .where(Outcome.meeting_id == meeting.id)).all())
    assert positions == {None: None, world.recs["se_health"].id: "will_raise", world.recs["de_edu"].id: "opposed"}


def test_a_bad_form_shows_errors_beside_fields_and_saves_nothing(world, staff_client, frozen):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]])
    before = db.session.scalar(select(func.count()).select_from(Outcome))
    data = _form(meeting, [world.recs["se_health"]], summary="",
                 **{"follow_ups-0-description": "Call back", "follow_ups-0-owner_id": str(world.staff.id),
                    "follow_ups-0-due_on": ""})
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/log", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write what the meeting achieved." in html
    assert db.session.scalar(select(func.count()).select_from(Outcome)) == before
    # With a summary, the follow-up row without a date is refused beside its field.
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/log", data={**data, "summary": "Fine"})
    assert response.status_code == 422
    assert "This is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Outcome)) == before


def test_someone_not_on_the_meeting_is_refused(world, app, frozen):
    from tests.conftest import login
    stranger = factories.make_user(role="staff", email="stranger@example.org")
    client = login(app.test_client(), stranger)
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    response = client.post(f"/outcomes/meetings/{meeting.id}/log", data=_form(meeting, []))
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Outcome).where(Outcome.meeting_id == meeting.id)) == 0


def test_edit_through_the_form_keeps_history(world, staff_client, frozen):
    outcome = world.outcomes["fr_hiv"]
    response = staff_client.post(f"/outcomes/{outcome.id}/edit", data={
        "recommendation_id": str(outcome.recommendation_id), "organisation_id": str(outcome.organisation_id),
        "position": "supportive", "summary": outcome.summary, "commitment": "Will co-sponsor a statement",
        "notes": ""})
    assert response.status_code == 302
    page = staff_client.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Will co-sponsor a statement" in page
    assert "position: undecided → supportive" in page and "Test" not in page[:0]


def _ids(args):
    f = log.parse_log_filters(args)
    return {o.id for o in db.session.scalars(log.engagement_log_query(f))}


def test_every_filter_of_the_log(world, now):
    o = world.outcomes
    every = {x.id for x in o.values()}
    assert _ids({}) == every
    assert _ids({"from": "2026-11-15"}) == {o["fr_overall"].id, o["fr_hiv"].id}
    assert _ids({"to": "2026-11-10"}) == every - {o["fr_overall"].id, o["fr_hiv"].id}
    assert _ids({"from": "2026-11-10", "to": "2026-11-10"}) == {o["de_overall"].id, o["de_hiv"].id, o["de_edu"].id}
    assert _ids({"cycle": "3"}) == {o["de_edu"].id, o["br_hiv"].id}
    assert _ids({"theme": "hiv/aids"}) == {o["de_hiv"].id, o["fr_hiv"].id, o["br_hiv"].id}
    assert _ids({"recommendation_id": str(world.recs["fr_hiv"].id)}) == {o["fr_hiv"].id}
    assert _ids({"reference": "142.1"}) == {o["de_hiv"].id}
    assert _ids({"state": "Germany"}) == {o["de_hiv"].id, o["de_edu"].id}
    assert _ids({"state": "FR", "theme": "HIV/AIDS"}) == {o["fr_hiv"].id}
    assert _ids({"organisation_id": str(world.orgs["br"].id)}) == {o["br_overall"].id, o["br_hiv"].id}
    assert _ids({"organisation": "mission of france"}) == {o["fr_overall"].id, o["fr_hiv"].id}
    assert _ids({"contact_id": str(world.contacts["de"].id)}) == {o["de_overall"].id, o["de_hiv"].id, o["de_edu"].id}
    assert _ids({"city": "Geneva"}) == {o["fr_overall"].id, o["fr_hiv"].id}
    assert _ids({"staff_id": str(world.other_staff.id)}) == {o["fr_overall"].id, o["fr_hiv"].id}
    assert _ids({"position": "supportive"}) == {o["de_hiv"].id, o["br_hiv"].id}
    assert _ids({"commitment": "yes"}) == {o["de_hiv"].id, o["br_hiv"].id}
    assert _ids({"q": "capital"}) == {o["fr_overall"].id, o["fr_hiv"].id}
    assert _ids({"q": "key POPULATIONS recommendation"}) == {o["de_hiv"].id}
    assert _ids({"q": "January"}) == {o["fr_hiv"].id}                   # notes are searched too
    assert _ids({"q": "100%_"}) == set()                                 # LIKE wildcards are literal


@pytest.mark.parametrize("sort, first", [("-date", "fr"), ("date", "br"), ("organisation", "br"),
                                         ("-logged", None)])
def test_the_log_sorts(world, sort, first):
    f = log.parse_log_filters({"sort": sort})
    rows = list(db.session.scalars(log.engagement_log_query(f)))
    assert len(rows) == 7
    if first:
        assert rows[0].meeting_id == world.meetings[first].id


@sqlite_only
@pytest.mark.parametrize("args, label", [({"from": "28/11/2026"}, "From"), ({"cycle": "100"}, "UPR cycle"),
                                          ({"theme": "Astrology"}, "Theme"), ({"state": "Atlantis"}, "Recommending state"),
                                          ({"position": "ecstatic"}, "Position"), ({"sort": "random"}, "Sort by"),
                                          ({"from": "2026-12-01", "to": "2026-11-01"}, "To"),
                                          ({"from": "2026-11-01T10:00:00"}, "From"),
                                          ({"organisation_id": "abc"}, "Organisation")])
def test_bad_filters_are_named_with_a_400(world, staff_client, frozen, args, label):
    response = staff_client.get("/outcomes/", query_string=args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Some filters could not be used" in html and f"{label} —" in html  # the filter's label, as the form shows it


def test_the_log_page_filters_by_theme_and_state(world, staff_client, frozen):
    html = staff_client.get("/outcomes/?theme=HIV%2FAIDS&state=FR").get_data(as_text=True)
    assert "<strong>1</strong> outcome," in html
    assert "France is still consulting" in html and "Good meeting on key populations" not in html
    empty = staff_client.get("/outcomes/?q=nothing-like-this").get_data(as_text=True)
    assert "No outcomes match" in empty


def test_the_log_shows_a_meeting_s_overall_summary_once_not_on_every_row_without_words_of_its_own(
        world, staff_client, frozen):
    # Germany's two recommendations were logged without summaries of their own: they carry the overall one.
    html = staff_client.get(f"/outcomes/?organisation_id={world.orgs['de'].id}").get_data(as_text=True)
    assert "<strong>3</strong> outcomes" in html
    assert html.count("Good meeting on key populations.") == 1
    assert html.count("Same summary as above") == 2
    # A row with words of its own keeps them (France's recommendation row is its own meeting's first).
    html = staff_client.get("/outcomes/?state=FR").get_data(as_text=True)
    assert "France is still consulting" in html and "Same summary as above" not in html


def test_staff_see_the_log_without_export_links_leads_with(world, app, frozen):
    from tests.conftest import login
    staff_html = login(app.test_client(), world.staff).get("/outcomes/").get_data(as_text=True)
    assert "Engagement log" in staff_html and "Download XLSX" not in staff_html


def test_leads_get_export_links_with_the_filters(world, lead_client, frozen):
    import re
    html = lead_client.get("/outcomes/?theme=HIV%2FAIDS").get_data(as_text=True)
    link = re.search(r'href="(/reports/log\.xlsx\?[^"]*)"', html).group(1)
    assert link in ("/reports/log.xlsx?theme=HIV/AIDS", "/reports/log.xlsx?theme=HIV%2FAIDS")


def test_follow_ups_list_overdue_first_and_mark_done(world, staff_client, frozen, now):
    later = services.add_follow_up(world.staff, now, world.outcomes["de_overall"],
                                   {"description": "Thank the ambassador", "owner_id": world.staff.id,
                                    "due_on": date(2026, 12, 5)})
    db.session.commit()
    html = staff_client.get("/outcomes/follow-ups").get_data(as_text=True)
    assert html.index("Send France the shadow report") < html.index("Thank the ambassador")
    assert "Overdue" in html and "1 overdue" in html
    overdue = world.outcomes["fr_overall"].follow_ups[0]
    response = staff_client.post(f"/outcomes/follow-ups/{overdue.id}/status",
                                 data={"status": "done", "next": "/outcomes/follow-ups"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, overdue.id).status == "done"
    html = staff_client.get("/outcomes/follow-ups").get_data(as_text=True)
    assert "is now done" in html   # the flash
    assert "<td>Send France the shadow report</td>" not in html and "<td>Thank the ambassador</td>" in html
    done = staff_client.get("/outcomes/follow-ups?state=done").get_data(as_text=True)
    assert "<td>Send France the shadow report</td>" in done
    assert later.id


def _statements_for(client, url) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _more_outcomes(world, now, n):
    for i in range(n):
        meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 10, 1 + i % 28, 8, 0, tzinfo=UTC),
                               [world.recs["se_health"]], staff=[world.other_staff])
        outcome = services.create_outcome(world.staff, now, meeting, {
            "summary": f"Extra {i}", "recommendation_id": world.recs["se_health"].id, "position": "supportive",
            "commitment": "More"}, [{"description": "Act", "owner_id": world.other_staff.id, "due_on": "2026-12-01"}])
        outcome.created_by_id = (world.staff if i % 2 else world.lead).id
    db.session.commit()


def test_the_log_page_issues_as_many_statements_for_5_outcomes_as_for_50(world, staff_client, frozen, now):
    url = "/outcomes/?theme=Right+to+health&sort=-date"
    db.session.execute(db.delete(FollowUp))
    db.session.execute(db.delete(Outcome))
    db.session.commit()
    _more_outcomes(world, now, 5)
    few = _statements_for(staff_client, url)
    assert "<strong>5</strong> outcomes" in staff_client.get(url).get_data(as_text=True)
    _more_outcomes(world, now, 45)
    many = _statements_for(staff_client, url)
    assert "<strong>50</strong> outcomes" in staff_client.get(url).get_data(as_text=True)
    assert few == many


@pytest.mark.parametrize("value", ["abc", "99999999999", "-1", "0"])
def test_a_tampered_recommendation_id_is_a_4xx(world, staff_client, frozen, value):
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    data = _form(meeting, [world.recs["se_health"]], **{"items-0-recommendation_id": value})
    response = staff_client.post(f"/outcomes/meetings/{meeting.id}/log", data=data)
    assert response.status_code in (302, 422)   # "0" is a blank row: logged without it
    if response.status_code == 422:
        assert "recommendation" in response.get_data(as_text=True)


def test_the_log_lists_the_meetings_still_awaiting_their_outcome(world, staff_client, frozen):
    waiting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           title="Sweden, no outcome yet")
    make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 26, 8, 0, tzinfo=UTC), status="cancelled",
                 title="Cancelled one")
    make_meeting(world.lead, [world.contacts["se"]], datetime(2026, 11, 26, 9, 0, tzinfo=UTC), title="Not mine")
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    section = html[html.index("Meetings awaiting their outcome"):html.index("</section>")]
    assert "Sweden, no outcome yet" in section and f"/outcomes/meetings/{waiting.id}/log" in section
    assert "Cancelled one" not in section and "Not mine" not in section and "Germany on HIV" not in section


def test_the_log_shows_typed_markup_as_text(world, staff_client, frozen, now):
    # The log's rows are written in Python (log_html), escaped as the templates' autoescape would.
    meeting = make_meeting(world.staff, [world.contacts["se"]], datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                           [world.recs["se_health"]], title='Sweden <b>"bold"</b>')
    services.create_outcome(world.staff, now, meeting, {
        "summary": "<script>alert('x')</script> & more", "recommendation_id": world.recs["se_health"].id,
        "position": "supportive", "commitment": "Fund <i>it</i>"}, [])
    db.session.commit()
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert "Sweden &lt;b&gt;&#34;bold&#34;&lt;/b&gt;</a>" in html and "Fund &lt;i&gt;it&lt;/i&gt;" in html


# ---- a due date in the past is asked about, not silently saved ----

def test_a_follow_up_due_in_the_past_is_asked_about_then_kept(world, lead_client, frozen):
    outcome = world.outcomes["fr_overall"]
    before = db.session.query(FollowUp).count()
    row = {"description": "Send the briefing", "owner_id": str(world.staff.id), "due_on": "2026-11-01"}
    asked = lead_client.post(f"/outcomes/{outcome.id}/follow-ups", data={**row, "description": ""})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "That date has passed" in page and "Keep this date" in page
    assert "This is required." in page  # the other problem, in the same answer
    assert db.session.query(FollowUp).count() == before
    kept = lead_client.post(f"/outcomes/{outcome.id}/follow-ups", data={**row, "past_due_ok": "y"})
    assert kept.status_code == 302 and db.session.query(FollowUp).count() == before + 1


def test_editing_a_follow_up_already_overdue_does_not_ask_again(world, lead_client, frozen):
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.due_on < frozen.date())).first()
    assert follow_up is not None
    response = lead_client.post(f"/outcomes/follow-ups/{follow_up.id}/edit", data={
        "description": "Changed words", "owner_id": str(follow_up.owner_id), "due_on": follow_up.due_on.isoformat(),
        "status": follow_up.status})
    assert response.status_code == 302
    assert db.session.get(FollowUp, follow_up.id).description == "Changed words"
