"""Importing recommendations: the real 1st-cycle file, the minimal format, bad files, re-imports, the CLI."""
from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from sqlalchemy import func, select

from engage.demo import UPR_CYCLE1_CSV, load_demo_recommendations
from engage.extensions import db
from engage.history import history_for
from engage.importjobs import services as import_jobs
from engage.upr.imports import import_recommendations_bytes, import_recommendations_file
from tests.importjobs.test_jobs import job_id_of, recommendations_file, the_job
from engage.upr.services import made_by
from engage.recommendations.models import Recommendation, Theme

MINIMAL_HEADER = "cycle,reference,recommending_state,text,response,themes\n"


def _all():
    return list(db.session.scalars(select(Recommendation)))


def _count():
    return db.session.scalar(select(func.count()).select_from(Recommendation))


def _by(reference, state, cycle=1):
    """The recommendation shown as `reference` ("102.3 (1)": paragraph 102.3, item 1) made by `state` (among others)."""
    paragraph, _, item = reference.partition(" (")
    return db.session.scalars(select(Recommendation).where(
        Recommendation.cycle == cycle, Recommendation.reference == paragraph, Recommendation.sub_item == item.rstrip(")"),
        Recommendation.id.in_(made_by(state)))).one()


def _import(text, now, encoding="utf-8"):
    report = import_recommendations_bytes(text.encode(encoding), None, now)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return report


# ---- the shipped real file ----

def test_the_real_first_cycle_file_gives_164_recommendations_from_51_states(app, now):
    report = import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    assert report.ok, report.errors
    # 166 lines: paragraph 103.1 (3) is on three of them, once per state, and is one recommendation.
    assert (report.total, report.created) == (166, 164)
    recs = _all()
    assert len(recs) == 164
    assert len({s for r in recs for s in r.recommending_states}) == 51
    assert Counter(r.response for r in recs) == {"supported": 132, "noted": 32}
    assert {r.cycle for r in recs} == {1}
    first = _by("101.1", "BF")
    assert first.text.startswith("Ratify the International Convention on the Protection of the Rights of All Migrant")
    assert first.wg_session == 8 and first.outcome_document == "A/HRC/15/8"
    assert first.review_date.isoformat() == "2010-05-06"
    assert first.action_category == 5
    assert first.theme_names == ["International instruments", "Labour", "Migrants"]
    assert first.source_ref == "KEN-C1-001"


def test_each_split_paragraph_part_is_its_own_recommendation_with_its_own_response_and_themes(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    expected = {
        ("102.3", "AT"): ["supported", "noted"],
        ("102.7", "ES"): ["noted", "supported", "noted"],
        ("102.8", "AR"): ["noted", "supported", "noted"],
        ("102.9", "UY"): ["noted", "noted", "supported"],
    }
    for (paragraph, state), responses in expected.items():
        parts = [_by(f"{paragraph} ({n})", state) for n in range(1, len(responses) + 1)]
        assert [p.response for p in parts] == responses
        # Kenya supported part of each paragraph, and noted the rest.
        assert "supported" in responses and "noted" in responses
        assert len({p.text for p in parts}) == len(parts)  # each part has its own text
        assert all(p.paragraph_text and p.paragraph_text != p.text for p in parts)
        assert db.session.scalar(select(func.count()).select_from(Recommendation).where(
            Recommendation.reference == paragraph, Recommendation.sub_item == "")) == 0
    austria = [_by("102.3 (1)", "AT"), _by("102.3 (2)", "AT")]
    assert austria[0].text == "Ratify the first Optional Protocol to ICCPR"
    assert austria[1].text == "Ratify the Second Optional Protocol to ICCPR"
    assert "Death penalty" in austria[1].theme_names and "Death penalty" not in austria[0].theme_names
    assert austria[0].paragraph_text == "Ratify the optional protocols to ICCPR"
    # Several states on one paragraph are not parts: each item of 103.1 is one recommendation, (3) made by three.
    items = {r.sub_item: r.recommending_states for r in _all() if r.reference == "103.1"}
    assert items == {"": ["ES"], "1": ["BE"], "2": ["UY"], "3": ["IE", "AT", "DE"], "4": ["AR"]}


def test_a_paragraph_given_once_per_state_is_one_recommendation_made_by_each(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    joint = _by("103.1 (3)", "AT")
    assert joint.id == _by("103.1 (3)", "DE").id == _by("103.1 (3)", "IE").id
    # The report's order (recommending_states_in_paragraph), the first kept as recommending_state.
    assert joint.recommending_states == ["IE", "AT", "DE"] and joint.recommending_state == "IE"
    assert (joint.reference, joint.sub_item, joint.full_reference) == ("103.1", "3", "103.1 (3)")
    assert joint.text == "Abolish the death penalty" and joint.response == "noted"
    assert joint.label == "103.1 (3) (Ireland, Austria, Germany)"


def test_themes_come_from_the_upr_info_issues_column(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    names = set(db.session.scalars(select(Theme.name)))
    assert {"Right to health", "Women's rights", "Death penalty", "Sexual Orientation and Gender Identity"} <= names
    assert len(names) == 41
    health = [r for r in _all() if "Right to health" in r.theme_names]
    assert len(health) == 2


def test_reimporting_the_real_file_changes_nothing(app, now):
    import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    again = import_recommendations_file(UPR_CYCLE1_CSV, None, now)
    db.session.commit()
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 164)
    assert _count() == 164


def test_demo_data_loads_the_real_recommendations_once(app, now):
    lines = []
    assert load_demo_recommendations(now, echo=lines.append) is True
    db.session.commit()
    assert _count() == 164
    assert load_demo_recommendations(now, echo=lines.append) is False
    assert _count() == 164
    assert "164 created" in lines[0] and "already loaded" in lines[1]


# ---- the minimal format and state names ----

def test_minimal_format_resolves_every_common_english_state_name(app, now):
    rows = [
        ("3", "142.1", "United States", "Ratify CEDAW-OP", "supported", "Women's rights"),
        ("3", "142.2", "United Kingdom of Great Britain and Northern Ireland", "Repeal section 162", "noted",
         "Sexual Orientation and Gender Identity; Right to health"),
        ("3", "142.3", "Türkiye", "Strengthen health services", "supported", "Right to health"),
        ("3", "142.4", "Turkey", "Keep strengthening", "Supported", ""),
        ("3", "142.5", "Holy See", "Protect the family", "pending", "Rights of the Child"),
        ("3", "142.6", "Republic of Korea", "Share good practice", "", "HIV/AIDS;  right to HEALTH "),
        ("3", "142.7", "de", "Decriminalise", "noted", "HIV/AIDS"),
        ("3", "142.8", "Netherlands (Kingdom of the)", "Ratify", "noted", ""),
        ("3", "142.9", "Libyan Arab Jamahiriya", "Cooperate", "supported", ""),
    ]
    out = io.StringIO()
    csv.writer(out).writerows([MINIMAL_HEADER.strip().split(",")] + rows)
    report = _import(out.getvalue(), now)
    assert report.ok, report.errors
    assert [(r.reference, r.recommending_state) for r in sorted(_all(), key=lambda r: r.reference)] == [
        ("142.1", "US"), ("142.2", "GB"), ("142.3", "TR"), ("142.4", "TR"), ("142.5", "VA"), ("142.6", "KR"),
        ("142.7", "DE"), ("142.8", "NL"), ("142.9", "LY")]
    assert _by("142.4", "TR", 3).response == "supported"
    assert _by("142.6", "KR", 3).response == "pending"  # blank means not answered yet
    assert _by("142.2", "GB", 3).theme_names == ["Right to health", "Sexual Orientation and Gender Identity"]
    # "right to HEALTH" is the theme that already exists, not a second one.
    assert _by("142.6", "KR", 3).theme_names == ["HIV/AIDS", "Right to health"]
    assert db.session.scalar(select(func.count()).select_from(Theme).where(func.lower(Theme.name) == "right to health")) == 1


def test_two_names_of_one_state_with_one_reference_are_a_duplicate(app, now):
    report = _import(MINIMAL_HEADER + "3,142.1,Turkey,One,noted,\n3,142.1,Türkiye,Two,noted,\n", now)
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "reference: 142.1 from Türkiye in cycle 3 is already on line 2")]
    assert _count() == 0


def test_a_semicolon_separated_file_with_a_bom_is_read(app, now):
    text = "\ufeffcycle;reference;recommending_state;text;response;themes\n2;120.5;Kenya;Do it;noted;Justice\n"
    report = _import(text, now)
    assert report.ok, report.errors
    assert _by("120.5", "KE", 2).theme_names == ["Justice"]


# ---- all-or-nothing ----

def test_a_bad_file_imports_nothing_and_lists_every_bad_line(app, now):
    text = MINIMAL_HEADER + "\n".join([
        "3,142.1,Germany,Fine,supported,Right to health",          # line 2: good
        "3,142.2,Narnia,Unknown state,supported,",                 # line 3
        "3,142.3,France,,supported,",                              # line 4: empty text
        "3,142.4,Spain,Bad response,approved,",                    # line 5
        "3,142.1,Germany,Same reference again,noted,",             # line 6: duplicate of line 2
        "0,142.6,Brazil,Cycle out of range,noted,",                # line 7
        "3,,Chile,No reference,noted,",                            # line 8
        "3,142.9,Sweden,Fine too,noted,",                          # line 9: good
    ]) + "\n"
    report = _import(text, now)
    assert not report.ok
    problems = {e.line: e.message for e in report.errors}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8]
    assert "recommending_state" in problems[3] and "Narnia" in problems[3]
    assert problems[4].startswith("text:")
    assert "response" in problems[5] and "supported, noted, pending" in problems[5]
    assert "already on line 2" in problems[6]
    assert problems[7].startswith("cycle:")
    assert problems[8].startswith("reference:")
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 0


def test_a_file_with_missing_columns_is_refused_naming_them(app, now):
    report = _import("cycle,reference,text\n3,142.1,Something\n", now)
    assert [e.line for e in report.errors] == [1]
    assert report.errors[0].message.startswith("missing column(s): recommending_state, response. engage does not "
                                               "recognise this file's columns (cycle, reference, text). It reads: ")
    assert _count() == 0


def test_a_upr_info_file_reports_problems_under_its_own_column_names(app, now):
    with open(UPR_CYCLE1_CSV, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    rows = list(csv.reader(lines))
    header = rows[0]
    bad = rows[1][:]
    bad[header.index("recommending_state")] = "Atlantis"
    bad[header.index("upr_info_action_category")] = "9"
    empty = rows[2][:]
    empty[header.index("recommendation_text")] = ""
    empty[header.index("upr_info_text")] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, bad, empty] + rows[3:])
    report = _import(out.getvalue(), now)
    problems = {e.line: e.message for e in report.errors}
    assert sorted(problems) == [2, 3]
    assert "recommending_state: Unknown state 'Atlantis'" in problems[2]
    assert "upr_info_action_category: Must be a whole number from 1 to 5" in problems[2]
    assert problems[3] == "recommendation_text: This is required"
    assert _count() == 0


def test_a_windows_1252_file_is_read_as_such(app, now):
    text = MINIMAL_HEADER + "3,142.1,Türkiye,Protect women's rights – “all” of them,supported,\n" \
        "3,142.2,Germany,Fine,noted,\n3,142.3,Côte d'Ivoire,Another,noted,\n"
    report = _import(text, now, encoding="cp1252")
    assert report.ok and report.encoding_label == "Windows-1252 (Western European)"
    assert _by("142.1", "TR", cycle=3).text == "Protect women's rights – “all” of them"


def test_a_utf8_file_with_damaged_lines_is_refused_with_its_lines(app, now):
    raw = (MINIMAL_HEADER + "3,142.1,Türkiye,Protect women's rights,supported,\n").encode() \
        + "3,142.2,Germany,Fine,noted,\n3,142.3,Côte d'Ivoire,Another,noted,\n".encode("cp1252")
    report = import_recommendations_bytes(raw, None, now)
    assert not report.ok and report.assumed_encoding is None
    assert [e.line for e in report.errors] == [4]
    assert all("not UTF-8" in e.message for e in report.errors)
    db.session.rollback()
    assert _count() == 0


def test_a_utf16_file_is_refused(app, now):
    report = _import(MINIMAL_HEADER + "3,142.1,Germany,Fine,noted,\n", now, encoding="utf-16")
    assert not report.ok and report.errors[0].line == 1 and "UTF" in report.errors[0].message
    assert _count() == 0


def test_an_empty_file_is_refused(app, now):
    report = import_recommendations_bytes(b"", None, now)
    assert [e.message for e in report.errors] == ["The file is empty."]


def test_a_split_paragraph_without_part_texts_is_refused(app, now):
    header = "cycle,paragraph,recommending_state,recommendation_text,response,upr_info_text\n"
    text = header + "1,102.3,Austria,Ratify both protocols,supported,Ratify the first\n" \
                    "1,102.3,Austria,Ratify both protocols,noted,\n" \
                    "1,102.4,Brazil,Something,noted,Something\n" \
                    "1,102.4,Brazil,Something,noted,Something\n"
    report = _import(text, now)
    problems = {e.line: e.message for e in report.errors}
    assert sorted(problems) == [3, 5]
    assert "each part needs its own text" in problems[3]
    assert "the same recommendation (102.4, Brazil) as line 4" in problems[5]
    assert _count() == 0


# ---- re-import updates ----

def test_reimport_updates_instead_of_duplicating_and_keeps_what_it_does_not_say(app, now):
    _import(MINIMAL_HEADER + "3,142.1,Germany,Old text,pending,HIV/AIDS\n3,142.2,France,Other,noted,\n", now)
    rec = _by("142.1", "DE", 3)
    rec.notes = "Raised with the mission."
    db.session.commit()
    report = _import("cycle,reference,recommending_state,text,response,themes,notes\n"
                     "3,142.1,DE,New text,supported,Right to health,From the file\n"
                     "3,142.2,France,Other,noted,\n", now)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert _count() == 2
    rec = _by("142.1", "DE", 3)
    assert (rec.text, rec.response) == ("New text", "supported")
    assert rec.theme_names == ["HIV/AIDS", "Right to health"]  # file themes are added, none removed
    assert rec.notes == "Raised with the mission."  # staff notes are never overwritten
    change = history_for(rec)[0]
    assert change.action == "updated_by_import"
    assert change.changes["response"] == ["pending", "supported"]


def test_a_recommendation_open_in_the_session_shows_what_an_import_just_changed(app, now):
    # The preview and the import page read recommendations in the same session the import wrote to.
    _import(MINIMAL_HEADER + "3,142.1,Germany,Old text,pending,HIV/AIDS\n", now)
    rec = _by("142.1", "DE", 3)
    assert (rec.response, rec.recommending_states, rec.theme_names) == ("pending", ["DE"], ["HIV/AIDS"])
    report = import_recommendations_bytes(
        ("cycle,reference,recommending_states,text,response,themes,sdgs\n"
         "3,142.1,Germany; France,New text,supported,Right to health,3\n").encode(), None, now)
    assert report.ok and report.updated == 1
    assert (rec.text, rec.response, rec.recommending_states, rec.sdgs) == ("New text", "supported", ["DE", "FR"], [3])
    assert rec.theme_names == ["HIV/AIDS", "Right to health"]
    db.session.rollback()  # a check: nothing kept
    assert (rec.text, rec.recommending_states, rec.theme_names) == ("Old text", ["DE"], ["HIV/AIDS"])


def test_blank_cells_do_not_wipe_known_values(app, now):
    _import("cycle,reference,recommending_state,text,response,themes,action_category\n"
            "3,142.1,Germany,Text,supported,,4\n", now)
    report = _import("cycle,reference,recommending_state,text,response,themes,action_category\n"
                     "3,142.1,Germany,Text,,,\n", now)
    assert (report.updated, report.unchanged) == (0, 1)
    rec = _by("142.1", "DE", 3)
    assert (rec.response, rec.action_category) == ("supported", 4)


# ---- the command line ----

def test_cli_imports_the_real_file_and_reimports_it(runner, app):
    result = runner.invoke(args=["engage", "import", "recommendations", str(UPR_CYCLE1_CSV)])
    assert result.exit_code == 0, result.output
    assert "164 created" in result.output
    assert _count() == 164
    result = runner.invoke(args=["engage", "import", "recommendations", str(UPR_CYCLE1_CSV)])
    assert "164 unchanged" in result.output and _count() == 164


def test_cli_lists_every_problem_and_saves_nothing(runner, app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(MINIMAL_HEADER + "3,142.1,Germany,Fine,noted,\n3,142.2,Narnia,x,noted,\n3,142.3,France,,noted,\n")
    result = runner.invoke(args=["engage", "import", "recommendations", str(path)])
    assert result.exit_code == 1
    assert "Nothing imported: 2 problem(s)" in result.output
    assert "line 3: recommending_state" in result.output and "line 4: text" in result.output
    assert _count() == 0


def test_cli_dry_run_saves_nothing(runner, app):
    result = runner.invoke(args=["engage", "import", "recommendations", "--dry-run", str(UPR_CYCLE1_CSV)])
    assert result.exit_code == 0 and "Dry run: 166 rows: 164 created" in result.output
    assert _count() == 0


# ---- a large file ----

def _large_file(target_bytes: int) -> bytes:
    states = ["Germany", "France", "Türkiye", "United States", "Holy See", "Brazil", "Japan", "Norway",
              "United Kingdom of Great Britain and Northern Ireland", "Republic of Korea"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cycle", "reference", "recommending_state", "text", "response", "themes"])
    n = 0
    while out.tell() < target_bytes:
        n += 1
        writer.writerow([1 + n % 4, f"{100 + n // 400}.{n % 400 + 1}", states[n % len(states)],
                         f"Recommendation {n}: ensure access to health services, including sexual and reproductive "
                         "health services and HIV prevention, treatment and care, for everyone, without "
                         "discrimination, and allocate sufficient resources to that end",
                         ("supported", "noted")[n % 3 == 0], ("Right to health", "HIV/AIDS; SRHR")[n % 2]])
    return out.getvalue().encode()


@pytest.mark.slow
def test_a_5_mb_file_imports_with_progress(app, now):
    raw = _large_file(5 * 1024 * 1024)
    assert len(raw) >= 5 * 1024 * 1024
    steps = []
    report = import_recommendations_bytes(raw, None, now, progress=lambda done, total, phase: steps.append(
        (phase, done, total)))
    db.session.commit()
    assert report.ok, report.errors[:3]
    assert report.created == report.total > 15000
    assert _count() == report.total
    for phase in ("checked", "saved"):
        done = [d for p, d, t in steps if p == phase]
        assert done == sorted(done) and done[-1] == report.total and len(done) > 10


# ---- joint recommendations and OHCHR's fields ----

OHCHR_HEADER = "cycle,reference,sub_item,recommending_states,text,response,sdgs,groups_of_persons,source_of_position\n"


def test_one_row_with_several_states_is_one_joint_recommendation_with_its_fields(app, now):
    text = OHCHR_HEADER + (
        '4,45.7,,France; Lithuania,Ensure universal health coverage,supported,"3 - GOOD HEALTH AND WELL-BEING; 5",'
        '"Women & girls; Persons with disabilities",A/HRC/28/15/Add.1 - Para. 3\n'
        '4,45.8,45.8 (1),"Korea, Republic of",Ratify OP-CAT,noted,16,,\n')
    report = _import(text, now)
    assert report.ok, report.errors
    assert (report.total, report.created) == (2, 2)
    joint = _by("45.7", "LT", 4)
    assert joint.recommending_states == ["FR", "LT"] and joint.recommending_state == "FR"
    assert joint.sdgs == [3, 5] and joint.groups_of_persons == ["Women & girls", "Persons with disabilities"]
    assert joint.source_of_position == "A/HRC/28/15/Add.1 - Para. 3"
    item = _by("45.8 (1)", "KR", 4)
    assert (item.reference, item.sub_item, item.sdgs) == ("45.8", "1", [16])
    # The same file again changes nothing; a file naming one more state adds it.
    again = _import(text, now)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    more = _import(MINIMAL_HEADER + "4,45.7,Germany,Ensure universal health coverage,supported,\n", now)
    assert more.ok and (more.created, more.updated) == (0, 1)
    assert _by("45.7", "DE", 4).recommending_states == ["FR", "LT", "DE"]


def test_rows_of_one_paragraph_once_per_state_merge_and_a_bad_goal_names_its_column(app, now):
    text = MINIMAL_HEADER.replace("themes", "sdgs") + (
        "4,46.1,Chile,Protect defenders,supported,16\n"
        "4,46.1,Peru,Protect defenders,supported,16\n"
        "4,46.2,Chile,x,supported,18\n")
    report = _import(text, now)
    assert [(e.line, e.message.split(";")[0]) for e in report.errors] == [
        (4, "sdgs: There is no goal 18")]
    report = _import(text.replace(",18\n", ",\n"), now)
    assert report.ok and report.created == 2
    assert _by("46.1", "PE", 4).recommending_states == ["CL", "PE"]


def test_an_implementation_status_in_the_file_becomes_an_assessment_once(app, now):
    """engage's own export carries each recommendation's status: imported again, it is recorded as an
    assessment where it differs from the latest, never twice; a word it does not know names the column."""
    from engage.implementation.models import Assessment

    header = "cycle,reference,recommending_state,text,response,implementation_status\n"
    _import(header + "3,142.1,Germany,Text,pending,partial\n3,142.2,France,Other,noted,unknown\n", now)
    rows = db.session.query(Assessment).all()
    assert [(a.recommendation_id, a.status, a.source_kind) for a in rows] == [
        (_by("142.1", "DE", 3).id, "partially_implemented", "other")]
    _import(header + "3,142.1,Germany,Text,pending,partially_implemented\n", now)
    assert db.session.query(Assessment).count() == 1
    _import(header + "3,142.1,Germany,Text,pending,implemented\n", now)
    assert db.session.query(Assessment).count() == 2
    report = _import(header + "3,142.3,Germany,Text,pending,done\n", now)
    assert not report.ok and "implementation_status" in report.errors[0].message


def test_a_french_uploader_s_background_import_keeps_its_bad_lines_in_french(app, lead_client, lead_user, now):
    app.config["ENGAGE_IMPORT_JOB_ROWS"] = 100
    lead_user.language = "fr"
    db.session.commit()
    raw = recommendations_file(250).decode().splitlines()
    raw[120] = raw[120].replace(",supported,", ",maybe,")
    response = lead_client.post("/recommendations/import", content_type="multipart/form-data",
                                data={"file": (io.BytesIO(("\n".join(raw) + "\n").encode()), "big.csv")})
    job_id = job_id_of(response)
    assert import_jobs.run_next_import(now, app.config, "worker-a") == job_id
    assert the_job(job_id).errors == [
        [121, "response : 'maybe' n’est pas autorisé ; choisissez parmi : supported, noted, pending"]]
