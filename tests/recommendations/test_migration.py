"""The migration that brought engage's theme vocabulary folds the themes already held into it, in place:
no recommendation loses a tag (SQLite and PostgreSQL)."""
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from engage import create_app
from engage.extensions import db

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
BEFORE = "e3b7c2a91f40"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vocabulary.sqlite'}"
        return
    yield request.getfixturevalue("empty_pg_database_url")


def _tags(conn) -> dict[str, list[str]]:
    rows = conn.execute(text("SELECT r.reference, t.name FROM recommendation r "
                             "JOIN recommendation_theme rt ON rt.recommendation_id = r.id "
                             "JOIN theme t ON t.id = rt.theme_id ORDER BY r.reference, t.name"))
    tags: dict[str, list[str]] = {}
    for reference, name in rows:
        tags.setdefault(reference, []).append(name)
    return tags


def test_held_themes_are_mapped_in_place_and_keep_their_recommendations(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO theme (id, name) VALUES (1, 'HIV - Aids'), (2, 'right to health'), "
                              "(3, 'HIV/AIDS'), (4, 'E41 Right to health - General'), (5, 'Gardening')"))
            for rec_id, reference in ((1, "142.1"), (2, "142.2"), (3, "142.3")):
                conn.execute(text(
                    "INSERT INTO recommendation (id, cycle, reference, reference_sort, recommending_state, text, "
                    "response, implementation_status, created_at, updated_at) VALUES (:id, 3, :ref, :ref, 'DE', "
                    "'Text', 'supported', 'unknown', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
                    {"id": rec_id, "ref": reference})
            conn.execute(text("INSERT INTO recommendation_theme (recommendation_id, theme_id) VALUES "
                              "(1, 1), (1, 3), (2, 2), (2, 5), (3, 4)"))
            if conn.dialect.name == "postgresql":  # the rows above were given their ids
                conn.execute(text("SELECT setval('theme_id_seq', 5)"))
        upgrade()
        with db.engine.connect() as conn:
            assert _tags(conn) == {"142.1": ["HIV/AIDS"], "142.2": ["Gardening", "Right to health"],
                                   "142.3": ["Right to health"]}
            names = set(conn.execute(text("SELECT name FROM theme")).scalars())
            assert {"HIV - Aids", "right to health", "E41 Right to health - General"}.isdisjoint(names)
            assert "Gardening" in names and "Mental health" in names
            curated = {name: flag for name, flag in conn.execute(
                text("SELECT name, curated FROM theme WHERE name IN ('Gardening', 'HIV/AIDS')"))}
            assert {k: bool(v) for k, v in curated.items()} == {"Gardening": False, "HIV/AIDS": True}
            health = set(conn.execute(text(
                "SELECT t.name FROM theme t JOIN theme_group_member m ON m.theme_id = t.id "
                "JOIN theme_group g ON g.id = m.theme_group_id WHERE g.key = 'health'")).scalars())
            assert {"HIV/AIDS", "Right to health"} <= health
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:  # going back keeps every tag, as folded
            assert _tags(conn)["142.2"] == ["Gardening", "Right to health"]
        db.engine.dispose()
