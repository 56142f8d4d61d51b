"""OHCHR's UPR matrices (.docx) as users download them, read into engage's CSV column names.

OHCHR publishes, for each review, a Word table of the recommendations a state received, grouped by
theme. Two layouts are read (tests/upr/data/SOURCES.md describes the real files):

- the 2nd/3rd-cycle "thematic list of recommendations": `Recommendation | Position | Full list of
  themes | Assessment/comments on level of implementation`, the themes, "SDGs:" and "Affected
  persons:" in one cell;
- the 4th-cycle matrix: `Recommendation and recommending State | Position of the State under review |
  Human rights themes and groups of persons | Relevant SDGs`.

In both, a recommendation cell starts with its paragraph ("115.1 Take further steps … (Croatia);"),
ends with the recommending state(s) in brackets, and is followed by a line "Source of position:
A/HRC/28/15/Add.1 - Para. 3". "Theme: …" rows between them only group the table; each
recommendation's own cell lists all its themes. One row comes out per paragraph: a recommendation
made by several states (several brackets, or "(Portugal, Slovakia)") is one row naming them all, in
`recommending_states` as ISO codes separated by "; ". Where states made it in different words
("… (Ukraine); Increase efforts … (Slovakia);") the inner brackets stay in the text, as they say
whose words each part is; only the trailing brackets are taken off.

A row's "line" is its row in the Word table (the header is row 1), so a problem is found where Word
shows it. The cycle and Working Group session come from the page header ("UPR of Slovenia (3rd Cycle
- 34th Session)"); failing that, the cycle comes from the Council session of the document symbols
(A/HRC/43/15: the 43rd), and failing that from the person importing (`--cycle`, the page's Cycle).
"""
from __future__ import annotations

import io
import re
import zipfile

from docx import Document

from engage.countries import country_code, country_name
from engage.i18n import N_, Phrase
from engage.recommendations.models import MAX_CYCLE

from .formats import ZIP_MAGIC, ExportRows, cycle_of_session, line_problem, unknown_layout

THEMATIC_LIST = "ohchr_thematic_list"
FOURTH_CYCLE = "ohchr_matrix"
# The first cells of each layout's header row (lower-cased, spaces collapsed); the 2nd/3rd-cycle
# layout's fourth column (the assessment, for stakeholders to fill in) is read when filled.
HEADERS = {
    THEMATIC_LIST: ("recommendation", "position", "full list of themes"),
    FOURTH_CYCLE: ("recommendation and recommending state", "position of the state under review",
                   "human rights themes and groups of persons", "relevant sdgs"),
}
# A Word file is a zip of XML parts; a forged one can claim gigabytes once unpacked. These bound what
# the reader will unpack (a real matrix is under 2 MB unpacked, in about 25 parts).
MAX_PARTS = 500
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
# Rows read from the matrix's tables: the largest reviews have some 350 recommendations, and reading a
# row takes a few milliseconds, so a forged table of many thousands would hold a request for minutes.
MAX_ROWS = 2000
# A state's position in OHCHR's words, in the UN languages its matrices use. A recommendation
# supported in part ("Supported/Noted", its parts given beside it) counts as supported, as engage
# counts UPR Info's "Supported partially"; the position as written is kept in the notes.
POSITIONS = {
    "supported": "supported", "noted": "noted", "supported/noted": "supported",
    "acceptée": "supported", "acceptee": "supported", "notée": "noted", "notee": "noted",
    "acceptée/notée": "supported", "apoyada": "supported", "anotada": "noted", "apoyada/anotada": "supported",
}
# The Human Rights Council sessions that adopt each cycle's outcomes (a matrix's symbols, A/HRC/43/15,
# name the session): Working Group sessions 1–12 were adopted at Council sessions 8–19, 13–26 at
# 21–34, 27–40 at 36–50, and 41–54 at 52–65 (a November review at the next March session, January at
# June, May at September). Sessions 20, 35 and 51 adopted none; beyond the 4th cycle nothing is assumed.
COUNCIL_SESSIONS = ((8, 20, 1), (21, 35, 2), (36, 51, 3), (52, 65, 4))

_REVIEW = re.compile(r"UPR\s+of\s+(?P<state>[^()\n\t]+?(?:\s*\([^()\n\t]*\))?)\s*\(\s*(?P<cycle>\d{1,2})\s*(?:st|nd|rd|th)?\s+cycle"
                     r"\s*[-–—,]\s*(?P<session>\d{1,3})\s*(?:st|nd|rd|th)?\s+session\s*\)", re.IGNORECASE)
_PARAGRAPH = re.compile(r"(?P<reference>\d{1,3}\.\d{1,3})(?:\s*\((?P<sub>[a-z]{1,4})\))?[\s.:]+(?P<text>.*)",
                        re.DOTALL)
_SOURCE = re.compile(r"source\s+of\s+position\s*:\s*(?P<source>.*)", re.IGNORECASE)
_SYMBOL = re.compile(r"A/HRC/(?P<session>\d{1,3})/\d{1,3}")
_SECTION = re.compile(r"(?P<name>affected\s+persons|groups?\s+of\s+persons|sdgs?)\s*:\s*(?P<rest>.*)", re.IGNORECASE)
_GOAL = re.compile(r"(?:goal\s*)?(?P<goal>\d{1,2})\b", re.IGNORECASE)


def cycle_of_council_session(session: int) -> int | None:
    """The UPR cycle whose outcomes a Human Rights Council session adopted (COUNCIL_SESSIONS), or None."""
    return next((cycle for low, high, cycle in COUNCIL_SESSIONS if low <= session <= high), None)


def looks_like_word(raw: bytes) -> bool:
    """True for what claims to be a Word (.docx) file, read or not (each part's name is stored as it is)."""
    return raw.startswith(ZIP_MAGIC) and b"word/document.xml" in raw


def word_parts(raw: bytes) -> list[zipfile.ZipInfo] | None:
    """The parts of a Word (.docx) file, or None when `raw` is not one (another zip is a workbook)."""
    if not raw.startswith(ZIP_MAGIC):
        return None
    try:
        infos = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        if looks_like_word(raw):
            raise line_problem(1, N_("the Word file cannot be read: it is damaged or was not downloaded in full.")) \
                from None
        return None  # left to the workbook reader, which refuses a damaged zip in its words
    if not any(info.filename == "word/document.xml" for info in infos):
        return None
    return infos


def _cell_text(cell) -> str:
    return "\n".join(line.strip() for line in cell.text.replace("\r", "\n").split("\n")).strip()


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _layout(header: list[str]) -> str | None:
    names = [_key(c) for c in header]
    for layout, expected in HEADERS.items():
        if tuple(names[:len(expected)]) == expected:
            return layout
    return None


def _closing_bracket_start(text: str) -> int | None:
    """Where the bracket closing at the end of `text` opens (nested brackets counted)."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    return None


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def states_in(inner: str) -> list[str] | None:
    """The ISO codes of the states a bracket names ("Portugal, Slovakia", "Iran (Islamic Republic of)"),
    or None when it names something else ("No. 29", "ICRMW")."""
    code = country_code(inner)
    if code:
        return [code]
    codes = [country_code(part) for part in _split_top_level(inner)]
    return codes if len(codes) > 1 and all(codes) else None


def split_states(text: str) -> tuple[str, list[str]]:
    """A recommendation's text without its trailing "(State)" brackets, and every state it names in
    brackets: those closing a clause inside it ("… (Ukraine); Increase …") first, then the trailing ones."""
    rest, trailing = text.rstrip(), []
    while True:
        stripped = rest.rstrip(" \t\n;.,")
        if not stripped.endswith(")"):
            break
        start = _closing_bracket_start(stripped)
        codes = states_in(stripped[start + 1:-1]) if start is not None else None
        if codes is None:
            break
        trailing[:0] = codes
        rest = stripped[:start]
    rest = rest.rstrip(" \t\n;,")
    inner: list[str] = []
    for match in re.finditer(r"\)\s*;", rest):
        start = _closing_bracket_start(rest[:match.start() + 1])
        codes = states_in(rest[start + 1:match.start()]) if start is not None else None
        inner += codes or []
    return rest, list(dict.fromkeys(inner + trailing))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _item(line: str) -> str:
    return re.sub(r"^[-–•·]\s*", "", line).strip()


def themes_cell(text: str) -> dict[str, list[str]]:
    """A themes cell's themes, groups of persons ("Affected persons:", "Groups of Persons:") and SDG
    goal numbers ("SDGs:" then "- 16 - PEACE, JUSTICE …")."""
    found: dict[str, list[str]] = {"themes": [], "groups_of_persons": [], "sdgs": []}
    section = "themes"
    for line in _lines(text):
        heading = _SECTION.fullmatch(line)
        if heading:
            section = "sdgs" if heading["name"].lower().startswith("sdg") else "groups_of_persons"
            line = heading["rest"]
            if not line.strip():
                continue
        found[section].append(_item(line))
    found["sdgs"] = sdg_goals("\n".join(found["sdgs"]))
    return found


def sdg_goals(text: str) -> list[str]:
    """The goal numbers of an SDGs list ("- 3 - GOOD HEALTH AND WELL-BEING" is "3")."""
    goals = []
    for line in _lines(text):
        item = _item(line)
        # "3, 5" on one line lists goals; "3 - GOOD HEALTH …" names one.
        numbers = re.findall(r"\d+", item) if re.fullmatch(r"[\d\s,;]+", item) else \
            [m["goal"] for m in [_GOAL.match(item)] if m]
        goals += [str(int(n)) for n in numbers if 1 <= int(n) <= 17]
    return list(dict.fromkeys(goals))


def _review(document) -> re.Match | None:
    """The "UPR of <state> (<n>th Cycle – <m>th session)" line, from the page headers or the body."""
    texts = []
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header):
            texts += [p.text for p in part.paragraphs]
            texts += [cell.text for table in part.tables for row in table.rows for cell in row.cells]
    texts += [p.text for p in document.paragraphs[:20]]
    return next((m for m in map(_REVIEW.search, texts) if m), None)


def _open(raw: bytes, infos: list[zipfile.ZipInfo]):
    if len(infos) > MAX_PARTS or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise line_problem(1, N_("this Word file unpacks to more than %(megabytes)d MB or %(parts)d parts; an OHCHR "
                                 "matrix is far smaller, so it is not read."),
                           megabytes=MAX_UNPACKED_BYTES // (1024 * 1024), parts=MAX_PARTS)
    try:
        return Document(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001  (a damaged zip or XML part surfaces as any of many errors)
        raise line_problem(1, N_("the Word file cannot be read (%(reason)s)."), reason=str(exc)[:120]) from None


def _user_cycle(cycle) -> int | None:
    text = "" if cycle is None else str(cycle).strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= MAX_CYCLE:
        raise line_problem(1, N_("cycle: %(cycle)r is not a UPR cycle (1 to %(last)d)."), cycle=text[:20],
                           last=MAX_CYCLE)
    return int(text)


def read_matrix(raw: bytes, state_under_review: str, cycle=None) -> ExportRows | None:
    """An OHCHR matrix's rows in engage's CSV column names, or None when `raw` is not a Word file.

    `cycle` is the person's choice, used when the file does not say it. A Word file that holds no
    matrix is refused naming the layouts engage reads; a matrix of another state's review is refused.
    """
    infos = word_parts(raw)
    if infos is None:
        return None
    document = _open(raw, infos)
    chosen = _user_cycle(cycle)
    layouts = [(t, _layout([_cell_text(c) for c in t.rows[0].cells]) if t.rows else None) for t in document.tables]
    tables = [(t, layout) for t, layout in layouts if layout]
    if not tables:
        first = [_cell_text(c) for c in document.tables[0].rows[0].cells] if document.tables and \
            document.tables[0].rows else ["a Word file without a table"]
        raise unknown_layout([" ".join(c.split()) for c in dict.fromkeys(first)])
    layout = tables[0][1]
    review = _review(document)
    wg_session = None
    file_cycle = None
    if review:
        code = country_code(review["state"])
        if code != state_under_review:
            raise line_problem(1, N_("this matrix is of the review of %(state)s; engage follows %(followed)s "
                                     "(ENGAGE_STATE_UNDER_REVIEW), so nothing was read."),
                               state=review["state"].strip(), followed=country_name(state_under_review))
        wg_session = int(review["session"])
        file_cycle = int(review["cycle"])
        if cycle_of_session(wg_session) != file_cycle:
            file_cycle = cycle_of_session(wg_session)  # the session number is the more precise of the two
    out = ExportRows(rows=[], layout=layout)
    # A matrix cut into several tables (one per theme, say) is read as one: its rows are numbered on
    # from one table to the next, each table's header row counted.
    rows = [row for table, its_layout in tables if its_layout == layout for row in table.rows]
    if len(rows) > MAX_ROWS:
        raise line_problem(MAX_ROWS + 1, N_("the matrix has %(rows)d rows; engage reads at most %(most)d, several "
                                            "times the largest review's."), rows=len(rows), most=MAX_ROWS)
    for number, row in enumerate(rows, 1):
        cells = [_cell_text(c) for c in row.cells]
        read = _matrix_row(cells, layout, out, number)
        if read is not None:
            out.rows.append((number, read))
    if file_cycle is None:
        sessions = {int(m["session"]) for _, r in out.rows for m in _SYMBOL.finditer(r.get("source_of_position", ""))}
        cycles = {cycle_of_council_session(s) for s in sessions} - {None}
        file_cycle = cycles.pop() if len(cycles) == 1 else None
    if file_cycle is not None and chosen is not None and chosen != file_cycle:
        raise line_problem(1, N_("cycle: the matrix is of cycle %(file_cycle)d, not %(chosen)d; leave the cycle out "
                                 "and engage takes it from the file."), file_cycle=file_cycle, chosen=chosen)
    final = file_cycle or chosen
    if final is None:
        raise line_problem(1, N_("cycle: this matrix does not say which UPR cycle it is; choose the cycle "
                                 "(--cycle on the command line, Cycle on the import page)."))
    for _, read in out.rows:
        read["cycle"] = str(final)
        if wg_session is not None:
            read["wg_session"] = str(wg_session)
    return out


def _matrix_row(cells: list[str], layout: str, out: ExportRows, number: int) -> dict[str, str] | None:
    """One table row as a recommendation, None for a row that only groups the table (a "Theme:"
    heading, a repeated header, a blank row); a problem is noted against the row's number."""
    first = cells[0] if cells else ""
    if not any(cells) or _layout(cells) or re.match(r"theme\s*:", first, re.IGNORECASE) \
            or (len(set(cells)) == 1 and not _PARAGRAPH.match(first)):
        return None
    text_lines, sources = [], []
    for line in first.split("\n"):
        source = _SOURCE.match(line.strip())
        (sources if source else text_lines).append(source["source"].strip() if source else line)
    paragraph = _PARAGRAPH.match("\n".join(text_lines).strip())
    if not paragraph:
        out.problems[number] = Phrase(N_("Recommendation: no paragraph number at the start of %(start)r"),
                                      start=first[:60])
        return None
    reference = paragraph["reference"]
    text, states = split_states(paragraph["text"])
    if not states:
        out.problems[number] = Phrase(N_("paragraph %(reference)s: no recommending state in brackets at the end of "
                                         "the recommendation (%(end)r)"), reference=reference, end=text[-60:])
        return None
    position_lines = _lines(cells[1]) if len(cells) > 1 else []
    position = position_lines[0] if position_lines else ""
    response = POSITIONS.get(_key(position))
    if response is None:
        out.problems[number] = (Phrase(N_("paragraph %(reference)s: position %(position)r is not one engage knows "
                                          "(Supported, Noted, Supported/Noted; Acceptée, Notée; Apoyada, Anotada)"),
                                       reference=reference, position=position[:40])
                                if position else Phrase(N_("paragraph %(reference)s: the position is empty"),
                                                        reference=reference))
        return None
    found = themes_cell(cells[2] if len(cells) > 2 else "")
    notes = []
    if len(position_lines) > 1 or "/" in position:
        notes.append("Position in OHCHR's matrix: " + "; ".join(position_lines))
    if layout == FOURTH_CYCLE:
        found["sdgs"] = list(dict.fromkeys(found["sdgs"] + sdg_goals(cells[3] if len(cells) > 3 else "")))
    elif len(cells) > 3 and cells[3]:
        notes.append(f"Assessment in the matrix: {cells[3]}")
    read = {"reference": reference, "text": text.strip(), "recommending_states": "; ".join(states),
            # engage's themes cell is ';'-separated: OHCHR's "Children: definition; general principles;
            # protection" is one theme, so its own semicolons become commas.
            "response": response, "themes": "; ".join(t.replace(";", ",") for t in found["themes"]),
            "groups_of_persons": "; ".join(found["groups_of_persons"]), "sdgs": "; ".join(found["sdgs"]),
            "source_of_position": "; ".join(sources)}
    if paragraph["sub"]:
        read["sub_item"] = paragraph["sub"]
    symbol = _SYMBOL.search(read["source_of_position"])
    if symbol:
        read["outcome_document"] = symbol.group()  # the Working Group's report; its addendum holds the views
    if notes:
        read["notes"] = "\n".join(notes)
    return read
