"""OHCHR's UPR matrices (.docx) as users download them: read, checked and imported."""
from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from engage.countries import country_code
from engage.extensions import db
from engage.recommendations.models import Recommendation
from engage.upr.imports import import_recommendations_bytes
from engage.upr.ohchr import read_matrix
from tests.upr.ohchr_matrix import ROWS, Rec, fourth_cycle_matrix, word_file

DATA = Path(__file__).parent / "data"
CYCLE2 = DATA / "ohchr_thematic_list_slovenia_cycle2.docx"
CYCLE3 = DATA / "ohchr_thematic_list_slovenia_cycle3.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# What every row of the reader holds; `sub_item`, `wg_session` and `notes` only where the file says them.
ROW_KEYS = {"cycle", "reference", "text", "recommending_states", "response", "themes", "groups_of_persons", "sdgs",
            "source_of_position", "outcome_document"}


def paragraphs_in_word_table(path: Path) -> list[str]:
    """The paragraph numbers starting the first cell of each table row, read from the Word XML without engage."""
    root = ElementTree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    found = []
    for row in root.iter(f"{W}tr"):
        first = row.find(f"{W}tc")
        text = "".join(t.text or "" for t in first.iter(f"{W}t")) if first is not None else ""
        match = re.match(r"\s*(\d+\.\d+)\s", text)
        if match:
            found.append(match.group(1))
    return found


def _rows(raw: bytes, state: str, cycle=None) -> dict[str, dict]:
    matrix = read_matrix(raw, state, cycle)
    assert not matrix.problems, matrix.problems
    return {row["reference"]: row for _, row in matrix.rows}


def _import(raw: bytes, now, state=None, cycle=None):
    report = import_recommendations_bytes(raw, None, now, state_under_review=state, cycle=cycle)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return report


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Recommendation))


# ---- the real 2nd- and 3rd-cycle files ----

def test_slovenias_3rd_cycle_list_is_215_paragraphs_each_once_with_all_its_states():
    rows = _rows(CYCLE3.read_bytes(), "SI")
    assert len(rows) == 215 == len(paragraphs_in_word_table(CYCLE3))
    assert set(rows) == {f"121.{n}" for n in range(1, 59)} | {f"122.{n}" for n in range(1, 158)}
    assert all(ROW_KEYS <= set(row) for row in rows.values())
    assert {row["cycle"] for row in rows.values()} == {"3"} and {row["wg_session"] for row in rows.values()} == {"34"}
    assert Counter(row["response"] for row in rows.values()) == {"supported": 182, "noted": 33}
    # A joint recommendation is one row naming every state, in the order the matrix gives them.
    joint = {ref: row["recommending_states"] for ref, row in rows.items() if ";" in row["recommending_states"]}
    assert joint == {"121.1": "FR; LT", "121.2": "UA; SK", "122.2": "BD; EG", "122.3": "ID; NE; PH",
                     "122.7": "SK; ES; MK", "122.11": "LT; SK"}
    first = rows["121.1"]
    assert first["text"] == ("Ratify the International Convention for the Protection of All Persons from "
                             "Enforced Disappearance")
    assert first["themes"] == "Acceptance of international norms; Enforced disappearances"
    assert (first["sdgs"], first["groups_of_persons"]) == ("16", "Disappeared persons")
    assert (first["source_of_position"], first["outcome_document"]) == ("A/HRC/43/15 - Para 121", "A/HRC/43/15")
    assert rows["122.1"]["source_of_position"] == "A/HRC/43/15/Add.1 - Para.3"
    # States that made it in their own words: each part keeps its state, the trailing one is taken off.
    assert rows["121.2"]["text"].endswith("Enforced Disappearance (Ukraine); Increase efforts towards ratification "
                                          "of the International Convention for the Protection of All Persons from "
                                          "Enforced Disappearance")
    # Brackets that are not states stay in the text.
    assert rows["121.3"]["text"].endswith("Forced Labour Convention, 1930 (No. 29)")
    assert rows["121.3"]["recommending_states"] == "GB"
    assert not any("Source of" in row["text"] or row["text"].endswith(")") and "(No." not in row["text"]
                   for row in rows.values())


def test_slovenias_2nd_cycle_list_has_its_coded_themes_and_affected_persons():
    rows = _rows(CYCLE2.read_bytes(), "SI")
    # 163: paragraphs 115.1 to 115.163, none missing or twice, as an independent read of the Word XML finds.
    assert len(rows) == 163 == len(paragraphs_in_word_table(CYCLE2))
    assert set(rows) == {f"115.{n}" for n in range(1, 164)}
    assert {row["cycle"] for row in rows.values()} == {"2"} and {row["wg_session"] for row in rows.values()} == {"20"}
    assert Counter(row["response"] for row in rows.values()) == {"supported": 142, "noted": 21}
    assert rows["115.2"]["themes"] == ("A12 Acceptance of international norms; B32 Racial discrimination; "
                                      "G1 Members of minorities")
    assert rows["115.2"]["groups_of_persons"] == "minorities/ racial, ethnic, linguistic, religious or descent-based groups"
    assert rows["115.1"]["source_of_position"] == "A/HRC/28/15/Add.1 - Para. 3"
    assert {row["sdgs"] for row in rows.values()} == {""}  # the 2nd cycle predates the SDGs
    assert rows["115.16"]["recommending_states"] == "BE; FR; TN; SL; AR"  # "(Belgium, France, Tunisia, …)"
    assert rows["115.6"]["recommending_states"] == "IR"  # "(Iran (Islamic Republic of))"
    assert rows["115.6"]["text"].endswith("(ICRMW)")


def test_the_3rd_cycle_list_imports_and_a_second_import_changes_nothing(app, now):
    app.config["ENGAGE_STATE_UNDER_REVIEW"] = "SI"
    rows = _rows(CYCLE3.read_bytes(), "SI")
    report = _import(CYCLE3.read_bytes(), now)
    assert report.ok, report.errors[:5]
    assert (report.total, report.created) == (215, 215) and _count() == 215
    assert report.layout == "OHCHR's thematic list of recommendations (2nd/3rd-cycle matrix)"
    recs = list(db.session.scalars(select(Recommendation)))
    assert {(r.cycle, r.wg_session, r.outcome_document) for r in recs} == {(3, 34, "A/HRC/43/15")}
    assert Counter(r.response for r in recs) == {"supported": 182, "noted": 33}
    assert "Enforced disappearances" in {t for r in recs for t in r.theme_names}
    # The joint ones are one recommendation each, with every state that made it, in the report's order.
    joint = {r.full_reference: r.recommending_states for r in recs if len(r.recommending_states) > 1}
    assert len(joint) == 6 and all(states == rows[ref]["recommending_states"].split("; ")
                                   for ref, states in joint.items())
    again = _import(CYCLE3.read_bytes(), now)
    assert again.ok and (again.created, again.unchanged) == (0, 215) and _count() == 215


def test_a_matrix_of_another_states_review_is_refused(app, now):
    report = _import(CYCLE2.read_bytes(), now)  # engage follows Kenya by default
    assert not report.ok and report.errors[0].line == 1
    assert report.errors[0].message == ("this matrix is of the review of Slovenia; engage follows Kenya "
                                        "(ENGAGE_STATE_UNDER_REVIEW), so nothing was read.")
    assert _count() == 0


@pytest.mark.parametrize("state", ["Venezuela (Bolivarian Republic of)", "Iran (Islamic Republic of)", "Türkiye"])
def test_the_state_under_review_is_read_from_the_page_header_in_the_uns_spelling(app, now, state):
    report = _import(fourth_cycle_matrix(state=state), now)
    assert report.errors[0].message.startswith(f"this matrix is of the review of {state}; engage follows Kenya")
    assert _rows(fourth_cycle_matrix(state=state), country_code(state))["140.7"]["wg_session"] == "48"


# ---- the 4th-cycle layout (a synthetic file, tests/upr/ohchr_matrix.py) ----

def test_a_4th_cycle_matrix_is_read_with_its_sdgs_groups_and_partial_position():
    matrix = read_matrix(fourth_cycle_matrix(), "KE")
    assert matrix.layout == "ohchr_matrix" and not matrix.problems
    rows = {row["reference"]: row for _, row in matrix.rows}
    assert list(rows) == ["140.7", "140.52", "140.53", "140.54"]
    assert [line for line, _ in matrix.rows] == [3, 5, 6, 7]  # rows of the Word table, theme headings counted
    assert rows["140.7"] == {
        "cycle": "4", "wg_session": "48", "reference": "140.7",
        "text": "Ratify the Optional Protocol to the International Covenant on Economic, Social and Cultural Rights",
        "recommending_states": "MV; PT", "response": "supported",
        "themes": "Acceptance of international norms; Economic, social & cultural rights - general measures of "
                  "implementation",
        "groups_of_persons": "General", "sdgs": "16", "source_of_position": "A/HRC/59/15/Add.1 - Para.3",
        "outcome_document": "A/HRC/59/15"}
    partial = rows["140.52"]
    assert (partial["response"], partial["sdgs"], partial["groups_of_persons"]) == ("supported", "3; 5",
                                                                                   "Women & girls; Children")
    assert partial["notes"].startswith("Position in OHCHR's matrix: Supported/Noted; Supported: ensure universal")
    assert rows["140.53"]["recommending_states"] == "BW; BR; CI"  # "Côte d’Ivoire" with a typographic apostrophe
    assert (rows["140.54"]["response"], rows["140.54"]["sdgs"]) == ("noted", "3; 10")


def test_a_matrix_cut_into_a_table_per_theme_is_read_as_one():
    whole, split = (read_matrix(fourth_cycle_matrix(split=split), "KE") for split in (False, True))
    assert [row for _, row in split.rows] == [row for _, row in whole.rows]
    assert [line for line, _ in split.rows] == [3, 6, 7, 8]  # numbered on, the second table's header counted


@pytest.mark.parametrize(("symbol", "cycle"), [("A/HRC/15/8", "1"), ("A/HRC/20/1", "1"), ("A/HRC/29/10", "2"),
                                                ("A/HRC/44/9", "3"), ("A/HRC/50/3", "3"), ("A/HRC/52/10", "4"),
                                                ("A/HRC/65/2", "4")])
def test_a_council_session_says_the_cycle_it_adopted(symbol, cycle):
    rows = _rows(fourth_cycle_matrix([Rec("9.1", "Act (Chile);", source=f"{symbol}/Add.1 - Para.3")], state=None), "KE")
    assert rows["9.1"]["cycle"] == cycle


def test_sdgs_written_on_one_line_are_each_read():
    rows = _rows(fourth_cycle_matrix([Rec("9.1", "Act (Chile);", sdgs=["3, 5", "16 - PEACE", "18 - NOT A GOAL"])]),
                 "KE")
    assert rows["9.1"]["sdgs"] == "3; 5; 16"


def test_without_a_page_header_the_cycle_comes_from_the_document_symbol():
    rows = _rows(fourth_cycle_matrix(state=None), "KE")
    assert {row["cycle"] for row in rows.values()} == {"4"}
    assert not any("wg_session" in row for row in rows.values())


def test_a_matrix_that_does_not_say_its_cycle_takes_the_one_chosen(app, now):
    bare = fourth_cycle_matrix([Rec(r.paragraph, r.text, position=r.position, source=None) for r in ROWS
                                if isinstance(r, Rec)], state=None)
    refused = _import(bare, now)
    assert not refused.ok and refused.errors[0].message.startswith(
        "cycle: this matrix does not say which UPR cycle it is; choose the cycle")
    assert _import(bare, now, cycle=" ").errors[0].message == refused.errors[0].message  # blank is no choice
    assert _import(bare, now, cycle="four").errors[0].message == "cycle: 'four' is not a UPR cycle (1 to 99)."
    report = _import(bare, now, cycle="4")
    assert report.ok, report.errors
    assert report.layout == "OHCHR's 4th-cycle matrix of recommendations"
    assert set(db.session.scalars(select(Recommendation.cycle))) == {4} and _count() == 4


def test_a_chosen_cycle_other_than_the_files_is_refused(app, now):
    report = _import(fourth_cycle_matrix(), now, cycle=3)
    assert report.errors[0].message.startswith("cycle: the matrix is of cycle 4, not 3;")
    assert _count() == 0


def test_positions_in_french_and_spanish_and_an_unknown_one_named(app, now):
    rows = [Rec(f"90.{n}", f"Adopt measure {n} (France);", position=word)
            for n, word in enumerate(["Acceptée", "Notée", "Apoyada", "Anotada"], 1)]
    assert [r["response"] for r in _rows(fourth_cycle_matrix(rows), "KE").values()] == [
        "supported", "noted", "supported", "noted"]
    report = _import(fourth_cycle_matrix(rows + [Rec("90.5", "Adopt measure 5 (Spain);", position="Maybe later"),
                                                 Rec("90.6", "Adopt measure 6 (Spain);", position="")]), now)
    assert [(e.line, e.message) for e in report.errors] == [
        (6, "paragraph 90.5: position 'Maybe later' is not one engage knows (Supported, Noted, Supported/Noted; "
            "Acceptée, Notée; Apoyada, Anotada)"),
        (7, "paragraph 90.6: the position is empty")]
    assert _count() == 0


def test_a_row_without_paragraph_or_state_is_a_line_error(app, now):
    rows = [Rec("90.1", "Adopt a plan (Norway);"), Rec("90.2", "Adopt a plan without saying who"),
            Rec("", "A note someone typed into the table (Norway);")]
    report = _import(fourth_cycle_matrix(rows), now)
    assert [(e.line, e.message[:60]) for e in report.errors] == [
        (3, "paragraph 90.2: no recommending state in brackets at the end"),
        (4, "Recommendation: no paragraph number at the start of 'A note ")]


# ---- files that are no matrix ----

def test_a_word_file_that_is_no_matrix_names_the_layouts_engage_reads(app, now):
    for raw, found in ((word_file("Minutes of the meeting", table=[["Date", "Item"], ["1 May", "Budget"]]),
                        "(Date, Item)"),
                       (word_file("Just a letter"), "(a Word file without a table)")):
        report = _import(raw, now)
        assert not report.ok and report.errors[0].line == 1
        message = report.errors[0].message
        assert f"engage does not recognise this file's columns {found}" in message
        assert "OHCHR's thematic list of recommendations of the 2nd or 3rd cycle (.docx)" in message
        assert "OHCHR's matrix of recommendations of the 4th cycle (.docx)" in message
        assert "UPR Info database export" in message and "engage's CSV" in message
    assert _count() == 0


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("make", "expected"), [
    (lambda raw: raw[: len(raw) // 2], "the Word file cannot be read: it is damaged or was not downloaded in full."),
    # 40 MB of XML squeezed into a few kilobytes: refused before anything is unpacked.
    (lambda raw: _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>" + b" " * 40_000_000}),
     "this Word file unpacks to more than 32 MB or 500 parts"),
    (lambda raw: _zip({name: (b"<w:document><w:body>" if name == "word/document.xml" else data)
                       for name, data in _parts(raw).items()}), "the Word file cannot be read ("),
    (lambda raw: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "engage does not recognise"),
])
def test_a_damaged_forged_or_other_file_is_refused_with_a_message(app, now, make, expected):
    report = _import(make(CYCLE3.read_bytes()), now, state="SI")
    assert not report.ok and report.errors[0].line == 1
    assert expected in report.errors[0].message
    assert _count() == 0


def test_a_matrix_of_thousands_of_rows_is_refused_before_it_is_read(app, now, monkeypatch):
    monkeypatch.setattr("engage.upr.ohchr.MAX_ROWS", 3)  # the same check, without building a huge file
    report = _import(fourth_cycle_matrix(), now)
    assert [(e.line, e.message) for e in report.errors] == [
        (4, "the matrix has 7 rows; engage reads at most 3, several times the largest review's.")]


def _parts(raw: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(raw))
    return {name: archive.read(name) for name in archive.namelist()}


# ---- the command and the page ----

def test_the_command_names_the_matrix_and_takes_a_cycle(app, runner, tmp_path):
    app.config["ENGAGE_STATE_UNDER_REVIEW"] = "SI"
    result = runner.invoke(args=["engage", "import", "recommendations", str(CYCLE3)])
    assert result.exit_code == 0, result.output
    assert "Read as OHCHR's thematic list of recommendations (2nd/3rd-cycle matrix)." in result.output
    assert "215 rows: 215 created, 0 updated, 0 unchanged" in result.output
    bare = tmp_path / "matrix.docx"
    bare.write_bytes(fourth_cycle_matrix([Rec("140.7", "Ratify it (Portugal);", source=None)], state=None))
    refused = runner.invoke(args=["engage", "import", "recommendations", str(bare)])
    assert refused.exit_code == 1 and "choose the cycle (--cycle on the command line" in refused.output
    result = runner.invoke(args=["engage", "import", "recommendations", "--cycle", "4", str(bare)])
    assert result.exit_code == 0, result.output
    assert "Read as OHCHR's 4th-cycle matrix of recommendations." in result.output


def test_the_page_previews_a_matrix_and_imports_it(lead_client):
    def upload(raw, **extra):
        return lead_client.post("/recommendations/import", content_type="multipart/form-data",
                                data={"file": (io.BytesIO(raw), "matrix.docx"), **extra})

    form = lead_client.get("/recommendations/import").get_data(as_text=True)
    assert 'accept=".csv,text/csv,.xls,.xlsx,.docx"' in form and 'name="cycle"' in form
    preview = upload(fourth_cycle_matrix(), dry_run="y")
    assert preview.status_code == 200
    assert "Read as OHCHR's 4th-cycle matrix of recommendations." in preview.get_data(as_text=True)
    assert _count() == 0
    bare = fourth_cycle_matrix([Rec("140.7", "Ratify it (Portugal);", source=None)], state=None)
    refused = upload(bare)
    assert refused.status_code == 422 and "does not say which UPR cycle it is" in refused.get_data(as_text=True)
    response = upload(bare, cycle="4")
    assert response.status_code == 302
    assert "Imported matrix.docx: 1 row: 1 created" in lead_client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert db.session.scalar(select(Recommendation.cycle)) == 4
    damaged = upload(CYCLE3.read_bytes()[:20_000])
    assert damaged.status_code == 422
    assert "the Word file cannot be read: it is damaged or was not downloaded in full." in damaged.get_data(as_text=True)
