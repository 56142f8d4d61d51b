"""The migration that brought assessments carries each recommendation's held status and responsible
organisation over: nothing the coalition recorded is lost (SQLite and PostgreSQL)."""
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from engage import create_app
from engage.extensions import db

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
BEFORE = "7f5d10feafa7"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'assessments.sqlite'}"
        return
    yield request.getfixturevalue("empty_pg_database_url")


def test_held_statuses_become_assessments_and_responsible_organisations_leads(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation (id, name, kind, is_archived, created_at, updated_at) VALUES "
                              "(7, 'Ministry of Health', 'ministry', false, '2026-01-01 00:00:00', "
                              "'2026-01-01 00:00:00')"))
            for rec_id, status, org in ((1, "partial", 7), (2, "unknown", None), (3, "implemented", None),
                                        (4, "not_started", 7), (5, "unknown", 7)):
                conn.execute(text(
                    "INSERT INTO recommendation (id, cycle, reference, reference_sort, sub_item, recommending_state, "
                    "text, response, implementation_status, responsible_organisation_id, created_at, updated_at) "
                    "VALUES (:id, 3, :ref, :ref, '', 'DE', 'Text', 'supported', :status, :org, "
                    "'2025-03-01 00:00:00', '2025-06-30 10:00:00')"),
                    {"id": rec_id, "ref": f"142.{rec_id}", "status": status, "org": org})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT recommendation_id, status, source_kind, source_detail, assessed_on "
                                     "FROM assessment ORDER BY recommendation_id")).all()
            assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
                (1, "partially_implemented", "other", "Status held before assessments were kept"),
                (3, "implemented", "other", "Status held before assessments were kept"),
                (4, "not_started", "other", "Status held before assessments were kept")]
            assert str(rows[0][4]) == "2025-06-30"  # the day the status was last written
            leads = conn.execute(text("SELECT recommendation_id, organisation_id, role "
                                      "FROM recommendation_responsibility ORDER BY recommendation_id")).all()
            assert [tuple(r) for r in leads] == [(1, 7, "lead"), (4, 7, "lead"), (5, 7, "lead")]
        db.engine.dispose()
