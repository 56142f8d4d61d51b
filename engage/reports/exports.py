"""Exports: the filtered engagement log, the coverage matrix and the uptake report as CSV and XLSX, in chunks.

Cells are written by engage.spreadsheets (no formulas, no control characters), in chunks; views make
the whole file with engage.downloads before sending it (and before auditing it).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from engage.countries import country_name
from engage.i18n import N_
from engage.outcomes.log import LogFilters, log_export_columns, log_export_rows
from engage.spreadsheets import csv_chunks, xlsx_chunks

from .queries import Coverage
from .uptake import UptakeReport


def log_csv(f: LogFilters, actor=None) -> Iterator[str]:
    """The filtered engagement log as CSV chunks."""
    return csv_chunks(log_export_columns(), log_export_rows(f, actor), bom=True)


def log_xlsx(f: LogFilters, actor=None) -> Iterator[bytes]:
    """The filtered engagement log as an .xlsx in chunks (one sheet, "Engagement log")."""
    header = [c if c != "logged_at" else "logged_at (UTC)" for c in log_export_columns()]
    return xlsx_chunks([("Engagement log", header, log_export_rows(f, actor))])


FOLLOW_UP_COLUMNS = ["follow_up_id", "description", "owner", "due_on", "status", "outcome_id", "meeting_id",
                     "meeting_date", "meeting_title", "organisation"]


def follow_up_columns(members: dict | None) -> list[str]:
    """The follow-ups export's columns; with `members` (a coalition), `member` last: whose action it is."""
    return FOLLOW_UP_COLUMNS + (["member"] if members is not None else [])


def follow_up_rows(follow_ups, members: dict | None) -> Iterator[list]:
    """The follow-ups (with their outcome and meeting loaded) in the order of follow_up_columns()."""
    for f in follow_ups:
        outcome, meeting = f.outcome, f.outcome.meeting
        yield [f.id, f.description, f.owner.email if f.owner is not None else None, f.due_on, f.status,
               outcome.id, meeting.id, meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).date(), meeting.title,
               outcome.organisation.name if outcome.organisation is not None else None] \
            + ([members.get(f.member_id, "")] if members is not None else [])


def follow_ups_csv(follow_ups, members: dict | None) -> Iterator[str]:
    """Follow-up actions as CSV chunks."""
    return csv_chunks(follow_up_columns(members), follow_up_rows(follow_ups, members), bom=True)


def follow_ups_xlsx(follow_ups, members: dict | None) -> Iterator[bytes]:
    """Follow-up actions as .xlsx chunks (one sheet, "Follow-up actions")."""
    return xlsx_chunks([("Follow-up actions", follow_up_columns(members), follow_up_rows(follow_ups, members), 1)])


def coverage_header(cov: Coverage) -> list[str]:
    """The matrix's column names: a state's, then four per theme (or one row per recommendation)."""
    # In a coalition, last: the member organisations whose meetings engaged the state.
    member = ["member"] if cov.met_by is not None else []
    if cov.by == "recommendation":
        return ["recommending_state", "state_name", "recommendation", "status", "outcomes_discussed",
                "commitments", "state_met_this_cycle", *member]
    header = ["recommending_state", "state_name", "state_met_this_cycle"]
    for _key, label in cov.columns:
        header += [f"{label}: status", f"{label}: recommendations", f"{label}: outcomes discussed",
                   f"{label}: commitments"]
    return header + member


def coverage_rows(cov: Coverage) -> Iterator[list]:
    """The matrix's rows, in the order of coverage_header()."""
    for row in cov.rows:
        member = ["; ".join(cov.met_by.get(row.state, []))] if cov.met_by is not None else []
        if cov.by == "recommendation":
            cell = row.cells["all"]
            reference = row.recommendation.full_reference if row.recommendation is not None else row.label
            yield [row.state, country_name(row.state), reference, cell.label, cell.discussed, cell.commitments,
                   row.met, *member]
            continue
        out = [row.state, row.label, row.met]
        for key, _label in cov.columns:
            cell = row.cells.get(key)
            out += [cell.label, cell.recommendations, cell.discussed, cell.commitments] if cell else \
                ["no recommendations", 0, 0, 0]
        yield out + member


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


# ---- the uptake report: a sheet (or a CSV file) per part ----

# The parts' names are the workbook's sheet names (English); the page's links translate them.
UPTAKE_PARTS = {"asks": N_("Per ask"), "states": N_("Per state"), "themes": N_("By theme")}
UPTAKE_HEADERS = {
    "asks": ["ask_id", "cycle", "ask", "priority", "themes", "states_pitched", "positions", "states_taken_up",
             "recommendations", "pitched", "taken_up", "taken_up_after_meeting"],
    "states": ["state", "state_name", "asks_pitched", "asks_taken_up", "taken_up_after_meeting",
               "pitched_not_taken_up"],
    "themes": ["theme", "asks", "asks_taken_up", "asks_taken_up_after_meeting", "pitched_taken_up",
               "taken_up_without_meeting", "pitched_not_taken_up"],
}


def uptake_header(report: UptakeReport, part: str) -> list[str]:
    """A part's column names; in a coalition the asks and states parts end with `pitched_by`: whose meetings
    pitched each state (and when first), or how many asks each member pitched to the state."""
    header = UPTAKE_HEADERS[part]
    return header + ["pitched_by"] if report.coalition and part in ("asks", "states") else header


def _uptake_asks(report: UptakeReport) -> Iterator[list]:
    for item in report.asks:
        ask = item.ask
        by = ["; ".join(f"{p.name}: " + ", ".join(f"{b.member} {b.first_met_on.isoformat()}" for b in p.pitched_by)
                        for p in item.pitched)] if report.coalition else []
        yield [ask.id, ask.cycle, ask.text, ask.priority, "; ".join(ask.theme_names),
               "; ".join(p.name for p in item.pitched),
               "; ".join(f"{p.name}: {p.position_label}" for p in item.pitched if p.position),
               "; ".join(f"{t.name} ({t.verdict_label.lower()})" for t in item.taken_up),
               "; ".join(f"{r.reference} ({', '.join(r.state_names)}): {r.verdict_label}, {r.response_label}"
                         for r in item.recommendations),
               len(item.pitched), len(item.taken_up), sum(t.after_meeting for t in item.taken_up), *by]


def _uptake_states(report: UptakeReport) -> Iterator[list]:
    for s in report.states:
        by = ["; ".join(f"{member} ({n})" for (_id, member), n in sorted(s.pitched_by.items(), key=lambda kv: kv[0][1]))]\
            if report.coalition else []
        yield [s.state, s.name, s.pitched, s.taken_up, s.after_meeting, s.pitched_not_taken_up, *by]


def _uptake_themes(report: UptakeReport) -> Iterator[list]:
    for t in [*report.themes, report.totals]:
        yield [t.name, t.asks, t.asks_taken_up, t.asks_taken_up_after_meeting, *t.pairs.values()]


_UPTAKE_ROWS = {"asks": _uptake_asks, "states": _uptake_states, "themes": _uptake_themes}
_UPTAKE_FROZEN = {"asks": 1, "states": 2, "themes": 1}  # what names a row stays in view


def uptake_csv(report: UptakeReport, part: str) -> Iterator[str]:
    """One part of the uptake report (asks, states or themes) as CSV chunks."""
    return csv_chunks(uptake_header(report, part), _UPTAKE_ROWS[part](report), bom=True)


def uptake_xlsx(report: UptakeReport) -> Iterator[bytes]:
    """The uptake report as .xlsx chunks: a sheet per ask, per state and by theme (the last row: all asks)."""
    return xlsx_chunks([(UPTAKE_PARTS[part], uptake_header(report, part), _UPTAKE_ROWS[part](report),
                         _UPTAKE_FROZEN[part])
                        for part in UPTAKE_PARTS])


def export_filename(kind: str, now: datetime, extension: str) -> str:
    """engage-engagement-log-20261128-0900.xlsx: what and when, safe in every file system."""
    return f"engage-{kind}-{now:%Y%m%d-%H%M}.{extension}"


SDG_COLUMNS = ["goal", "name", "recommendations", "supported", "noted", "pending"]


def sdg_csv(rows) -> Iterator[str]:
    """The recommendations by Sustainable Development Goal (recommendations.queries.recommendations_by_sdg) as CSV."""
    return csv_chunks(SDG_COLUMNS, ([r.goal or "", r.name, r.total, r.responses["supported"], r.responses["noted"],
                                     r.responses["pending"]] for r in rows), bom=True)
