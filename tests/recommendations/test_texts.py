"""Recommendations in several languages: a French file for the shipped 1st-cycle recommendations, the
pages in the reader's language with a switch to the original, bad codes refused.

The French lines are this test's own renderings, not the UN's official French text."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from engage.demo import UPR_CYCLE1_CSV
from engage.extensions import db
from engage.recommendations.models import Recommendation, RecommendationText
from engage.upr.imports import import_recommendations_bytes, import_recommendations_file

FRENCH = {
    "101.92": "Améliorer l’accès aux services de santé reproductive pour les femmes enceintes",
    "101.113": "Continuer à élaborer des programmes et des mesures visant à garantir une éducation et des "
               "services de santé gratuits et de qualité pour sa population",
    "101.17": "Inclure dans le plan d’action national pour la promotion et la protection des droits de l’homme "
              "une attention continue aux enfants, en mettant l’accent sur leur droit à la santé et à l’éducation",
}
ORIGINAL_101_92 = "Improve access to reproductive health services for pregnant women"


def _french_file(language="fr", rows=FRENCH) -> bytes:
    lines = ["cycle,reference,recommending_state,text,response,language"]
    lines += [f'1,{ref},,"{text}",,{language}' for ref, text in rows.items()]
    return ("\n".join(lines) + "\n").encode()


def _with_french(now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    report = import_recommendations_bytes(_french_file(), None, now)
    assert report.ok, report.errors
    db.session.commit()
    return report


def _rec(reference) -> Recommendation:
    return db.session.scalars(select(Recommendation).where(Recommendation.cycle == 1,
                                                           Recommendation.reference == reference)).one()


def _texts_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RecommendationText))


def test_a_french_file_adds_texts_to_the_shipped_recommendations_and_no_recommendation(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    held = db.session.scalar(select(func.count()).select_from(Recommendation))
    report = import_recommendations_bytes(_french_file(), None, now)
    assert report.ok and report.translated == 3 and report.created == 0
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == held
    rec = _rec("101.92")
    assert rec.text == ORIGINAL_101_92  # the original stays as imported
    assert rec.texts == {"fr": FRENCH["101.92"]}


def test_a_second_french_file_updates_the_translation_rather_than_adding_one(app, now):
    _with_french(now)
    better = "Améliorer l’accès des femmes enceintes aux services de santé procréative"
    report = import_recommendations_bytes(_french_file("fr-FR", {"101.92": better}), None, now)
    assert report.ok
    db.session.commit()
    assert _rec("101.92").texts == {"fr": better}
    assert _texts_count() == 3


def test_a_bad_language_code_is_refused_naming_the_field_and_line_and_nothing_is_saved(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    content = _french_file().decode().replace("101.113,,\"Continuer", "101.113,,\"Continuer").splitlines()
    content[2] = content[2].rsplit(",", 1)[0] + ",français!"
    report = import_recommendations_bytes(("\n".join(content) + "\n").encode(), None, now)
    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [(3, "language")]
    assert "'français!' is not a language code" in report.errors[0].message
    db.session.rollback()
    assert _texts_count() == 0


def test_a_translation_of_a_recommendation_not_held_is_refused(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    report = import_recommendations_bytes(_french_file(rows={"999.9": "Un texte"}), None, now)
    assert [e.line for e in report.errors] == [2]
    assert "no recommendation 999.9 in cycle 1 to translate" in report.errors[0].message


def test_a_file_gives_the_original_and_its_french_text_together(app, now):
    content = ("cycle,reference,recommending_state,text,response,language\n"
               "3,200.1,FR,Ensure universal health coverage,supported,\n"
               "3,200.1,,Garantir la couverture sanitaire universelle,,fr\n")
    report = import_recommendations_bytes(content.encode(), None, now)
    assert report.ok and report.created == 1 and report.translated == 1
    db.session.commit()
    assert _rec_cycle3().texts == {"fr": "Garantir la couverture sanitaire universelle"}


def _rec_cycle3():
    return db.session.scalars(select(Recommendation).where(Recommendation.cycle == 3)).one()


def test_a_french_speaking_user_reads_french_with_a_switch_to_the_original(app, now, staff_user, staff_client):
    _with_french(now)
    staff_user.language = "fr"
    db.session.commit()
    rec_id = _rec("101.92").id
    page = staff_client.get(f"/recommendations/{rec_id}").get_data(as_text=True)
    assert FRENCH["101.92"] in page and ORIGINAL_101_92 not in page.split('id="text-language"')[1].split("</blockquote>")[0]
    assert "Français" in page and f'href="/recommendations/{rec_id}?text=original">Original (anglais)' in page
    # The page around the text is in French too: the switch, the labels, the response.
    assert "Traduction enregistrée dans engage ; l’original est en anglais." in page and "Lire en :" in page
    assert "Réponse du Kenya" in page and "État recommandant" in page and "Enregistrer les modifications" in page
    original = staff_client.get(f"/recommendations/{rec_id}?text=original").get_data(as_text=True)
    assert ORIGINAL_101_92 in original and FRENCH["101.92"] not in original
    assert f'href="/recommendations/{rec_id}?text=fr">Français' in original and "<strong>Original (anglais)</strong>" in original
    listed = staff_client.get("/recommendations/?cycle=1&q=reproductive").get_data(as_text=True)
    assert FRENCH["101.92"] in listed and "Original (anglais)" in listed and "Textes : <strong>Français</strong>" in listed
    back = staff_client.get("/recommendations/?cycle=1&q=reproductive&text=original").get_data(as_text=True)
    assert FRENCH["101.92"] not in back and ORIGINAL_101_92 in back and "text=fr" in back


def test_others_read_the_original_and_may_ask_for_the_french(app, now, staff_client):
    _with_french(now)
    rec_id = _rec("101.92").id
    page = staff_client.get(f"/recommendations/{rec_id}").get_data(as_text=True)
    assert ORIGINAL_101_92 in page and FRENCH["101.92"] not in page
    assert f'href="/recommendations/{rec_id}?text=fr">Français' in page
    assert "Read in:" in page and "<strong>Original (English)</strong>" in page and "Lire en" not in page
    assert FRENCH["101.92"] not in staff_client.get("/recommendations/?cycle=1&q=reproductive").get_data(as_text=True)
    assert FRENCH["101.92"] in staff_client.get(f"/recommendations/{rec_id}?text=fr").get_data(as_text=True)


def test_the_import_page_counts_the_texts_in_another_language(app, now, lead_client):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    response = lead_client.post("/recommendations/import", data={"file": (io.BytesIO(_french_file()), "fr.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    assert _texts_count() == 3
