"""Restricted evidence in the reports to hand in: never there for a reader without a grant, marked
"Restricted" for one with a grant; read back from the .docx with python-docx."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from engage.access import services as access
from engage.extensions import db
from engage.implementation import services as implementation
from tests import factories
from tests.conftest import NOW, login
from tests.handin.test_pages import docx_text

SECRET = "The minister admitted the budget line was cut"
TITLE = "Quiet budget talks with the PS"


@pytest.fixture
def world(app, lead_user):
    """A recommendation the Ministry of Health leads on: an open assessment from a government report, then
    a later one from a restricted meeting with the ministry; a lead granted that meeting and its assessment."""
    staff = factories.make_user(role="staff", email="recorder@example.org")
    dpo = factories.make_dpo()
    granted = factories.make_user(role="lead", email="granted@example.org", full_name="Granted Lead")
    moh = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    official = factories.make_contact(moh, full_name="Amina Wanjiru")
    rec = factories.make_recommendation(cycle=3, reference="142.7", text="Raise the health budget to 15 per cent")
    implementation.set_responsibilities(staff, NOW, rec, {"responsibilities": [{"organisation_id": moh.id, "role": "lead"}]})
    implementation.create_assessment(staff, NOW, {
        "recommendation_id": rec.id, "assessed_on": "2026-06-01", "status": "in_progress",
        "evidence": "The budget policy statement raises the share to 9 per cent",
        "source_kind": "government_report", "source_detail": "Budget Policy Statement 2026"})
    meeting = factories.make_meeting(staff, contacts=[official], title=TITLE,
                                     starts_at=datetime(2026, 11, 2, 7, 0, tzinfo=UTC), timezone="Africa/Nairobi",
                                     now=datetime(2026, 10, 1, tzinfo=UTC))
    access.set_sensitivity(dpo, NOW, meeting, "restricted")
    access.grant(dpo, NOW, meeting, user=staff)
    secret = implementation.create_assessment(staff, NOW, {
        "recommendation_id": rec.id, "assessed_on": "2026-11-02", "status": "regressed", "evidence": SECRET,
        "meeting_id": meeting.id, "links": "https://example.org/leaked-minutes"})
    for record in (meeting, secret):
        access.grant(dpo, NOW, record, user=granted)
    db.session.commit()
    return {"rec": rec, "moh": moh, "granted": granted, "secret": secret}


def _report(client, moh) -> str:
    from tests.handin.test_pages import _csrf

    page = client.get("/handin/midterm/new").get_data(as_text=True)
    answer = client.post("/handin/midterm/new", data={"csrf_token": _csrf(page), "cycle": "3", "ministries": [str(moh.id)],
                                                      "coalition": "Kenya Health Rights Coalition"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    draft_page = client.get(answer.headers["Location"])
    docx = client.get(answer.headers["Location"] + "/report.docx")
    assert docx.status_code == 200
    return draft_page.get_data(as_text=True), docx_text(docx.data)


def test_a_lead_without_a_grant_never_sees_restricted_evidence(lead_client, world, caplog):
    caplog.set_level(logging.WARNING, logger="engage.access")
    page, text = _report(lead_client, world["moh"])
    assert not caplog.records, [r.getMessage() for r in caplog.records]  # every query filtered by its service
    for shown in (page, text):
        assert SECRET not in shown and TITLE not in shown
        assert "Restricted" not in shown
        assert "leaked-minutes" not in shown
        assert "2 November 2026" not in shown  # not even that a meeting took place that day
    # The recommendation is there with its latest assessment the lead may see.
    assert "Raise the health budget to 15 per cent" in text
    assert "In progress (assessed 1 June 2026)" in text
    assert "The budget policy statement raises the share to 9 per cent [1]" in text
    assert "[1] Government report: Budget Policy Statement 2026" in text
    assert "Ministry of Health" in text  # responsible


def test_a_lead_with_a_grant_sees_it_marked_restricted(app, world, caplog):
    caplog.set_level(logging.WARNING, logger="engage.access")
    client = login(app.test_client(), world["granted"])
    page, text = _report(client, world["moh"])
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert "Regressed (assessed 2 November 2026)" in text
    assert f"[Restricted] {SECRET} [1][2]" in text
    assert "[1] Meeting with Ministry of Health, 2 November 2026 (Restricted)" in text
    assert "[2] https://example.org/leaked-minutes (Restricted)" in text
    assert TITLE not in text  # a report names a meeting by who was met and when, never by its title
    assert "Restricted" in page and SECRET in page
    # The download is in the audit log: the export itself, and the restricted assessment it carried.
    from sqlalchemy import select

    from engage.audit.models import AuditEvent
    rows = {(e.action, e.object_type, e.object_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == world["granted"].id))}
    assert ("restricted_exported", "assessment", world["secret"].id) in rows
    assert any(action == "data_exported" for action, _type, _id in rows), rows


def test_the_annex_follows_the_same_rule(app, lead_client, world):
    from docx import Document
    import io

    url = f"/handin/annex.docx?cycle=3&coalition=KHRC&ministries={world['moh'].id}"
    plain = Document(io.BytesIO(lead_client.get(url).data)).tables[0].rows[1].cells
    assert plain[3].text == "In progress (assessed 1 June 2026)" and SECRET not in plain[4].text
    granted = login(app.test_client(), world["granted"])
    cells = Document(io.BytesIO(granted.get(url).data)).tables[0].rows[1].cells
    assert cells[3].text == "Regressed (assessed 2 November 2026)"
    assert cells[4].text.startswith(f"[Restricted] {SECRET}")


def test_the_period_chooses_the_evidence(lead_client, world, app):
    from tests.handin.test_pages import _csrf

    client = login(app.test_client(), world["granted"])
    page = client.get("/handin/midterm/new").get_data(as_text=True)
    answer = client.post("/handin/midterm/new", data={"csrf_token": _csrf(page), "cycle": "3", "coalition": "KHRC",
                                                      "period_from": "2026-01-01", "period_to": "2026-10-31"})
    text = docx_text(client.get(answer.headers["Location"] + "/report.docx").data)
    assert "In progress (assessed 1 June 2026)" in text and SECRET not in text
