"""Each source of a recommendation kept, disagreements stored and reviewed, and a check before every import."""
from __future__ import annotations

import html
import io
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from engage.demo import UPR_CYCLE1_CSV
from engage.errors import ConflictError, PermissionDenied
from engage.extensions import db
from engage.history import ChangeRecord
from engage.recommendations.models import Recommendation
from engage.recommendations.sources import RecommendationSource, SourceDisagreement
from engage.upr import sources
from engage.upr.imports import import_recommendations, import_recommendations_bytes, import_recommendations_file
from tests.upr.helpers import kenya_upr_info_export
from tests.upr.ohchr_matrix import Rec, fourth_cycle_matrix


def _count(model=Recommendation) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _shipped_then_export(now, flipped=12, actor=None):
    import_recommendations_file(UPR_CYCLE1_CSV, actor, now)
    db.session.commit()
    report = import_recommendations_bytes(kenya_upr_info_export(flipped=flipped), actor, now)
    assert report.ok, report.errors[:3]
    db.session.commit()
    return report


def _rec(reference: str, state: str = "BF") -> Recommendation:
    return db.session.scalar(select(Recommendation).where(Recommendation.reference == reference,
                                                          Recommendation.recommending_state == state))


def _upload(client, content: bytes, name="recs.csv", **extra):
    return client.post("/recommendations/import", data={"file": (io.BytesIO(content), name), **extra},
                       content_type="multipart/form-data")


def _text(response) -> str:
    """The page's words, without its tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


# ---- the acceptance: Kenya's 1st cycle from UPR Info on top of the UN report's paragraphs ----

def test_the_helper_flips_a_dozen_responses():
    flipped = kenya_upr_info_export(flipped=12).decode("mac_roman")
    plain = kenya_upr_info_export(flipped=0).decode("mac_roman")
    assert sum(a != b for a, b in zip(flipped.split("\r"), plain.split("\r"))) == 12


def test_a_upr_info_export_merges_every_row_and_stores_the_flipped_responses(app, now):
    report = _shipped_then_export(now)
    assert (report.created, report.merged, _count()) == (0, 166, 164)  # no duplicates: 103.1 (3) is one, of three states
    # Every recommendation keeps both copies: the report's paragraph and UPR Info's numbering (UPR Info
    # numbers the joint 103.1 (3) once per state: three references).
    assert _count(RecommendationSource) == 330
    kinds = Counter(db.session.scalars(select(RecommendationSource.kind)))
    assert kinds == {"engage_csv": 164, "upr_info": 166}
    first = sources.sources_of(_rec("101.1"))
    assert [(s.kind, s.reference) for s in first] == [("engage_csv", "A/HRC/15/8 para 101.1"),
                                                      ("upr_info", "UPR Info 8-1")]
    # The flipped responses: the report's value is shown, UPR Info's kept beside it, and listed to review.
    assert first[0].response == "supported" and first[1].response == "noted"
    stored = list(db.session.scalars(sources.open_disagreements()))
    responses = [d for d in stored if d.field == "response"]
    assert len(responses) == 12 == len([c for c in report.conflicts if c.message.startswith("response:")])
    assert {(d.shown_kind, d.other_kind) for d in stored} == {("engage_csv", "upr_info")}
    burkina = next(d for d in responses if d.recommendation.reference == "101.1")
    assert (burkina.shown_value, burkina.other_value, burkina.other_reference) == ("supported", "noted", "UPR Info 8-1")
    assert _rec("101.1").response == "supported"
    # Four paragraphs UPR Info words differently: both wordings kept, the report's shown.
    texts = [d for d in stored if d.field == "text"]
    assert len(texts) == 4 and all(d.recommendation.text == d.shown_value for d in texts)


def test_importing_the_same_export_again_stores_nothing_twice(app, now):
    _shipped_then_export(now)
    again = import_recommendations_bytes(kenya_upr_info_export(flipped=12), None, now)
    db.session.commit()
    assert (again.created, again.merged) == (0, 166)
    assert _count(RecommendationSource) == 330 and _count(SourceDisagreement) == 16


def test_the_to_review_page_lists_them_and_a_lead_settles_one_each_way(lead_client, lead_user, now):
    _shipped_then_export(now)
    index = _text(lead_client.get("/recommendations/"))
    assert 'To review 16' in index
    page = _text(lead_client.get("/recommendations/review"))
    assert "To review (16)" in page and "101.1 (Burkina Faso)" in page and "UPR Info 8-1" in page
    burkina = db.session.scalar(select(SourceDisagreement).join(Recommendation).where(
        Recommendation.reference == "101.1", SourceDisagreement.field == "response"))
    taken = lead_client.post(f"/recommendations/disagreements/{burkina.id}", data={"choice": "other"})
    assert taken.status_code == 302 and taken.headers["Location"].endswith("/recommendations/review")
    assert "101.1 (Burkina Faso): response took the other source's value." in \
        _text(lead_client.get("/recommendations/review"))
    db.session.expire_all()
    rec = _rec("101.1")
    assert rec.response == "noted"
    history = db.session.scalar(select(ChangeRecord).where(ChangeRecord.entity_id == rec.id,
                                                           ChangeRecord.action == "disagreement_reviewed"))
    assert history.actor_id == lead_user.id and history.changes["response"] == ["supported", "noted"]
    # Reviewed from the recommendation's own page: the value shown stays.
    other = db.session.scalar(select(SourceDisagreement).where(SourceDisagreement.resolution.is_(None),
                                                               SourceDisagreement.field == "text"))
    kept = lead_client.post(f"/recommendations/disagreements/{other.id}", data={"choice": "reviewed", "back": "detail"})
    assert kept.headers["Location"].endswith(f"/recommendations/{other.recommendation_id}")
    db.session.expire_all()
    assert other.resolution == "reviewed" and other.recommendation.text == other.shown_value
    assert "To review (14)" in _text(lead_client.get("/recommendations/review"))
    # Twice is refused, and says why.
    again = lead_client.post(f"/recommendations/disagreements/{other.id}", data={"choice": "other"})
    assert "already reviewed" in _text(lead_client.get(again.headers["Location"]))
    assert _count(SourceDisagreement) == 16


def test_the_recommendation_page_shows_its_sources_and_disagreement(staff_client, now):
    _shipped_then_export(now)
    rec = _rec("101.1")
    page = _text(staff_client.get(f"/recommendations/{rec.id}"))
    assert "Sources" in page and "A/HRC/15/8 para 101.1" in page and "UPR Info 8-1" in page
    assert "UPR Info export" in page and "engage CSV" in page
    assert "Where its sources disagree 1 to review" in page
    assert "Take the UPR Info export value" not in page  # staff see it, leads settle it


def test_staff_may_not_review_nor_see_the_list(staff_client, staff_user, now):
    _shipped_then_export(now)
    assert staff_client.get("/recommendations/review").status_code == 403
    found = db.session.scalar(select(SourceDisagreement))
    assert staff_client.post(f"/recommendations/disagreements/{found.id}", data={"choice": "other"}).status_code == 403
    with pytest.raises(PermissionDenied):
        sources.resolve_disagreement(staff_user, now, found, {"choice": "other"})
    assert "To review" not in _text(staff_client.get("/recommendations/"))


def test_an_unknown_choice_is_refused_naming_it(app, lead_user, now):
    _shipped_then_export(now)
    found = db.session.scalar(select(SourceDisagreement))
    from engage.errors import ValidationError
    with pytest.raises(ValidationError) as refused:
        sources.resolve_disagreement(lead_user, now, found, {"choice": "both"})
    assert "choice" in refused.value.fields
    sources.resolve_disagreement(lead_user, now, found, {"choice": "reviewed"})
    with pytest.raises(ConflictError):
        sources.resolve_disagreement(lead_user, now, found, {"choice": "reviewed"})


# ---- which source wins ----

CSV = "cycle,reference,recommending_state,text,response,outcome_document\n1,101.1,France,{text},{response},A/HRC/15/8\n"


def test_the_un_document_wins_over_engages_file_and_upr_info_loses_to_both(app, now):
    first = import_recommendations(CSV.format(text="Ratify the Convention", response="noted"), None, now)
    assert first.ok
    un = import_recommendations(CSV.format(text="Ratify the Convention", response="supported"), None, now,
                                source_kind="un_document")
    assert un.ok and un.updated == 1
    rec = _rec("101.1", "FR")
    assert rec.response == "supported"  # the UN's
    [found] = db.session.scalars(select(SourceDisagreement))
    assert (found.shown_value, found.shown_kind, found.other_value, found.other_kind, found.other_reference) == \
        ("supported", "un_document", "noted", "engage_csv", "A/HRC/15/8 para 101.1")
    assert "the file's is shown" in un.conflicts[0].message
    # engage's own file again says noted: the UN document still stands, and nothing new is stored.
    again = import_recommendations(CSV.format(text="Ratify the Convention", response="noted"), None, now)
    assert again.ok and rec.response == "supported" and _count(SourceDisagreement) == 1
    assert again.conflicts[0].message.endswith("(kept)")


def test_a_file_of_the_same_kind_corrects_itself_without_a_disagreement(app, now):
    import_recommendations(CSV.format(text="Ratify the Convention", response="noted"), None, now)
    report = import_recommendations(CSV.format(text="Ratify the Convention.", response="supported"), None, now)
    assert report.ok and not report.conflicts and report.updated == 1
    rec = _rec("101.1", "FR")
    assert (rec.response, rec.text) == ("supported", "Ratify the Convention.")
    assert _count(SourceDisagreement) == 0
    [kept] = sources.sources_of(rec)
    assert (kept.response, kept.text) == ("supported", "Ratify the Convention.")


# ---- the check before an import ----

def test_a_check_counts_everything_then_import_applies_exactly_that(lead_client, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    checked = _upload(lead_client, kenya_upr_info_export(flipped=12), name="kenya.csv", dry_run="y")
    page = _text(checked)
    assert checked.status_code == 200 and _count(RecommendationSource) == 164
    assert "What importing it will do" in page and "Format a UPR Info database export" in page
    for words, number in (("New", 0), ("Updated", 0), ("Merged with a recommendation already held", 166),
                          ("Unchanged", 166), ("Disagreeing with another source", 16),
                          ("Skipped (another state under review)", 0), ("Refused", 0)):
        assert f"{words} {number}" in page
    button = checked.get_data(as_text=True).split('action="/recommendations/import/checked/', 1)[1].split('"')[0]
    imported = lead_client.post(f"/recommendations/import/checked/{button}")
    assert imported.status_code == 302 and imported.headers["Location"].endswith("/recommendations/review")
    assert "Imported kenya.csv: 166 rows" in _text(lead_client.get(imported.headers["Location"]))
    assert _count(RecommendationSource) == 330 and _count(SourceDisagreement) == 16 and _count() == 164
    # The checked file went with its import: pressing again finds nothing.
    gone = lead_client.post(f"/recommendations/import/checked/{button}")
    assert "That checked file is gone" in _text(lead_client.get(gone.headers["Location"]))
    assert _count(RecommendationSource) == 330


def test_an_import_that_would_now_do_something_else_does_nothing(lead_client, now):
    checked = _upload(lead_client, UPR_CYCLE1_CSV.read_bytes(), name="kenya.csv", dry_run="y")
    job_id = checked.get_data(as_text=True).split('action="/recommendations/import/checked/', 1)[1].split('"')[0]
    # Someone imports a part of the same file meanwhile: the check's "164 new" is no longer true.
    lines = UPR_CYCLE1_CSV.read_text(encoding="utf-8").splitlines()
    import_recommendations_bytes("\n".join(lines[:3]).encode(), None, now)
    db.session.commit()
    refused = lead_client.post(f"/recommendations/import/checked/{job_id}")
    assert refused.status_code == 302
    message = _text(lead_client.get(refused.headers["Location"]))
    assert "The recommendations changed since this file was checked" in message and "Nothing was imported" in message
    assert "162 new" in message and "the check found 166 rows: 164 new" in message
    assert _count() == 2


def test_the_command_previews_the_counts(runner, app, now, tmp_path):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    path = tmp_path / "kenya.csv"
    path.write_bytes(kenya_upr_info_export(flipped=12))
    result = runner.invoke(args=["engage", "import", "recommendations", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert ("Preview: 166 rows: 0 new, 0 updated, 166 merged with a recommendation already held, 166 unchanged, "
            "16 disagreeing with another source.") in result.output
    assert _count(RecommendationSource) == 164


def test_an_ohchr_matrix_checked_with_its_cycle_is_imported_and_its_position_shown(lead_client, now):
    # engage's file says noted; OHCHR's matrix, a UN source, says supported: the matrix's is shown.
    held = "cycle,reference,recommending_state,text,response\n4,140.7,Portugal,Ratify it,noted\n"
    assert import_recommendations_bytes(held.encode(), None, now).ok
    db.session.commit()
    bare = fourth_cycle_matrix([Rec("140.7", "Ratify it (Portugal);", source=None)], state=None)
    checked = _upload(lead_client, bare, name="matrix.docx", dry_run="y", cycle="4")
    assert checked.status_code == 200 and "Disagreeing with another source 1" in _text(checked)
    job_id = checked.get_data(as_text=True).split('action="/recommendations/import/checked/', 1)[1].split('"')[0]
    imported = lead_client.post(f"/recommendations/import/checked/{job_id}")  # the cycle chosen is kept with it
    assert imported.status_code == 302 and imported.headers["Location"].endswith("/recommendations/review")
    rec = _rec("140.7", "PT")
    assert rec.response == "supported" and _count() == 1
    assert [s.kind for s in sources.sources_of(rec)] == ["ohchr_matrix", "engage_csv"]
    [found] = db.session.scalars(select(SourceDisagreement))
    assert (found.shown_kind, found.other_kind, found.other_value) == ("ohchr_matrix", "engage_csv", "noted")


def test_a_recommendation_typed_into_engage_has_no_source_and_nothing_to_review(staff_client):
    from tests import factories
    rec = factories.make_recommendation(reference="142.1", recommending_state="DE", text="Ensure access to ARVs")
    page = _text(staff_client.get(f"/recommendations/{rec.id}"))
    assert "No source recorded: it was typed into engage" in page and "Where its sources disagree" not in page
