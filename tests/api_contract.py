"""The API against its own OpenAPI document: schemathesis drives a real server, as staff and as an admin.

    python -m tests.api_contract [--database sqlite|postgresql|both] [--max-examples N] [--budget SECONDS]

The app is served by werkzeug's threaded server on a loopback port, on a fresh database seeded with
the demo data; schemathesis reads /api/v1/openapi.json and sends what it generates with each role's
bearer token. Any server error or response that breaks the document fails the run. Bounded: a
handful of examples per operation and a time budget per run, so `.ci/run` spends a few minutes.
Not part of `make test` (a server and schemathesis's generation take minutes of both CPUs).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

PG_URL = os.environ.get("ENGAGE_CONTRACT_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/engage_contract")
# Every check on responses, and that what the document forbids is refused. Not positive_data_acceptance:
# a body the document allows may still be refused for what no schema says (a meeting that ends before it
# starts, an outcome of a meeting not yet held, a name already taken); tests/api covers those.
# What the checks take as a refusal (414 for an over-long query string, besides schemathesis's own).
CONFIG = Path(__file__).with_name("schemathesis.toml")
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,negative_data_rejection,unsupported_method,allow_header_conformance")


def _fresh_postgresql(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _seeded_app(url: str, instance: str):
    """The app on a new database at `url`: migrated, demo data loaded, a staff user and an admin with tokens."""
    from flask_migrate import upgrade

    from engage import create_app
    from engage.auth import services as auth
    from engage.clock import now_utc
    from engage.demo import load_demo_data
    from engage.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ENGAGE_INSTANCE_DIR=instance)
    app.testing = False  # errors are answered as in production (a JSON 500), not raised into the server
    app.config["PROPAGATE_EXCEPTIONS"] = False
    tokens = {}
    with app.app_context():
        upgrade()
        now = now_utc()
        load_demo_data(now, echo=lambda _line: None)
        for role in ("staff", "admin"):
            user = auth.create_user(None, now, f"contract-{role}@example.org", f"Contract {role.title()}", role,
                                    "contract tests only")
            tokens[role] = auth.create_api_token(user, now, "schemathesis")[1]
        db.session.commit()
    return app, tokens


def _run(database: str, max_examples: int, budget: int, report_dir: Path) -> bool:
    with tempfile.TemporaryDirectory(prefix="engage-contract-") as instance:
        if database == "postgresql":
            _fresh_postgresql(PG_URL)
            url = PG_URL
        else:
            url = f"sqlite:///{instance}/contract.sqlite"
        app, tokens = _seeded_app(url, instance)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        ok = True
        try:
            for role, token in tokens.items():
                started = time.monotonic()
                command = [
                    str(Path(sys.executable).with_name("st")), "--config-file", str(CONFIG),
                    "run", f"{base}/api/v1/openapi.json",
                    "--header", f"Authorization: Bearer {token}",
                    "--checks", CHECKS, "--max-examples", str(max_examples), "--max-time", str(budget),
                    "--phases", "examples,coverage,fuzzing", "--seed", "2027", "--workers", "1",
                    "--request-timeout", "20", "--suppress-health-check", "all", "--no-shrink",
                    "--report", "junit", "--report-junit-path", str(report_dir / f"{database}-{role}.xml"),
                ]
                print(f"== schemathesis: {database}, {role} token ==", flush=True)
                # A hard stop well past the budget: a hung request must not hang CI.
                result = subprocess.run(command, timeout=budget + 120, check=False, cwd=instance)  # its cache stays there
                print(f"== {database}, {role}: exit {result.returncode} in {time.monotonic() - started:.0f} s ==",
                      flush=True)
                ok = ok and result.returncode == 0
        finally:
            server.shutdown()
            thread.join(10)
        return ok


def main() -> int:
    """Run schemathesis against a real server on each database asked for; exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--max-examples", type=int, default=8, help="test cases per operation and phase")
    parser.add_argument("--budget", type=int, default=45, help="seconds per run (one per database and role)")
    parser.add_argument("--report-dir", default="schemathesis-report")
    args = parser.parse_args()
    report_dir = Path(args.report_dir).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = {db: _run(db, args.max_examples, args.budget, report_dir) for db in databases}
    for db, ok in results.items():
        print(f"{db}: {'passed' if ok else 'FAILED'}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
