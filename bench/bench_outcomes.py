"""Benchmark: the engagement log's first page, the coverage matrix and the dashboard on the large seed.

    .venv/bin/python bench/bench_outcomes.py [--db sqlite:////tmp/engage-bench.sqlite] [--runs 40] [--reuse]
                                             [--only coverage] [--statements] [--no-exports]

Seeds a fresh database (`engage seed --scale large`: 2,000 organisations, 10,000 contacts, 1,000
recommendations, 20,000 meetings, 100,000 outcomes) unless --reuse, signs in as a lead, and times
each page through the WSGI app in-process (server time: routing, queries, templates; no network),
after two warm-up requests. Prints p50/p95/max wall time and the p50/p95 of the process's CPU time
(time.process_time: on a shared machine wall time also holds the wait for a core; SQLite runs in this
process, PostgreSQL's server does not), the SQL statements per request, the load average, and the peak
memory growth while streaming the whole log as CSV and XLSX. With --statements, each page's statements
with their median wall and CPU time and first words. Target: p95 < 200 ms on SQLite.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import resource
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from engage import create_app  # noqa: E402
from engage.clock import now_utc  # noqa: E402
from engage.extensions import db  # noqa: E402

PASSWORD = "bench password 2027"


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite:////tmp/engage-bench.sqlite")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="Use the seeded database as it is.")
    parser.add_argument("--only", help="Time only the pages whose name contains this.")
    parser.add_argument("--statements", action="store_true", help="Time each SQL statement of each page.")
    parser.add_argument("--no-exports", action="store_true", help="Skip the exports of the whole log.")
    parser.add_argument("--export", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        return export_only(args.db, args.export)

    now = now_utc()
    if args.db.startswith("sqlite:///") and not args.reuse:
        Path(args.db.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.db)
    with app.app_context():
        if not args.reuse:
            from engage.auth.services import create_user
            from engage.demo.seed import analyse, seed

            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            counts = seed("large", now)
            create_user(None, now, "bench-lead@example.org", "Bench Lead", "lead", PASSWORD)
            db.session.commit()
            analyse()
            db.session.commit()
            print(f"seeded in {time.perf_counter() - started:.1f} s: {counts}")
        statements = []  # [sql, wall started, cpu started, wall ms, cpu ms] per statement of the request

        def before(conn, cursor, sql, *args):
            statements.append([sql, time.perf_counter(), time.process_time(), 0.0, 0.0])

        def after(conn, cursor, sql, *args):
            entry = statements[-1]
            entry[3] = (time.perf_counter() - entry[1]) * 1000
            entry[4] = (time.process_time() - entry[2]) * 1000

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        client = app.test_client()
        response = client.post("/login", data={"email": "bench-lead@example.org", "password": PASSWORD})
        assert response.status_code == 302, response.status_code

        pages = {
            "engagement log, first page": "/outcomes/",
            "engagement log, theme + state filter": "/outcomes/?theme=HIV%2FAIDS&state=DE",
            "engagement log, text search": "/outcomes/?q=stigma+funding",
            "coverage matrix (states x themes)": "/reports/coverage",
            "coverage, one theme by recommendation": "/reports/coverage?theme=HIV%2FAIDS&by=recommendation",
            "dashboard": "/reports/",
        }
        print(f"\n{db.engine.dialect.name}, {args.runs} runs each after 2 warm-ups (server time, in-process), "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p50':>8} {'CPU p95':>8} "
              f"{'SQL/req':>8} {'KB':>6}")
        for name, url in pages.items():
            if args.only and args.only not in name:
                continue
            for _ in range(2):
                assert client.get(url).status_code == 200, url
            times, cpu, counts, per_statement = [], [], [], []
            size = 0
            for _ in range(args.runs):
                statements.clear()
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                body = response.get_data()
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                counts.append(len(statements))
                per_statement.append([(sql, wall, used) for sql, _w, _c, wall, used in statements])
                size = len(body)
                assert response.status_code == 200
            print(f"{name:44} {statistics.median(times):8.1f} {percentile(times, 95):8.1f} {max(times):8.1f} "
                  f"{statistics.median(cpu):8.1f} {percentile(cpu, 95):8.1f} {max(counts):8d} {size // 1024:6d}")
            if args.statements:
                for i, (sql, *_rest) in enumerate(per_statement[0]):
                    walls = [run[i][1] for run in per_statement if len(run) > i]
                    used = [run[i][2] for run in per_statement if len(run) > i]
                    print(f"    {statistics.median(walls):7.1f} ms wall {statistics.median(used):7.1f} ms CPU  "
                          f"{' '.join(sql.split())[:110]}")

    if args.no_exports:
        return 0
    print("\nexports of the whole log, streamed (each in a fresh process: its peak RSS before and after):")
    for url in ("/reports/log.csv", "/reports/log.xlsx"):
        subprocess.run([sys.executable, __file__, "--db", args.db, "--export", url], check=True)
    return 0


def export_only(db_url: str, url: str) -> int:
    """Stream one export through the app in this process and report its size, time and peak RSS."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=db_url)
    with app.app_context():
        client = app.test_client()
        assert client.post("/login", data={"email": "bench-lead@example.org", "password": PASSWORD}).status_code == 302
        client.get("/reports/log.csv?q=warm-up-nothing-matches").get_data()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        response = client.get(url)
        total = 0
        for chunk in response.response:
            total += len(chunk)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"  {url:20} {total / 1e6:6.1f} MB in {elapsed:5.1f} s; peak RSS {before / 1024:5.0f} MB before, "
              f"{after / 1024:5.0f} MB after")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("ENGAGE_RUN_SCHEDULER", "0")
    sys.exit(main())
