"""The uptake report for a coalition: which member's meetings pitched each ask to each state (and when
first), only from meetings the reader may see; `?member=` (the API's `member_id`) counts one member's
meetings alone; on a single organisation's install nothing of it shows."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from engage.access.services import set_sharing
from engage.extensions import db
from engage.members import services as members
from engage.members.models import Member
from engage.outcomes.models import Outcome
from engage.reports.uptake import uptake_report
from tests import factories
from tests.access.conftest import sign_in
from tests.conftest import NOW, ApiClient
from tests.outcomes.helpers import make_meeting
from tests.reports.uptake_world import UptakeWorld

KHRC_MET_GERMANY = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)  # before the review, after KELIN's 10 Nov


@pytest.fixture
def uptake_world(app, lead_user, staff_user):
    dpo = factories.make_dpo(role="lead", email="dpo-lead@example.org")
    return UptakeWorld(lead_user, staff_user, dpo)


@pytest.fixture
def coalition(uptake_world, lead_user):
    """The world's meetings are the secretariat's (KELIN), shared in summary (the default). KHRC joins:
    its staff met Germany about ask A on 15 Nov (shared in summary) and Sweden on 11 Nov (the world's
    Swedish meeting, with Sweden's "declined", made KHRC's and kept private)."""
    secretariat = db.session.get(Member, members.secretariat_id())
    secretariat.name, secretariat.short_name = "Kenya Legal and Ethical Issues Network", "KELIN"
    khrc = members.create_member(None, NOW, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    khrc_staff = factories.make_user(role="staff", email="staff@khrc.example.org")
    khrc_lead = factories.make_user(role="lead", email="lead@khrc.example.org")
    khrc_staff.member_id = khrc_lead.member_id = khrc.id
    db.session.commit()
    germany = uptake_world.meetings["de"].attendees[0].contact
    met = make_meeting(khrc_staff, [germany], KHRC_MET_GERMANY, title="KHRC with Germany")
    met.asks = [uptake_world.a]
    sweden = uptake_world.meetings["se"]
    sweden.member_id, sweden.sharing = khrc.id, "private"
    for outcome in db.session.scalars(db.select(Outcome).where(Outcome.meeting_id == sweden.id)):
        outcome.member_id = khrc.id
    db.session.commit()
    assert met.member_id == khrc.id and met.sharing == "coalition_summary"
    return {"khrc": khrc.id, "kelin": secretariat.id, "khrc_lead": khrc_lead, "met": met}


def _pitch(report, ask, state):
    item = next(i for i in report.asks if i.ask.id == ask.id)
    return next((p for p in item.pitched if p.state == state), None)


def _by(pitch):
    return [(b.member, b.first_met_on.isoformat()) for b in pitch.pitched_by]


def test_each_pitch_names_the_members_whose_meetings_made_it(uptake_world, coalition, lead_user):
    report = uptake_report(None, NOW, lead_user)
    germany = _pitch(report, uptake_world.a, "DE")
    assert _by(germany) == [("KELIN", "2026-11-10"), ("KHRC", "2026-11-15")]
    assert germany.first_met_on.isoformat() == "2026-11-10" and germany.position == "will_make"
    # KHRC keeps its Swedish meeting private: not a pitch for the secretariat, nor Sweden's answer.
    assert _pitch(report, uptake_world.a, "SE") is None
    states = {s.state: s.pitched_by for s in report.states}
    assert states["DE"] == {(coalition["kelin"], "KELIN"): 1, (coalition["khrc"], "KHRC"): 1}


def test_another_member_sees_the_pitches_the_policy_shows_it(uptake_world, coalition):
    report = uptake_report(None, NOW, coalition["khrc_lead"])
    germany = _pitch(report, uptake_world.a, "DE")
    assert _by(germany) == [("KELIN", "2026-11-10"), ("KHRC", "2026-11-15")]
    # KELIN's meeting is shared in summary: that it took place, on which ask; not what Germany said there.
    assert germany.position is None
    assert _by(_pitch(report, uptake_world.a, "SE")) == [("KHRC", "2026-11-11")]
    set_sharing(uptake_world.lead, NOW, uptake_world.meetings["de"], "private")
    db.session.commit()
    assert _by(_pitch(uptake_report(None, NOW, coalition["khrc_lead"]), uptake_world.a, "DE")) == [
        ("KHRC", "2026-11-15")]


def test_one_members_meetings_alone(uptake_world, coalition, lead_user):
    report = uptake_report(None, NOW, lead_user, coalition["khrc"])
    assert report.member == "KHRC"
    germany = _pitch(report, uptake_world.a, "DE")
    assert _by(germany) == [("KHRC", "2026-11-15")] and germany.first_met_on.isoformat() == "2026-11-15"
    assert germany.position is None  # said at KELIN's meeting, not KHRC's
    assert _pitch(report, uptake_world.b, "FR") is None  # pitched at KELIN's meetings only


def test_the_page_files_and_pdf_say_who_pitched(uptake_world, coalition, app, lead_user, frozen):
    client = sign_in(app, lead_user)
    page = client.get("/reports/uptake").get_data(as_text=True)
    assert "pitched by KELIN on 10 Nov 2026, KHRC on 15 Nov 2026" in page
    assert 'id="member-choice"' in page and "KHRC (1 ask)" in page
    only = client.get(f"/reports/uptake?member={coalition['khrc']}").get_data(as_text=True)
    assert "Counting the meetings of KHRC alone." in only and "pitched by KHRC on 15 Nov 2026" in only
    assert "KELIN on 10 Nov" not in only
    assert f"member={coalition['khrc']}" in only.split('id="uptake-downloads"', 1)[1].split("</div>", 1)[0]
    refused = client.get("/reports/uptake?member=999")
    assert refused.status_code == 400 and "Choose the whole coalition" in refused.get_data(as_text=True)

    asks = list(csv.DictReader(io.StringIO(client.get("/reports/uptake.csv?part=asks").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    row = next(r for r in asks if r["ask_id"] == str(uptake_world.a.id))
    assert "Germany: KELIN 2026-11-10, KHRC 2026-11-15" in row["pitched_by"]
    states = list(csv.DictReader(io.StringIO(client.get("/reports/uptake.csv?part=states").get_data(as_text=True)
                                             .lstrip("\ufeff"))))
    assert next(r for r in states if r["state"] == "DE")["pitched_by"] == "KELIN (1); KHRC (1)"
    book = load_workbook(io.BytesIO(client.get(f"/reports/uptake.xlsx?member={coalition['khrc']}").get_data()),
                         read_only=True)
    header, *rows = list(book["Per state"].iter_rows(values_only=True))
    assert header[-1] == "pitched_by" and {r[0]: r[-1] for r in rows}["DE"] == "KHRC (1)"
    pdf = client.get("/reports/uptake.pdf")
    assert pdf.status_code in (200, 404)  # 404: no Pango on this machine (the page says so)


def test_the_api_names_who_pitched_and_filters_by_member(uptake_world, coalition, app, lead_user):
    api = ApiClient(app.test_client(), factories.make_token(lead_user))
    body = api.get("/api/v1/reports/uptake").get_json()
    ask = next(a for a in body["asks"] if a["id"] == uptake_world.a.id)
    germany = next(p for p in ask["pitched"] if p["state"] == "DE")
    assert [(b["member"], b["first_met_on"]) for b in germany["pitched_by"]] == [
        ("KELIN", "2026-11-10"), ("KHRC", "2026-11-15")]
    assert body["member_id"] is None
    state = next(s for s in body["states"] if s["state"] == "DE")
    assert [(m["member_id"], m["asks_pitched"]) for m in state["pitched_by"]] == [
        (coalition["kelin"], 1), (coalition["khrc"], 1)]
    only = api.get(f"/api/v1/reports/uptake?member_id={coalition['khrc']}").get_json()
    assert only["member_id"] == coalition["khrc"]
    assert {p["state"] for a in only["asks"] for p in a["pitched"]} == {"DE"}
    refused = api.get("/api/v1/reports/uptake?member_id=999")
    assert refused.status_code == 422 and "member_id" in refused.get_json()["error"]["fields"]


def test_a_single_organisation_sees_no_members_in_the_report(uptake_world, app, lead_user, frozen):
    client = sign_in(app, lead_user)
    page = client.get("/reports/uptake?member=1").get_data(as_text=True)
    assert "pitched by" not in page and "member-choice" not in page and "Counting the meetings" not in page
    header = next(csv.reader(io.StringIO(client.get("/reports/uptake.csv?part=states").get_data(as_text=True)
                                         .lstrip("\ufeff"))))
    assert "pitched_by" not in header
    body = ApiClient(app.test_client(), factories.make_token(lead_user)).get(
        "/api/v1/reports/uptake?member_id=5").get_json()
    assert "member_id" not in body
    assert all("pitched_by" not in p for a in body["asks"] for p in a["pitched"])
    assert all("pitched_by" not in s for s in body["states"])
