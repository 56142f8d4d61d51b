"""Benchmark: the implementation matrix of 1,000 recommendations with 5,000 assessments (issue 19).

    .venv/bin/python bench/implementation.py [--runs 40]

Builds a SQLite file: 1,000 recommendations (cycles 1–4, one to three states, a theme each), 40
ministries and agencies with one to three responsibilities per recommendation, 5,000 assessments
(one in ten restricted, one in five from a meeting, some of those meetings restricted), then, in
process, signs a lead in and requests `/implementation/` (every row) `--runs` times, and once more
with filters (a ministry; a status and a theme). Prints the median and p95, and the SQL statements
of each request, the same at 100 recommendations for comparison; writes its section of
bench/RESULTS.md. Goal: p95 under 300 ms with a constant number of statements.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select  # noqa: E402

from bench._common import machine, write_section  # noqa: E402
from engage import create_app  # noqa: E402
from engage.clock import now_utc  # noqa: E402
from engage.extensions import db  # noqa: E402

GOAL_MS = 300
TITLE = "## Implementation matrix: 1,000 recommendations, 5,000 assessments (`bench/implementation.py`)"
PASSWORD = "bench password 2027"


def seed(recommendations: int, assessments: int) -> dict:
    """The rows above, written with a few batched INSERTs; returns a ministry's id and a theme's id."""
    from engage.auth.services import create_user
    from engage.directory.models import Organisation
    from engage.implementation.models import Assessment, Responsibility
    from engage.meetings.models import Meeting
    from engage.recommendations.models import (Recommendation, RecommendationState, Theme, recommendation_theme,
                                               reference_sort_key)

    rnd = random.Random(19)
    now = now_utc()
    lead = create_user(None, now, "bench-lead@example.org", "Bench Lead", "lead", PASSWORD)
    db.session.flush()
    themes = [Theme(name=f"Theme {i}", curated=True) for i in range(12)]
    db.session.add_all(themes)
    db.session.execute(insert(Organisation), [
        {"name": f"Ministry {i}", "kind": "ministry" if i % 4 else "other", "country": "KE", "city": "Nairobi",
         "is_archived": False, "created_at": now, "updated_at": now} for i in range(40)])
    db.session.flush()
    orgs = list(db.session.scalars(select(Organisation.id)))
    from engage.members.services import secretariat_id
    member_id = secretariat_id()
    meetings = []
    for i in range(200):
        starts = now - timedelta(days=5 * i + 1)
        meetings.append({"title": f"Review meeting {i}", "starts_at": starts, "ends_at": starts + timedelta(hours=1),
                         "timezone": "Africa/Nairobi", "status": "held", "organiser_id": lead.id,
                         "sensitivity": "restricted" if i % 10 == 0 else "internal", "uid": f"bench-{i}@engage",
                         "sequence": 0, "location_kind": "in_person", "reminder_offsets": [], "tags": [], "held_at": starts,
                         "created_by_id": lead.id, "created_at": now, "updated_at": now, "member_id": member_id})
    db.session.execute(insert(Meeting), meetings)
    meeting_ids = list(db.session.scalars(select(Meeting.id)))
    rows = [{"cycle": 1 + i % 4, "reference": f"{100 + i // 10}.{i % 10 + 1}",
             "reference_sort": reference_sort_key(f"{100 + i // 10}.{i % 10 + 1}"), "sub_item": "",
             "recommending_state": "DE", "text": f"Recommendation {i} on the right to health and its budget.",
             "response": rnd.choice(["supported", "noted"]), "created_at": now, "updated_at": now}
            for i in range(recommendations)]
    db.session.execute(insert(Recommendation), rows)
    rec_ids = list(db.session.scalars(select(Recommendation.id)))
    states = ["DE", "FR", "SE", "BR", "NO", "CA"]
    db.session.execute(insert(RecommendationState), [
        {"recommendation_id": r, "state": s, "position": p} for r in rec_ids
        for p, s in enumerate(rnd.sample(states, rnd.randint(1, 3)))])
    db.session.execute(insert(recommendation_theme), [{"recommendation_id": r, "theme_id": themes[r % 12].id}
                                                      for r in rec_ids])
    db.session.execute(insert(Responsibility), [
        {"recommendation_id": r, "organisation_id": o, "role": "lead" if k == 0 else "supporting"}
        for r in rec_ids for k, o in enumerate(rnd.sample(orgs, rnd.randint(1, 3)))])
    statuses = ["not_started", "in_progress", "partially_implemented", "implemented", "regressed", "no_information"]
    start = date(2022, 1, 1)
    db.session.execute(insert(Assessment), [
        {"recommendation_id": rnd.choice(rec_ids), "assessed_on": start + timedelta(days=rnd.randint(0, 1700)),
         "status": rnd.choice(statuses), "evidence": f"Evidence {i}", "source_kind": "meeting" if i % 5 == 0 else "media",
         "meeting_id": rnd.choice(meeting_ids) if i % 5 == 0 else None, "assessed_by_id": lead.id,
         "confidence": "medium", "sensitivity": "restricted" if i % 10 == 0 else "internal",
         "created_at": now, "updated_at": now, "created_by_id": lead.id, "member_id": member_id}
        for i in range(assessments)])
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"lead": lead.id, "ministry": orgs[1], "theme": themes[3].id}


def measure(recommendations: int, assessments: int, runs: int) -> dict:
    """Build a database of that size and time the matrix page."""
    from engage.auth.models import User

    folder = tempfile.mkdtemp(prefix="engage-bench-implementation-")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.sqlite")
    with app.app_context():
        db.create_all()
        ids = seed(recommendations, assessments)
        lead = db.session.get(User, ids["lead"])
        client = app.test_client()
        response = client.post("/login", data={"email": lead.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        figures = {}
        for label, url in (("every row", "/implementation/"),
                           ("one ministry", f"/implementation/?organisation_id={ids['ministry']}"),
                           ("a status and a theme", f"/implementation/?status=implemented&theme={ids['theme']}")):
            client.get(url)  # warm: templates compiled, statements cached
            times = []
            for _ in range(runs if label == "every row" else max(10, runs // 4)):
                statements.clear()
                began = time.perf_counter()
                response = client.get(url)
                body = response.get_data()
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200 and b"matrix" in body
            times.sort()
            figures[label] = {"median": statistics.median(times), "p95": times[max(0, round(len(times) * 0.95) - 1)],
                              "statements": len(statements), "rows": body.count(b"<tr>") - 1}
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    big = measure(1000, 5000, args.runs)
    small = measure(100, 500, max(10, args.runs // 4))
    lines = []
    for label, f in big.items():
        lines.append(f"| {label} | {f['rows']:,} | {f['median']:.0f} ms | {f['p95']:.0f} ms | {f['statements']} "
                     f"| {small[label]['statements']} |")
        print(f"{label}: {f['rows']} rows, median {f['median']:.0f} ms, p95 {f['p95']:.0f} ms, "
              f"{f['statements']} statements (at 100 recommendations: {small[label]['statements']})")
    p95 = big["every row"]["p95"]
    verdict = "under" if p95 < GOAL_MS else "OVER"
    import os
    load = os.getloadavg()[0]
    section = f"""{TITLE}

1,000 recommendations (one to three states, a theme each), 40 ministries and agencies responsible for
one to three each, 5,000 assessments (one in ten restricted, one in five from a meeting, a tenth of
those meetings restricted); a lead (no grants) requests the matrix page in process (Flask's test
client, SQLite file), {args.runs} times for every row, fewer for the filtered views. Statements are every
SQL statement the request sends (session, page, audit), compared with the same set at 100
recommendations and 500 assessments.

| view | rows shown | median | p95 | SQL statements | at 100 recommendations |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(lines)}

({date.today():%-d %b %Y}, {machine()}, load average {load:.1f}.) The p95 of the whole matrix is
{p95:.0f} ms, {verdict} the {GOAL_MS} ms goal. The latest visible assessment per recommendation is one
window function (`row_number() OVER (PARTITION BY recommendation_id ORDER BY assessed_on DESC, id DESC)`)
over the reader's visible assessments, outer-joined to the recommendations: rows are read as columns,
not ORM objects; states and responsibilities are one statement each for all rows.
"""
    write_section(TITLE, section)
    print(f"p95 {p95:.0f} ms ({verdict} {GOAL_MS} ms); written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
