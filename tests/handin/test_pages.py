"""The reports to hand in, through their pages: choose, save a draft, edit it, download .docx and PDF."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document

from engage.extensions import db
from engage.handin.models import ReportDraft
from engage.pdf import pdf_available
from tests import factories


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def recs(app):
    one = factories.make_recommendation(cycle=3, reference="142.1", text="Ratify the Optional Protocol to ICESCR",
                                        recommending_states=["PT", "ES"])
    two = factories.make_recommendation(cycle=3, reference="142.2", text="Raise the health budget to 15 per cent",
                                        themes=("Right to health",))
    other = factories.make_recommendation(cycle=3, reference="142.3", text="Abolish the death penalty",
                                          themes=("Death penalty",))
    return one, two, other


def test_staff_cannot_reach_the_reports_to_hand_in(staff_client):
    assert staff_client.get("/handin/").status_code == 403
    assert staff_client.get("/handin/annex").status_code == 403


def test_a_lead_makes_a_draft_edits_it_and_downloads_it(lead_client, lead_user, recs):
    page = lead_client.get("/handin/midterm/new").get_data(as_text=True)
    assert "New mid-term report" in page
    answer = lead_client.post("/handin/midterm/new", data={
        "csrf_token": _csrf(page), "cycle": "3", "themes": ["Right to health"], "coalition": "Kenya Health Rights Coalition",
        "period_from": "2023-01-01", "period_to": "2026-11-28"})
    assert answer.status_code == 302
    draft = db.session.query(ReportDraft).one()
    assert draft.owner_id == lead_user.id
    page = lead_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Recommendation 142.1" in page and "Recommendation 142.2" in page and "142.3" not in page
    assert "Kenya Health Rights Coalition" in page  # the introduction starts from the coalition's name
    one, two, _ = recs
    answer = lead_client.post(f"/handin/drafts/{draft.id}", data={
        "csrf_token": _csrf(page), "cycle": "3", "themes": ["Right to health"], "coalition": "Kenya Health Rights Coalition",
        "period_from": "2023-01-01", "period_to": "2026-11-28", "introduction": "Our own introduction.",
        f"comment_{two.id}": "The budget share fell to 6 per cent."})
    assert answer.status_code == 302
    data = lead_client.get(f"/handin/drafts/{draft.id}/report.docx")
    assert data.status_code == 200
    assert data.mimetype.endswith("wordprocessingml.document")
    text = docx_text(data.data)
    assert "Kenya Health Rights Coalition" in text
    assert "Period covered: 1 January 2023 – 28 November 2026" in text
    assert "Our own introduction." in text
    assert "Ratify the Optional Protocol to ICESCR" in text and "Portugal, Spain" in text
    assert "The budget share fell to 6 per cent." in text
    assert "Abolish the death penalty" not in text
    doc = Document(io.BytesIO(data.data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["1. Introduction", "2. Methodology", "3. Implementation of the recommendations"]
    assert "Recommendation 142.2" in headings and "Sources" in headings
    pdf = lead_client.get(f"/handin/drafts/{draft.id}/report.pdf")
    if pdf_available():
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert "Download PDF" in page
    else:  # without Pango the page offers no PDF, and its address says why
        assert pdf.status_code == 404 and "Download PDF" not in page


def test_a_bad_choice_is_named_and_nothing_is_saved(lead_client, recs):
    page = lead_client.get("/handin/midterm/new").get_data(as_text=True)
    answer = lead_client.post("/handin/midterm/new", data={
        "csrf_token": _csrf(page), "cycle": "3", "themes": ["No such theme"], "coalition": "",
        "period_from": "2026-01-01", "period_to": "2025-01-01"})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Give the coalition&#39;s or organisation&#39;s name." in text
    assert "The period ends before it begins." in text
    assert db.session.query(ReportDraft).count() == 0


def test_a_draft_is_its_owners_alone(app, lead_client, recs):
    other = factories.make_user(role="lead", email="other@example.org")
    from engage.handin import services
    from tests.conftest import NOW

    draft = services.create_draft(other, NOW, {"cycle": 3, "coalition": "Theirs"})
    db.session.commit()
    assert lead_client.get(f"/handin/drafts/{draft.id}").status_code == 404
    assert lead_client.get(f"/handin/drafts/{draft.id}/report.docx").status_code == 404


def test_the_annex_is_a_table_ready_to_paste(lead_client, recs):
    page = lead_client.get("/handin/annex?cycle=3&themes=Right+to+health&coalition=KHRC")
    assert page.status_code == 200
    answer = lead_client.get("/handin/annex.docx?cycle=3&themes=Right+to+health&coalition=KHRC")
    assert answer.status_code == 200
    doc = Document(io.BytesIO(answer.data))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Ref.", "Recommendation", "Response", "Status", "Evidence"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in rows] == ["142.1", "142.2"]
    assert rows[0][2] == "Supported" and rows[0][3] == "No information"
    assert "KHRC" in docx_text(answer.data)


def test_the_matrix_filters_carry_over_to_a_new_report(lead_client, recs):
    from engage.recommendations.models import Theme

    theme = db.session.query(Theme).filter_by(name="Right to health").one()
    moh = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE")
    page = lead_client.get(f"/handin/midterm/new?cycle=3&theme={theme.id}&organisation_id={moh.id}")
    text = page.get_data(as_text=True)
    assert f'<option value="{moh.id}" data-name="Ministry of Health" selected>' in text
    assert '<option value="Right to health" data-name="Right to health" selected>' in text
    assert lead_client.get("/handin/midterm/new?theme=x&organisation_id=99999999999").status_code == 200


def test_the_matrix_offers_leads_a_midterm_report_from_its_filters(staff_client, lead_client):
    assert "/handin/midterm/new" not in staff_client.get("/implementation/?cycle=3").get_data(as_text=True)
    page = lead_client.get("/implementation/?cycle=3&theme=1").get_data(as_text=True)
    assert 'href="/handin/midterm/new?cycle=3&amp;theme=1"' in page


def test_a_draft_by_cluster_keeps_the_comment_on_each_cluster(lead_client, lead_user, recs):
    from engage.clusters.models import ClusterMember, RecommendationCluster
    from tests.conftest import NOW

    one, two, other = recs
    cluster = RecommendationCluster(name="Health financing", description="The budget share, cycle after cycle",
                                    created_at=NOW, updated_at=NOW)
    db.session.add(cluster)
    db.session.flush()
    db.session.add_all([ClusterMember(cluster_id=cluster.id, recommendation_id=two.id, added_at=NOW)])
    db.session.commit()
    page = lead_client.get("/handin/midterm/new").get_data(as_text=True)
    assert "Health financing" in page  # the clusters are offered as a choice
    answer = lead_client.post("/handin/midterm/new", data={"csrf_token": _csrf(page), "cycle": "3",
                                                           "clusters": [str(cluster.id)], "coalition": "KHRC"})
    draft = db.session.query(ReportDraft).one()
    page = lead_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Cluster: Health financing" in page and "Recommendation 142.2" in page and "142.1" not in page
    answer = lead_client.post(f"/handin/drafts/{draft.id}", data={
        "csrf_token": _csrf(page), "cycle": "3", "clusters": [str(cluster.id)], "coalition": "KHRC",
        f"cluster_comment_{cluster.id}": "Ten years of promises.", f"comment_{two.id}": "Still 6 per cent."})
    assert answer.status_code == 302
    text = docx_text(lead_client.get(f"/handin/drafts/{draft.id}/report.docx").data)
    assert "Cluster: Health financing" in text and "The budget share, cycle after cycle" in text
    assert "Comment of KHRC: Ten years of promises." in text and "Still 6 per cent." in text


def test_a_bad_comment_is_named_and_the_draft_keeps_what_it_had(lead_client, lead_user, recs):
    from engage.handin import services
    from tests.conftest import NOW

    one = recs[0]
    draft = services.create_draft(lead_user, NOW, {"cycle": 3, "coalition": "KHRC", "introduction": "Kept."})
    db.session.commit()
    page = lead_client.get(f"/handin/drafts/{draft.id}").get_data(as_text=True)
    answer = lead_client.post(f"/handin/drafts/{draft.id}", data={
        "csrf_token": _csrf(page), "cycle": "3", "coalition": "KHRC", "introduction": "Changed.",
        f"comment_{one.id}": "a bell \x07 rings"})
    assert answer.status_code == 422
    assert "Contains a control character (U+0007); remove it." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReportDraft, draft.id).content["texts"]["introduction"] == "Kept."
