"""Recommendation files as the UN and UPR Info publish them: recognised, read, matched to what is held."""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.demo import UPR_CYCLE1_CSV
from engage.extensions import db
from engage.recommendations.models import Recommendation
from engage.settings import SettingsError, load
from engage.upr.formats import cycle_of_session
from engage.upr.imports import import_recommendations_bytes, import_recommendations_file
from tests.upr.helpers import kenya_upr_info_export

DATA = Path(__file__).parent / "data"
EXPORT_XLS = DATA / "uprinfo_export_sessions_1-5.xls"
EXPORT_CSV = DATA / "uprinfo_export_sessions_1-5_resaved.csv"  # Mac Roman, CR line endings


def _count(**where) -> int:
    statement = select(func.count()).select_from(Recommendation)
    for name, value in where.items():
        statement = statement.where(getattr(Recommendation, name) == value)
    return db.session.scalar(statement)


def _import(raw: bytes, now, state=None):
    report = import_recommendations_bytes(raw, None, now, state_under_review=state)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return report


def _export_rows(path: Path, state_name: str) -> list[dict]:
    """The export's rows for one state, read independently of engage (the spreadsheet's CSV twin)."""
    text = EXPORT_CSV.read_bytes().decode("mac_roman")
    return [row for row in csv.DictReader(io.StringIO(text, newline="")) if row["To"] == state_name]


def test_a_upr_info_xls_export_imports_only_the_state_under_review(app, now):
    report = _import(EXPORT_XLS.read_bytes(), now, state="GB")
    assert report.ok, report.errors[:5]
    expected = _export_rows(EXPORT_CSV, "United Kingdom")
    assert (report.total, report.created, report.skipped) == (len(expected), len(expected), 6094 - len(expected))
    assert report.layout == "a UPR Info database export"
    assert "6059 rows for other states under review skipped" in report.summary()
    assert _count() == len(expected) == 35
    recs = list(db.session.scalars(select(Recommendation)))
    assert {r.cycle for r in recs} == {1} and {r.wg_session for r in recs} == {1}
    # "Accepted" is UPR Info's word for supported; the issues are comma-separated themes.
    assert Counter(r.response for r in recs) == Counter(
        {"Accepted": "supported", "Noted": "noted"}[row["Response"]] for row in expected)
    assert all(len(t) < 60 for r in recs for t in r.theme_names)
    assert any(len(r.theme_names) > 1 for r in recs)
    # No paragraph numbers in an export: each is numbered after its session, in file order.
    assert sorted(r.reference for r in recs)[:2] == ["UPR Info 1-1", "UPR Info 1-10"]


@pytest.mark.parametrize(("code", "state", "spelled"), [
    ("MK", "Macedonia FYR", None),  # UPR Info's name for the state under review
    ("CF", "Central African Republic", "CD"),  # "Democratic Republic of Congo" among those recommending
])
def test_upr_info_state_spellings_resolve(app, now, code, state, spelled):
    report = _import(EXPORT_XLS.read_bytes(), now, state=code)
    assert report.ok, report.errors[:5]
    assert report.created == len(_export_rows(EXPORT_CSV, state)) == _count(cycle=1)
    if spelled:
        assert _count(recommending_state=spelled) > 0


def test_rows_upr_info_could_not_attribute_are_skipped_and_counted(app, now):
    report = _import(EXPORT_XLS.read_bytes(), now, state="ID")
    assert report.ok, report.errors[:5]
    assert report.unattributed == 9 and report.created == len(_export_rows(EXPORT_CSV, "Indonesia")) - 9
    assert '9 rows without a recommending state ("(Unknown)" in the source) skipped' in report.summary()


def test_the_re_saved_mac_roman_csv_reads_its_accents_and_matches_the_xls(app, now):
    first = _import(EXPORT_XLS.read_bytes(), now, state="MA")
    again = _import(EXPORT_CSV.read_bytes(), now, state="MA")
    assert first.ok and again.ok, again.errors[:5]
    assert again.assumed_encoding == "mac_roman"
    # Every row of the re-saved file is one already held: nothing is added twice.
    assert (again.created, again.merged, again.unchanged) == (0, first.created, first.created)
    assert _count() == first.created
    assert db.session.scalar(select(func.count()).select_from(Recommendation).where(
        Recommendation.text.contains("Instance Equité"))) == 1


def test_a_upr_info_export_of_kenyas_first_cycle_merges_with_the_shipped_file(app, now):
    """The shipped file (the UN report's paragraphs) first, then UPR Info's export of the same review."""
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    held = _count()
    report = _import(kenya_upr_info_export(flipped=12), now)
    assert report.ok, report.errors[:5]
    assert _count() == held == 164
    assert (report.created, report.merged) == (0, 166)
    # The twelve flipped responses, and four paragraphs UPR Info words differently from the UN report.
    responses = [c for c in report.conflicts if c.message.startswith("response:")]
    assert len(responses) == 12 and len(report.conflicts) == 16
    conflict = responses[0].message
    assert conflict.startswith("response: the file says ") and "engage holds" in conflict and "(kept)" in conflict
    # The UN document's response is kept.
    assert Counter(r.response for r in db.session.scalars(select(Recommendation))) == {"supported": 132, "noted": 32}


def test_responses_in_the_words_of_upr_documents(app, now):
    text = ("cycle,reference,recommending_state,text,response\n"
            "5,1.1,France,Ratify the Convention,Acceptée\n"
            "5,1.2,Spain,Adopt a plan,Anotada\n"
            "5,1.3,Germany,Repeal the law,Accepted\n"
            "5,1.4,Norway,Fund clinics,Supported partially\n")
    report = _import(text.encode(), now)
    assert report.ok, report.errors
    responses = dict(db.session.execute(select(Recommendation.reference, Recommendation.response)).all())
    assert responses == {"1.1": "supported", "1.2": "noted", "1.3": "supported", "1.4": "supported"}
    assert _count(cycle=5) == 4  # the next review is Kenya's 5th


def test_an_unknown_response_is_a_line_error_naming_it(app, now):
    report = _import(b"cycle,reference,recommending_state,text,response\n1,1.1,France,Do it,Maybe later\n", now)
    assert not report.ok and report.errors[0].line == 2
    assert "'maybe later' is not allowed" in report.errors[0].message


def test_a_file_engage_cannot_read_names_the_layouts_it_reads(app, now):
    report = _import(b"Name,Email,Phone\nA,a@example.org,1\n", now)
    assert not report.ok
    message = report.errors[0].message
    assert report.errors[0].line == 1
    assert "does not recognise this file's columns (email, name, phone)" in message
    assert "UPR Info database export" in message and "engage's CSV" in message
    assert _count() == 0


def test_a_damaged_workbook_is_refused_with_a_message(app, now):
    report = _import(EXPORT_XLS.read_bytes()[:5000], now, state="GB")
    assert not report.ok and report.errors[0].message.startswith("the workbook cannot be read")


@pytest.mark.parametrize(("session", "cycle"), [(1, 1), (8, 1), (12, 1), (13, 2), (21, 2), (26, 2), (27, 3),
                                                 (35, 3), (40, 3), (41, 4), (54, 4), (55, 5)])
def test_working_group_sessions_belong_to_their_cycle(session, cycle):
    assert cycle_of_session(session) == cycle


def test_the_state_under_review_is_a_checked_setting():
    assert load("testing", {"ENGAGE_STATE_UNDER_REVIEW": "Kenya"})["ENGAGE_STATE_UNDER_REVIEW"] == "KE"
    with pytest.raises(SettingsError, match="ENGAGE_STATE_UNDER_REVIEW"):
        load("testing", {"ENGAGE_STATE_UNDER_REVIEW": "Narnia"})


def test_the_command_imports_a_downloaded_export_for_the_configured_state(app, runner):
    app.config["ENGAGE_STATE_UNDER_REVIEW"] = "GB"
    result = runner.invoke(args=["engage", "import", "recommendations", str(EXPORT_XLS)])
    assert result.exit_code == 0, result.output
    assert "Read as a UPR Info database export." in result.output
    assert "35 rows: 35 created, 0 updated, 0 unchanged; 6059 rows for other states under review skipped" in result.output
    assert _count(recommending_state="FR") == 3
