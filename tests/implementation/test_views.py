"""The implementation pages as staff use them: record an assessment with a document and download it
back, the recommendation's timeline, responsibilities, a ministry's page, the matrix and its exports,
the review planning."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from engage.implementation.models import MAX_DOCUMENT_BYTES, Assessment, AssessmentDocument
from engage.extensions import db
from tests.implementation.conftest import RESTRICTED_EVIDENCE
from tests.test_query_counts import counted

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _csrf(client, url):
    import re
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_staff_record_an_assessment_with_a_document_and_download_it_back(assessed, staff_client):
    rec = assessed.world.recs["se_health"]
    url = f"/implementation/recommendations/{rec.id}/assess"
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, data={
        "assessed_on": "2026-11-20", "status": "partially_implemented", "evidence": "The UHC bill passed",
        "links": "https://example.org/uhc", "source_kind": "government_report", "source_detail": "Budget statement",
        "meeting_id": "", "confidence": "high", "sensitivity": "internal",
        "documents": [(io.BytesIO(PDF), "budget statement.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Partially implemented" in page and "The UHC bill passed" in page and "Budget statement" in page
    saved = db.session.query(Assessment).filter_by(recommendation_id=rec.id).one()
    doc = saved.documents[0]
    assert (doc.filename, doc.content_type, doc.size) == ("budget statement.pdf", "application/pdf", len(PDF))
    got = staff_client.get(f"/implementation/assessments/{saved.id}/documents/{doc.id}")
    assert got.status_code == 200 and got.get_data() == PDF
    assert "attachment" in got.headers["Content-Disposition"]


def test_a_document_too_big_or_of_another_type_is_refused_and_nothing_is_saved(assessed, staff_client):
    rec = assessed.world.recs["se_health"]
    url = f"/implementation/recommendations/{rec.id}/assess"
    data = {"assessed_on": "2026-11-20", "status": "implemented", "source_kind": "other", "confidence": "medium",
            "sensitivity": "internal"}
    big = PDF + b"0" * MAX_DOCUMENT_BYTES
    response = staff_client.post(url, data={**data, "documents": [(io.BytesIO(big), "huge.pdf")]},
                                 content_type="multipart/form-data")
    assert response.status_code == 413
    assert "at most 10 MB" in response.get_data(as_text=True)
    response = staff_client.post(url, data={**data, "documents": [(io.BytesIO(b"MZ\x00\x01"), "tool.exe")]},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    assert "is not a PDF" in response.get_data(as_text=True)
    assert db.session.query(Assessment).filter_by(recommendation_id=rec.id).count() == 0
    assert db.session.query(AssessmentDocument).count() == 0


def test_bad_fields_are_named_on_the_form(assessed, staff_client):
    rec = assessed.world.recs["se_health"]
    response = staff_client.post(f"/implementation/recommendations/{rec.id}/assess", data={
        "assessed_on": "yesterday", "status": "implemented", "links": "ftp://x", "source_kind": "other",
        "confidence": "medium", "sensitivity": "internal"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Must be a date written YYYY-MM-DD." in page and "Line 1 is not a web address" in page


def test_the_timeline_hides_restricted_evidence_from_readers_without_a_grant(assessed, staff_client, lead_client):
    rec = assessed.world.recs["de_hiv"]
    page = lead_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "In progress" in page and RESTRICTED_EVIDENCE not in page
    assert lead_client.get(f"/implementation/assessments/{assessed.restricted_one.id}").status_code == 404
    # Whoever records a restricted assessment is granted it: they see it, marked.
    recorder_page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert RESTRICTED_EVIDENCE in recorder_page and "Regressed" in recorder_page and "Restricted" in recorder_page


def test_responsibilities_are_set_on_the_recommendation_page_and_listed_on_the_ministry(assessed, staff_client):
    rec = assessed.world.recs["de_hiv"]
    token = _csrf(staff_client, f"/recommendations/{rec.id}")
    response = staff_client.post(f"/implementation/recommendations/{rec.id}/responsibilities",
                                 data={"csrf_token": token, "lead": [str(assessed.moh.id)]})
    assert response.status_code == 302
    page = staff_client.get(f"/directory/organisations/{assessed.moh.id}").get_data(as_text=True)
    assert "Responsible for 1 recommendation" in page and "142.15" in page and "Regressed" in page
    refused = staff_client.post(f"/implementation/recommendations/{rec.id}/responsibilities",
                                data={"csrf_token": token, "lead": [str(assessed.world.orgs["de"].id)]})
    assert refused.status_code == 302
    assert "not a ministry" in staff_client.get(refused.headers["Location"]).get_data(as_text=True)


def test_the_matrix_filters_and_exports_what_the_reader_sees(assessed, staff_user, lead_client):
    from engage.implementation import services
    from tests.outcomes.helpers import WHEN
    rec = assessed.world.recs["de_hiv"]
    services.set_responsibilities(staff_user, WHEN, rec, {"responsibilities": [{"organisation_id": assessed.moh.id}]})
    db.session.commit()
    page = lead_client.get("/implementation/", query_string={"organisation_id": assessed.moh.id}).get_data(as_text=True)
    assert "1 recommendation" in page and "In progress" in page and "Ministry of Health" in page
    page = lead_client.get("/implementation/", query_string={"status": "none"}).get_data(as_text=True)
    assert "142.15" not in page and "142.77" in page
    response = lead_client.get("/implementation/export.csv", query_string={"organisation_id": assessed.moh.id})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["reference"], r["status"], r["last_assessed_on"], r["lead"]) for r in rows] == [
        ("142.15", "in_progress", "2026-10-01", "Ministry of Health")]
    response = lead_client.get("/implementation/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]][:3] == ["recommendation_id", "cycle", "reference"]
    assert sheet.max_row == 1 + len(assessed.world.recs)


def test_the_matrix_costs_the_same_statements_however_many_rows(assessed, staff_user, lead_client):
    from engage.implementation import services
    from tests import factories
    from tests.outcomes.helpers import WHEN

    def count():
        with counted() as statements:
            assert lead_client.get("/implementation/").status_code == 200
        return len(statements)
    lead_client.get("/implementation/")
    before = count()
    for i in range(20):
        rec = factories.make_recommendation(cycle=3, reference=f"150.{i}", recommending_state="FR", text=f"Rec {i}")
        services.create_assessment(staff_user, WHEN, {"recommendation_id": rec.id, "assessed_on": "2026-01-02",
                                                      "status": "implemented"})
        services.set_responsibilities(staff_user, WHEN, rec, {"responsibilities": [{"organisation_id": assessed.moh.id}]})
    db.session.commit()
    assert count() == before


def test_review_planning_lists_ministries_due_with_a_booking_link(assessed, staff_user, lead_client):
    from engage.implementation import services
    from tests.outcomes.helpers import WHEN
    for key in ("de_edu", "se_health"):
        services.set_responsibilities(staff_user, WHEN, assessed.world.recs[key],
                                      {"responsibilities": [{"organisation_id": assessed.moh.id}]})
    db.session.commit()
    page = lead_client.get("/implementation/due").get_data(as_text=True)
    assert "Ministry of Health" in page and "138.2" in page and "142.77" in page
    assert f"/meetings/new?organisation_id={assessed.moh.id}" in page.replace("&amp;", "&")


def test_a_new_install_is_told_why_the_matrix_and_the_review_planning_are_empty(app, lead_client, staff_user):
    from tests import factories
    page = lead_client.get("/implementation/").get_data(as_text=True)
    assert "No recommendations yet" in page and 'href="/recommendations/import"' in page
    assert "matches these filters" not in page
    assert "No recommendation matches these filters." in lead_client.get(
        "/implementation/", query_string={"status": "implemented"}).get_data(as_text=True)
    factories.make_recommendation(cycle=4, reference="142.1", recommending_state="DE", text="Ratify the OP-CAT")
    db.session.commit()
    page = lead_client.get("/implementation/due").get_data(as_text=True)
    # Not "every recommendation … was assessed": none has anyone responsible, which is what to fix.
    assert "was assessed in this period" not in page
    assert "No recommendation has a ministry or agency responsible yet" in page
