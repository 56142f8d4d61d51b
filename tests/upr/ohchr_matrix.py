"""OHCHR's 4th-cycle matrix of recommendations, built with python-docx for the tests.

SYNTHETIC: no real 4th-cycle file is kept in the repository. This follows the published layout as
tests/upr/data/SOURCES.md describes it: one Word table with the columns `Recommendation and recommending
State | Position of the State under review | Human rights themes and groups of persons | Relevant SDGs`,
"Theme: …" rows grouping it, a first cell "140.7 Ratify … (Maldives) (Portugal);" followed by a line
"Source of Position: A/HRC/59/15/Add.1 - Para.3", a themes cell of "- theme" lines then "Groups of
Persons:" and "- group" lines, an SDGs cell of "- 3 - GOOD HEALTH AND WELL-BEING" lines, and the page
header the 2nd/3rd-cycle files carry ("UPR of Slovenia (3rd Cycle - 34th Session)"). The texts are
written for the tests, not copied from a review.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT

HEADER = ["Recommendation and recommending State", "Position of the State under review",
          "Human rights themes and groups of persons", "Relevant SDGs"]
SYMBOL = "A/HRC/59/15"  # a Council session that adopted 4th-cycle outcomes (the 59th, June 2025)


@dataclass
class Rec:
    """One row of the matrix."""

    paragraph: str
    text: str  # with its bracketed states, as the matrix prints it
    position: str = "Supported"
    themes: list[str] = field(default_factory=lambda: ["Right to health"])
    groups: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=lambda: ["3 - GOOD HEALTH AND WELL-BEING"])
    source: str | None = f"{SYMBOL}/Add.1 - Para.3"


# Health-related recommendations under two theme headings; 140.7 is SOURCES.md's example, made by two states.
ROWS: list[str | Rec] = [
    "Acceptance of international norms",
    Rec("140.7", "Ratify the Optional Protocol to the International Covenant on Economic, Social and Cultural "
                 "Rights (Maldives) (Portugal);",
        themes=["Acceptance of international norms",
                "Economic, social & cultural rights - general measures of implementation"],
        groups=["General"], sdgs=["16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"]),
    "Right to health",
    Rec("140.52", "Ensure universal access to sexual and reproductive health services, including for adolescents, "
                  "and decriminalize abortion (Iceland);",
        position="Supported/Noted\nSupported: ensure universal access to sexual and reproductive health services; "
                 "Noted: decriminalize abortion",
        themes=["Right to health", "Sexual & reproductive health and rights"],
        groups=["Women & girls", "Children"],
        sdgs=["3 - GOOD HEALTH AND WELL-BEING", "5 - GENDER EQUALITY"], source=f"{SYMBOL}/Add.1 - Para.5"),
    Rec("140.53", "Strengthen the national response to HIV, including by ending stigma and discrimination against "
                  "people living with HIV (Botswana) (Brazil) (Côte d’Ivoire);",
        themes=["Right to health", "HIV/AIDS"], groups=["Persons living with HIV/AIDS"]),
    Rec("140.54", "Increase the health budget to reach the Abuja Declaration target of 15 per cent (Sierra Leone);",
        position="Noted", themes=["Right to health", "Budget and resources (for human rights implementation)"],
        sdgs=["3 - GOOD HEALTH AND WELL-BEING", "10 - REDUCED INEQUALITIES"], source=f"{SYMBOL}/Add.1 - Para.7"),
]


def fourth_cycle_matrix(rows: list[str | Rec] | None = None, state: str | None = "Kenya",
                        session: int = 48, split: bool = False) -> bytes:
    """The matrix as a .docx; `rows` are Rec rows and theme headings (str). `state=None` leaves the page
    header out, so only the document symbols say the cycle; `split` starts a table, with its header
    row, at each theme after the first."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    if state:
        section.header.paragraphs[0].text = (f"UPR of {state} (4th Cycle – {session}th session)\t\t\t"
                                             "Thematic list of recommendations")
    table = None
    for row in ROWS if rows is None else rows:
        if table is None or (split and isinstance(row, str) and len(table.rows) > 1):
            if table is not None:
                document.add_paragraph()
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, HEADER):
                cell.text = name
        cells = table.add_row().cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[3])
            merged.text = f"Theme: {row}"
            continue
        cells[0].text = f"{row.paragraph} {row.text}"
        if row.source:
            cells[0].add_paragraph(f"Source of Position: {row.source}")
        lines = row.position.split("\n")
        cells[1].text = lines[0]
        for line in lines[1:]:
            cells[1].add_paragraph(line)
        themes = [f"- {t}" for t in row.themes] + (["Groups of Persons:"] + [f"- {g}" for g in row.groups]
                                                  if row.groups else [])
        cells[2].text = "\n".join(themes)
        cells[3].text = "\n".join(f"- {goal}" for goal in row.sdgs)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def word_file(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    """A Word file that is not a matrix: paragraphs and, optionally, a table."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
