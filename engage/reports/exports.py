"""Exports: the filtered engagement log and the coverage matrix as CSV and XLSX, in chunks.

CSV is written row by row into chunks. XLSX goes through openpyxl's write-only workbook, which
keeps written rows in a temporary file rather than in memory; the finished file is then read
back in chunks and deleted. Neither path holds the whole log in memory. Views make the whole file
with engage.downloads before sending it (and before auditing it).
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from engage.countries import country_name
from engage.outcomes.log import LOG_EXPORT_COLUMNS, LogFilters, log_export_rows

from .queries import Coverage

ROWS_PER_CHUNK = 200
FILE_CHUNK = 64 * 1024
PLAIN_NUMBER = re.compile(r"^[+-]?[\d .()-]+$")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters XML 1.0 cannot hold; openpyxl refuses them, so they are dropped from cells.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _safe_text(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV/formula injection)."""
    text = str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not PLAIN_NUMBER.match(text)):
        return "'" + text
    return text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)
    return _safe_text(value)


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text (a BOM for Excel, the header, then rows) in chunks of a few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(v) for v in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones: written as UTC, the header says so
    if isinstance(value, (bool, int, float, date)):
        return value
    return _safe_text(ILLEGAL_XML.sub("", str(value)))


def xlsx_chunks(sheets: Iterable[tuple[str, Iterable[str], Iterable[Iterable]]]) -> Iterator[bytes]:
    """An .xlsx workbook with one sheet per (title, header, rows), as bytes in chunks.

    Rows are consumed one at a time by the write-only workbook (kept on disk, not in memory);
    the file is streamed after it is complete and removed at the end.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    try:
        for title, header, rows in sheets:
            sheet = workbook.create_sheet(title=title[:31])
            cells = []
            for name in header:
                cell = WriteOnlyCell(sheet, value=name)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
            sheet.freeze_panes = "A2"
            for row in rows:
                sheet.append([_xlsx_value(v) for v in row])
    except BaseException:
        _discard(workbook)
        raise
    handle, path = tempfile.mkstemp(prefix="engage-export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(path)
        with open(path, "rb") as stream:
            while chunk := stream.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _discard(workbook) -> None:
    # A workbook whose rows failed half-way: close openpyxl's row writers and remove their temporary
    # files now (openpyxl itself removes them only when the process exits).
    for sheet in workbook.worksheets:
        rows, writer = getattr(sheet, "_rows", None), getattr(sheet, "_writer", None)
        if rows is not None:
            rows.close()
        if writer is not None:
            writer.close()
            with suppress(OSError, ValueError):
                writer.cleanup()


# ---- what is exported ----

def log_csv(f: LogFilters, actor=None) -> Iterator[str]:
    """The filtered engagement log as CSV chunks."""
    return csv_chunks(LOG_EXPORT_COLUMNS, log_export_rows(f, actor))


def log_xlsx(f: LogFilters, actor=None) -> Iterator[bytes]:
    """The filtered engagement log as an .xlsx in chunks (one sheet, "Engagement log")."""
    header = [c if c != "logged_at" else "logged_at (UTC)" for c in LOG_EXPORT_COLUMNS]
    return xlsx_chunks([("Engagement log", header, log_export_rows(f, actor))])


def coverage_header(cov: Coverage) -> list[str]:
    """The matrix's column names: a state's, then four per theme (or one row per recommendation)."""
    if cov.by == "recommendation":
        return ["recommending_state", "state_name", "recommendation", "status", "outcomes_discussed",
                "commitments", "state_met_this_cycle"]
    header = ["recommending_state", "state_name", "state_met_this_cycle"]
    for _key, label in cov.columns:
        header += [f"{label}: status", f"{label}: recommendations", f"{label}: outcomes discussed",
                   f"{label}: commitments"]
    return header


def coverage_rows(cov: Coverage) -> Iterator[list]:
    """The matrix's rows, in the order of coverage_header()."""
    for row in cov.rows:
        if cov.by == "recommendation":
            cell = row.cells["all"]
            reference = row.recommendation.reference if row.recommendation is not None else row.label
            yield [row.state, country_name(row.state), reference, cell.label, cell.discussed, cell.commitments,
                   row.met]
            continue
        out = [row.state, row.label, row.met]
        for key, _label in cov.columns:
            cell = row.cells.get(key)
            out += [cell.label, cell.recommendations, cell.discussed, cell.commitments] if cell else \
                ["no recommendations", 0, 0, 0]
        yield out


def coverage_csv(cov: Coverage) -> Iterator[str]:
    """The coverage matrix as CSV chunks: a row per state (or recommendation), four columns per theme."""
    return csv_chunks(coverage_header(cov), coverage_rows(cov))


def coverage_xlsx(cov: Coverage) -> Iterator[bytes]:
    """The coverage matrix as .xlsx chunks, with a second sheet of the states nobody has met."""
    unmet = ([r.state, country_name(r.state)] for r in cov.unmet_states)
    return xlsx_chunks([("Coverage", coverage_header(cov), coverage_rows(cov)),
                        ("Not met this cycle", ["recommending_state", "state_name"], unmet)])


def export_filename(kind: str, now: datetime, extension: str) -> str:
    """engage-engagement-log-20261128-0900.xlsx: what and when, safe in every file system."""
    return f"engage-{kind}-{now:%Y%m%d-%H%M}.{extension}"
