"""CSV and XLSX exports of the asks list (the columns the import reads, and more) and of the matches staff
confirmed."""
from __future__ import annotations

from engage.extensions import db
from engage.spreadsheets import csv_chunks, xlsx_chunks

ASK_COLUMNS = ["id", "cycle", "priority", "text", "source", "themes", "target_states", "target_state_names",
               "recommendation_ids", "recommendations", "owner_email", "taken_up_by", "updated_at"]


def _rows(query):
    for ask in db.session.scalars(query):
        yield [ask.id, ask.cycle, ask.priority, ask.text, ask.source, "; ".join(ask.theme_names),
               "; ".join(ask.target_states), "; ".join(ask.target_names),
               "; ".join(str(r.id) for r in ask.recommendations),
               "; ".join(f"{r.reference} ({r.state_name}, cycle {r.cycle})" for r in ask.recommendations),
               ask.owner.email if ask.owner else "",
               # The recommendations confirmed as taking it up (the matches export has each in full).
               "; ".join(f"{m.recommendation.label}: {m.verdict_label}" for m in ask.matches if m.taken_up),
               ask.updated_at]


def asks_csv(query):
    """The asks of a select() as CSV chunks (a BOM, so Excel reads it as UTF-8)."""
    return csv_chunks(ASK_COLUMNS, (row[:-1] + [row[-1].isoformat()] for row in _rows(query)), bom=True)


def asks_xlsx(query):
    """The asks of a select() as one XLSX sheet, in chunks (times in UTC, as the header says)."""
    header = ASK_COLUMNS[:-1] + ["updated_at (UTC)"]
    return xlsx_chunks([("Asks", header, _rows(query), 1)])



MATCH_COLUMNS = ["cycle", "ask_id", "ask", "verdict", "recommendation_reference", "recommendation",
                 "recommending_states", "response", "decided_by", "decided_at", "score", "note"]
DECIDED_AT = MATCH_COLUMNS.index("decided_at")


def _match_rows(query):
    for match in db.session.scalars(query):
        ask, rec = match.ask, match.recommendation
        yield [ask.cycle, ask.id, ask.text, match.verdict_label, rec.full_reference, rec.text, "; ".join(rec.state_names),
               rec.response_label, match.decided_by.display_name if match.decided_by else "", match.decided_at,
               match.score, match.note or ""]


def matches_csv(query):
    """The matches of a select() of AskMatch as CSV chunks (a BOM, so Excel reads it as UTF-8)."""
    rows = ([*r[:DECIDED_AT], r[DECIDED_AT].isoformat(), *r[DECIDED_AT + 1:]] for r in _match_rows(query))
    return csv_chunks(MATCH_COLUMNS, rows, bom=True)


def matches_xlsx(query):
    """The matches of a select() of AskMatch as one XLSX sheet, in chunks (times in UTC, as the header says)."""
    header = [c if c != "decided_at" else "decided_at (UTC)" for c in MATCH_COLUMNS]
    return xlsx_chunks([("Matches", header, _match_rows(query), 1)])
