"""Encryption at rest: a raw dump of the database shows no restricted note or outcome text."""
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from engage import sealed
from engage.access import services as access
from engage.extensions import db
from engage.history import history_for
from engage.meetings import queries as meeting_queries
from engage.meetings import services as meetings
from engage.meetings.models import Meeting
from engage.outcomes import services as outcomes
from tests import factories

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SECRETS = {
    "purpose": "Zanzibar-heron purpose: sex workers and HIV",
    "reason": "Quokka-lantern reason for cancelling",
    "summary": "Marmoset-violin summary: they will raise SOGI",
    "commitment": "Pangolin-tuba commitment to decriminalise",
    "notes": "Axolotl-drum notes on LGBT outreach",
    "action": "Narwhal-flute action: send the key populations brief",
    "contact": "Okapi-harp note about the diplomat",
}
PLAIN = {"purpose": "Giraffe-piano purpose of an internal meeting", "summary": "Walrus-cello internal summary"}


def _database_bytes(app) -> bytes:
    """Everything stored: the SQLite file and its write-ahead log, or every row of every PostgreSQL table as text."""
    if db.engine.dialect.name == "sqlite":
        path = Path(db.engine.url.database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    chunks = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            chunks += [row[0] for row in conn.execute(text(f'SELECT t::text FROM "{table.name}" t'))]
    return "\n".join(chunks).encode()


@pytest.fixture
def world(app):
    organiser = factories.make_user(email="organiser@example.org")
    dpo = factories.make_user(email="dpo@example.org")
    dpo.is_dpo = True
    contact = factories.make_contact(factories.make_organisation(name="Permanent Mission of Germany"),
                                     notes=SECRETS["contact"], sensitivity="restricted")
    meeting = factories.make_meeting(organiser=organiser, contacts=[contact], description=SECRETS["purpose"],
                                     title="Meeting A", sensitivity="restricted", now=NOW)
    outcome = outcomes.create_outcome(organiser, NOW + timedelta(days=10), meeting, {
        "summary": SECRETS["summary"], "commitment": SECRETS["commitment"], "notes": SECRETS["notes"],
        "position": "will_raise"}, follow_ups=[
        {"description": SECRETS["action"], "owner_id": organiser.id, "due_on": date(2027, 1, 10)}])
    other = factories.make_meeting(organiser=organiser, contacts=[contact], title="Meeting B",
                                   sensitivity="restricted", now=NOW)
    meetings.cancel_meeting(organiser, NOW, other, reason=SECRETS["reason"])
    internal = factories.make_meeting(organiser=organiser, title="Meeting C", description=PLAIN["purpose"], now=NOW)
    plain_outcome = outcomes.create_outcome(organiser, NOW + timedelta(days=10), internal,
                                            {"summary": PLAIN["summary"], "position": "supportive"})
    db.session.commit()
    return {"organiser": organiser, "dpo": dpo, "contact": contact, "meeting": meeting, "outcome": outcome,
            "internal": internal, "plain_outcome": plain_outcome}


def test_a_raw_dump_shows_no_restricted_text(app, world):
    dump = _database_bytes(app).lower()
    for name, value in SECRETS.items():
        assert value.split(":")[0].lower().encode() not in dump, name
    for name, value in PLAIN.items():
        assert value.lower().encode() in dump, name  # internal records stay plain (and searchable)


def test_the_app_reads_restricted_texts_back(app, world):
    db.session.expire_all()
    meeting, outcome = world["meeting"], world["outcome"]
    assert meeting.description == SECRETS["purpose"]
    assert (outcome.summary, outcome.commitment, outcome.notes) == (
        SECRETS["summary"], SECRETS["commitment"], SECRETS["notes"])
    assert outcome.follow_ups[0].description == SECRETS["action"]
    assert world["contact"].notes == SECRETS["contact"]
    assert history_for(outcome)[-1].changes["summary"] == SECRETS["summary"]
    # Internal texts are still found by search; sealed ones, by design, are not.
    found = db.session.scalars(meeting_queries.meeting_query(now=NOW, when="all", q="giraffe-piano")).all()
    assert [m.id for m in found] == [world["internal"].id]


def test_restricting_later_seals_and_making_internal_again_unseals(app, world):
    internal, dpo = world["internal"], world["dpo"]
    access.set_sensitivity(dpo, NOW, internal, "restricted")
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dump = _database_bytes(app).lower()
    for value in PLAIN.values():
        assert value.lower().encode() not in dump, value
    db.session.expire_all()
    assert internal.description == PLAIN["purpose"] and world["plain_outcome"].summary == PLAIN["summary"]

    access.set_sensitivity(dpo, NOW, internal, "internal")
    db.session.commit()
    stored = db.session.execute(text("SELECT description FROM meeting WHERE id = :id"), {"id": internal.id}).scalar()
    assert stored == PLAIN["purpose"]
    stored = db.session.execute(text("SELECT summary FROM outcome WHERE id = :id"),
                                {"id": world["plain_outcome"].id}).scalar()
    assert stored == PLAIN["summary"]


def test_rotation_reseals_with_the_new_key(app, world):
    old = app.config["ENGAGE_DATA_KEY"]
    new = sealed.new_key()
    query = text("SELECT summary FROM outcome WHERE id = :id")
    before = db.session.execute(query, {"id": world["outcome"].id}).scalar()
    assert before.startswith("enc:v1:")
    app.extensions[sealed.EXTENSION] = sealed.parse_keys(f"{new},{old}")
    result = app.test_cli_runner().invoke(args=["engage", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert "re-sealed" in result.output
    after = db.session.execute(query, {"id": world["outcome"].id}).scalar()
    assert after.startswith("enc:v1:") and after != before
    # The old key can go: everything opens with the new one alone.
    app.extensions[sealed.EXTENSION] = sealed.parse_keys(new)
    db.session.expire_all()
    assert world["outcome"].summary == SECRETS["summary"]
    assert world["meeting"].description == SECRETS["purpose"]
    assert history_for(world["outcome"])[-1].changes["summary"] == SECRETS["summary"]
    # And the old key alone no longer opens them.
    app.extensions[sealed.EXTENSION] = sealed.parse_keys(old)
    db.session.expire_all()
    with pytest.raises(sealed.SealError):
        db.session.scalar(select(Meeting.description).where(Meeting.id == world["meeting"].id))
    db.session.rollback()
    app.extensions[sealed.EXTENSION] = sealed.parse_keys(f"{new},{old}")


def test_a_plain_text_that_looks_sealed_is_kept_as_typed(app, world):
    internal = world["internal"]
    later = NOW + timedelta(days=20)  # the meeting was marked held when its outcome was logged
    meetings.update_meeting(world["organiser"], later, internal, {"description": "enc:v1:not really"})
    db.session.commit()
    db.session.expire_all()
    assert internal.description == "enc:v1:not really"


def test_keys_are_checked_at_start(monkeypatch, tmp_path):
    from engage import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("ENGAGE_DATA_KEY", raising=False)
    with pytest.raises(RuntimeError, match="ENGAGE_DATA_KEY must be set in production"):
        create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite'}")
    with pytest.raises(RuntimeError, match="key 2 is not a Fernet key"):
        create_app("testing", ENGAGE_DATA_KEY=f"{sealed.new_key()},not-a-key")
