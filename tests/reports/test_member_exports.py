"""Exports per member and for the coalition: the meetings, engagement log, follow-up and coverage exports
say whose each row is and take `?member=`, each holding only what the visibility policy lets the reader
see; on a single organisation's install they are exactly as before (no member column)."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from engage.access import services as access
from engage.extensions import db
from engage.members import services as members
from engage.outcomes.models import FollowUp, Outcome
from tests import factories
from tests.access.conftest import sign_in
from tests.outcomes.helpers import WHEN

EXPORTS = ["/meetings/export.csv?when=all", "/reports/log.csv", "/reports/follow-ups.csv?state=all",
           "/reports/coverage.csv"]


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _header(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("url", EXPORTS)
def test_a_single_organisations_exports_have_no_member_column(url, world, lead_client, frozen):
    header = _header(lead_client.get(url))
    assert "member" not in header and header
    # ?member= is not a choice there: it changes nothing.
    assert _header(lead_client.get(url + ("&" if "?" in url else "?") + "member=1")) == header


def test_a_single_organisations_follow_ups_export_lists_its_actions(world, lead_client, frozen):
    rows = _rows(lead_client.get("/reports/follow-ups.csv?state=all"))
    assert [r["description"] for r in rows] == ["Send France the shadow report"]
    assert rows[0]["meeting_title"] == "France in Geneva" and rows[0]["owner"]
    book = load_workbook(io.BytesIO(lead_client.get("/reports/follow-ups.xlsx?state=all").get_data()), read_only=True)
    assert [r[1] for r in book["Follow-up actions"].iter_rows(values_only=True)] == [
        "description", "Send France the shadow report"]


@pytest.fixture
def coalition(world, lead_user, frozen):
    """The world's meetings are the secretariat's: Germany shared in summary, Brazil kept private. France's
    meeting (with its outcomes and follow-up) is KHRC's, shared in full. Each member has a lead."""
    secretariat = members.secretariat_id()
    khrc = members.create_member(None, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    khrc_lead = factories.make_user(role="lead", email="lead@khrc.example.org")
    khrc_lead.member_id = khrc.id
    france = world.meetings["fr"]
    france.member_id = khrc.id
    for outcome in db.session.scalars(db.select(Outcome).where(Outcome.meeting_id == france.id)):
        outcome.member_id = khrc.id
        for follow_up in db.session.scalars(db.select(FollowUp).where(FollowUp.outcome_id == outcome.id)):
            follow_up.member_id = khrc.id
    db.session.commit()
    access.set_sharing(lead_user, WHEN, world.meetings["de"], "coalition_summary")
    access.set_sharing(lead_user, WHEN, world.meetings["br"], "private")
    france.sharing = "coalition_full"
    db.session.commit()
    return {"secretariat": secretariat, "khrc": khrc.id, "khrc_lead": khrc_lead,
            "names": members.short_names()}


def test_the_meetings_export_names_each_meetings_member_and_holds_what_the_reader_may_see(world, coalition, app,
                                                                                       lead_user):
    names = coalition["names"]
    khrc = sign_in(app, coalition["khrc_lead"])
    rows = {r["title"]: r["member"] for r in _rows(khrc.get("/meetings/export.csv?when=all"))}
    # KHRC's own, and the secretariat's meeting shared in summary; not the private one.
    assert rows == {"France in Geneva": "KHRC", "Germany on HIV": names[coalition["secretariat"]]}
    secretariat = sign_in(app, lead_user)
    rows = {r["title"]: r["member"] for r in _rows(secretariat.get("/meetings/export.csv?when=all"))}
    assert rows == {"France in Geneva": "KHRC", "Germany on HIV": names[coalition["secretariat"]],
                    "Brazil before the cycle": names[coalition["secretariat"]]}
    only = _rows(secretariat.get(f"/meetings/export.csv?when=all&member={coalition['khrc']}"))
    assert [r["title"] for r in only] == ["France in Geneva"]
    # One member asking for another's meetings gets what that member shares with it, nothing more.
    theirs = _rows(khrc.get(f"/meetings/export.csv?when=all&member={coalition['secretariat']}"))
    assert [r["title"] for r in theirs] == ["Germany on HIV"]


def test_the_engagement_log_export_holds_outcomes_only_of_meetings_shared_in_full(world, coalition, app, lead_user):
    khrc = sign_in(app, coalition["khrc_lead"])
    rows = _rows(khrc.get("/reports/log.csv"))
    # Germany is shared in summary: not one of its outcomes, nor their texts; Brazil is private.
    assert {r["meeting_title"] for r in rows} == {"France in Geneva"}
    assert {r["member"] for r in rows} == {"KHRC"}
    secretariat = sign_in(app, lead_user)
    everyone = _rows(secretariat.get("/reports/log.csv"))
    assert {r["meeting_title"] for r in everyone} == {"France in Geneva", "Germany on HIV", "Brazil before the cycle"}
    mine = _rows(secretariat.get(f"/reports/log.csv?member={coalition['secretariat']}"))
    assert "France in Geneva" not in {r["meeting_title"] for r in mine} and mine
    book = load_workbook(io.BytesIO(secretariat.get(f"/reports/log.xlsx?member={coalition['khrc']}").get_data()),
                         read_only=True)
    header, *body = list(book["Engagement log"].iter_rows(values_only=True))
    assert header[-1] == "member" and body and {r[-1] for r in body} == {"KHRC"}
    assert secretariat.get("/reports/log.csv?member=999").status_code == 400


def test_the_follow_ups_export_names_the_member_and_narrows_to_one(world, coalition, app, lead_user):
    secretariat = sign_in(app, lead_user)
    rows = _rows(secretariat.get("/reports/follow-ups.csv?state=all"))
    assert [(r["description"], r["member"]) for r in rows] == [("Send France the shadow report", "KHRC")]
    assert _rows(secretariat.get(f"/reports/follow-ups.csv?state=all&member={coalition['secretariat']}")) == []
    assert secretariat.get("/reports/follow-ups.csv?member=abc").status_code == 400
    # Shared in summary, the meeting's follow-ups stay its member's.
    db.session.get(type(world.meetings["fr"]), world.meetings["fr"].id).sharing = "coalition_summary"
    db.session.commit()
    assert _rows(secretariat.get("/reports/follow-ups.csv?state=all")) == []


def test_the_coverage_export_names_the_members_that_met_each_state(world, coalition, app, lead_user):
    names = coalition["names"]
    secretariat = sign_in(app, lead_user)
    rows = {r["recommending_state"]: r["member"] for r in _rows(secretariat.get("/reports/coverage.csv"))}
    assert rows["FR"] == "KHRC" and rows["DE"] == names[coalition["secretariat"]] and rows["SE"] == ""
    only = {r["recommending_state"]: r["member"]
            for r in _rows(secretariat.get(f"/reports/coverage.csv?member={coalition['khrc']}"))}
    assert only["FR"] == "KHRC" and only["DE"] == ""
    book = load_workbook(io.BytesIO(secretariat.get("/reports/coverage.xlsx").get_data()), read_only=True)
    header = next(book["Coverage"].iter_rows(values_only=True))
    assert header[-1] == "member"
    khrc = {r["recommending_state"]: r["member"] for r in _rows(sign_in(app, coalition["khrc_lead"])
                                                                .get("/reports/coverage.csv"))}
    # KHRC sees Germany's meeting (shared in summary) as met by the secretariat; never Brazil's private one.
    assert khrc["FR"] == "KHRC" and khrc["DE"] == names[coalition["secretariat"]]


def test_the_outcomes_api_filters_by_member_in_a_coalition_only(world, app, lead_user, frozen):
    from tests.conftest import ApiClient
    api = ApiClient(app.test_client(), factories.make_token(lead_user))
    alone = api.get("/api/v1/outcomes?member_id=999")
    assert alone.status_code == 200 and alone.get_json()["total"] == 7  # not a choice: nothing changes
    members.create_member(None, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.commit()
    assert api.get(f"/api/v1/outcomes?member_id={members.secretariat_id()}").get_json()["total"] == 7
    refused = api.get("/api/v1/outcomes?member_id=999")
    assert refused.status_code == 422 and "member_id" in refused.get_json()["error"]["fields"]
