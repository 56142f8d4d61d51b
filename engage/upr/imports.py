"""CSV import of UPR recommendations, in UPR Info's columns or a minimal format.

All-or-nothing with every bad line reported; re-running a file updates what is there instead of
adding copies. A recommendation is one paragraph (or one item of it): (cycle, reference, sub_item).
A paragraph several states made is one recommendation attributed to all of them, whether the file
gives it once with `recommending_states` ("France; Lithuania") or once per state (UPR Info's
shape, with `recommending_states_in_paragraph`): its lines are merged. UPR Info sometimes splits
one paragraph into parts with their own texts and responses: the same paragraph from the same
state on several lines. Each part becomes its own recommendation, its item numbered in file order:
`102.3 (1)`, `102.3 (2)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from flask import current_app, has_app_context
from rapidfuzz import fuzz, process
from sqlalchemy import bindparam, insert, select, tuple_, update

from engage.countries import country_code, country_name
from engage.csvfiles import (ImportProblem, ImportReport, decode_csv_lines, read_rows, refuse_other_kind,
                             template_text)
from engage.errors import ValidationError
from engage.extensions import db
from engage.i18n import N_, Phrase
from engage.implementation import services as implementation_services
from engage.history import ChangeRecord, change_values
from engage.recommendations.models import (Recommendation, RecommendationSdg, RecommendationState, RecommendationText, Theme,
                                          recommendation_theme,
                                          reference_sort_key)
from engage.recommendations.themes import resolve_themes, theme_index
from engage.recommendations.vocabulary import map_names
from engage.schemas import max_length

from . import formats, ohchr, sources
from .schemas import recommendation_values


# The fields both layouts may add (engage's names; OHCHR's matrices give them).
SHARED_COLUMNS = {"sub_item", "recommending_states", "source_of_position", "sdgs", "groups_of_persons"}
# Either state column will do: one state a line, or every state of the paragraph.
STATE_COLUMNS = {"recommending_state", "recommending_states"}
UPR_INFO_REQUIRED = {"cycle", "paragraph", "recommendation_text", "response"}
UPR_INFO_COLUMNS = UPR_INFO_REQUIRED | STATE_COLUMNS | SHARED_COLUMNS | {
    "row_id", "wg_session", "review_date", "outcome_document", "upr_info_text", "recommending_states_in_paragraph",
    "upr_info_action_category", "issues", "kenya_comment_in_report", "implementation_status", "notes"}
MINIMAL_REQUIRED = {"cycle", "reference", "text", "response"}
MINIMAL_COLUMNS = MINIMAL_REQUIRED | STATE_COLUMNS | SHARED_COLUMNS | {
    "themes", "wg_session", "review_date", "outcome_document", "action_category", "implementation_status", "notes",
    "source_ref", "paragraph_text", "language"}
# The file's own column names, for messages: a lead fixes the column they can see.
UPR_INFO_NAMES = {"reference": "paragraph", "text": "recommendation_text", "themes": "issues",
                  "action_category": "upr_info_action_category", "source_ref": "row_id",
                  "notes": "kenya_comment_in_report"}
KEY_FIELDS = ("cycle", "reference", "sub_item")
# Fields kept in tables of their own, not in the recommendation's row.
LINKED = ("recommending_states", "sdgs", "first_state")
# The words files use for a state's response, in the languages of UN documents: UPR Info writes
# "Accepted", OHCHR "Supported" (and "Rejected" in early reports, "noted" since), in French
# "Acceptée"/"Notée", in Spanish "Apoyada"/"Anotada". A partly supported recommendation counts as supported.
RESPONSE_WORDS = {
    "supported": "supported", "accepted": "supported", "supported partially": "supported",
    "partially supported": "supported", "supported-partially": "supported", "acceptée": "supported",
    "acceptee": "supported", "appuyée": "supported", "soutenue": "supported", "apoyada": "supported",
    "aceptada": "supported",
    "noted": "noted", "rejected": "noted", "not accepted": "noted", "notée": "noted", "notee": "noted",
    "prise en note": "noted", "anotada": "noted", "rechazada": "noted",
    "pending": "pending", "en attente": "pending", "pendiente": "pending",
}
# How close a file's text must be to a held one (rapidfuzz's ratio, 0–100) to be the same recommendation.
TEXT_MATCH_THRESHOLD = 90
# The downloadable template: the minimal format, with one example row. It is invented and marked as such,
# and its paragraph number is one no report has, so importing the template unchanged overwrites nothing.
TEMPLATE_COLUMNS = ["cycle", "reference", "sub_item", "recommending_states", "text", "response", "themes",
                    "implementation_status", "action_category", "sdgs", "groups_of_persons", "source_of_position",
                    "notes"]
TEMPLATE_EXAMPLE = {"cycle": "4", "reference": "999.1", "recommending_states": "Germany; Ireland",
                    "sdgs": "3; 5", "groups_of_persons": "Women and girls; Persons living with HIV",
                    "text": "Example row, replace it: ensure access to HIV prevention and treatment for key populations",
                    "response": "supported", "themes": "Right to health; HIV/AIDS",
                    "implementation_status": "partially_implemented", "action_category": "5",
                    "notes": "Raised with the mission in Geneva"}
SAVE_BATCH = 500
ALREADY_ON_LINE = N_("reference: %(reference)s from %(state)s in cycle %(cycle)s is already on line %(line)s")
# A language column's code: a BCP 47 tag ("fr", "fr-FR", "es-419"); its primary subtag is what is kept.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")

Progress = Callable[[int, int, str], None] | None


@dataclass
class _Translation:
    """A line of engage's CSV giving a recommendation's text in another language than the original."""

    line: int
    key: tuple
    language: str
    text: str


@dataclass
class _Planned:
    line: int
    values: dict[str, Any]
    themes: list[str] = field(default_factory=list)
    notes: str | None = None
    part_text: str | None = None
    matched: int | None = None  # how close the text was (0–100) when matched to a held recommendation by it
    status: str | None = None  # an implementation status the file gives: recorded as an assessment
    lines: list[int] = field(default_factory=list)  # every line merged into it (a paragraph given once per state)

    @property
    def key(self):
        return tuple(self.values.get(f) or "" for f in KEY_FIELDS)

    @property
    def states(self) -> list[str]:
        return self.values["recommending_states"]


def file_format(text: str) -> str:
    """'upr_info' when the header has UPR Info's `paragraph` column, else 'minimal'."""
    first = text.split("\n", 1)[0].lstrip("\ufeff")
    names = {re.sub(r"\s+", "_", c.strip().strip('"').strip().lower()) for c in re.split(r"[,;\t]", first)}
    return "upr_info" if "paragraph" in names else "minimal"


def _header(text: str) -> set[str]:
    first = text.split("\n", 1)[0].lstrip("\ufeff")
    return {re.sub(r"\s+", "_", c.strip().strip('"').strip().lower()) for c in re.split(r"[,;\t]", first)} - {""}


def _describe(exc: ValidationError, names: dict[str, str]) -> str:
    """The refused fields of a line, each named by its column: "response: 'maybe' is not allowed; …" (a Phrase,
    so the import page says it in its reader's language)."""
    said = None
    for name, messages in exc.fields.items():
        problem = messages[0] if isinstance(messages[0], Phrase) else Phrase(messages[0])
        clause = Phrase(N_("%(column)s: %(problem)s"), column=names.get(name, name), problem=problem.clause())
        said = clause if said is None else Phrase("%(first)s; %(then)s", first=said, then=clause)
    return said or exc.message


def _cell(row: dict, name: str) -> str:
    return (row.get(name) or "").strip()


def _row_data(row: dict, fmt: str) -> tuple[dict, str | None]:
    """The fields a row gives (blank optional cells left out, so they never wipe anything) and,
    for UPR Info rows, UPR Info's own text of the row."""
    shared = {f: f for f in SHARED_COLUMNS - {"recommending_states"}}
    if fmt == "upr_info":
        data = {"cycle": row.get("cycle"), "reference": row.get("paragraph"),
                "text": _cell(row, "recommendation_text") or _cell(row, "upr_info_text")}
        optional = {"wg_session": "wg_session", "review_date": "review_date", "outcome_document": "outcome_document",
                    "response": "response", "action_category": "upr_info_action_category", "themes": "issues",
                    "implementation_status": "implementation_status", "source_ref": "row_id", **shared}
    else:
        # A UPR Info export has no paragraph numbers: the reference comes from matching (_match_by_text).
        keys = ("cycle", "text") if fmt == "upr_info_export" else ("cycle", "reference", "text")
        data = {f: row.get(f) for f in keys}
        optional = {f: f for f in ("wg_session", "review_date", "outcome_document", "response", "action_category",
                                   "themes", "implementation_status", "source_ref", "paragraph_text", *shared)}
    listed = _row_states(row)
    if listed:
        data["recommending_states"] = listed
    else:  # one state: a problem with it is named after its own column
        data["recommending_state"] = row.get("recommending_state")
    for target, column in optional.items():
        if _cell(row, column):
            data[target] = row[column]
    if _cell(row, "response"):
        word = " ".join(_cell(row, "response").lower().split())
        data["response"] = RESPONSE_WORDS.get(word, word)
    for name in ("cycle", "wg_session", "action_category"):
        if isinstance(data.get(name), str) and re.fullmatch(r"\d{1,6}", data[name].strip()):
            data[name] = int(data[name])  # a cell is text; the schema takes whole numbers
    return data, (_cell(row, "upr_info_text") or None) if fmt == "upr_info" else None


def _translation(line: int, row: dict, report: ImportReport) -> _Translation | None | bool:
    """The line's translation when its `language` is not English; False when it is the original's
    line (no language, or English); None when it is refused (the report says why)."""
    tag = _cell(row, "language")
    if not tag:
        return False
    if not LANGUAGE_TAG.fullmatch(tag):
        report.add_error(line, Phrase(N_("language: %(tag)r is not a language code (BCP 47, e.g. fr or es)."), tag=tag))
        return None
    language = tag.replace("_", "-").split("-", 1)[0].lower()
    if language == "en":
        return False
    data = {f: row.get(f) for f in ("cycle", "reference", "text")}
    if _cell(row, "sub_item"):
        data["sub_item"] = row["sub_item"]
    if re.fullmatch(r"\d{1,6}", _cell(row, "cycle")):
        data["cycle"] = int(_cell(row, "cycle"))  # a cell is text; the schema takes whole numbers
    try:
        values = recommendation_values(data, partial=True)
    except ValidationError as exc:
        report.add_error(line, _describe(exc, {}))
        return None
    missing = [f for f in ("cycle", "reference", "text") if not values.get(f)]
    if missing:
        report.add_error(line, Phrase(N_("%(column)s: This is required."), column=missing[0]))
        return None
    return _Translation(line, tuple(values.get(f) or "" for f in KEY_FIELDS), language, values["text"])


def split_states(cell: str) -> list[str]:
    """The states named in one cell: ';'-separated, or (UPR Info's `recommending_states_in_paragraph`)
    ','-separated, where a name holding a comma ("Korea, Republic of") is kept whole."""
    cell = cell.strip()
    if not cell:
        return []
    if ";" in cell or country_code(cell):
        return [p.strip() for p in cell.split(";") if p.strip()]
    parts = [p.strip() for p in cell.split(",")]
    names, start = [], 0
    while start < len(parts):
        for end in range(min(len(parts), start + 4), start, -1):  # the longest name first
            joined = ", ".join(parts[start:end])
            if end == start + 1 or country_code(joined):
                names.append(joined)
                start = end
                break
    return [n for n in names if n]


def _states_column(row: dict) -> str:
    """The column a problem with a line's states is in, for the message."""
    single = _cell(row, "recommending_state")
    if single and not country_code(single):
        return "recommending_state"
    return "recommending_states" if _cell(row, "recommending_states") else "recommending_states_in_paragraph"


def _row_states(row: dict) -> list[str]:
    """Every state a line names, the paragraph's own order first: `recommending_states` (or UPR Info's
    `recommending_states_in_paragraph`), then the line's `recommending_state`."""
    listed = split_states(_cell(row, "recommending_states") or _cell(row, "recommending_states_in_paragraph"))
    single = _cell(row, "recommending_state")
    return listed + [single] if single and listed else listed


def _notes(row: dict, fmt: str) -> str | None:
    notes = _cell(row, "notes")
    comment = _cell(row, "kenya_comment_in_report") if fmt == "upr_info" else ""
    if comment:
        notes = "\n\n".join(filter(None, [notes, f"Kenya's comment in the report: {comment}"]))
    return notes or None


def _merge_paragraphs(planned: list[_Planned], report: ImportReport, upr_info: bool,
                      matched: bool = False) -> list[_Planned]:
    """One item per recommendation: the lines of one paragraph (cycle, reference, sub_item) with the
    same text are one recommendation made by each of their states; UPR Info's parts of a paragraph
    (one state on several lines, each with its own text) are numbered as its items."""
    if matched:
        # Rows matched to a held recommendation by their text (an export) each update it: one row
        # per state of a joint one, and each row's response compared with what is held.
        return planned
    groups: dict[tuple, list[_Planned]] = {}
    for item in planned:
        groups.setdefault(item.key, []).append(item)
    out: list[_Planned] = []
    for (cycle, reference, sub_item), items in groups.items():
        split = upr_info and _split_into_parts(items)
        if not upr_info and _repeats(items, report):
            continue
        if split and not all(item.part_text for item in items):
            lines = ", ".join(str(i.line) for i in items)
            for item in items:
                if not item.part_text:
                    report.add_error(item.line, Phrase(N_(
                        "upr_info_text: paragraph %(reference)s from %(state)s is on lines %(lines)s; each part "
                        "needs its own text in upr_info_text"), reference=reference, state=country_name(item.states[0]),
                        lines=lines))
            continue
        clusters: dict[str, list[_Planned]] = {}
        for item in items:
            text = item.part_text if split else item.values["text"]
            clusters.setdefault(sources.normalised_text(text), []).append(item)
        parts = [_merge_lines(cluster, report, upr_info) for cluster in clusters.values()]
        if len(parts) > 1:
            for number, (part, cluster) in enumerate(zip(parts, clusters.values()), 1):
                if part is None:
                    continue
                label = f"{sub_item}.{number}" if sub_item else str(number)
                if len(label) > max_length(Recommendation.sub_item):
                    report.add_error(part.line, Phrase(N_("sub_item: %(sub_item)r is too long to number its parts"),
                                                       sub_item=sub_item))
                    continue
                part.values["sub_item"] = label
                if split:
                    part.values["paragraph_text"] = part.values["text"]
                    part.values["text"] = cluster[0].part_text
        out += [p for p in parts if p is not None]
    return out


def _split_into_parts(items: list[_Planned]) -> bool:
    """UPR Info split the paragraph into parts: one state alone on several lines, or lines naming the
    same states with their own texts in upr_info_text (lines of a joint paragraph, one per state,
    name the same states with the same text)."""
    alone = [item.states[0] for item in items if len(item.states) == 1]
    if len(alone) != len(set(alone)):
        return True
    texts: dict[tuple, set] = {}
    for item in items:
        texts.setdefault(tuple(item.states), set()).add(sources.normalised_text(item.part_text or item.values["text"]))
    return any(len(t) > 1 for t in texts.values())


def _repeats(items: list[_Planned], report: ImportReport) -> bool:
    """Report a line naming, alone, a state another line of the same paragraph named alone."""
    alone: dict[str, int] = {}
    found = False
    for item in items:
        if len(item.states) == 1 and item.states[0] in alone:
            report.add_error(item.line, Phrase(ALREADY_ON_LINE, reference=_shown(item), state=country_name(item.states[0]),
                                               cycle=item.values["cycle"], line=alone[item.states[0]]))
            found = True
        elif len(item.states) == 1:
            alone[item.states[0]] = item.line
    return found


def _merge_lines(cluster: list[_Planned], report: ImportReport, upr_info: bool) -> _Planned | None:
    """The lines of one recommendation as one item: every state (in order), every theme; a field
    given on several lines must agree, and a line naming one state already on another is a repeat."""
    first = cluster[0]
    states: list[str] = []
    alone: dict[str, int] = {}  # a state named alone on a line, and that line
    for item in cluster:
        if len(item.states) == 1 and item.states[0] in alone:
            state = item.states[0]
            report.add_error(item.line, (
                Phrase(N_("paragraph: the same recommendation (%(reference)s, %(state)s) as line %(line)s"),
                       reference=_shown(item), state=country_name(state), line=alone[state])
                if upr_info else Phrase(ALREADY_ON_LINE, reference=_shown(item), state=country_name(state),
                                        cycle=item.values["cycle"], line=alone[state])))
            return None
        if len(item.states) == 1:
            alone[item.states[0]] = item.line
        states += [s for s in item.states if s not in states]
    for item in cluster[1:]:
        for name, value in item.values.items():
            if name in ("recommending_states", "text") or value in (None, "", []):
                continue
            held = first.values.get(name)
            if held in (None, "", []):
                first.values[name] = value
            elif held != value and name in ("response", "action_category"):
                report.add_error(item.line, Phrase(N_("%(column)s: %(value)s differs from line %(line)s (%(held)s) "
                                                      "for the same recommendation %(reference)s"), column=name,
                                                   value=value, line=first.line, held=held, reference=_shown(item)))
                return None
        first.themes += [t for t in item.themes if t.lower() not in {n.lower() for n in first.themes}]
        first.notes = first.notes or item.notes
        first.status = first.status or item.status
    first.values["recommending_states"] = states
    first.lines = [item.line for item in cluster]
    return first


def _shown(item: _Planned) -> str:
    reference, sub_item = item.values.get("reference"), item.values.get("sub_item")
    return f"{reference} ({sub_item})" if sub_item else str(reference)


def check_recommendations(text: str, bad_lines: dict[int, str] | None = None,
                          progress: Progress = None, *,
                          export: formats.ExportRows | None = None
                          ) -> tuple[ImportReport, list[_Planned], list[_Translation]]:
    """Read and check every line (of `text`, or of a UPR Info `export` already read); the report lists
    every problem, the plan is what would be saved, and the translations the texts to hold in other
    languages (engage's CSV with a `language` column)."""
    if export is not None:
        fmt, rows = export.layout, export.rows
        names = {"text": "Recommendation", "themes": "Issue"} if fmt == "upr_info_export" else {}
        bad_lines = {**(bad_lines or {}), **export.problems}
    else:
        fmt = file_format(text)
        if fmt == "upr_info":
            rows = read_rows(text, UPR_INFO_REQUIRED, UPR_INFO_COLUMNS, "recommendations")
        else:
            rows = read_rows(text, MINIMAL_REQUIRED, MINIMAL_COLUMNS, "recommendations")
        names = UPR_INFO_NAMES if fmt == "upr_info" else {}
    report = ImportReport(total=len(rows), layout=formats.LAYOUT_NAMES["engage_upr_info" if fmt == "upr_info" else
                                                                  "engage" if fmt == "minimal" else fmt])
    if export is not None:
        report.skipped, report.unattributed, report.assumed_encoding = export.skipped, export.unattributed, export.encoding
    planned: list[_Planned] = []
    translations: list[_Translation] = []
    for done, (line, row) in enumerate(rows, 1):
        if progress and (done % 500 == 0 or done == len(rows)):
            progress(done, len(rows), "checked")
        if "__error__" in row:
            report.add_error(line, row["__error__"])
            continue
        if bad_lines and line in bad_lines:
            report.add_error(line, bad_lines[line])
            continue
        if fmt == "minimal":
            # A line in another language with a held key adds or updates that translation, not a recommendation.
            translation = _translation(line, row, report)
            if translation is None:
                continue
            if translation:
                translations.append(translation)
                continue
        data, part_text = _row_data(row, fmt)
        status, problem = implementation_services.imported_status(data.pop("implementation_status", None))
        if problem:
            report.add_error(line, Phrase(N_("%(column)s: %(problem)s"), column="implementation_status",
                                          problem=problem if isinstance(problem, Phrase) else Phrase(problem)))
            continue
        try:
            values = recommendation_values(data, partial=True)
        except ValidationError as exc:
            report.add_error(line, _describe(exc, {**names, "recommending_states": _states_column(row)}))
            continue
        if "first_state" in values:
            values["recommending_states"] = [values.pop("first_state")]
        if not values.get("recommending_states"):
            report.add_error(line, Phrase(N_("%(column)s: This is required."), column="recommending_state"))
            continue
        planned.append(_Planned(line=line, values=values, themes=values.pop("themes", None) or [],
                                notes=_notes(row, fmt), part_text=part_text, status=status))
    if fmt == "upr_info_export":
        _match_by_text(planned)
    planned = _merge_paragraphs(planned, report, upr_info=fmt == "upr_info", matched=fmt == "upr_info_export")
    first_line: dict[tuple, int] = {}
    for item in planned:
        if item.key in first_line and item.matched is None:  # parts numbered onto an item the file also gives
            report.add_error(item.line, Phrase(N_("sub_item: %(reference)s in cycle %(cycle)s is already on line "
                                                  "%(line)s"), reference=_shown(item), cycle=item.values["cycle"],
                                               line=first_line[item.key]))
        first_line.setdefault(item.key, item.line)
    _map_themes(planned, report)
    reported = {e.line for e in report.errors}
    for line, message in (bad_lines or {}).items():  # e.g. inside a quoted cell that spans lines
        if line not in reported:
            report.add_error(line, message)
    report.errors.sort(key=lambda e: e.line)
    return report, planned, translations


def _map_themes(planned: list[_Planned], report: ImportReport) -> None:
    """Each row's theme names in engage's vocabulary (UPR Info's "HIV - Aids" is HIV/AIDS, OHCHR's "E41 …"
    Right to health, users' mappings applied); the names engage does not know go in the report, for the
    preview to offer mapping them (imported, they become new themes)."""
    resolved, report.unknown_themes = map_names(n for item in planned for n in item.themes)
    for item in planned:
        item.themes = list({resolved[n].lower(): resolved[n] for n in item.themes}.values())


def _match_by_text(planned: list[_Planned]) -> None:
    """Give each row without a paragraph number the reference (and item) of the held recommendation it repeats.

    Same cycle and recommending state (one of the held one's states), and the same text once case,
    punctuation and spacing are ignored; failing that, the closest text at TEXT_MATCH_THRESHOLD or
    above (two equally close: the first in paragraph order). A held recommendation takes at most
    one row of the file for each of its states (the rows of a joint one are merged after). A row
    that matches nothing is new, and is numbered after its Working Group session: "UPR Info 8-12".
    """
    groups: dict[tuple, list[_Planned]] = {}
    for item in planned:
        groups.setdefault((item.values["cycle"], item.states[0]), []).append(item)
    if not groups:
        return
    held: dict[tuple, dict[tuple, str]] = {}
    statement = (select(Recommendation.cycle, RecommendationState.state, Recommendation.reference,
                        Recommendation.sub_item, Recommendation.text)
                 .join(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
                 .where(Recommendation.cycle.in_({c for c, _ in groups}),
                        RecommendationState.state.in_({s for _, s in groups}))
                 .order_by(Recommendation.reference_sort, Recommendation.sub_item))
    for cycle, state, reference, sub_item, text in db.session.execute(statement):
        held.setdefault((cycle, state), {})[(reference, sub_item)] = sources.normalised_text(text)
    used = {key for texts in held.values() for key in texts}
    for key, items in groups.items():
        candidates = held.get(key, {})
        by_text: dict[str, tuple] = {}
        for ref, text in candidates.items():
            by_text.setdefault(text, ref)
        taken: set[tuple] = set()
        for item in items:
            text = sources.normalised_text(item.values["text"])
            ref, score = by_text.get(text), 100
            if ref in taken:
                ref = None
            if ref is None:
                free = {r: t for r, t in candidates.items() if r not in taken}
                best = process.extractOne(text, free, scorer=fuzz.ratio, score_cutoff=TEXT_MATCH_THRESHOLD)
                if best is not None:
                    score, ref = round(best[1]), best[2]
            if ref is not None:
                taken.add(ref)
                (item.values["reference"], item.values["sub_item"]), item.matched = ref, score
                continue
            session = item.values.get("wg_session")
            number = int(item.values.get("source_ref", "#0").rsplit("#", 1)[-1] or 0)
            reference = f"UPR Info {session}-{number}"
            while (reference, "") in used:
                number += 1
                reference = f"UPR Info {session}-{number}"
            used.add((reference, ""))
            item.values["reference"], item.values["sub_item"] = reference, ""


class _Held:
    """A held recommendation as an import reads and changes it: its row, states, goals and themes read
    with a few statements per batch instead of ORM objects (a merge touches thousands)."""

    __tablename__ = Recommendation.__tablename__

    def __init__(self, row: dict):
        self.row = row
        self.state_rows: list[tuple[str, int]] = []  # (state, position), by position
        self.goals: list[int] = []
        self.themes: list[tuple[int | None, str, Any]] = []  # (id, name, the Theme when new), by name
        self.changed: set[str] = set()  # columns to write

    def __getattr__(self, name):
        try:
            return self.__dict__["row"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def recommending_states(self) -> list[str]:
        return [s for s, _ in self.state_rows] or ([self.row["recommending_state"]]
                                                   if self.row["recommending_state"] else [])

    @property
    def label(self) -> str:
        sub_item = self.row["sub_item"]
        reference = f"{self.row['reference']} ({sub_item})" if sub_item else self.row["reference"]
        return f"{reference} ({', '.join(country_name(s) for s in self.recommending_states)})"

    def set(self, name: str, value) -> None:
        self.row[name] = value
        self.changed.add(name)


def _load_links(held: list[_Held]) -> None:
    """Each held recommendation's states, goals and themes: three statements per SAVE_BATCH."""
    for start in range(0, len(held), SAVE_BATCH):
        by_id = {h.id: h for h in held[start:start + SAVE_BATCH]}
        for rec_id, state, position in db.session.execute(
                select(RecommendationState.recommendation_id, RecommendationState.state, RecommendationState.position)
                .where(RecommendationState.recommendation_id.in_(by_id)).order_by(RecommendationState.position)):
            by_id[rec_id].state_rows.append((state, position))
        for rec_id, goal in db.session.execute(
                select(RecommendationSdg.recommendation_id, RecommendationSdg.goal)
                .where(RecommendationSdg.recommendation_id.in_(by_id)).order_by(RecommendationSdg.goal)):
            by_id[rec_id].goals.append(goal)
        for rec_id, theme_id, name in db.session.execute(
                select(recommendation_theme.c.recommendation_id, Theme.id, Theme.name)
                .join(Theme, Theme.id == recommendation_theme.c.theme_id)
                .where(recommendation_theme.c.recommendation_id.in_(by_id)).order_by(Theme.name)):
            by_id[rec_id].themes.append((theme_id, name, None))


def _match_held(planned: list[_Planned], report: ImportReport) -> dict[int, _Held]:
    """{index in `planned`: the held recommendation it updates}; the others are new.

    Held by its key with the same text first; then a held item of the same paragraph with the same
    text (engage numbered it differently: the file's item is taken); then by its key alone (the file
    corrects the text). A key the file would give to one recommendation while engage holds it for
    another is refused on the line."""
    cycles = {item.values["cycle"] for item in planned}
    if not cycles:
        return {}
    db.session.flush()  # what the session holds is written before rows are read and written past it
    table = Recommendation.__table__
    result = db.session.execute(select(table).where(table.c.cycle.in_(cycles)))
    names = list(result.keys())  # once: a RowMapping looks its keys up again for every row
    held = [_Held(dict(zip(names, row))) for row in result]
    by_key = {(r.cycle, r.reference, r.sub_item): r for r in held}
    by_text = {}
    for r in held:
        by_text.setdefault((r.cycle, r.reference, sources.normalised_text(r.text)), r)
    found: dict[int, _Held] = {}
    claimed: set[int] = set()

    def claim(index: int, rec: _Held | None) -> None:
        if index not in found and rec is not None and rec.id not in claimed:
            found[index] = rec
            claimed.add(rec.id)

    for index, item in enumerate(planned):
        rec = by_key.get(item.key)
        if rec is not None and item.matched is not None:
            found[index] = rec  # an export's rows: one per state of the held recommendation
            claimed.add(rec.id)
        elif rec is not None and sources.normalised_text(rec.text) == sources.normalised_text(item.values["text"]):
            claim(index, rec)
    for index, item in enumerate(planned):
        cycle, reference, _sub_item = item.key
        claim(index, by_text.get((cycle, reference, sources.normalised_text(item.values["text"]))))
    for index, item in enumerate(planned):
        claim(index, by_key.get(item.key))
    # After the import each key names one recommendation.
    final = {(r.cycle, r.reference, r.sub_item): r.id for r in held if r.id not in claimed}
    for index, item in enumerate(planned):
        rec = found.get(index)
        other = final.get(item.key) if item.matched is None else None
        if other is not None and (rec is None or other != rec.id):
            report.add_error(item.line, Phrase(N_("sub_item: engage holds another recommendation %(reference)s in "
                                                  "cycle %(cycle)s (its text differs); give this one its own sub_item"),
                                               reference=_shown(item), cycle=item.values["cycle"]))
    if not report.errors:
        _load_links(list({rec.id: rec for rec in found.values()}.values()))
    return found


def _renumber(found: dict[int, _Held], planned: list[_Planned]) -> dict[int, str]:
    """Park the held recommendations the file gives another item under free names first, so no two
    hold one key at any moment (the unique key is checked statement by statement); {id: old item}."""
    moved = {rec.id: rec.sub_item for i, rec in found.items() if rec.sub_item != planned[i].key[2]}
    parked = []
    for i, rec in found.items():
        if rec.id in moved and rec.sub_item != f"~{rec.id}"[:20]:  # an export's rows: one park per recommendation
            rec.row["sub_item"] = f"~{rec.id}"[:20]
            parked.append({"_id": rec.id, "sub_item": rec.row["sub_item"]})
    for start in range(0, len(parked), SAVE_BATCH):
        _write_rows(parked[start:start + SAVE_BATCH])
    return moved


def _write_rows(rows: list[dict]) -> None:
    """UPDATE recommendations by id (`_id`), one executemany; every row gives the same columns."""
    table = Recommendation.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("_id"))
                       .values({name: bindparam(name) for name in rows[0] if name != "_id"}), rows)


def _save_held(held: list[_Held]) -> None:
    """Write what the import changed on held recommendations: per SAVE_BATCH, one UPDATE (executemany)
    and a few INSERTs and UPDATEs of states, goals and themes; ORM copies in the session are expired."""
    held = [h for h in held if h.changed or h.__dict__.get("links")]
    db.session.flush()  # new themes get their ids
    for start in range(0, len(held), SAVE_BATCH):
        batch = [h for h in held[start:start + SAVE_BATCH] if h.changed]
        names = sorted(set().union(*(h.changed for h in batch))) if batch else []
        if batch:
            _write_rows([{"_id": h.id, **{n: h.row[n] for n in names}} for h in batch])
        links = [h for h in held[start:start + SAVE_BATCH] if h.__dict__.get("links")]
        new_states = [r for h in links for r in h.links["states"]]
        moved_states = [r for h in links for r in h.links["positions"]]
        goals = [r for h in links for r in h.links["goals"]]
        themes = [{"recommendation_id": h.id, "theme_id": t.id} for h in links for t in h.links["themes"]]
        if moved_states:
            state_table = RecommendationState.__table__
            db.session.execute(update(state_table).where(state_table.c.recommendation_id == bindparam("_id"),
                                                         state_table.c.state == bindparam("_state"))
                               .values(position=bindparam("position")), moved_states)
        if new_states:
            db.session.execute(insert(RecommendationState), new_states)
        if goals:
            db.session.execute(insert(RecommendationSdg), goals)
        if themes:
            db.session.execute(insert(recommendation_theme), themes)
    ids = {h.id for h in held}
    for obj in list(db.session.identity_map.values()):
        if getattr(obj, "id", None) in ids and isinstance(obj, Recommendation) or \
                isinstance(obj, (RecommendationState, RecommendationSdg)) and obj.recommendation_id in ids:
            db.session.expire(obj)


def import_recommendations(text: str, actor, now, progress: Progress = None, *,
                           bad_lines: dict[int, str] | None = None,
                           export: formats.ExportRows | None = None,
                           source_kind: str | None = None) -> ImportReport:
    """Import recommendations matched on (cycle, reference, sub_item); nothing is saved if any line is bad.

    An update fills in what the file says and never blanks a field; themes from the file are
    added to those a recommendation has; notes are only written where there are none yet. Each
    row's copy is kept as one of the recommendation's sources; where this file's response or text
    differs from another source's, the better source's value is shown and the disagreement stored
    for review (engage/upr/sources.py).
    """
    report, planned, translations = check_recommendations(text, bad_lines, progress, export=export)
    if report.errors:
        return report
    _check_translations(translations, planned, report)
    if report.errors:
        return report
    # What kind of source the file is (SOURCE_KINDS): a reader of UN documents says so with `source_kind`.
    kind = source_kind or sources.kind_of_layout(export.layout if export is not None else "engage")
    found = _match_held(planned, report)
    if report.errors:
        report.errors.sort(key=lambda e: e.line)
        return report
    moved = _renumber(found, planned)
    themes = theme_index()
    held = sources.held_sources({rec.id for rec in found.values()})
    disagreements: list[sources.Pending] = []
    copies: list[tuple] = []
    history: list[dict] = []  # inserted together at the end: one INSERT per batch rather than per row
    new_items: list[_Planned] = []
    saved = 0
    resolved: dict[tuple, list] = {}

    def resolve(names: list[str]) -> list:
        # Rows repeat the same few names: each set is resolved (a regex per name) once per import.
        if tuple(names) not in resolved:
            resolved[tuple(names)] = resolve_themes(names, themes)
        return resolved[tuple(names)]

    statuses: dict[int, str] = {}  # recommendation id -> the status its line gives
    for index, item in enumerate(planned):
        rec = found.get(index)
        if rec is None:
            new_items.append(item)
            continue
        if item.status:
            statuses[rec.id] = item.status
        reference = sources.source_reference(kind, item.values)
        copies.append((rec.id, reference, item.values.get("response"), item.values.get("text")))
        _update(actor, now, rec, item, resolve, report, moved,
                lambda rec, values: sources.arbitrate(rec, values, kind, reference,
                                                      held.get(rec.id, sources.Held()), disagreements), history)
        saved += 1
        if progress and saved % 500 == 0:
            progress(saved, len(planned), "saved")
    if progress and saved and not new_items:
        progress(saved, len(planned), "saved")
    _save_held(list({rec.id: rec for rec in found.values()}.values()))
    resolve_themes(dict.fromkeys(n for item in new_items for n in item.themes), themes)
    db.session.flush()
    for start in range(0, len(new_items), SAVE_BATCH):
        batch = new_items[start:start + SAVE_BATCH]
        ids = _insert(batch, actor, now, themes)
        statuses.update((rec_id, item.status) for rec_id, item in zip(ids, batch) if item.status)
        copies.extend((rec_id, sources.source_reference(kind, item.values), item.values.get("response"),
                       item.values.get("text")) for rec_id, item in zip(ids, batch))
        report.created += len(batch)
        saved += len(batch)
        if progress:
            progress(saved, len(planned), "saved")
    db.session.flush()
    for start in range(0, len(history), SAVE_BATCH):
        db.session.execute(insert(ChangeRecord), history[start:start + SAVE_BATCH])
    sources.save_sources(actor, now, kind, copies, disagreements)
    # A status the file gives becomes an assessment where it differs from the one the importer sees.
    implementation_services.record_imported_statuses(actor, now, statuses)
    db.session.flush()
    _save_translations(translations, now, report)
    return report


def _held_ids(keys) -> dict[tuple, int]:
    key_columns = (Recommendation.cycle, Recommendation.reference, Recommendation.sub_item)
    keys = list(set(keys))
    found: dict[tuple, int] = {}
    for start in range(0, len(keys), SAVE_BATCH):
        found.update({(c, r, s): i for i, c, r, s in db.session.execute(
            select(Recommendation.id, *key_columns).where(tuple_(*key_columns).in_(keys[start:start + SAVE_BATCH])))})
    return found


def _check_translations(translations: list[_Translation], planned: list[_Planned], report: ImportReport) -> None:
    """Refuse, before anything is saved, a translation of a recommendation neither held nor in the file,
    and two texts for one recommendation in one language."""
    if not translations:
        return
    known = set(_held_ids(t.key for t in translations)) | {item.key for item in planned}
    seen: dict[tuple, _Translation] = {}
    for t in translations:
        shown = f"{t.key[1]} ({t.key[2]})" if t.key[2] else t.key[1]
        if t.key not in known:
            report.add_error(t.line, Phrase(N_("reference: no recommendation %(reference)s in cycle %(cycle)s to "
                                               "translate; give its original (English) line first"),
                                            reference=shown, cycle=t.key[0]))
        earlier = seen.setdefault((t.key, t.language), t)
        if earlier is not t and earlier.text != t.text:
            report.add_error(t.line, Phrase(N_("text: %(reference)s in cycle %(cycle)s already has a %(language)s "
                                               "text on line %(line)s"), reference=shown, cycle=t.key[0],
                                            language=t.language, line=earlier.line))
    report.errors.sort(key=lambda e: e.line)


def _save_translations(translations: list[_Translation], now, report: ImportReport) -> None:
    """Hold each line's text in its language (after the originals, so a file may give both)."""
    if not translations:
        return
    ids = _held_ids(t.key for t in translations)
    held = {(r.recommendation_id, r.language): r for r in db.session.scalars(
        select(RecommendationText).where(RecommendationText.recommendation_id.in_(set(ids.values()))))}
    for t in translations:
        row = held.get((ids[t.key], t.language))
        if row is None:
            row = held[(ids[t.key], t.language)] = RecommendationText(recommendation_id=ids[t.key], language=t.language)
            db.session.add(row)
        row.text, row.source, row.updated_at = t.text, "import", now
    report.translated = len(translations)
    db.session.flush()


def _insert(batch: list[_Planned], actor, now, themes: dict) -> list[int]:
    """Add new recommendations, their states, goals, themes and history in a few statements (large files are
    common); their ids, in the batch's order."""
    rows = [{"response": "pending", "sub_item": "",
             **{k: v for k, v in item.values.items() if k not in LINKED},
             "recommending_state": item.states[0],
             "reference_sort": reference_sort_key(item.values["reference"]), "notes": item.notes,
             "created_at": now, "updated_at": now} for item in batch]
    # The same keys on every row, so the database driver can insert them as one batch.
    columns = set().union(*rows)
    rows = [{c: row.get(c) for c in columns} for row in rows]
    # No RETURNING: SQLite cannot return ids in the rows' order from one multi-row INSERT, so SQLAlchemy
    # would send one INSERT per row. One INSERT for the batch, then one SELECT of the ids by their keys.
    db.session.execute(insert(Recommendation), rows)
    keys = [item.key for item in batch]
    key_columns = (Recommendation.cycle, Recommendation.reference, Recommendation.sub_item)
    found = {(cycle, reference, sub_item): rec_id for rec_id, cycle, reference, sub_item in db.session.execute(
        select(Recommendation.id, *key_columns).where(tuple_(*key_columns).in_(keys)))}
    ids = [found[key] for key in keys]
    links = [{"recommendation_id": rec_id, "theme_id": themes[name.lower()].id}
             for rec_id, item in zip(ids, batch) for name in item.themes]
    if links:
        db.session.execute(insert(recommendation_theme), links)
    db.session.execute(insert(RecommendationState), [
        {"recommendation_id": rec_id, "state": state, "position": position}
        for rec_id, item in zip(ids, batch) for position, state in enumerate(item.states)])
    goals = [{"recommendation_id": rec_id, "goal": goal} for rec_id, item in zip(ids, batch)
             for goal in item.values.get("sdgs") or []]
    if goals:
        db.session.execute(insert(RecommendationSdg), goals)
    db.session.execute(insert(ChangeRecord), [
        {"entity_type": Recommendation.__tablename__, "entity_id": rec_id, "action": "imported", "changes": {},
         "actor_id": getattr(actor, "id", None), "at": now} for rec_id in ids])
    return ids


def _update(actor, now, rec: _Held, item: _Planned, resolve: Callable[[list[str]], list], report: ImportReport,
            moved: dict[int, str], arbitrate: Callable[[_Held, dict], list[str]],
            history: list[dict]) -> None:
    values = {k: v for k, v in item.values.items() if v is not None and k not in KEY_FIELDS and k not in LINKED}
    if item.matched is not None:
        # Another source's copy of what is held, found by its text: counted as merged.
        report.merged += 1
        if rec.source_ref:
            values.pop("source_ref", None)
    for message in arbitrate(rec, values):
        report.conflicts.append(ImportProblem(item.line, message))
    old_item = moved.get(rec.id, rec.sub_item)
    changed = {}
    for name, new in values.items():
        if rec.row[name] != new:
            changed[name] = [rec.row[name], new]
            rec.set(name, new)
    if rec.sub_item != item.key[2] or old_item != item.key[2]:
        rec.set("sub_item", item.key[2])
        changed["sub_item"] = [old_item, item.key[2]]
    links = rec.__dict__.setdefault("links", {"states": [], "positions": [], "goals": [], "themes": []})
    # States and goals the file names are added to those held (another file may name the others).
    held_states = rec.recommending_states
    states = held_states + [s for s in item.states if s not in held_states]
    if states != held_states:
        changed["recommending_states"] = ["; ".join(held_states), "; ".join(states)]
        positions = dict(rec.state_rows)
        for position, code in enumerate(states):
            if code not in positions:
                links["states"].append({"recommendation_id": rec.id, "state": code, "position": position})
            elif positions[code] != position:
                links["positions"].append({"_id": rec.id, "_state": code, "position": position})
        rec.state_rows = list(zip(states, range(len(states))))
        if rec.recommending_state != states[0]:
            rec.set("recommending_state", states[0])
    goals = sorted(set(rec.goals) | set(item.values.get("sdgs") or []))
    if goals != rec.goals:
        changed["sdgs"] = ["; ".join(map(str, rec.goals)), "; ".join(map(str, goals))]
        links["goals"] += [{"recommendation_id": rec.id, "goal": g} for g in goals if g not in rec.goals]
        rec.goals = goals
    have = {name.lower() for _, name, _ in rec.themes}
    missing = [n for n in item.themes if n.lower() not in have]
    if missing:
        old = [name for _, name, _ in rec.themes]
        held_ids = {theme_id for theme_id, _, _ in rec.themes if theme_id is not None}
        added = [t for t in resolve(missing) if t.id is None or t.id not in held_ids]
        links["themes"] += added
        rec.themes = rec.themes + [(t.id, t.name, t) for t in added]
        changed["themes"] = ["; ".join(old), "; ".join(sorted((name for _, name, _ in rec.themes), key=str.lower))]
    if item.notes and not rec.notes:
        changed["notes"] = [None, item.notes]
        rec.set("notes", item.notes)
    if changed:
        rec.set("updated_at", now)
        history.append(change_values(actor, now, rec, "updated_by_import", changed))
        report.updated += 1
    else:
        report.unchanged += 1


def import_recommendations_bytes(raw: bytes, actor, now, progress: Progress = None, *,
                                 state_under_review: str | None = None, cycle: int | str | None = None) -> ImportReport:
    """Recognise, decode and import an uploaded file (engage/upr/formats.py, engage/upr/ohchr.py); a problem
    with the whole file is reported as a line error too. `cycle` is for an OHCHR matrix that does not say its own."""
    if state_under_review is None:
        state_under_review = current_app.config["ENGAGE_STATE_UNDER_REVIEW"] if has_app_context() else "KE"
    try:
        if not raw or not raw.strip():
            raise ValidationError.for_fields({"file": N_("The file is empty.")})
        export = ohchr.read_matrix(raw, state_under_review, cycle)
        if export is None:
            export = formats.read_export(raw, state_under_review)
        if export is not None:
            return import_recommendations("", actor, now, progress, export=export)
        text, bad_lines, encoding = decode_csv_lines(raw)
        header = _header(text)
        refuse_other_kind(header, "recommendations")
        missing = (UPR_INFO_REQUIRED if file_format(text) == "upr_info" else MINIMAL_REQUIRED) - header
        if not header & STATE_COLUMNS:
            missing |= {"recommending_state"}
        if missing:
            raise formats.unknown_layout(sorted(header), sorted(missing))
        report = import_recommendations(text, actor, now, progress, bad_lines=bad_lines)
        report.assumed_encoding = encoding
        return report
    except ValidationError as exc:
        report = ImportReport()
        message = exc.fields.get("file", [exc.message])[0]
        line = 1
        head, sep, rest = message.partition(": ")
        if isinstance(message, Phrase) and message.template == formats.LINE_PROBLEM:
            line, message = message.values["line"], message.values["problem"]
        elif sep and head.startswith("Line ") and head[5:].isdigit():
            line, message = int(head[5:]), rest
        report.add_error(line, message)
        return report


def template_csv() -> str:
    """A recommendations file to fill in: the minimal format's columns and one example row."""
    return template_text(TEMPLATE_COLUMNS, TEMPLATE_EXAMPLE)


def import_recommendations_file(path: str | Path, actor, now, progress: Progress = None, *,
                                cycle: int | None = None) -> ImportReport:
    """Import a file from disk (the CLI and the demo data)."""
    return import_recommendations_bytes(Path(path).read_bytes(), actor, now, progress, cycle=cycle)
