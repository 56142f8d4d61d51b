"""Coverage and the dashboard aggregate the cycle's outcomes from indexes, never from the rows.

At 100,000 outcomes a reader's aggregate that reads each outcome's row (for its sensitivity, say)
or builds a list from every outcome costs hundreds of milliseconds (bench/bench_outcomes.py); the
same query read from an index costs a fraction. Speed is measured in bench/, not here: this checks
the plans SQLite chooses (EXPLAIN QUERY PLAN) for what a reader without grants asks, so a new
column in a visibility rule or a filter without its index shows up as a failing test.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from engage.extensions import db

# The tables whose rows are many; each step over them must use an index that answers the query.
BIG = ("outcome", "meeting", "contact", "attendee")
# Reads rows but only those of outcomes that recorded a commitment (a partial index), a few per cent.
PARTIAL = "ix_outcome_meeting_commitment"


def _plans(app, client, url):
    statements = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            if statement.lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                yield statement, [row[3] for row in cursor.fetchall()]
    finally:
        raw.close()


def _row_reads(steps):
    """The plan steps that read rows of a big table: a full scan, or a search through an index that
    does not hold every column the query asks (rowid lookups of single rows are fine)."""
    out = []
    for step in steps:
        match = re.match(r"(SCAN|SEARCH) (\w+)", step)
        if not match or match.group(2) not in BIG:
            continue
        if "COVERING INDEX" in step or "INTEGER PRIMARY KEY" in step or PARTIAL in step:
            continue
        out.append(step)
    return out


@pytest.mark.parametrize("url", ["/reports/", "/reports/coverage"])
def test_coverage_and_the_dashboard_read_the_cycles_outcomes_from_indexes(backend, app, world, lead_client, frozen,
                                                                            url):
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL chooses by its statistics")
    db.session.execute(db.text("ANALYZE"))  # as after the bulk load the benchmark measures
    db.session.commit()
    reading = {statement.split("FROM")[0][:120]: _row_reads(steps)
               for statement, steps in _plans(app, lead_client, url) if _row_reads(steps)}
    assert reading == {}
