"""Migrations build the same schema as the models, and go up and down cleanly on SQLite and PostgreSQL."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from engage import create_app
from engage.extensions import db

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    # This process's own database, emptied (creating and dropping one costs a forced checkpoint).
    yield request.getfixturevalue("empty_pg_database_url")


def _ignore_index_quirks(diff):
    return [d for d in diff if not (isinstance(d, tuple) and d[0] in {"remove_index", "add_index"}
                                    and d[1].name.startswith("sqlite_autoindex"))]


def test_upgrade_matches_the_models_and_downgrade_removes_everything(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = _ignore_index_quirks(compare_metadata(context, db.metadata))
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()  # and back up again
        assert "meeting" in inspect(db.engine).get_table_names() or "organisation" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_a_sqlite_table_rebuild_keeps_the_rows_that_reference_it(tmp_path):
    """Batch mode rebuilds a table to drop a column; with foreign keys enforced, dropping the old
    `user` table would cascade to every API token. Migrations run with the keys off, then check them."""
    from engage.auth.models import ApiToken
    from engage.auth.services import create_api_token
    from tests import factories

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rebuild.sqlite'}")
    with app.app_context():
        upgrade()
        user = factories.make_user(role="staff")
        create_api_token(user, factories.WHEN, "kept")
        db.session.commit()
        db.session.remove()
        downgrade(revision="5b1c0e7a9d21")  # drops user.totp_*: the user table is rebuilt
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM api_token").scalars().all() == ["kept"]
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for the app
        upgrade()
        assert db.session.scalars(select(ApiToken.name)).all() == ["kept"]
        db.engine.dispose()


def test_the_migration_seeds_kenyas_four_cycles_and_the_fourth_is_current(empty_database_url):
    """A new or upgraded database counts engagement by a real cycle from its first request."""
    from datetime import UTC, date, datetime

    from engage.cycles import services as cycles

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        seeded = cycles.all_cycles()
        assert [(c.number, c.wg_session, c.review_on) for c in seeded] == [
            (4, 49, date(2025, 5, 1)), (3, 35, date(2020, 1, 23)), (2, 21, date(2015, 1, 22)), (1, 8, date(2010, 5, 6))]
        four = cycles.current_cycle(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
        assert (four.number, four.starts_on, four.ends_on) == (4, date(2024, 5, 1), date(2025, 9, 8))
        five = cycles.create_cycle(None, datetime(2026, 11, 28, tzinfo=UTC), {"number": 5})
        db.session.commit()
        assert five.id == 5  # the ids given by the seed are not handed out again
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
