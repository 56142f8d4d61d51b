"""Benchmark: import a 5 MB recommendations CSV (minimal format), report time and peak memory.

Run: .venv/bin/python bench/upr_import_5mb.py [DATABASE_URL]   (default: a fresh SQLite file)
"""
from __future__ import annotations

import io
import csv
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STATES = ["Germany", "France", "Sweden", "Türkiye", "United States", "Holy See", "Brazil", "Japan", "Norway",
          "United Kingdom of Great Britain and Northern Ireland", "Republic of Korea", "Argentina", "Spain",
          "Uruguay", "Austria", "Netherlands", "Canada", "Mexico", "Chile", "South Africa"]
THEMES = ["Right to health", "HIV/AIDS", "Women's rights", "Rights of the Child", "Justice", "Death penalty",
          "Sexual Orientation and Gender Identity", "International instruments"]


def make_file(target_bytes: int = 5 * 1024 * 1024) -> bytes:
    """A minimal-format CSV of about `target_bytes`, every (cycle, reference, state) distinct."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cycle", "reference", "recommending_state", "text", "response", "themes"])
    n = 0
    while out.tell() < target_bytes:
        n += 1
        text = (f"Recommendation {n}: take all necessary measures to ensure access to health services, including "
                "sexual and reproductive health services and HIV prevention, treatment and care, for everyone, "
                "without discrimination, and allocate sufficient resources to that end")
        writer.writerow([1 + n % 4, f"{100 + n // 400}.{n % 400 + 1}", STATES[n % len(STATES)], text,
                         ("supported", "noted")[n % 3 == 0], "; ".join({THEMES[n % 8], THEMES[(n * 7) % 8]})])
    return out.getvalue().encode("utf-8")


def run(url: str | None = None) -> dict:
    """Import the generated file into an empty database; returns the figures."""
    from engage import create_app
    from engage.extensions import db
    from engage.upr.imports import import_recommendations_bytes

    raw = make_file()
    tmp = tempfile.mkdtemp()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url or f"sqlite:///{tmp}/bench.sqlite")
    with app.app_context():
        now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        # Timed without tracemalloc (which slows the import several times over) ...
        db.drop_all()
        db.create_all()
        steps = []
        started = time.perf_counter()
        report = import_recommendations_bytes(raw, None, now, progress=lambda d, t, p: steps.append((p, d)))
        db.session.commit()
        elapsed = time.perf_counter() - started
        assert report.ok, report.errors[:5]
        started = time.perf_counter()
        again = import_recommendations_bytes(raw, None, now)
        db.session.commit()
        reimport = time.perf_counter() - started
        # ... and measured with it, on an empty database again.
        db.session.remove()
        db.drop_all()
        db.create_all()
        tracemalloc.start()
        import_recommendations_bytes(raw, None, now)
        db.session.commit()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures = {"backend": db.engine.dialect.name, "bytes": len(raw), "rows": report.total,
                   "created": report.created, "seconds": round(elapsed, 1), "reimport_seconds": round(reimport, 1),
                   "reimport_unchanged": again.unchanged, "peak_python_mb": round(peak / 2**20),
                   "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                   "progress_calls": len(steps)}
        db.session.remove()
        db.drop_all()
    return figures


if __name__ == "__main__":
    print(run(sys.argv[1] if len(sys.argv) > 1 else None))
