"""Recommendation files as they are published, recognised from their contents.

engage reads its own CSV layouts (engage/upr/imports.py), OHCHR's Word matrices (engage/upr/ohchr.py)
and, through this module, UPR Info's database exports as users download them (.xls, .xlsx) or
re-save them from a spreadsheet (.csv in whatever encoding and line endings the spreadsheet wrote).
An export holds every state under review; only the rows of the one engage follows
(ENGAGE_STATE_UNDER_REVIEW) are read, the others counted. The rows come out in the column names of engage's minimal layout, without a reference:
UPR Info prints no paragraph numbers, so the import matches them to what is held by text.
"""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field

from python_calamine import CalamineWorkbook

from engage.countries import country_code
from engage.csvfiles import decode_csv_lines
from engage.errors import ValidationError
from engage.i18n import N_, Phrase

# What the upload page and the "unknown layout" message name, in the order they are tried.
LAYOUTS = {
    "engage": "engage's CSV: cycle, reference, recommending_state (or recommending_states, ';'-separated), text, "
              "response (sub_item, themes, sdgs, groups_of_persons, source_of_position, notes, … optional)",
    "engage_upr_info": "engage's CSV in UPR Info's column names: cycle, paragraph, recommending_state, "
                       "recommendation_text, response",
    "upr_info_export": "a UPR Info database export as downloaded (.xls or .xlsx) or re-saved as CSV: "
                       "SuR (or To), Recommendation (or Text), RS (or From), Response, Action, Issue, Session",
    "ohchr_thematic_list": "OHCHR's thematic list of recommendations of the 2nd or 3rd cycle (.docx): Recommendation, "
                           "Position, Full list of themes, Assessment/comments on level of implementation",
    "ohchr_matrix": "OHCHR's matrix of recommendations of the 4th cycle (.docx): Recommendation and recommending "
                    "State, Position of the State under review, Human rights themes and groups of persons, "
                    "Relevant SDGs",
}

# The same, as the preview names what a file was read as (a job keeps the English; pages say it in theirs).
LAYOUT_NAMES = {"engage": N_("engage's CSV"), "engage_upr_info": N_("engage's CSV in UPR Info's column names"),
                "upr_info_export": N_("a UPR Info database export"),
                "ohchr_thematic_list": N_("OHCHR's thematic list of recommendations (2nd/3rd-cycle matrix)"),
                "ohchr_matrix": N_("OHCHR's 4th-cycle matrix of recommendations")}
# A problem with a whole file, reported against a line: the import page says it in its reader's language.
LINE_PROBLEM = N_("Line %(line)d: %(problem)s")


def line_problem(line: int, template: str, **values) -> ValidationError:
    """The refusal of a file for a problem on `line` (`template`, marked with N_, with its values)."""
    return ValidationError.for_fields({"file": Phrase(LINE_PROBLEM, line=line, problem=Phrase(template, **values))})

# A UPR Info export's columns, by either of the names its two versions use (header cells are
# lower-cased). Rgrp and Org appear twice (state under review, then recommending state): they
# are not read.
EXPORT_COLUMNS = {"state_under_review": ("sur", "to"), "text": ("recommendation", "text"),
                  "recommending_state": ("rs", "from"), "response": ("response",), "action": ("action",),
                  "issues": ("issue", "issues"), "session": ("session",)}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .ods


@dataclass
class ExportRows:
    """The rows of a published file (a UPR Info export for the state under review, an OHCHR matrix), in the
    column names of engage's CSV."""

    rows: list[tuple[int, dict[str, str]]]
    skipped: int = 0  # rows for other states under review
    unattributed: int = 0  # rows UPR Info could not attribute to a recommending state ("(Unknown)")
    encoding: str | None = None  # what a CSV export was read as, when it was not UTF-8
    problems: dict[int, str] = field(default_factory=dict)
    layout: str = "upr_info_export"  # a LAYOUTS key: what the file was read as


def cycle_of_session(session: int) -> int:
    """The UPR cycle a Working Group session belongs to: sessions 1–12 were the first cycle, and
    each later cycle has fourteen (13–26 the second, 27–40 the third, 41–54 the fourth, …)."""
    return 1 if session <= 12 else 2 + (session - 13) // 14


def _header_names(cells) -> list[str]:
    return [re.sub(r"\s+", "_", str(c if c is not None else "").strip().lower()) for c in cells]


def is_export_header(names: list[str]) -> bool:
    """True when a header row is a UPR Info export's."""
    return all(any(n in names for n in options) for key, options in EXPORT_COLUMNS.items() if key != "action")


def unknown_layout(found: list[str], missing: list[str] | None = None) -> ValidationError:
    """The refusal for a file engage cannot read, listing what it can (and, for a layout that is
    nearly right, the columns it lacks)."""
    shown = ", ".join(n for n in found if n)[:200] or "nothing"
    layouts = "; ".join(LAYOUTS.values())
    if missing:
        return line_problem(1, N_("missing column(s): %(missing)s. engage does not recognise this file's columns "
                                  "(%(found)s). It reads: %(layouts)s."),
                            missing=", ".join(missing), found=shown, layouts=layouts)
    return line_problem(1, N_("engage does not recognise this file's columns (%(found)s). It reads: %(layouts)s."),
                        found=shown, layouts=layouts)


def is_spreadsheet(raw: bytes) -> bool:
    """True for an Excel (.xls, .xlsx) or OpenDocument workbook, by its first bytes."""
    return raw.startswith(OLE2_MAGIC) or raw.startswith(ZIP_MAGIC)


def spreadsheet_rows(raw: bytes) -> list[list]:
    """The first sheet's rows, as cell values; a ValidationError naming the file for anything unreadable."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001  (calamine raises its own errors for every kind of damaged file)
        raise line_problem(1, N_("the workbook cannot be read (%(reason)s)."), reason=str(exc)[:120]) from None


def first_line(raw: bytes) -> str:
    """A CSV file's header line, whatever its line endings (headers are plain ASCII in every layout)."""
    head = re.split(rb"\r\n|\r|\n", raw[:4096].lstrip(b"\xef\xbb\xbf"), maxsplit=1)[0]
    return head.decode("latin-1")


def _number(value) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip()
    if re.fullmatch(r"\d{1,4}(\.0+)?", text):
        return int(float(text))
    return None


def _text(value) -> str:
    # UPR Info's exports escape brackets and ampersands as HTML ("&#40;Unknown&#41;").
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return html.unescape(str(value)).strip()


def split_issues(value: str) -> list[str]:
    """UPR Info's issues, comma-separated without a space ("Rights of the Child,Women's rights")."""
    return [part.strip() for part in re.split(r",(?!\s)", value) if part.strip()]


def export_rows(header: list[str], body, state_under_review: str) -> ExportRows:
    """The export's rows for `state_under_review` from (line number, cells) pairs, in engage's minimal
    column names."""
    where = {key: next(header.index(n) for n in options if n in header)
             for key, options in EXPORT_COLUMNS.items() if any(n in header for n in options)}
    out = ExportRows(rows=[])
    numbers: dict[int, int] = {}
    for line, cells in body:
        cells = list(cells)
        if not any(_text(c) for c in cells):
            continue
        cell = lambda key: _text(cells[where[key]]) if key in where and where[key] < len(cells) else ""  # noqa: E731
        state = cell("state_under_review")
        if country_code(state) != state_under_review:
            if not state:
                out.problems[line] = N_("the state under review (SuR) is empty")
            else:
                out.skipped += 1
            continue
        if cell("recommending_state").lower() in ("(unknown)", "unknown"):
            out.unattributed += 1
            continue
        session = _number(cells[where["session"]]) if where["session"] < len(cells) else None
        row = {"recommending_state": cell("recommending_state"), "text": cell("text"), "response": cell("response"),
               "themes": ";".join(split_issues(cell("issues")))}
        if session is None:
            out.problems[line] = Phrase(N_("session: %(session)r is not a Working Group session number"),
                                        session=cell("session")[:20])
            continue
        numbers[session] = numbers.get(session, 0) + 1
        row.update(cycle=str(cycle_of_session(session)), wg_session=str(session),
                   source_ref=f"UPR Info export, session {session} #{numbers[session]}")
        action = _number(cells[where["action"]]) if "action" in where and where["action"] < len(cells) else None
        if action is not None:
            row["action_category"] = str(action)
        out.rows.append((line, row))
    return out


def read_export(raw: bytes, state_under_review: str) -> ExportRows | None:
    """A UPR Info export's rows, or None when the file is not one (then it is one of engage's CSV layouts,
    or a workbook engage cannot read: that is refused here, naming the layouts engage reads)."""
    if is_spreadsheet(raw):
        rows = spreadsheet_rows(raw)
        header = _header_names(rows[0]) if rows else []
        if not is_export_header(header):
            raise unknown_layout(header)
        return export_rows(header, enumerate(rows[1:], 2), state_under_review)
    header = _header_names(next(csv.reader([first_line(raw)]), []))
    if not is_export_header(header):
        return None
    text, bad_lines, encoding = decode_csv_lines(raw)  # the encoding guessed as for every import
    csv.field_size_limit(100_000)
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    body = []
    start = 2
    try:
        for cells in reader:
            body.append((start, cells))  # the line a row starts on, quoted line breaks counted
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError.for_fields({"file": f"Line {reader.line_num}: {exc}."}) from None  # csv's own words
    out = export_rows(header, body, state_under_review)
    out.encoding = encoding
    out.problems.update(bad_lines)
    return out
