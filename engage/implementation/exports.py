"""CSV and XLSX of the implementation matrix: each recommendation with its status as the reader sees
it, who is responsible, and when it was last assessed."""
from __future__ import annotations

from engage.spreadsheets import csv_chunks, xlsx_chunks

MATRIX_COLUMNS = ["recommendation_id", "cycle", "reference", "recommending_states", "text", "response", "status",
                  "status_label", "last_assessed_on", "lead", "supporting"]


def _rows(rows):
    for row in rows:
        yield [row.id, row.cycle, row.reference, row.state_names, row.text, row.response, row.status or "",
               row.status_label, row.assessed_on.isoformat() if row.assessed_on else "",
               "; ".join(row.lead_names), "; ".join(row.supporting_names)]


def matrix_csv(rows):
    """The matrix's rows (queries.matrix) as CSV chunks (a BOM, so Excel reads it as UTF-8)."""
    return csv_chunks(MATRIX_COLUMNS, _rows(rows), bom=True)


def matrix_xlsx(rows):
    """The matrix's rows as one XLSX sheet, in chunks."""
    return xlsx_chunks([("Implementation", MATRIX_COLUMNS, _rows(rows), 1)])
