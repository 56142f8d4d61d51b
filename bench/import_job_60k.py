"""Benchmark: a 60,000-row contacts CSV uploaded through the import page becomes a job; time the request
(which only stores the file) and the scheduler's run of the job, and count the progress writes.

Run: .venv/bin/python bench/import_job_60k.py [DATABASE_URL]   (default: a fresh SQLite file)
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 60_000


def make_file(rows: int = ROWS) -> bytes:
    """`rows` new contacts, about 3.7 MB (the issue's file was 1.9 MB: shorter lines, same row count)."""
    lines = ["full_name,email,position,phone"] + [
        f"Person {n},person{n}@example.org,Officer {n % 50},+254722{n:06d}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def run(url: str | None = None) -> dict:
    """Upload through the page as staff, then run the job as the scheduler would; returns the figures."""
    from sqlalchemy import event

    from engage import create_app
    from engage.extensions import db
    from engage.importjobs import services
    from engage.importjobs.models import ImportJob
    from tests import factories

    raw = make_file()
    tmp = tempfile.mkdtemp()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url or f"sqlite:///{tmp}/bench.sqlite", ENGAGE_INSTANCE_DIR=tmp)
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = factories.make_user(role="staff", email="importer@example.org")
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        started = time.perf_counter()
        response = client.post("/directory/import", content_type="multipart/form-data",
                               data={"kind": "contacts", "file": (io.BytesIO(raw), "big.csv")})
        request_seconds = time.perf_counter() - started
        assert response.status_code == 302 and "/imports/" in response.headers["Location"], response.status_code
        writes = []
        event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, *_: writes.append(1)
                     if statement.lstrip().upper().startswith("UPDATE IMPORT_JOB") else None)
        started = time.perf_counter()
        job_id = services.run_next_import(now, app.config, "bench")
        job_seconds = time.perf_counter() - started
        db.session.expire_all()
        job = db.session.get(ImportJob, job_id)
        figures = {"backend": db.engine.dialect.name, "bytes": len(raw), "status": job.status, **(job.summary or {}),
                   "request_seconds": round(request_seconds, 2), "job_seconds": round(job_seconds, 1),
                   "job_row_updates": len(writes), "load_average": os.getloadavg()[0]}
        db.session.remove()
        db.drop_all()
    return figures


if __name__ == "__main__":
    print(run(sys.argv[1] if len(sys.argv) > 1 else None))
