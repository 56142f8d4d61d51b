"""CSV import of UPR recommendations, in UPR Info's columns or a minimal format.

All-or-nothing with every bad line reported; re-running a file updates what is there instead of
adding copies. UPR Info sometimes splits one paragraph of the report into parts with their own
texts and responses: the same paragraph from the same state on several lines. Each part becomes
its own recommendation, numbered in file order: `102.3 (1)`, `102.3 (2)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from flask import current_app, has_app_context
from rapidfuzz import fuzz, process
from sqlalchemy import insert, select, tuple_

from engage.countries import country_name
from engage.csvfiles import (ImportProblem, ImportReport, decode_csv_lines, read_rows, refuse_other_kind,
                             template_text)
from engage.errors import ValidationError
from engage.extensions import db
from engage.history import ChangeRecord, change_values, diff_fields
from engage.recommendations.models import Recommendation, recommendation_theme, reference_sort_key
from engage.recommendations.themes import resolve_themes, theme_index
from engage.recommendations.vocabulary import map_names
from engage.schemas import max_length

from . import formats, ohchr, sources
from .schemas import recommendation_values


UPR_INFO_REQUIRED = {"cycle", "paragraph", "recommending_state", "recommendation_text", "response"}
UPR_INFO_COLUMNS = UPR_INFO_REQUIRED | {
    "row_id", "wg_session", "review_date", "outcome_document", "sub_item", "upr_info_text",
    "upr_info_action_category", "issues", "kenya_comment_in_report", "implementation_status", "notes"}
MINIMAL_REQUIRED = {"cycle", "reference", "recommending_state", "text", "response"}
MINIMAL_COLUMNS = MINIMAL_REQUIRED | {"themes", "wg_session", "review_date", "outcome_document",
                                      "action_category", "implementation_status", "notes", "source_ref"}
# The file's own column names, for messages: a lead fixes the column they can see.
UPR_INFO_NAMES = {"reference": "paragraph", "text": "recommendation_text", "themes": "issues",
                  "action_category": "upr_info_action_category", "source_ref": "row_id",
                  "notes": "kenya_comment_in_report"}
KEY_FIELDS = ("cycle", "reference", "recommending_state")
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
TEMPLATE_COLUMNS = ["cycle", "reference", "recommending_state", "text", "response", "themes",
                    "implementation_status", "action_category", "notes"]
TEMPLATE_EXAMPLE = {"cycle": "4", "reference": "999.1", "recommending_state": "Germany",
                    "text": "Example row, replace it: ensure access to HIV prevention and treatment for key populations",
                    "response": "supported", "themes": "Right to health; HIV/AIDS",
                    "implementation_status": "partial", "action_category": "5",
                    "notes": "Raised with the mission in Geneva"}
SAVE_BATCH = 500

Progress = Callable[[int, int, str], None] | None


@dataclass
class _Planned:
    line: int
    values: dict[str, Any]
    themes: list[str] = field(default_factory=list)
    notes: str | None = None
    part_text: str | None = None
    matched: int | None = None  # how close the text was (0–100) when matched to a held recommendation by it

    @property
    def key(self):
        return tuple(self.values[f] for f in KEY_FIELDS)


def file_format(text: str) -> str:
    """'upr_info' when the header has UPR Info's `paragraph` column, else 'minimal'."""
    first = text.split("\n", 1)[0].lstrip("\ufeff")
    names = {re.sub(r"\s+", "_", c.strip().strip('"').strip().lower()) for c in re.split(r"[,;\t]", first)}
    return "upr_info" if "paragraph" in names else "minimal"


def _header(text: str) -> set[str]:
    first = text.split("\n", 1)[0].lstrip("\ufeff")
    return {re.sub(r"\s+", "_", c.strip().strip('"').strip().lower()) for c in re.split(r"[,;\t]", first)} - {""}


def _describe(exc: ValidationError, names: dict[str, str]) -> str:
    return "; ".join(f"{names.get(f, f)}: {msgs[0].rstrip('.')}" for f, msgs in exc.fields.items()) or exc.message


def _cell(row: dict, name: str) -> str:
    return (row.get(name) or "").strip()


def _row_data(row: dict, fmt: str) -> tuple[dict, str | None]:
    """The fields a row gives (blank optional cells left out, so they never wipe anything) and,
    for UPR Info rows, UPR Info's own text of the row."""
    if fmt == "upr_info":
        data = {"cycle": row.get("cycle"), "reference": row.get("paragraph"),
                "recommending_state": row.get("recommending_state"),
                "text": _cell(row, "recommendation_text") or _cell(row, "upr_info_text")}
        optional = {"wg_session": "wg_session", "review_date": "review_date", "outcome_document": "outcome_document",
                    "response": "response", "action_category": "upr_info_action_category", "themes": "issues",
                    "implementation_status": "implementation_status", "source_ref": "row_id"}
    else:
        # A UPR Info export has no paragraph numbers: the reference comes from matching (_match_by_text).
        keys = ("cycle", "recommending_state", "text") if fmt == "upr_info_export" else KEY_FIELDS + ("text",)
        data = {f: row.get(f) for f in keys}
        if not data.get("recommending_state") and _cell(row, "recommending_states"):
            # An OHCHR matrix names every state of a joint recommendation; one state per
            # recommendation is held, so it is held under the first.
            data["recommending_state"] = _cell(row, "recommending_states").split(";")[0].strip()
        optional = {f: f for f in ("wg_session", "review_date", "outcome_document", "response", "action_category",
                                   "themes", "implementation_status", "source_ref")}
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


def _notes(row: dict, fmt: str) -> str | None:
    notes = _cell(row, "notes")
    comment = _cell(row, "kenya_comment_in_report") if fmt == "upr_info" else ""
    if comment:
        notes = "\n\n".join(filter(None, [notes, f"Kenya's comment in the report: {comment}"]))
    return notes or None


def _number_split_parts(planned: list[_Planned], report: ImportReport) -> None:
    """Give each part of a paragraph that UPR Info split its own reference and its own text."""
    groups: dict[tuple, list[_Planned]] = {}
    for item in planned:
        groups.setdefault(item.key, []).append(item)
    for (cycle, reference, state), parts in groups.items():
        if len(parts) == 1:
            continue
        seen: dict[str, int] = {}
        for number, item in enumerate(parts, 1):
            part = item.part_text
            if not part:
                report.add_error(item.line, f"upr_info_text: paragraph {reference} from {country_name(state)} is on "
                                            f"lines {', '.join(str(p.line) for p in parts)}; each part needs its own "
                                            "text in upr_info_text")
                continue
            if part.lower() in seen:
                report.add_error(item.line, f"paragraph: the same recommendation ({reference}, {country_name(state)}) "
                                            f"as line {seen[part.lower()]}")
                continue
            seen[part.lower()] = item.line
            labelled = f"{reference} ({number})"
            if len(labelled) > max_length(Recommendation.reference):
                report.add_error(item.line, f"paragraph: {reference!r} is too long to number its parts")
                continue
            item.values["paragraph_text"] = item.values["text"]
            item.values["text"] = part
            item.values["reference"] = labelled


def _refuse_repeats(planned: list[_Planned], report: ImportReport) -> None:
    first_line: dict[tuple, int] = {}
    for item in planned:
        cycle, reference, state = item.key
        if item.key in first_line:
            report.add_error(item.line, f"reference: {reference} from {country_name(state)} in cycle {cycle} is "
                                        f"already on line {first_line[item.key]}")
        else:
            first_line[item.key] = item.line


def check_recommendations(text: str, bad_lines: dict[int, str] | None = None,
                          progress: Progress = None, *,
                          export: formats.ExportRows | None = None) -> tuple[ImportReport, list[_Planned]]:
    """Read and check every line (of `text`, or of a UPR Info `export` already read); the report lists
    every problem, the plan is what would be saved."""
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
    for done, (line, row) in enumerate(rows, 1):
        if progress and (done % 500 == 0 or done == len(rows)):
            progress(done, len(rows), "checked")
        if "__error__" in row:
            report.add_error(line, row["__error__"])
            continue
        if bad_lines and line in bad_lines:
            report.add_error(line, bad_lines[line])
            continue
        data, part_text = _row_data(row, fmt)
        try:
            values = recommendation_values(data, partial=True)
        except ValidationError as exc:
            report.add_error(line, _describe(exc, names))
            continue
        planned.append(_Planned(line=line, values=values, themes=values.pop("themes", None) or [],
                                notes=_notes(row, fmt), part_text=part_text))
    if fmt == "upr_info":
        _number_split_parts(planned, report)
    if fmt == "upr_info_export":
        _match_by_text(planned)
    _refuse_repeats(planned, report)
    _map_themes(planned, report)
    reported = {e.line for e in report.errors}
    for line, message in (bad_lines or {}).items():  # e.g. inside a quoted cell that spans lines
        if line not in reported:
            report.add_error(line, message)
    report.errors.sort(key=lambda e: e.line)
    return report, planned


def _map_themes(planned: list[_Planned], report: ImportReport) -> None:
    """Each row's theme names in engage's vocabulary (UPR Info's "HIV - Aids" is HIV/AIDS, OHCHR's "E41 …"
    Right to health, users' mappings applied); the names engage does not know go in the report, for the
    preview to offer mapping them (imported, they become new themes)."""
    resolved, report.unknown_themes = map_names(n for item in planned for n in item.themes)
    for item in planned:
        item.themes = list({resolved[n].lower(): resolved[n] for n in item.themes}.values())


def _match_by_text(planned: list[_Planned]) -> None:
    """Give each row without a paragraph number the reference of the held recommendation it repeats.

    Same cycle and recommending state, and the same text once case, punctuation and spacing are
    ignored; failing that, the closest text at TEXT_MATCH_THRESHOLD or above (two equally close: the
    first in paragraph order). A held recommendation takes at most one row of the file. A row that
    matches nothing is new, and is numbered after its Working Group session: "UPR Info 8-12".
    """
    groups: dict[tuple, list[_Planned]] = {}
    for item in planned:
        groups.setdefault((item.values["cycle"], item.values["recommending_state"]), []).append(item)
    if not groups:
        return
    held: dict[tuple, dict[str, str]] = {}
    statement = (select(Recommendation.cycle, Recommendation.recommending_state, Recommendation.reference,
                        Recommendation.text)
                 .where(Recommendation.cycle.in_({c for c, _ in groups}),
                        Recommendation.recommending_state.in_({s for _, s in groups}))
                 .order_by(Recommendation.reference_sort))
    for cycle, state, reference, text in db.session.execute(statement):
        held.setdefault((cycle, state), {})[reference] = sources.normalised_text(text)
    for key, items in groups.items():
        candidates = held.get(key, {})
        by_text = {}
        for reference, text in candidates.items():
            by_text.setdefault(text, reference)
        taken: set[str] = set()
        used = set(candidates)
        for item in items:
            text = sources.normalised_text(item.values["text"])
            reference, score = by_text.get(text), 100
            if reference in taken:
                reference = None
            if reference is None:
                free = {ref: t for ref, t in candidates.items() if ref not in taken}
                best = process.extractOne(text, free, scorer=fuzz.ratio, score_cutoff=TEXT_MATCH_THRESHOLD)
                if best is not None:
                    score, reference = round(best[1]), best[2]
            if reference is not None:
                taken.add(reference)
                item.values["reference"], item.matched = reference, score
                continue
            session = item.values.get("wg_session")
            number = int(item.values.get("source_ref", "#0").rsplit("#", 1)[-1] or 0)
            reference = f"UPR Info {session}-{number}"
            while reference in used:
                number += 1
                reference = f"UPR Info {session}-{number}"
            used.add(reference)
            item.values["reference"] = reference


def _existing(planned: list[_Planned]) -> dict[tuple, Recommendation]:
    cycles = {item.values["cycle"] for item in planned}
    if not cycles:
        return {}
    return {(r.cycle, r.reference, r.recommending_state): r
            for r in db.session.scalars(select(Recommendation).where(Recommendation.cycle.in_(cycles)))}


def import_recommendations(text: str, actor, now, progress: Progress = None, *,
                           bad_lines: dict[int, str] | None = None,
                           export: formats.ExportRows | None = None,
                           source_kind: str | None = None) -> ImportReport:
    """Import recommendations matched on (cycle, reference, state); nothing is saved if any line is bad.

    An update fills in what the file says and never blanks a field; themes from the file are
    added to those a recommendation has; notes are only written where there are none yet. Each
    row's copy is kept as one of the recommendation's sources; where this file's response or text
    differs from another source's, the better source's value is shown and the disagreement stored
    for review (engage/upr/sources.py).
    """
    report, planned = check_recommendations(text, bad_lines, progress, export=export)
    if report.errors:
        return report
    # What kind of source the file is (SOURCE_KINDS): a reader of UN documents says so with `source_kind`.
    kind = source_kind or sources.kind_of_layout(export.layout if export is not None else "engage")
    existing = _existing(planned)
    themes = theme_index()
    touched = [existing[item.key] for item in planned if item.key in existing]
    held = sources.held_sources(rec.id for rec in touched)
    found: list[sources.Pending] = []
    copies: list[tuple] = []
    history: list[dict] = []  # inserted together at the end: one INSERT per batch rather than per row
    new_items: list[_Planned] = []
    saved = 0
    for item in planned:
        rec = existing.get(item.key)
        if rec is None:
            new_items.append(item)
            continue
        reference = sources.source_reference(kind, item.values)
        copies.append((rec.id, reference, item.values.get("response"), item.values.get("text")))
        _update(actor, now, rec, item, themes, report,
                lambda rec, values: sources.arbitrate(rec, values, kind, reference,
                                                      held.get(rec.id, sources.Held()), found), history)
        saved += 1
        if progress and saved % 500 == 0:
            progress(saved, len(planned), "saved")
    if progress and saved and not new_items:
        progress(saved, len(planned), "saved")
    resolve_themes(dict.fromkeys(n for item in new_items for n in item.themes), themes)
    db.session.flush()
    for start in range(0, len(new_items), SAVE_BATCH):
        batch = new_items[start:start + SAVE_BATCH]
        ids = _insert(batch, actor, now, themes)
        copies.extend((rec_id, sources.source_reference(kind, item.values), item.values.get("response"),
                       item.values.get("text")) for rec_id, item in zip(ids, batch))
        report.created += len(batch)
        saved += len(batch)
        if progress:
            progress(saved, len(planned), "saved")
    db.session.flush()
    for start in range(0, len(history), SAVE_BATCH):
        db.session.execute(insert(ChangeRecord), history[start:start + SAVE_BATCH])
    sources.save_sources(actor, now, kind, copies, found)
    db.session.flush()
    return report


def _insert(batch: list[_Planned], actor, now, themes: dict) -> list[int]:
    """Add new recommendations, their themes and their history in a few statements (large files are common);
    their ids, in the batch's order."""
    rows = [{"response": "pending", "implementation_status": "unknown", **item.values,
             "reference_sort": reference_sort_key(item.values["reference"]), "notes": item.notes,
             "created_at": now, "updated_at": now} for item in batch]
    # The same keys on every row, so the database driver can insert them as one batch.
    columns = set().union(*rows)
    rows = [{c: row.get(c) for c in columns} for row in rows]
    # No RETURNING: SQLite cannot return ids in the rows' order from one multi-row INSERT, so SQLAlchemy
    # would send one INSERT per row. One INSERT for the batch, then one SELECT of the ids by their keys.
    db.session.execute(insert(Recommendation), rows)
    keys = [item.key for item in batch]
    key_columns = (Recommendation.cycle, Recommendation.reference, Recommendation.recommending_state)
    found = {(cycle, reference, state): rec_id for rec_id, cycle, reference, state in db.session.execute(
        select(Recommendation.id, *key_columns).where(tuple_(*key_columns).in_(keys)))}
    ids = [found[key] for key in keys]
    links = [{"recommendation_id": rec_id, "theme_id": themes[name.lower()].id}
             for rec_id, item in zip(ids, batch) for name in item.themes]
    if links:
        db.session.execute(insert(recommendation_theme), links)
    db.session.execute(insert(ChangeRecord), [
        {"entity_type": Recommendation.__tablename__, "entity_id": rec_id, "action": "imported", "changes": {},
         "actor_id": getattr(actor, "id", None), "at": now} for rec_id in ids])
    return ids


def _update(actor, now, rec: Recommendation, item: _Planned, themes: dict, report: ImportReport,
            arbitrate: Callable[[Recommendation, dict], list[str]], history: list[dict]) -> None:
    values = {k: v for k, v in item.values.items() if v is not None and k not in KEY_FIELDS}
    if item.matched is not None:
        # Another source's copy of what is held, found by its text: counted as merged.
        report.merged += 1
        if rec.source_ref:
            values.pop("source_ref", None)
    for message in arbitrate(rec, values):
        report.conflicts.append(ImportProblem(item.line, message))
    changed = diff_fields(rec, values)
    have = {n.lower() for n in rec.theme_names}
    missing = [n for n in item.themes if n.lower() not in have]
    if missing:
        old = rec.theme_names
        rec.themes.extend(resolve_themes(missing, themes))  # appended: a replaced collection is diffed row by row
        changed["themes"] = ["; ".join(old), "; ".join(sorted((t.name for t in rec.themes), key=str.lower))]
    if item.notes and not rec.notes:
        changed["notes"] = [None, item.notes]
        rec.notes = item.notes
    if changed:
        rec.updated_at = now
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
            raise ValidationError.for_fields({"file": "The file is empty."})
        export = ohchr.read_matrix(raw, state_under_review, cycle)
        if export is None:
            export = formats.read_export(raw, state_under_review)
        if export is not None:
            return import_recommendations("", actor, now, progress, export=export)
        text, bad_lines, encoding = decode_csv_lines(raw)
        header = _header(text)
        refuse_other_kind(header, "recommendations")
        missing = (UPR_INFO_REQUIRED if file_format(text) == "upr_info" else MINIMAL_REQUIRED) - header
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
        if sep and head.startswith("Line ") and head[5:].isdigit():
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
