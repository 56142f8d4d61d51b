"""The mid-term report's journey in Chromium, on the demo data:

Staff met the Ministry of Health last week about three of Kenya's 4th-cycle recommendations on the
right to health. They record an assessment of each from that meeting (one with the ministry's letter
uploaded); the lead filters the implementation matrix by the ministry and the theme, makes the
mid-term report from those filters, writes the coalition's comment, and downloads the .docx, which
python-docx reads back: the three recommendations, each with its status and evidence, and the
meeting and the letter among the sources.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from playwright.sync_api import expect

from engage.clock import now_utc
from engage.handin.content import long_date
from tests.e2e.helpers import sign_in_by_keyboard

pytestmark = pytest.mark.e2e

COALITION = "Kenya Health Rights Coalition"
RECOMMENDATIONS = [  # reference, text, what staff record from the meeting
    ("9.101", "Increase the health budget towards the Abuja target of 15 per cent", "Partially implemented",
     "The ministry showed the 2026/27 estimates: health rises to 11.2 per cent of the budget."),
    ("9.102", "Adopt the Quality Healthcare and Patient Safety Bill", "In progress",
     "The bill passed its second reading; the ministry expects assent by June."),
    ("9.103", "Ensure free maternal health care in all public facilities", "Regressed",
     "Linda Mama no longer covers referrals since the move to the Social Health Authority."),
]
LETTER = "moh-letter-budget.pdf"


def _meeting_with_the_ministry(live) -> dict:
    """Three 4th-cycle recommendations the Ministry of Health leads on, discussed with its official last week."""
    from sqlalchemy import select

    from engage.auth.models import User
    from engage.directory.models import Contact, Organisation
    from engage.extensions import db
    from engage.implementation.services import set_responsibilities
    from engage.upr.services import create_recommendation
    from tests.outcomes.helpers import make_meeting

    def work():
        now = now_utc()
        staff = db.session.get(User, live.users["staff"][1])
        moh = db.session.scalars(select(Organisation).where(Organisation.name == "Ministry of Health")).one()
        official = db.session.scalars(select(Contact).where(Contact.organisation_id == moh.id)).first()
        recs = []
        for reference, text, _status, _evidence in RECOMMENDATIONS:
            rec = create_recommendation(None, now, {"cycle": 4, "reference": reference, "recommending_states": ["DE", "NO"],
                                                    "text": text, "response": "supported", "themes": ["Right to health"]})
            set_responsibilities(staff, now, rec, {"responsibilities": [{"organisation_id": moh.id, "role": "lead"}]})
            recs.append(rec)
        starts = (now - timedelta(days=7)).replace(hour=7, minute=0, second=0, microsecond=0)
        make_meeting(staff, [official], starts, recs, title="Ministry of Health: UPR progress review", staff=[staff])
        return {"recs": [r.id for r in recs], "meeting": f"{starts:%d %b %Y} — Ministry of Health: UPR progress review",
                "day": starts.astimezone(ZoneInfo("Africa/Nairobi")).date(), "moh": moh.id}
    return live.run(work)


def test_staff_assess_after_meeting_the_ministry_and_the_lead_downloads_the_midterm_report(live, open_page, tmp_path):
    world = _meeting_with_the_ministry(live)
    letter = tmp_path / LETTER
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # Staff record what the ministry showed them, one recommendation after another, from that meeting.
    page, checks = open_page()
    sign_in_by_keyboard(page, live, "staff")
    for i, (rec_id, (reference, _text, status, evidence)) in enumerate(zip(world["recs"], RECOMMENDATIONS, strict=True)):
        page.goto(f"{live.url}/recommendations/{rec_id}")
        page.get_by_role("link", name="Record an assessment").click()
        if i == 0:
            checks.check("record-an-assessment")
        page.get_by_label("Status", exact=True).select_option(label=status)
        page.get_by_label("Evidence", exact=True).fill(evidence)
        page.get_by_label("Source", exact=True).select_option(label="Meeting")
        page.get_by_label("Meeting", exact=True).select_option(label=world["meeting"])
        if i == 0:
            page.get_by_label("Documents", exact=True).set_input_files(str(letter))
        page.get_by_role("button", name="Save the assessment").click()
        expect(page.get_by_role("alert").first).to_contain_text(f"{status}")
        expect(page.locator("#assessment-timeline")).to_contain_text(status)
    checks.check("recommendation-assessed")

    # The lead filters the matrix by the ministry and the theme, and makes the mid-term report from it.
    lead, lead_checks = open_page()
    sign_in_by_keyboard(lead, live, "lead")
    lead.get_by_role("link", name="Implementation").first.click()
    lead_checks.check("implementation-matrix")
    lead.get_by_label("Ministry or agency").select_option(label="Ministry of Health")
    lead.get_by_label("Theme").select_option(label="Right to health")
    lead.get_by_role("button", name="Filter").click()
    lead.wait_for_url(re.compile(r"organisation_id=\d+"))
    expect(lead.locator("#matrix-count")).to_contain_text("3 recommendations")
    rows = lead.locator("#matrix tbody tr")
    for reference, _text, status, _evidence in RECOMMENDATIONS:
        expect(rows.filter(has_text=reference)).to_contain_text(status)
    lead_checks.check("implementation-matrix-filtered")

    lead.get_by_role("link", name="Mid-term report").click()
    lead_checks.check("new-midterm-report")
    lead.get_by_label("Coalition or organisation").fill(COALITION)
    lead.get_by_role("button", name="Make the draft").click()
    expect(lead.get_by_role("alert").first).to_contain_text("The draft is saved")
    for reference, _text, _status, evidence in RECOMMENDATIONS:
        expect(lead.locator("section.card").filter(has_text=f"Recommendation {reference}")).to_contain_text(evidence)
    lead.get_by_label("Comment of the coalition on 9.103").fill("Restore free referrals under the new scheme.")
    lead.get_by_role("button", name="Save the draft").click()
    expect(lead.get_by_role("alert").first).to_contain_text("The draft is saved")
    lead_checks.check("midterm-draft")

    with lead.expect_download() as download:
        lead.get_by_role("link", name="Download .docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    doc = Document(io.BytesIO(path.read_bytes()))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert COALITION in text
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    tables = [{r.cells[0].text: r.cells[1].text for r in t.rows} for t in doc.tables]
    for reference, rec_text, status, evidence in RECOMMENDATIONS:
        assert f"Recommendation {reference}" in headings
        found = next(t for t in tables if t.get("Recommendation") == rec_text)
        assert found["Status of implementation"].startswith(status)
        assert found["Evidence"].startswith(evidence)
        assert found["Ministries and agencies responsible"] == "Ministry of Health"
    assert "Restore free referrals under the new scheme." in text
    assert f"Meeting with Ministry of Health, {long_date(world['day'])}" in text
    assert f"Document: {LETTER}" in text
    assert "UPR progress review" not in text  # the meeting's own title is for staff, not for the report

    # The stakeholder submission's annex: the same three as one table, ready to paste.
    lead.get_by_role("link", name="All reports to hand in").click()
    lead_checks.check("reports-to-hand-in")
    expect(lead.get_by_role("list").filter(has_text=f"Mid-term report, cycle 4: {COALITION}")).to_be_visible()
    lead.get_by_role("link", name="Make the annex").click()
    lead.get_by_label("Coalition or organisation").fill(COALITION)
    lead.get_by_role("button", name="Show the annex").click()
    lead.wait_for_url(re.compile(r"/handin/annex\?cycle=4"))
    lead_checks.check("submission-annex")
    with lead.expect_download() as download:
        lead.get_by_role("link", name="Download .docx").click()
    path = tmp_path / ("annex-" + download.value.suggested_filename)
    download.value.save_as(path)
    annex = Document(io.BytesIO(path.read_bytes())).tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in annex.rows[1:]}
    for reference, _text, status, evidence in RECOMMENDATIONS:
        assert rows[reference][3].startswith(status) and rows[reference][4].startswith(evidence)
