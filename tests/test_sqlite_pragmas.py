"""SQLite enforces foreign keys on every connection the app opens, as PostgreSQL always does."""
import pytest
from sqlalchemy.exc import IntegrityError

from engage import create_app
from engage.extensions import db


def test_each_sqlite_connection_has_foreign_keys_on_and_a_write_ahead_log(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fk.sqlite'}")
    with app.app_context():
        for _ in range(2):  # a second connection, not only the first one, gets them
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 2  # FAST
            db.engine.dispose()


def test_a_reference_to_a_missing_row_is_refused(app, backend, now):
    from engage.directory.models import Contact

    db.session.add(Contact(full_name="Nobody", email="nobody@example.org", organisation_id=424242,
                           created_at=now, updated_at=now))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_registering_the_pragmas_is_per_app_not_per_process(tmp_path):
    """An engine made outside create_app (a script, a benchmark) is left as SQLite makes it."""
    from sqlalchemy import create_engine

    create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.sqlite'}")
    engine = create_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    engine.dispose()
