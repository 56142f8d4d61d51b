"""Benchmark: the daily lists under gunicorn, against a bare Flask hello-world under the same gunicorn.

    .venv/bin/python bench/lists.py [--duration 10] [--connections 16] [--threads 2] [--outcomes-bench]

1. Seeds a SQLite file with the small synthetic set (`engage seed --scale small`: 300 meetings, 1,200
   outcomes) and gives every meeting three external attendees (plus its organiser), a lead with an
   API token and a password.
2. Serves engage (production settings) and bench/_hello.py, each with gunicorn, 2 sync workers, on
   127.0.0.1, and loads each with wrk (-t2 -c16 -d10s by default): the bare app, then
   `GET /api/v1/meetings?per_page=50` with the token, the `/meetings/` page and the `/outcomes/`
   engagement log signed in. Prints req/s, p99 and the ratio to the bare app.
3. In-process, counts the SQL statements of each of those requests, and the share of their time the
   access hook (engage/access/guard.py, one with_loader_criteria per ORM query) takes.
4. In-process, builds the team calendar feed of 1,000 meetings (three attendees each) on a second
   database: time and statements, and statements at 100 meetings for comparison.
5. With --outcomes-bench, runs bench/bench_outcomes.py (coverage matrix and dashboard at 10k
   contacts / 20k meetings / 100k outcomes) too; it takes several minutes.

Writes its figures to the "## Lists (bench/lists.py)" section of bench/RESULTS.md.
Needs gunicorn (the `production` extra) and wrk (`apt-get install wrk`).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import event, func, insert, select  # noqa: E402

from bench._common import ROOT, free_port, machine, write_section  # noqa: E402
from engage import create_app  # noqa: E402
from engage.clock import now_utc  # noqa: E402
from engage.extensions import db  # noqa: E402

PASSWORD = "bench password 2027"
LEAD = "bench-lead@example.org"
GOALS = {"api": 0.10, "page": 0.08, "outcomes": 0.08}
STATEMENT_GOAL = 12
FEED_GOAL_MS = 200


# ---- data ----

def _app(db_url: str, data_key: str):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=db_url, ENGAGE_DATA_KEY=data_key)


def seed_server_db(db_url: str, data_key: str) -> dict:
    """The small synthetic set, every meeting with three external attendees; a lead and their token."""
    from engage.auth.services import create_api_token, create_user
    from engage.demo.seed import analyse, seed
    from engage.directory.models import Contact
    from engage.meetings.models import Attendee, Meeting

    app = _app(db_url, data_key)
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = now_utc()
        counts = seed("small", now)
        _three_attendees_each(now)
        lead = create_user(None, now, LEAD, "Bench Lead", "lead", PASSWORD)
        _, token = create_api_token(lead, now, "bench")
        db.session.commit()
        analyse()
        db.session.commit()
        counts["contact attendees"] = db.session.scalar(
            select(func.count()).select_from(Attendee).where(Attendee.contact_id.is_not(None)))
        counts["meetings"] = db.session.scalar(select(func.count()).select_from(Meeting))
        assert db.session.scalar(select(func.count()).select_from(Contact)) >= 3
    return {"counts": counts, "token": token}


def _three_attendees_each(now) -> None:
    """Top every meeting up to three external attendees (the seed gives one to three), from its organisation."""
    from engage.directory.models import Contact
    from engage.meetings.models import Attendee, Meeting

    contacts_of: dict[int, list[int]] = {}
    for cid, org_id in db.session.execute(select(Contact.id, Contact.organisation_id).order_by(Contact.id)):
        contacts_of.setdefault(org_id, []).append(cid)
    everyone = [c for cs in contacts_of.values() for c in cs]
    present: dict[int, list[int]] = {}
    for mid, cid in db.session.execute(select(Attendee.meeting_id, Attendee.contact_id)
                                       .where(Attendee.contact_id.is_not(None))):
        present.setdefault(mid, []).append(cid)
    rows = []
    for mid, starts_at in db.session.execute(select(Meeting.id, Meeting.starts_at)):
        have = present.get(mid, [])
        org = db.session.get(Contact, have[0]).organisation_id if have else None
        pool = [c for c in contacts_of.get(org, []) + everyone if c not in have]
        for cid in pool[:3 - len(have)]:
            have.append(cid)
            rows.append({"meeting_id": mid, "contact_id": cid, "user_id": None, "role": "required",
                         "response": "needs_action", "added_at": starts_at - timedelta(days=14)})
    if rows:
        db.session.execute(insert(Attendee.__table__), rows)


def seed_feed_db(db_url: str, data_key: str, meetings: int) -> str:
    """The small set's directory and agenda with `meetings` upcoming meetings of three attendees each
    (and nothing else in the feed's window); a lead with a team feed. Returns the feed's secret."""
    import uuid

    from engage.auth.services import create_user
    from engage.demo.seed import seed
    from engage.directory.models import Contact
    from engage.meetings import calendar
    from engage.meetings.models import Attendee, Meeting, meeting_recommendation
    from engage.outcomes.models import FollowUp, Outcome
    from engage.recommendations.models import Recommendation

    app = _app(db_url, data_key)
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = now_utc()
        seed("small", now)
        for table in (FollowUp.__table__, Outcome.__table__, meeting_recommendation, Attendee.__table__,
                      Meeting.__table__):
            db.session.execute(table.delete())
        lead = create_user(None, now, LEAD, "Bench Lead", "lead", PASSWORD)
        staff = list(db.session.scalars(select(db.metadata.tables["user"].c.id)))
        contacts = db.session.execute(select(Contact.id, Contact.organisation_id).order_by(Contact.id)).all()
        recs = list(db.session.scalars(select(Recommendation.id)))
        meeting_rows, attendee_rows, agenda_rows = [], [], []
        for i in range(meetings):
            starts_at = (now + timedelta(days=1 + i % 60, hours=i % 8)).replace(minute=0, second=0, microsecond=0)
            organiser = staff[i % len(staff)]
            meeting_rows.append({"id": i + 1, "uid": f"{uuid.uuid4()}@engage", "sequence": 0,
                                 "title": f"Bench meeting {i}", "starts_at": starts_at,
                                 "ends_at": starts_at + timedelta(hours=1), "timezone": "Africa/Nairobi",
                                 "location_kind": "in_person", "location": "Nairobi", "status": "scheduled",
                                 "organiser_id": organiser, "reminder_offsets": [1440, 60], "tags": [],
                                 "created_by_id": organiser, "created_at": now, "updated_at": now})
            for k in range(3):
                cid = contacts[(3 * i + k) % len(contacts)][0]
                attendee_rows.append({"meeting_id": i + 1, "contact_id": cid, "user_id": None, "role": "required",
                                      "response": "needs_action", "added_at": now})
            attendee_rows.append({"meeting_id": i + 1, "contact_id": None, "user_id": organiser,
                                  "role": "required", "response": "accepted", "added_at": now})
            agenda_rows.append({"meeting_id": i + 1, "recommendation_id": recs[i % len(recs)]})
        db.session.execute(insert(Meeting.__table__), meeting_rows)
        db.session.execute(insert(Attendee.__table__), attendee_rows)
        db.session.execute(insert(meeting_recommendation), agenda_rows)
        feed = calendar.create_feed(None, now, lead, "team")
        db.session.commit()
        return feed.secret


# ---- servers and load ----

class Gunicorn:
    """`gunicorn -w 2` (sync workers) serving `target` on 127.0.0.1."""

    def __init__(self, target: str, env: dict, workers: int = 2):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--error-logfile", self.log.name, target],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn for {target} did not start; see {self.log.name}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def sign_in(port: int) -> str:
    """Sign in through the real form (CSRF token and all); the session cookie to send."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    body = urllib.parse.urlencode({"email": LEAD, "password": PASSWORD, "csrf_token": token.group(1) if token else ""})
    conn.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                        "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"signing in answered {response.status}")
    return response.getheader("Set-Cookie", "").split(";")[0]


def check(port: int, path: str, headers: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")


def wrk(port: int, path: str, headers: dict, args) -> dict:
    """wrk's requests per second and 99th-percentile latency (ms) for one URL."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
               "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": rps, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


# ---- in-process: statements, access-hook share, the feed ----

class Counter:
    def __init__(self, engine):
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._note)

    def _note(self, *args, **kwargs):
        self.n += 1


def in_process(db_url: str, data_key: str, token: str, urls: dict, runs: int = 30) -> dict:
    """For each URL: SQL statements per request, median server time, and that time without the access hook."""
    from sqlalchemy.orm import Session

    from engage.access import guard

    app = _app(db_url, data_key)
    found = {}
    with app.app_context():
        counter = Counter(db.engine)
        client = app.test_client()
        assert client.post("/login", data={"email": LEAD, "password": PASSWORD}).status_code == 302
        for name, url in urls.items():
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}

            def timed():
                times = []
                cpu_started = time.process_time()
                for _ in range(runs):
                    started = time.perf_counter()
                    response = client.get(url, headers=headers)
                    response.get_data()
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                cpu.append((time.process_time() - cpu_started) * 1000 / runs)
                return statistics.median(times)

            cpu: list[float] = []
            for _ in range(3):
                client.get(url, headers=headers).get_data()
            counter.n = 0
            client.get(url, headers=headers).get_data()
            statements = counter.n
            with_hook = timed()
            hook = getattr(guard, "_add_criteria", None)  # the per-query access hook, where it still exists
            if hook is not None and event.contains(Session, "do_orm_execute", hook):
                event.remove(Session, "do_orm_execute", hook)
                try:
                    without_hook = timed()
                finally:
                    event.listen(Session, "do_orm_execute", hook)
            else:
                without_hook = with_hook
            found[name] = {"statements": statements, "ms": with_hook, "ms_without_hook": without_hook,
                           "cpu_ms": cpu[0]}
    return found


def feed_in_process(db_url: str, data_key: str, secret: str, runs: int = 10) -> dict:
    """The team feed built in-process: median and max time (ms), statements, size."""
    app = _app(db_url, data_key)
    with app.app_context():
        counter = Counter(db.engine)
        client = app.test_client()
        for _ in range(2):
            assert client.get(f"/calendar/{secret}.ics").status_code == 200
        times = []
        cpu_started = time.process_time()
        for _ in range(runs):
            counter.n = 0
            started = time.perf_counter()
            response = client.get(f"/calendar/{secret}.ics")
            body = response.get_data()
            times.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / runs
        return {"median": statistics.median(times), "max": max(times), "statements": counter.n, "cpu_ms": cpu_ms,
                "events": body.count(b"BEGIN:VEVENT"), "kb": len(body) // 1024}


# ---- the run ----

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dir", default=None, help="Where the SQLite files go (default: a temporary folder).")
    parser.add_argument("--outcomes-bench", action="store_true", help="Also run bench/bench_outcomes.py.")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave bench/RESULTS.md alone.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    workdir = Path(args.dir or tempfile.mkdtemp(prefix="engage-lists-"))
    workdir.mkdir(parents=True, exist_ok=True)
    data_key = Fernet.generate_key().decode()
    server_db = f"sqlite:///{workdir / 'lists.sqlite'}"
    load_before = os.getloadavg()

    started = time.perf_counter()
    seeded = seed_server_db(server_db, data_key)
    print(f"seeded in {time.perf_counter() - started:.1f} s: {seeded['counts']}")
    token = seeded["token"]

    urls = {"api": "/api/v1/meetings?per_page=50", "page": "/meetings/", "outcomes": "/outcomes/"}
    labels = {"api": "GET /api/v1/meetings?per_page=50 (token)", "page": "/meetings/ page, signed in",
              "outcomes": "/outcomes/ (engagement log), signed in"}

    env = {"ENGAGE_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "ENGAGE_DATA_KEY": data_key,
           "DATABASE_URL": server_db, "ENGAGE_RUN_SCHEDULER": "0", "ENGAGE_BASE_URL": "http://127.0.0.1"}
    hello = Gunicorn("bench._hello:app", {})
    engage = Gunicorn("wsgi:app", env)
    try:
        cookie = sign_in(engage.port)
        headers = {"api": {"Authorization": f"Bearer {token}"}, "page": {"Cookie": cookie},
                   "outcomes": {"Cookie": cookie}}
        for name, url in urls.items():
            check(engage.port, url, headers[name])
        print(f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, gunicorn 2 sync workers, 127.0.0.1")
        bare = wrk(hello.port, "/", {}, args)
        print(f"{'bare Flask hello-world':46} {bare['rps']:9.0f} req/s  p99 {bare['p99']:8.1f} ms")
        loaded = {}
        for name, url in urls.items():
            loaded[name] = result = wrk(engage.port, url, headers[name], args)
            result["ratio"] = result["rps"] / bare["rps"]
            flag = "" if result["non2xx"] == 0 and not result["socket_errors"] else \
                f"  ({result['non2xx']} non-2xx, socket errors: {result['socket_errors']})"
            print(f"{labels[name]:46} {result['rps']:9.1f} req/s  p99 {result['p99']:8.1f} ms  "
                  f"ratio {result['ratio']:.3f} (goal {GOALS[name]}){flag}")
        bare_after = wrk(hello.port, "/", {}, args)
        print(f"{'bare Flask hello-world, again':46} {bare_after['rps']:9.0f} req/s  p99 {bare_after['p99']:8.1f} ms")
    finally:
        engage.stop()
        hello.stop()

    print("\nin-process (test client), median of 30, and the same with the access hook removed:")
    measured = in_process(server_db, data_key, token, urls)
    for name, m in measured.items():
        share = 1 - m["ms_without_hook"] / m["ms"] if m["ms"] else 0
        m["hook_share"] = share
        print(f"{labels[name]:46} {m['statements']:3d} statements  {m['ms']:7.1f} ms (CPU {m['cpu_ms']:.1f} ms)  "
              f"without the hook {m['ms_without_hook']:7.1f} ms ({share:.0%} of the time)")

    print("\nteam calendar feed, in-process:")
    feeds = {}
    for size in (100, 1000):
        feed_db = f"sqlite:///{workdir / f'feed-{size}.sqlite'}"
        secret = seed_feed_db(feed_db, data_key, size)
        feeds[size] = f = feed_in_process(feed_db, data_key, secret)
        print(f"{size:5d} meetings: {f['events']} events, {f['kb']} KB, median {f['median']:.0f} ms, "
              f"max {f['max']:.0f} ms, CPU {f['cpu_ms']:.0f} ms, {f['statements']} statements")

    outcomes_output = ""
    if args.outcomes_bench:
        print("\nbench/bench_outcomes.py (large seed):")
        outcomes_output = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "bench_outcomes.py"), "--db",
             f"sqlite:///{workdir / 'outcomes.sqlite'}", "--runs", "20"],
            capture_output=True, text=True, check=True, env={**os.environ, "ENGAGE_RUN_SCHEDULER": "0"}).stdout
        print(outcomes_output)
    load_after = os.getloadavg()

    if not args.no_write:
        write_results(args, seeded, bare, bare_after, loaded, measured, feeds, labels, load_before, load_after,
                      outcomes_output)
    return 0


def _load_words(load: float) -> str:
    if load < 1.5:
        return "a quiet machine"
    return "the machine was shared with other work, so absolute figures are low and noisy"


def write_results(args, seeded, bare, bare_after, loaded, measured, feeds, labels, load_before, load_after,
                  outcomes_output) -> None:
    lines = ["## Lists (bench/lists.py)", "",
             f"{machine()}; SQLite file; gunicorn 2 sync workers and wrk -t{args.threads} -c{args.connections} "
             f"-d{args.duration}s on 127.0.0.1; seed: {seeded['counts']['meetings']} meetings with three external "
             f"attendees each ({seeded['counts']['contact attendees']} in all), "
             f"{seeded['counts']['outcomes']} outcomes. Load average {load_before[0]:.1f} before, "
             f"{load_after[0]:.1f} after ({_load_words(load_before[0])}); the ratios are taken in the same "
             "run. In-process CPU ms (process time per request, averaged over 30) depends least on the load.", "",
             "| request | req/s | p99 ms | ratio to bare Flask | goal | SQL statements | in-process CPU ms | "
             "access hook share |",
             "|---|---:|---:|---:|---:|---:|---:|---:|",
             f"| bare Flask JSON hello-world (before / after) | {bare['rps']:.0f} / {bare_after['rps']:.0f} | "
             f"{bare['p99']:.1f} | 1 | | | | |"]
    for name, result in loaded.items():
        m = measured[name]
        lines.append(f"| {labels[name]} | {result['rps']:.1f} | {result['p99']:.0f} | {result['ratio']:.3f} | "
                     f"≥ {GOALS[name]} | {m['statements']} | {m['cpu_ms']:.1f} | {m['hook_share']:.0%} |")
    lines += ["", "Team calendar feed, in-process (median of 10):", "",
              "| meetings (3 attendees each) | time | CPU | SQL statements |", "|---:|---:|---:|---:|"]
    for size, f in feeds.items():
        lines.append(f"| {size:,} | {f['median']:.0f} ms (max {f['max']:.0f}) | {f['cpu_ms']:.0f} ms | "
                     f"{f['statements']} |")
    if outcomes_output:
        lines += ["", "bench/bench_outcomes.py in the same run:", "", "```", outcomes_output.strip(), "```"]
    write_section("## Lists (bench/lists.py)", "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
