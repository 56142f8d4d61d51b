"""What the access guard costs per query: `select(Meeting).limit(50)` run N times inside one request for
a staff member (with two grants and a group), under

- no guard at all (the floor);
- the previous guard, re-created here as it was: every SELECT got `with_loader_criteria` for contacts,
  meetings and outcomes, each rebuilt per query with subqueries of the grants tables;
- today's guard as a safety net: the same unmarked statement, filtered from the actor's visibility
  loaded once per request (and a warning logged once, silenced here);
- today's explicit way: `select_visible(actor, Meeting)`, which the guard passes untouched.

    .venv/bin/python bench/visibility.py                 # SQLite file database, 2,000 queries each
    .venv/bin/python bench/visibility.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench
    .venv/bin/python bench/visibility.py --write         # also update bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import database_label, drop_database, ensure_database, machine, write_section  # noqa: E402
from sqlalchemy import and_, event, or_, select  # noqa: E402
from sqlalchemy.orm import Session, with_loader_criteria  # noqa: E402

from engage import create_app  # noqa: E402
from engage.access import guard, services as access  # noqa: E402
from engage.access.models import AccessGrant, AccessGroup, access_group_member  # noqa: E402
from engage.auth.models import User  # noqa: E402
from engage.directory.models import Contact  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.meetings.models import Meeting  # noqa: E402
from engage.outcomes.models import Outcome  # noqa: E402

SECTION = "## Access guard: cost per query (`bench/visibility.py`)"
WHEN = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


# ---- the previous guard, as it was (for the comparison only) ----

def _old_granted_ids(uid, record_type):
    groups = select(access_group_member.c.group_id).where(access_group_member.c.user_id == uid)
    return select(AccessGrant.record_id).where(
        AccessGrant.record_type == record_type,
        or_(AccessGrant.user_id == uid, AccessGrant.group_id.in_(groups)))


def _old_visible(actor, model):
    uid = actor.id
    kind = model.__tablename__
    own = or_(model.sensitivity != "restricted", model.id.in_(_old_granted_ids(uid, kind)))
    if model is not Outcome:
        return own
    table = Meeting.__table__
    meetings = select(table.c.id).where(table.c.sensitivity == "restricted",
                                        table.c.id.not_in(_old_granted_ids(uid, "meeting")))
    return and_(own, model.meeting_id.not_in(meetings))


def _old_add_criteria(state):
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    actor = guard.current_actor()
    state.statement = state.statement.options(*(
        with_loader_criteria(model, _old_visible(actor, model), include_aliases=True)
        for model in (Contact, Meeting, Outcome)))


# ---- the world ----

def seed(meetings: int) -> User:
    from engage.auth import services as auth

    staff = auth.create_user(None, WHEN, "bench-staff@example.org", "Bench Staff", "staff", "a long bench password")
    organiser = auth.create_user(None, WHEN, "bench-organiser@example.org", "Bench Organiser", "staff",
                                 "a long bench password")
    db.session.flush()
    rows = []
    for n in range(meetings):
        start = WHEN + timedelta(hours=n)
        rows.append(Meeting(title=f"Meeting {n}", starts_at=start, ends_at=start + timedelta(hours=1),
                            timezone="Africa/Nairobi", organiser_id=organiser.id, status="scheduled",
                            sensitivity="restricted" if n % 10 == 0 else "internal", uid=f"bench-{n}@engage",
                            created_at=WHEN, updated_at=WHEN))
    db.session.add_all(rows)
    db.session.flush()
    group = AccessGroup(name="Bench group", created_at=WHEN)
    db.session.add(group)
    group.members.append(staff)
    db.session.flush()
    db.session.add_all([AccessGrant(record_type="meeting", record_id=rows[0].id, user_id=staff.id, granted_at=WHEN),
                        AccessGrant(record_type="meeting", record_id=rows[10].id, group_id=group.id,
                                    granted_at=WHEN)])
    db.session.commit()
    return staff


def _round(app, actor, statement_for, n: int) -> tuple[float, float, int]:
    """One round of n queries in one request: (wall µs per query, CPU µs per query, rows)."""
    with app.test_request_context("/meetings/"):
        guard.act_as(actor)
        db.session.execute(statement_for()).scalars().all()  # warm: visibility, statement cache
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            rows = len(db.session.execute(statement_for()).scalars().all())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.session.rollback()
    return wall / n * 1e6, cpu / n * 1e6, rows


def run(url: str, n: int, meetings: int, rounds: int) -> dict:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ENGAGE_INSTANCE_DIR=tempfile.mkdtemp())
    with app.app_context():
        db.drop_all()
        db.create_all()
        staff = seed(meetings)
        logging.getLogger("engage.access").setLevel(logging.ERROR)  # the safety net's warning, once per request
        plain = lambda: select(Meeting).limit(50)  # noqa: E731
        marked = lambda: access.select_visible(staff, Meeting).limit(50)  # noqa: E731
        configs = {
            "no guard": ([], plain),
            "previous guard (criteria rebuilt per query, grants in subqueries)": ([_old_add_criteria], plain),
            "safety net (unmarked statement, visibility loaded once per request)": ([guard._add_criteria], plain),
            "explicit: select_visible(actor, Meeting)": ([guard._add_criteria], marked),
        }
        event.remove(Session, "do_orm_execute", guard._add_criteria)
        samples = {name: [] for name in configs}
        for _ in range(rounds):  # interleaved, so that load from other processes falls on every configuration
            for name, (hooks, statement_for) in configs.items():
                for hook in hooks:
                    event.listen(Session, "do_orm_execute", hook)
                try:
                    samples[name].append(_round(app, staff, statement_for, n))
                finally:
                    for hook in hooks:
                        event.remove(Session, "do_orm_execute", hook)
        event.listen(Session, "do_orm_execute", guard._add_criteria)
        db.session.remove()
        db.drop_all()
    return {name: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs), runs[-1][2])
            for name, runs in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", action="append")
    parser.add_argument("-n", type=int, default=500, help="queries per round")
    parser.add_argument("--rounds", type=int, default=9, help="rounds per configuration (median)")
    parser.add_argument("--meetings", type=int, default=300)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    urls = args.database_url or [f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"]
    lines = []
    for url in urls:
        ensure_database(url)
        try:
            results = run(url, args.n, args.meetings, args.rounds)
        finally:
            drop_database(url)
        label = database_label(url)
        print(f"{label}: {args.n} × select(Meeting).limit(50), {args.meetings} meetings (1 in 10 restricted)")
        for name, (wall, cpu, rows) in results.items():
            print(f"  {wall:8.0f} µs/query wall {cpu:8.0f} µs CPU  {rows} rows  {name}")
        lines.append((label, results))
    if args.write:
        load = os.getloadavg()
        table = ["| database | guard | µs per query (wall) | µs per query (CPU of this process) | CPU over no guard | rows |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for label, results in lines:
            floor = results["no guard"][1]
            for name, (wall, cpu, rows) in results.items():
                table.append(f"| {label} | {name} | {wall:.0f} | {cpu:.0f} | {cpu - floor:+.0f} | {rows} |")
        write_section(SECTION, "\n".join([
            SECTION, "",
            f"`select(Meeting).limit(50)` executed {args.n} times per round inside one request for a staff member with "
            f"a direct grant and a group grant, {args.meetings} meetings of which 1 in 10 restricted; the median "
            f"of {args.rounds} interleaved rounds. {machine()}; load average {load[0]:.1f} from other helpers' test runs on the same "
            "machine, so absolute figures are noisy — compare rows of one run.", "",
            *table, "",
            "Most of each query is building 50 Meeting objects; the guard's share is the last column. The "
            "previous guard rebuilt three criteria with grants subqueries for every SELECT, and the database ran "
            "those subqueries each time; now the actor's grants are read once per request and the criterion is "
            "a list of ids. Statements a service marks as filtered pass the guard untouched.", ""]))


if __name__ == "__main__":
    main()
