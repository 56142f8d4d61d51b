"""Recommendation pages: who may see and do what, the list with filters, the detail page, the import page."""
from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engage.demo import UPR_CYCLE1_CSV
from engage.extensions import db
from engage.upr.imports import import_recommendations_file
from engage.recommendations.models import Recommendation
from tests import factories
from tests.pageforms import submitted_values
from tests.upr.helpers import kenya_upr_info_export, make_world


def _count():
    return db.session.scalar(select(func.count()).select_from(Recommendation))


def _upload(client, content: bytes, name="recs.csv", **extra):
    return client.post("/recommendations/import", data={"file": (io.BytesIO(content), name), **extra},
                       content_type="multipart/form-data")


def _real(now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()


# ---- roles ----

def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/recommendations/", "/recommendations/plan", "/recommendations/import"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_browse_but_may_not_import(staff_client, now):
    _real(now)
    assert staff_client.get("/recommendations/").status_code == 200
    assert staff_client.get("/recommendations/plan").status_code == 200
    assert staff_client.get("/recommendations/import").status_code == 403
    assert _upload(staff_client, UPR_CYCLE1_CSV.read_bytes()).status_code == 403
    assert _count() == 164
    assert "Import CSV" not in staff_client.get("/recommendations/").get_data(as_text=True)


def test_a_lead_imports_the_real_file_through_the_page(lead_client):
    assert "Import CSV" in lead_client.get("/recommendations/").get_data(as_text=True)
    response = _upload(lead_client, UPR_CYCLE1_CSV.read_bytes(), name="kenya.csv")
    assert response.status_code == 302
    assert _count() == 164
    page = lead_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported kenya.csv: 166 rows: 164 created, 0 updated, 0 unchanged" in page
    assert "Recommendations <small class=\"text-body-secondary\">(164)</small>" in page


def test_an_admin_may_import_too(admin_client):
    assert _upload(admin_client, b"cycle,reference,recommending_state,text,response\n3,1.1,DE,x,noted\n").status_code == 302
    assert _count() == 1


def test_a_bad_upload_lists_every_bad_line_and_saves_nothing(lead_client):
    content = ("cycle,reference,recommending_state,text,response,themes\n"
               "3,142.1,Germany,Fine,supported,\n3,142.2,Narnia,x,noted,\n3,142.3,France,,noted,\n"
               "3,142.4,Spain,y,maybe,\n").encode()
    response = _upload(lead_client, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing imported: 3 problems" in page
    lines = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", page)
    assert [line for line, _ in lines] == ["3", "4", "5"]
    assert "Narnia" in lines[0][1] and lines[1][1].startswith("text:") and "maybe" in lines[2][1]
    assert _count() == 0


def test_a_windows_1252_upload_is_checked_and_says_how_it_was_read(lead_client):
    response = _upload(lead_client, "cycle,reference,recommending_state,text,response\n3,1.1,Türkiye,x,noted\n"
                       .encode("cp1252"), dry_run="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "The file is fine: 1 row:" in page
    assert "Windows-1252 (Western European) encoding" in page
    assert _count() == 0


def test_a_contacts_file_on_the_recommendations_page_is_named(lead_client):
    response = _upload(lead_client, b"full_name,email\nAmina Odhiambo,amina@example.org\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "this looks like a contacts file — import it under Contacts, on the Directory&#39;s Import page." in page
    assert _count() == 0


def test_the_recommendations_template_checks_clean(lead_client):
    page = lead_client.get("/recommendations/import").get_data(as_text=True)
    assert 'href="/recommendations/import/template.csv"' in page
    template = lead_client.get("/recommendations/import/template.csv")
    assert template.mimetype == "text/csv" and "attachment" in template.headers["Content-Disposition"]
    header, example = list(csv.reader(io.StringIO(template.get_data(as_text=True))))
    assert header[:6] == ["cycle", "reference", "sub_item", "recommending_states", "text", "response"]
    assert example[1] == "999.1" and "Example row" in example[4]
    checked = _upload(lead_client, template.get_data(), dry_run="y")
    assert checked.status_code == 200 and "The file is fine: 1 row:" in checked.get_data(as_text=True)


def test_the_import_form_needs_a_file(lead_client):
    response = lead_client.post("/recommendations/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_the_import_page_shows_upload_progress_and_the_size_limit(lead_client):
    page = lead_client.get("/recommendations/import").get_data(as_text=True)
    assert "data-upload-progress" in page and "directory-import.js" in page
    assert 'data-max-bytes="20971520"' in page and "Up to 20 MB." in page
    assert 'accept=".csv,text/csv,.xls,.xlsx,.docx"' in page


def test_a_lead_checks_a_upr_info_export_and_sees_where_it_disagrees(lead_client, now):
    _real(now)
    response = _upload(lead_client, kenya_upr_info_export(flipped=3), name="kenya-upr-info.csv", dry_run="y")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    # The three flipped responses, and four paragraphs UPR Info words differently from the UN report.
    assert ("The file is fine: 166 rows: 0 created, 0 updated, 166 unchanged, 166 matched by their text to "
            "recommendations already held, 7 disagreeing with what is held. Nothing was saved (check only).") in \
        " ".join(page.split())
    assert "Read as a UPR Info database export." in " ".join(page.split())
    assert "Where the file disagrees with what engage holds (7)" in page
    assert "response: the file says Noted, engage holds Supported for 101.1 (Burkina Faso) in cycle 1 (kept)" in page
    assert _count() == 164


def test_an_export_of_other_states_reviews_is_read_and_skipped_by_the_page(lead_client):
    raw = (Path(__file__).parent / "data" / "uprinfo_export_sessions_1-5_resaved.csv").read_bytes()
    response = _upload(lead_client, raw, name="1-5.csv", dry_run="y")
    page = " ".join(html.unescape(response.get_data(as_text=True)).split())
    assert response.status_code == 200
    assert "0 rows: 0 created, 0 updated, 0 unchanged; 6094 rows for other states under review skipped" in page
    assert "Read as a UPR Info database export, in the Mac Roman encoding (it is not UTF-8)." in page
    assert "only the rows for the state under review (Kenya) are read" in page


def test_a_dry_run_checks_without_saving(lead_client):
    response = _upload(lead_client, UPR_CYCLE1_CSV.read_bytes(), dry_run="y")
    assert response.status_code == 200
    assert "The file is fine: 166 rows: 164 created" in response.get_data(as_text=True)
    assert _count() == 0


# ---- the list ----

def test_the_list_filters_and_searches_and_says_how_many(staff_client, now):
    _real(now)
    page = staff_client.get("/recommendations/", query_string={"q": "death penalty", "state": "AT"}).get_data(
        as_text=True)
    assert "(1)" in page and "Abolish the death penalty" in page
    page = staff_client.get("/recommendations/", query_string={"q": "Death Penalty"}).get_data(as_text=True)
    assert "(7)" in page and "103.2" in page and "101.42" in page
    page = staff_client.get("/recommendations/", query_string={"response": "noted", "cycle": "1"}).get_data(
        as_text=True)
    assert "(32)" in page
    page = staff_client.get("/recommendations/", query_string={"theme": "Right to health"}).get_data(as_text=True)
    assert "(2)" in page


def test_the_list_marks_states_not_yet_engaged_and_filters_on_it(app, staff_client, staff_user):
    make_world(staff_user)
    page = staff_client.get("/recommendations/", query_string={"engaged": "no", "cycle": "3"}).get_data(as_text=True)
    assert "(4)" in page and ">Not yet engaged</span>" in page and ">Engaged in cycle 5</span>" not in page
    page = staff_client.get("/recommendations/", query_string={"engaged": "yes", "cycle": "3"}).get_data(as_text=True)
    assert "(5)" in page and ">Not yet engaged</span>" not in page and ">Engaged in cycle 5</span>" in page


def test_the_list_export_follows_the_filters(staff_client, now):
    _real(now)
    response = staff_client.get("/recommendations/export.csv", query_string={"state": "ES"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["recommending_state"] for r in rows} == {"ES"}
    assert [(r["reference"], r["sub_item"]) for r in rows if r["reference"] == "102.7"] == [
        ("102.7", "1"), ("102.7", "2"), ("102.7", "3")]
    # A joint recommendation is listed under each of its states.
    response = staff_client.get("/recommendations/export.csv", query_string={"state": "DE", "q": "abolish the death"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["reference"], r["sub_item"], r["recommending_states"]) for r in rows] == [("103.1", "3", "IE; AT; DE")]


def test_odd_filter_values_are_shown_as_errors_not_crashes(staff_client, now):
    _real(now)
    response = staff_client.get("/recommendations/", query_string={"cycle": "9", "state": "Narnia", "page": "x",
                                                                   "engaged": "perhaps", "q": "\x00"})
    assert response.status_code == 200
    assert "(164)" in response.get_data(as_text=True)  # bad filters are ignored, and shown as errors
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_an_empty_list_tells_staff_to_ask_a_lead(staff_client):
    assert "Ask a lead to import" in staff_client.get("/recommendations/").get_data(as_text=True)


def test_an_empty_list_offers_a_lead_the_import(lead_client):
    assert "Import a CSV of recommendations" in lead_client.get("/recommendations/").get_data(as_text=True)


# ---- the detail page and inline edits ----

def test_the_detail_page_shows_the_state_its_missions_and_the_meetings(app, staff_client, staff_user):
    world = make_world(staff_user)
    page = staff_client.get(f"/recommendations/{world.recs['de1'].id}").get_data(as_text=True)
    assert "142.1 · Germany" in page and "Ensure access to ARVs" in page
    assert "Embassy of Germany, Nairobi" in page and "Permanent Mission of Germany, Geneva" in page
    assert "New York" not in page
    assert "ARVs with Germany" in page and "Tue 10 Mar 2026, 10:00 Nairobi (EAT)" in page
    assert "Engaged in cycle 5" in page
    assert "No positions recorded yet" in page
    france = staff_client.get(f"/recommendations/{world.recs['fr1'].id}").get_data(as_text=True)
    assert "Called off" in france and "Cancelled" in france and "Not yet engaged" in france


def test_staff_edit_themes_inline_and_the_change_shows_in_the_history(app, staff_client, staff_user):
    rec = factories.make_recommendation(themes=["HIV/AIDS"])
    factories.make_recommendation(themes=["Right to health"])
    response = staff_client.post(f"/recommendations/{rec.id}/edit", data={
        "themes": ["HIV/AIDS", "Right to health"], "new_themes": "SRHR; Key populations", "notes": "Raised"})
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(rec)
    assert rec.theme_names == ["HIV/AIDS", "Key populations", "Right to health", "SRHR"]
    assert rec.notes == "Raised"
    assert "Not assessed" in page and "Record an assessment" in page  # status: engage/implementation
    history = page.split("<h2 class=\"h5\">History</h2>")[1]
    assert staff_user.full_name in history and "updated" in history


def test_saving_the_edit_form_as_shown_keeps_every_theme_ministry_and_note(app, staff_client, staff_user):
    rec = factories.make_recommendation(themes=["Justice", "HIV/AIDS"], notes="Raised in Geneva")
    factories.make_recommendation(themes=["Right to health"])
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    values = submitted_values(page, f"/recommendations/{rec.id}/edit")
    assert sorted(v for k, v in values if k == "themes") == ["HIV/AIDS", "Justice"]  # pre-ticked
    response = staff_client.post(f"/recommendations/{rec.id}/edit", data=MultiDict(values))
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing changed." in page
    db.session.refresh(rec)
    assert rec.theme_names == ["HIV/AIDS", "Justice"]
    assert rec.notes == "Raised in Geneva"
    history = page.split("<h2 class=\"h5\">History</h2>")[1]
    assert "themes:" not in history


def test_unticking_one_theme_on_the_page_removes_only_that_one(app, staff_client):
    rec = factories.make_recommendation(themes=["Justice", "HIV/AIDS"])
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    values = [(k, v) for k, v in submitted_values(page, f"/recommendations/{rec.id}/edit")
              if (k, v) != ("themes", "HIV/AIDS")]
    assert staff_client.post(f"/recommendations/{rec.id}/edit", data=MultiDict(values)).status_code == 302
    db.session.refresh(rec)
    assert rec.theme_names == ["Justice"]


def test_a_bad_edit_is_refused_beside_the_field(staff_client):
    rec = factories.make_recommendation()
    response = staff_client.post(f"/recommendations/{rec.id}/edit", data={"notes": "ring\x07", "new_themes": "x" * 130})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "A theme name has at most 120 characters" in page  # the schema's words, beside the field
    db.session.refresh(rec)
    assert rec.notes is None


def test_a_missing_recommendation_is_404(staff_client):
    assert staff_client.get("/recommendations/99999").status_code == 404
    assert staff_client.post("/recommendations/99999/edit", data={}).status_code == 404



def test_a_joint_recommendation_and_a_numbered_item_are_shown_with_their_states_and_item(staff_client, now):
    _real(now)
    joint = db.session.scalars(select(Recommendation).where(Recommendation.reference == "103.1",
                                                            Recommendation.sub_item == "3")).one()
    page = html.unescape(staff_client.get(f"/recommendations/{joint.id}").get_data(as_text=True))
    assert "103.1 (3) · Ireland, Austria, Germany" in page
    assert "Recommending states" in page and "Ireland (IE), Austria (AT), Germany (DE)" in page
    assert "Paragraph</dt><dd class=\"col-sm-8\">103.1, item 3" in page
    listing = html.unescape(staff_client.get("/recommendations/", query_string={"state": "DE", "q": "abolish the death"})
                            .get_data(as_text=True))
    assert "103.1 (3)" in listing and "Ireland, Austria, Germany" in listing
    part = db.session.scalars(select(Recommendation).where(Recommendation.reference == "102.3",
                                                           Recommendation.sub_item == "2")).one()
    assert "102.3 (2) · Austria" in html.unescape(staff_client.get(f"/recommendations/{part.id}").get_data(as_text=True))


# ---- in French ----

def test_a_french_lead_has_the_list_its_filters_and_the_import_page_in_french(app, lead_client, lead_user,
                                                                              staff_client, now):
    _real(now)
    lead_user.language = "fr"
    db.session.commit()
    page = html.unescape(lead_client.get("/recommendations/", query_string={"response": "noted"}).get_data(as_text=True))
    assert "Réponse du Kenya" in page and "Groupe de thèmes" in page and "Objectif de développement durable" in page
    assert '<option selected value="noted">Notée</option>' in page  # the filter's words; its value stays the key
    assert '<span class="badge text-bg-warning">Notée</span>' in page
    assert "Planifier les missions à rencontrer" in page and "Réf." in page and "Kenya's response" not in page
    # The recommendation texts are data: they stay as imported.
    assert "Abolish the death penalty" in html.unescape(lead_client.get(
        "/recommendations/", query_string={"q": "death penalty", "state": "AT"}).get_data(as_text=True))

    form = html.unescape(lead_client.get("/recommendations/import").get_data(as_text=True))
    assert "Importer des recommandations" in form and "Fichier de recommandations" in form
    content = ("cycle,reference,recommending_state,text,response\n"
               "3,142.1,Germany,Fine,supported\n3,142.2,Narnia,x,noted\n3,142.3,Spain,y,maybe\n").encode()
    refused = _upload(lead_client, content)
    assert refused.status_code == 422
    lines = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html.unescape(refused.get_data(as_text=True)))
    assert lines == [("3", "recommending_state : État inconnu 'Narnia' ; utilisez un nom de pays ou un code ISO "
                           "comme DE"),
                     ("4", "response : 'maybe' n’est pas autorisé ; choisissez parmi : supported, noted, pending")]
    empty = html.unescape(_upload(lead_client, b"").get_data(as_text=True))
    assert "Le fichier est vide." in empty
    assert _count() == 164

    # An English reader has the same pages in English, the same problems in the importer's words.
    english = html.unescape(staff_client.get("/recommendations/").get_data(as_text=True))
    assert "Kenya's response" in english and "Réponse du Kenya" not in english
    lead_user.language = "en"
    db.session.commit()
    lines = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>",
                       html.unescape(_upload(lead_client, content).get_data(as_text=True)))
    assert lines[1] == ("4", "response: 'maybe' is not allowed; choose one of: supported, noted, pending")


def test_a_french_reader_has_the_detail_page_its_refusals_and_flashes_in_french(app, staff_client, staff_user):
    staff_user.language = "fr"
    db.session.commit()
    rec = factories.make_recommendation()
    page = staff_client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Réponse du Kenya" in page and "Réunions à son sujet" in page and "Regroupement entre cycles" in page
    assert "Enregistrer les modifications" in page and "Save changes" not in page
    refused = staff_client.post(f"/recommendations/{rec.id}/edit", data={"new_themes": "x" * 130})
    assert refused.status_code == 422
    assert "Un nom de thème compte au plus 120 caractères" in html.unescape(refused.get_data(as_text=True))
    saved = staff_client.post(f"/recommendations/{rec.id}/edit", data={"notes": "Vu avec la mission"},
                              follow_redirects=True)
    assert f"{rec.label} : enregistrée." in html.unescape(saved.get_data(as_text=True))
