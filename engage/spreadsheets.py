"""The one way every CSV and XLSX export writes its cells: no formulas, no control characters.

A cell starting with =, +, -, @ (or a tab or carriage return, which some spreadsheets skip before
looking for one) is run as a formula when the file is opened (CSV/formula injection), so it is
written behind an apostrophe. Control characters (stored before the schemas refused them) are
dropped: XML 1.0, and so XLSX, cannot hold them, and in CSV they only confuse the reader.

CSV is written row by row into chunks; XLSX goes through openpyxl's write-only workbook, which keeps
written rows in a temporary file rather than in memory; the finished file is read back in chunks and
deleted. Neither path holds a whole export in memory.
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
from openpyxl.utils import get_column_letter

ROWS_PER_CHUNK = 200
FILE_CHUNK = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number such as +254722000000 or -20 is no formula a spreadsheet could abuse, and must
# survive a round trip through the importers unchanged.
PLAIN_NUMBER = re.compile(r"^[+-]?[\d .()-]+$")
# C0 controls but tab, line feed and carriage return (which cells may hold), DEL, and lone
# surrogates (no file encoding can write them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value) -> str:
    """Text for a cell: control characters dropped, and a would-be formula defused with an apostrophe."""
    text = CONTROL.sub("", str(value))
    if text[:1] in FORMULA_STARTS and not (text[:1] in "+-" and PLAIN_NUMBER.match(text)):
        return "'" + text
    return text


def csv_cell(value) -> str:
    """A value as a CSV cell: empty for None, yes/no, ISO dates (UTC with Z), numbers as they are, safe text."""
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
    return safe_text(value)


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable], *, bom: bool = False) -> Iterator[str]:
    """CSV text (optionally a BOM for Excel, the header, then the rows) in chunks of a few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([safe_text(name) for name in header])
    for count, row in enumerate(rows, 1):
        writer.writerow([csv_cell(v) for v in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(header: Iterable[str], rows: Iterable[Iterable], *, bom: bool = False) -> str:
    """The whole CSV text of csv_chunks(), for exports small enough to make at once."""
    return "".join(csv_chunks(header, rows, bom=bom))


def xlsx_value(value):
    """A value as an XLSX cell: numbers, booleans and dates as themselves (datetimes as naive UTC), safe text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones: written as UTC, the header says so
    if isinstance(value, (bool, int, float, date)):
        return value
    return safe_text(value)


def xlsx_chunks(sheets: Iterable[tuple]) -> Iterator[bytes]:
    """An .xlsx workbook with one sheet per (title, header, rows[, frozen columns]), as bytes in chunks.

    Every sheet keeps its header row in view and offers a filter on each column; the optional
    fourth item keeps that many leading columns (a row's name) in view too. Rows are consumed one
    at a time by the write-only workbook (kept on disk, not in memory); the file is streamed after
    it is complete and removed at the end.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    try:
        for title, header, rows, *frozen in sheets:
            sheet = workbook.create_sheet(title=title[:31])
            # Before the first row: a write-only sheet writes its view (the panes) with that row, and
            # a freeze set later is silently lost (it was, until exports were read back for it).
            sheet.freeze_panes = f"{get_column_letter((frozen[0] if frozen else 0) + 1)}2"
            cells = []
            for name in header:
                cell = WriteOnlyCell(sheet, value=safe_text(name))
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
            count = 1
            for row in rows:
                sheet.append([xlsx_value(v) for v in row])
                count += 1
            if cells:
                # Written after the rows (the write-only sheet puts filters after its data): the range
                # must cover every row for the filter to sort and hide them all.
                sheet.auto_filter.ref = f"A1:{get_column_letter(len(cells))}{count}"
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
