"""Every download, fetched through a real server by a signed-in user, read to the end and parsed.

Restricted records (the France meeting and its outcomes, one German outcome, the German diplomat)
are left out for people without a grant and are in the file for those with one.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
import vobject
from icalendar import Calendar
from openpyxl import load_workbook

from engage.access import services as access
from engage.extensions import db
from engage.meetings import calendar
from tests import factories
from tests.access.conftest import CONTACT_EMAIL, CONTACT_NAME, MEETING_OUTCOME, MEETING_TITLE, OUTCOME_COMMITMENT
from tests.outcomes.helpers import WHEN

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(reply) -> list[dict]:
    assert reply.status == 200, (reply.status, reply.text[:500])
    assert reply.mimetype == "text/csv", reply.mimetype
    assert "attachment" in reply.headers.get("Content-Disposition", "")
    return list(csv.DictReader(io.StringIO(reply.text)))


def xlsx_rows(reply, sheet=None) -> list[dict]:
    assert reply.status == 200, (reply.status, reply.text[:500])
    assert reply.mimetype == XLSX
    book = load_workbook(io.BytesIO(reply.body), read_only=True)
    rows = list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


@pytest.fixture
def granted_lead(restricted):
    """A lead granted the three restricted records (the reports are for leads)."""
    lead = factories.make_user(role="lead", email="granted-lead@example.org", full_name="Granted Lead")
    dpo = restricted.users["dpo"]
    for record in (restricted.meeting, restricted.outcome, restricted.contact):
        access.grant(dpo, WHEN, record, user=lead)
    db.session.commit()
    return lead


# ---- the directory ----

@pytest.mark.parametrize("role,sees", [("staff", False), ("granted", True), ("dpo", True)])
def test_the_contacts_csv_downloads_whole_without_hidden_people(live_server, restricted, role, sees):
    browser = live_server.sign_in(restricted.users[role])
    rows = csv_rows(browser.get("/directory/contacts/export.csv"))
    names = sorted(r["full_name"] for r in rows)
    assert names == sorted(["Diplomat FR", "Diplomat SE", "Diplomat BR"] + ([CONTACT_NAME] if sees else []))
    assert (CONTACT_EMAIL in {r["email"] for r in rows}) is sees
    assert {r["organisation"] for r in rows if r["full_name"] == "Diplomat FR"} == {
        "Permanent Mission of France, Geneva"}


def test_the_organisations_csv_downloads_whole(live_server, restricted):
    rows = csv_rows(live_server.sign_in(restricted.users["staff"]).get("/directory/organisations/export.csv"))
    assert sorted(r["name"] for r in rows) == sorted(o.name for o in restricted.world.orgs.values())


def test_a_vcard_downloads_and_a_hidden_persons_does_not_exist(live_server, restricted):
    staff = live_server.sign_in(restricted.users["staff"])
    reply = staff.get(f"/directory/contacts/{restricted.world.contacts['fr'].id}.vcf")
    assert reply.status == 200 and reply.mimetype == "text/vcard"
    assert vobject.readOne(reply.text).fn.value == "Diplomat FR"
    assert staff.get(f"/directory/contacts/{restricted.contact.id}.vcf").status == 404
    granted = live_server.sign_in(restricted.users["granted"])
    assert vobject.readOne(granted.get(f"/directory/contacts/{restricted.contact.id}.vcf").text).fn.value \
        == CONTACT_NAME


def test_import_templates_download(live_server, restricted):
    staff = live_server.sign_in(restricted.users["staff"])
    for kind, column in (("contacts", "email"), ("organisations", "kind")):
        reply = staff.get(f"/directory/import/template-{kind}.csv")
        assert reply.status == 200 and column in next(csv.reader(io.StringIO(reply.text)))


# ---- meetings ----

@pytest.mark.parametrize("role,sees", [("staff", False), ("granted", True)])
def test_the_meetings_csv_downloads_without_hidden_meetings(live_server, restricted, role, sees):
    rows = csv_rows(live_server.sign_in(restricted.users[role]).get("/meetings/export.csv?when=all"))
    assert sorted(r["title"] for r in rows) == sorted(
        ["Germany on HIV", "Brazil before the cycle"] + ([MEETING_TITLE] if sees else []))
    germany = next(r for r in rows if r["title"] == "Germany on HIV")
    assert (CONTACT_EMAIL in germany["attendees"]) is sees  # the restricted diplomat attends Germany


def ics_uids(reply) -> set[str]:
    assert reply.status == 200, (reply.status, reply.text[:500])
    assert reply.mimetype == "text/calendar"
    return {str(event["UID"]) for event in Calendar.from_ical(reply.body).walk("VEVENT")}


def test_meeting_calendar_files_download(live_server, restricted):
    staff = live_server.sign_in(restricted.users["staff"])
    brazil, germany = restricted.world.meetings["br"], restricted.world.meetings["de"]
    assert ics_uids(staff.get(f"/meetings/{brazil.id}.ics")) == {brazil.uid}
    reply = staff.get(f"/meetings/{germany.id}.ics")  # the hidden diplomat attends: left out
    assert ics_uids(reply) == {germany.uid} and CONTACT_EMAIL.encode() not in reply.body.lower()
    assert staff.get(f"/meetings/{restricted.meeting.id}.ics").status == 404
    token = {"Authorization": f"Bearer {factories.make_token(restricted.users['staff'])}"}
    assert ics_uids(staff.get(f"/api/v1/meetings/{brazil.id}/ics", headers=token)) == {brazil.uid}
    assert staff.get(f"/api/v1/meetings/{restricted.meeting.id}/ics", headers=token).status == 404


@pytest.mark.parametrize("granted", [False, True])
def test_a_personal_calendar_feed_downloads_without_hidden_meetings(live_server, restricted, granted):
    other = restricted.world.other_staff  # attends the restricted France meeting
    if granted:
        access.grant(restricted.users["dpo"], WHEN, restricted.meeting, user=other)
    feed = calendar.create_feed(other, WHEN, other, "personal")
    db.session.commit()
    uids = ics_uids(live_server.browser().get(f"/calendar/{feed.secret}.ics"))
    assert uids == ({restricted.meeting.uid} if granted else set())


@pytest.mark.parametrize("who,sees", [("lead", False), ("granted_lead", True)])
def test_the_team_calendar_feed_downloads_without_hidden_meetings(live_server, restricted, granted_lead, who, sees):
    user = granted_lead if who == "granted_lead" else restricted.users["lead"]
    feed = calendar.create_feed(user, WHEN, user, "team")
    db.session.commit()
    uids = ics_uids(live_server.browser().get(f"/calendar/{feed.secret}.ics"))
    assert restricted.world.meetings["de"].uid in uids and (restricted.meeting.uid in uids) is sees


# ---- recommendations ----

def test_the_recommendations_and_plan_csvs_download(live_server, restricted):
    staff = live_server.sign_in(restricted.users["staff"])
    rows = csv_rows(staff.get("/recommendations/export.csv"))
    assert {r["reference"] for r in rows} >= {"142.15", "142.40", "142.77"}
    assert csv_rows(staff.get("/recommendations/plan.csv")) is not None


# ---- reports ----

@pytest.mark.parametrize("who,sees", [("lead", False), ("granted_lead", True)])
def test_the_engagement_log_downloads_as_csv_and_xlsx_without_hidden_outcomes(live_server, restricted, granted_lead,
                                                                             who, sees):
    browser = live_server.sign_in(granted_lead if who == "granted_lead" else restricted.users["lead"])
    for rows in (csv_rows(browser.get("/reports/log.csv")), xlsx_rows(browser.get("/reports/log.xlsx"))):
        summaries = [r["summary"] or "" for r in rows]
        commitments = {r["commitment"] for r in rows}
        assert any("Good meeting on key populations" in s for s in summaries)
        assert any("Brazil will co-sponsor" in s for s in summaries)
        assert (OUTCOME_COMMITMENT in commitments) is sees
        assert any(MEETING_OUTCOME in s for s in summaries) is sees
        assert (MEETING_TITLE in {r["meeting_title"] for r in rows}) is sees
        assert len(rows) == (7 if sees else 4)


def test_the_coverage_matrix_downloads_as_csv_and_xlsx(live_server, restricted):
    lead = live_server.sign_in(restricted.users["lead"])
    states = {r["recommending_state"] for r in csv_rows(lead.get("/reports/coverage.csv?since=2025-01-01"))}
    assert {"DE", "FR", "SE"} <= states
    book = xlsx_rows(lead.get("/reports/coverage.xlsx?since=2025-01-01"))
    assert {r["recommending_state"] for r in book} == states


def test_the_printable_summary_downloads_as_pdf(live_server, restricted):
    from engage.pdf import pdf_available

    if not pdf_available():
        pytest.skip("WeasyPrint or Pango is not installed")
    reply = live_server.sign_in(restricted.users["lead"]).get("/reports/summary.pdf?theme=HIV%2FAIDS")
    assert reply.status == 200 and reply.mimetype == "application/pdf" and reply.body.startswith(b"%PDF")


# ---- admin: outbox and audit ----

def test_the_outbox_and_audit_csvs_and_a_message_download(live_server, restricted):
    from engage.outbox.services import queue_message

    germany = restricted.world.meetings["de"]
    raw = b"Subject: Meeting with the Embassy of Germany\r\nTo: diplomat-fr@example.org\r\n\r\nSee you.\r\n"
    message = queue_message(WHEN, "invitation", "diplomat-fr@example.org", "Meeting with the Embassy of Germany",
                            raw, "test-1", "<test-1@engage>", meeting_id=germany.id)
    db.session.commit()
    admin = live_server.sign_in(restricted.users["admin"])
    assert [r["to"] for r in csv_rows(admin.get("/admin/outbox/export.csv"))] == ["diplomat-fr@example.org"]
    eml = admin.get(f"/admin/outbox/{message.id}.eml")
    assert eml.status == 200 and eml.mimetype == "message/rfc822" and eml.body == raw
    rows = csv_rows(admin.get("/audit/export.csv"))
    assert ("login", "admin@example.org") in {(r["action"], r["actor_email"]) for r in rows}


def test_the_dpo_downloads_the_audit_log(live_server, restricted):
    rows = csv_rows(live_server.sign_in(restricted.users["dpo"]).get("/audit/export.csv"))
    assert ("login", "dpo@example.org") in {(r["action"], r["actor_email"]) for r in rows}


# ---- data protection ----

@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_dpo_downloads_everything_held_about_a_contact(live_server, restricted, fmt):
    dpo = live_server.sign_in(restricted.users["dpo"])
    path = f"/data-protection/contacts/{restricted.contact.id}/export"
    reply = dpo.submit(path, {"format": fmt}, form_at=f"/directory/contacts/{restricted.contact.id}")
    assert reply.status == 200, (reply.status, reply.text[:300])
    if fmt == "csv":
        assert CONTACT_EMAIL in {r.get("email") for r in csv.DictReader(io.StringIO(reply.text))}
    else:
        assert json.loads(reply.body)["contact"]["email"] == CONTACT_EMAIL


def test_the_data_protection_api_export_downloads(live_server, restricted):
    token = factories.make_token(restricted.users["dpo"])
    reply = live_server.browser().get(f"/api/v1/contacts/{restricted.contact.id}/export?format=csv",
                                      headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200, (reply.status, reply.text[:300])
    assert CONTACT_EMAIL in {r.get("email") for r in csv.DictReader(io.StringIO(reply.text))}


# ---- a body sent after its view returned ----

@pytest.mark.parametrize("role,sees", [("staff", False), ("granted", True)])
def test_a_body_streamed_after_its_view_returned_still_serves_its_user(live_server, restricted, role, sees):
    """No export streams now, but should a page stream rows (stream_with_context), the request guard
    still knows whom it serves once the request's session is gone, and still hides what it must."""
    from flask import Response, stream_with_context
    from sqlalchemy import select

    from engage.directory.models import Contact

    def names():
        db.session.commit()  # as a view that audits does: the signed-in user's attributes expire

        def rows():
            yield "\n".join(db.session.scalars(select(Contact.full_name).order_by(Contact.full_name)))
        return Response(stream_with_context(rows()), mimetype="text/plain")

    live_server.app.add_url_rule("/test/streamed-names", "streamed_names", names)
    reply = live_server.sign_in(restricted.users[role]).get("/test/streamed-names")
    assert reply.status == 200, reply.text[:300]
    assert (CONTACT_NAME in reply.text.splitlines()) is sees and "Diplomat FR" in reply.text
