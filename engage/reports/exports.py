"""Exports: the filtered engagement log and the coverage matrix as CSV and XLSX, in chunks.

Cells are written by engage.spreadsheets (no formulas, no control characters), in chunks; views make
the whole file with engage.downloads before sending it (and before auditing it).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from engage.countries import country_name
from engage.outcomes.log import LOG_EXPORT_COLUMNS, LogFilters, log_export_rows
from engage.spreadsheets import csv_chunks, xlsx_chunks

from .queries import Coverage



def log_csv(f: LogFilters, actor=None) -> Iterator[str]:
    """The filtered engagement log as CSV chunks."""
    return csv_chunks(LOG_EXPORT_COLUMNS, log_export_rows(f, actor), bom=True)


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
            reference = row.recommendation.full_reference if row.recommendation is not None else row.label
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
    return csv_chunks(coverage_header(cov), coverage_rows(cov), bom=True)


def coverage_xlsx(cov: Coverage) -> Iterator[bytes]:
    """The coverage matrix as .xlsx chunks (frozen header and state, filters), and a sheet of the states nobody has met."""
    unmet = ([r.state, country_name(r.state)] for r in cov.unmet_states)
    # The state code and name (and the recommendation, a row per recommendation) stay in view.
    frozen = 3 if cov.by == "recommendation" else 2
    return xlsx_chunks([("Coverage", coverage_header(cov), coverage_rows(cov), frozen),
                        ("Not met this cycle", ["recommending_state", "state_name"], unmet)])


def export_filename(kind: str, now: datetime, extension: str) -> str:
    """engage-engagement-log-20261128-0900.xlsx: what and when, safe in every file system."""
    return f"engage-{kind}-{now:%Y%m%d-%H%M}.{extension}"
