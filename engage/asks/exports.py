"""CSV and XLSX exports of the asks list: the columns the import reads, and more."""
from __future__ import annotations

from engage.extensions import db
from engage.spreadsheets import csv_chunks, xlsx_chunks

ASK_COLUMNS = ["id", "cycle", "priority", "text", "source", "themes", "target_states", "target_state_names",
               "recommendation_ids", "recommendations", "owner_email", "updated_at"]


def _rows(query):
    for ask in db.session.scalars(query):
        yield [ask.id, ask.cycle, ask.priority, ask.text, ask.source, "; ".join(ask.theme_names),
               "; ".join(ask.target_states), "; ".join(ask.target_names),
               "; ".join(str(r.id) for r in ask.recommendations),
               "; ".join(f"{r.reference} ({r.state_name}, cycle {r.cycle})" for r in ask.recommendations),
               ask.owner.email if ask.owner else "", ask.updated_at]


def asks_csv(query):
    """The asks of a select() as CSV chunks (a BOM, so Excel reads it as UTF-8)."""
    return csv_chunks(ASK_COLUMNS, (row[:-1] + [row[-1].isoformat()] for row in _rows(query)), bom=True)


def asks_xlsx(query):
    """The asks of a select() as one XLSX sheet, in chunks (times in UTC, as the header says)."""
    header = ASK_COLUMNS[:-1] + ["updated_at (UTC)"]
    return xlsx_chunks([("Asks", header, _rows(query), 1)])
