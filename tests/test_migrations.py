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


def _rows(conn, sql, **params):
    from sqlalchemy import text

    return conn.execute(text(sql), params).all()


def test_per_state_copies_of_a_paragraph_become_one_joint_recommendation(empty_database_url):
    """Before joint recommendations, paragraph 103.1 (3) was held once per state. The migration makes it
    one recommendation attributed to all three, with every outcome, agenda link, theme and history row."""
    from datetime import timedelta

    import sqlalchemy as sa

    from engage.dbtypes import UTCDateTime
    from tests import factories

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="a7d4e2c9b1f3")
        when = factories.WHEN
        # The user table as it was at that revision (the model may have gained columns since).
        user = sa.table("user", *(sa.column(c) for c in ("id", "email", "full_name", "password_hash", "role",
                                                         "timezone", "is_disabled", "is_dpo", "session_version")),
                        sa.column("created_at", UTCDateTime()))
        with db.engine.begin() as conn:
            conn.execute(user.insert().values(id=1, email="organiser@example.org", full_name="Organiser",
                                              password_hash="x", role="staff", timezone="Africa/Nairobi",
                                              is_disabled=False, is_dpo=False, session_version=0, created_at=when))
        organiser_id = 1
        rec = sa.table("recommendation", *(sa.column(c) for c in (
            "id", "cycle", "reference", "reference_sort", "recommending_state", "text", "response",
            "implementation_status", "notes", "paragraph_text", "source_ref")),
            sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()))
        base = {"cycle": 1, "response": "noted", "implementation_status": "unknown", "notes": None,
                "paragraph_text": None, "source_ref": None, "created_at": when, "updated_at": when}
        rows = [
            (1, "103.1", "ES", "Amend national legislation to abolish the death penalty"),
            (2, "103.1", "IE", "Abolish the death penalty"),
            (3, "103.1", "AT", "Abolish the death penalty"),
            (4, "103.1", "DE", "Abolish  the death penalty"),   # spacing differs: the same text
            (5, "102.3 (1)", "AT", "Ratify the first Optional Protocol to ICCPR"),
            (6, "102.3 (2)", "AT", "Ratify the Second Optional Protocol to ICCPR"),
            (7, "101.1", "BF", "Ratify the ICRMW"),
        ]
        with db.engine.begin() as conn:
            conn.execute(rec.insert(), [{**base, "id": i, "reference": ref, "reference_sort": ref, "recommending_state": s,
                                         "text": t, "paragraph_text": "Ratify the optional protocols to ICCPR"
                                         if ref.startswith("102.3") else None} for i, ref, s, t in rows])
            if conn.dialect.name == "postgresql":  # ids given above: the sequence moves on past them
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('recommendation', 'id'), 100)"))
            conn.execute(rec.update().where(rec.c.id == 3).values(notes="Austria said so", response="supported"))
            conn.execute(sa.text("INSERT INTO theme (id, name) VALUES (901, 'Merge test A'), (902, 'Merge test B')"))
            conn.execute(sa.text("INSERT INTO recommendation_theme (recommendation_id, theme_id) "
                                 "VALUES (2, 901), (3, 901), (4, 902)"))
            meeting = sa.table("meeting", *(sa.column(c) for c in (
                "id", "uid", "sequence", "title", "timezone", "location_kind", "status", "organiser_id")),
                sa.column("reminder_offsets", sa.JSON()), sa.column("tags", sa.JSON()),
                *(sa.column(c, UTCDateTime()) for c in ("starts_at", "ends_at", "created_at", "updated_at")))
            conn.execute(meeting.insert(), [{"id": 1, "uid": "m1@engage", "sequence": 0, "title": "With Ireland",
                                             "timezone": "Africa/Nairobi", "location_kind": "in_person",
                                             "status": "held", "organiser_id": organiser_id, "reminder_offsets": [],
                                             "tags": [], "starts_at": when, "ends_at": when + timedelta(hours=1),
                                             "created_at": when,
                                             "updated_at": when}])
            conn.execute(sa.text("INSERT INTO meeting_recommendation (meeting_id, recommendation_id) VALUES (1, 2), (1, 4)"))
            outcome = sa.table("outcome", *(sa.column(c) for c in ("id", "meeting_id", "recommendation_id", "summary",
                                                                   "position")),
                               sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()))
            conn.execute(outcome.insert(), [{"id": 1, "meeting_id": 1, "recommendation_id": 4, "summary": "Germany",
                                             "position": "supportive", "created_at": when, "updated_at": when}])
            history = sa.table("change_record", *(sa.column(c) for c in ("entity_type", "entity_id", "action")),
                               sa.column("changes", sa.JSON()), sa.column("at", UTCDateTime()))
            conn.execute(history.insert(), [{"entity_type": "recommendation", "entity_id": i, "action": "imported",
                                             "changes": {}, "at": when} for i in (2, 3, 4)])
        db.session.remove()

        upgrade()

        with db.engine.connect() as conn:
            held = {r.id: r for r in _rows(conn, "SELECT id, reference, sub_item, recommending_state, response, notes "
                                                 "FROM recommendation ORDER BY id")}
            states = _rows(conn, "SELECT recommendation_id, state, position FROM recommendation_state "
                                 "ORDER BY recommendation_id, position")
            assert sorted(held) == [1, 2, 5, 6, 7]
            assert [(s.state, s.position) for s in states if s.recommendation_id == 2] == [("IE", 0), ("AT", 1), ("DE", 2)]
            assert all(r.recommending_state == [s.state for s in states if s.recommendation_id == r.id][0]
                       for r in held.values())
            # Two texts under 103.1: each gets an item; the parts numbered into the reference get theirs.
            assert {(held[i].reference, held[i].sub_item) for i in held} == {
                ("103.1", "1"), ("103.1", "2"), ("102.3", "1"), ("102.3", "2"), ("101.1", "")}
            # Austria's copy answered differently and had notes: both kept in the notes of the one kept.
            assert held[2].response == "noted"
            assert "AT said response: supported" in held[2].notes and "Austria said so" in held[2].notes
            assert _rows(conn, "SELECT recommendation_id FROM outcome") == [(2,)]
            assert sorted(_rows(conn, "SELECT meeting_id, recommendation_id FROM meeting_recommendation")) == [(1, 2)]
            assert sorted(_rows(conn, "SELECT theme_id FROM recommendation_theme WHERE recommendation_id = 2")) == [
                (901,), (902,)]
            assert sorted(_rows(conn, "SELECT entity_id FROM change_record WHERE entity_type = 'recommendation'")) == [
                (2,), (2,), (2,)]
        # And down again: one row per state, the item back in the reference.
        downgrade(revision="a7d4e2c9b1f3")
        with db.engine.connect() as conn:
            back = _rows(conn, "SELECT reference, recommending_state FROM recommendation ORDER BY reference, recommending_state")
            assert ("103.1 (2)", "AT") in back and ("103.1 (2)", "DE") in back and ("103.1 (2)", "IE") in back
            assert ("102.3 (1)", "AT") in back and len(back) == 7
        db.engine.dispose()
