"""Every list costs the same few SQL statements whether it shows 5 rows or 50.

Each test takes a world of 5 of everything (meetings with three contacts from three organisations,
a staff attendee, a recommendation, outcomes with follow-ups, the invitations in the outbox), counts
the statements one request runs end to end (session or token user, access checks, page, audit), then
takes the same world grown to 50 and counts again. The two counts must be equal and small.
"""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from engage import create_app
from engage.asks.models import Ask, AskMatch
from engage.asks.services import create_ask
from engage.audit.services import record_event
from engage.auth.models import User
from engage.extensions import db
from engage.meetings import calendar
from engage.meetings.models import Meeting
from engage.outcomes.models import FollowUp, Outcome
from engage.recommendations.models import Recommendation, Theme
from tests import factories
from tests.conftest import NOW, _api_for, login
from tests.outcomes.helpers import make_meeting as make_past_meeting

MAX_STATEMENTS = 12
WEEK_OF = date(2026, 12, 7)  # the Monday the upcoming meetings fall in


@contextmanager
def counted():
    """Count the statements the engine runs inside the block: yields a list that fills up."""
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


class World:
    """Rows of every listed kind, grown on demand; what exists is what every list shows."""

    def __init__(self, app):
        self.app = app
        self.lead = factories.make_user(role="lead", email="lead@example.org", full_name="Lea Lead")
        self.admin = factories.make_user(role="admin", email="admin@example.org", full_name="Ada Admin")
        factories.enrol_2fa(self.admin)
        self.staff = [factories.make_user(role="staff", email=f"staff{i}@example.org", full_name=f"Staff {i}")
                      for i in range(3)]
        self.size = 0
        self.contacts: list = []

    def grow(self, size: int) -> None:
        for i in range(self.size, size):
            org = factories.make_organisation(name=f"Embassy {i}", country=["DE", "FR", "SE", "BR"][i % 4],
                                              city=["Nairobi", "Geneva"][i % 2])
            self.contacts.append(factories.make_contact(org, full_name=f"Diplomat {i}",
                                                        email=f"diplomat{i}@example.org",
                                                        timezone=["Africa/Nairobi", "Europe/Zurich"][i % 2]))
            factories.make_recommendation(themes=(f"Theme {i % 7}", "Right to health"), reference=f"142.{i + 1}")
        for i in range(self.size, size):
            organiser = self.staff[i % 3]
            contacts = [self.contacts[(i + k) % len(self.contacts)] for k in range(3)]
            starts_at = datetime.combine(WEEK_OF + timedelta(days=i % 5), datetime.min.time(), UTC) + \
                timedelta(hours=6 + i % 8, minutes=i)
            factories.make_meeting(organiser=organiser, contacts=contacts, staff=[self.staff[(i + 1) % 3]],
                                   starts_at=starts_at, timezone=["Africa/Nairobi", "Europe/Zurich"][i % 2],
                                   tags=[f"tag{i % 4}"], recommendation_ids=[i + 1], now=NOW)
            past = make_past_meeting(organiser, contacts=contacts, staff=[self.staff[(i + 2) % 3]],
                                     starts_at=datetime(2026, 11, 2, 7, 0, tzinfo=UTC) + timedelta(hours=i))
            outcome = Outcome(meeting_id=past.id, recommendation_id=i + 1, organisation_id=contacts[0].organisation_id,
                              position="supportive", summary=f"Summary {i}", commitment=f"Commitment {i}",
                              created_by_id=organiser.id, created_at=NOW, updated_by_id=organiser.id, updated_at=NOW)
            outcome.follow_ups = [FollowUp(description=f"Follow up {i}", owner_id=self.staff[(i + 1) % 3].id,
                                           due_on=date(2026, 12, 1) + timedelta(days=i % 9), status="open",
                                           created_by_id=organiser.id, created_at=NOW, updated_at=NOW)]
            db.session.add(outcome)
            # An ask of the recommendations' cycle, confirmed as taken up by one of them.
            ask = create_ask(None, NOW, {"cycle": 3, "text": f"Fund community health workers in county {i}",
                                         "themes": ["Right to health"], "target_states": ["DE"]})
            ask.matches.append(AskMatch(recommendation_id=i + 1, verdict="full", decided_at=NOW))
            record_event(organiser, NOW - timedelta(minutes=i), "login")
        db.session.commit()
        self.size = size


@pytest.fixture(params=["sqlite"])
def backend(request):
    """SQLite only: the statements are counted where SQLAlchemy sends them, and a list page sends the
    same ones on PostgreSQL (nothing on these paths depends on the dialect); building the world of 50
    there took 3-7 s a test and proved nothing more. Every page's SQL runs on PostgreSQL elsewhere."""
    return request.param


@pytest.fixture(autouse=True)
def _at_now():
    """Everything (sign-in included) at the suite's NOW, so sessions and upcoming meetings agree."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(scope="module")
def worlds(sqlite_schema, tmp_path_factory):
    """The world with its people only, then grown to 5 and to 50: an SQLite file of each, made once per
    test process. Growing it (factories, bookings with their invitations) was nine tenths of this
    module's CPU when every test grew its own; each test now starts from a copy of these files."""
    folder = tmp_path_factory.mktemp("world")
    path = folder / "world.sqlite"
    shutil.copyfile(sqlite_schema, path)
    made = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", ENGAGE_INSTANCE_DIR=str(folder))
    files = {}
    with time_machine.travel(NOW, tick=False), made.app_context():
        world = World(made)
        for size in (0, 5, 50):
            world.grow(size)
            with db.engine.connect() as conn:  # everything into the file itself, as sqlite_schema does
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            files[size] = folder / f"world{size}.sqlite"
            shutil.copyfile(path, files[size])
        people = {"lead": world.lead.id, "admin": world.admin.id, "staff": [u.id for u in world.staff]}
        db.session.remove()
        db.engine.dispose()
    return files, people


class CopiedWorld:
    """The test's database holds the world at the size last asked for (a copy of `worlds`' file);
    its people are read afresh from it, as a copy replaces the rows the session knew."""

    def __init__(self, app, worlds):
        self.app = app
        self.files, self.people = worlds
        self.size = None
        self.grow(0)

    def grow(self, size: int) -> None:
        db.session.remove()
        db.engine.dispose()  # no connection may hold the file the copy replaces
        path = Path(make_url(self.app.config["SQLALCHEMY_DATABASE_URI"]).database)
        for suffix in ("-wal", "-shm"):  # the old file's log would be read as the copy's
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(self.files[size], path)
        self.size = size

    @property
    def lead(self):
        return db.session.get(User, self.people["lead"])

    @property
    def admin(self):
        return db.session.get(User, self.people["admin"])

    @property
    def staff(self):
        return [db.session.get(User, user_id) for user_id in self.people["staff"]]


@pytest.fixture
def world(app, worlds):
    return CopiedWorld(app, worlds)


def rows(response) -> int:
    """How many rows a list response shows: API items, calendar events, table rows or meeting links."""
    if response.is_json:
        return len(response.get_json()["items"])
    body = response.get_data(as_text=True)
    if response.mimetype == "text/calendar":
        return body.count("BEGIN:VEVENT")
    return max(body.count("<tr") - 1, len(re.findall(r'href="/meetings/\d+"', body)))


def fresh(app, request_once):
    """Run the request twice, each in an app context of its own (a fresh database session, as
    when served); the first warms what a first request does once (templates, mappers).
    The second's statements are counted: returns its response with `.statements` set."""
    with app.app_context():
        request_once()
    with app.app_context(), counted() as statements:
        response = request_once()
        response.get_data()  # a streamed body runs its statements now
    response.statements = statements
    return response


def _same_for_5_and_50(world, prepare):
    """Count one request with 5 rows of everything, then with 50; both counts, checked. `prepare()`
    makes what the request needs in each world (a token, a signed-in client) and returns the request."""
    counts = []
    for size in (5, 50):
        world.grow(size)
        request_once = prepare()
        response = fresh(world.app, request_once)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert rows(response) >= size, f"{rows(response)} rows shown of {size}"
        counts.append(len(response.statements))
    assert counts[0] == counts[1], f"5 rows: {counts[0]} statements, 50 rows: {counts[1]}"
    assert counts[1] <= MAX_STATEMENTS, f"{counts[1]} statements"
    return counts


def _api(app, world, url, user="lead"):
    def prepare():
        api = _api_for(app, getattr(world, user))
        return lambda: api.get(url)
    return prepare


def signed_in(app, user):
    """A client signed in as `user`, through a request context of its own (as a browser would be)."""
    with app.app_context():
        return login(app.test_client(), db.session.get(type(user), user.id))


def _page(app, world, url, user="lead"):
    def prepare():
        client = signed_in(app, getattr(world, user))
        return lambda: client.get(url)
    return prepare


class TestMeetings:
    def test_api_list(self, app, world):
        _same_for_5_and_50(world, _api(app, world, "/api/v1/meetings?per_page=50"))

    def test_page(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/meetings/"))

    def test_week(self, app, world):
        _same_for_5_and_50(world, _page(app, world, f"/meetings/week?start={WEEK_OF.isoformat()}"))

    def test_month(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/meetings/month?month=2026-12"))

    def test_team_feed(self, app, world):
        def prepare():
            feed = calendar.create_feed(None, NOW, world.lead, "team")
            db.session.commit()
            client = app.test_client()
            return lambda: client.get(f"/calendar/{feed.secret}.ics")

        _same_for_5_and_50(world, prepare)


class TestDirectory:
    def test_contacts_api(self, app, world):
        _same_for_5_and_50(world, _api(app, world, "/api/v1/contacts?per_page=50"))

    def test_contacts_page(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/directory/contacts"))

    def test_organisations_api(self, app, world):
        _same_for_5_and_50(world, _api(app, world, "/api/v1/organisations?per_page=50"))

    def test_organisations_page(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/directory/organisations"))


class TestRecommendations:
    def test_api(self, app, world):
        _same_for_5_and_50(world, _api(app, world, "/api/v1/recommendations?per_page=50"))

    def test_page(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/recommendations/"))

    def test_page_in_french(self, app, world):
        """Read in French, every recommendation with a French text: as many statements as in English."""
        page = _page(app, world, "/recommendations/?text=fr")

        def prepare():
            with world.app.app_context():
                for rec in db.session.scalars(select(Recommendation)):
                    if not rec.texts:
                        rec.set_text("fr", f"Texte français de {rec.reference}", "test", NOW)
                db.session.commit()
            return page()
        _same_for_5_and_50(world, prepare)


class TestAsks:
    def test_matches_page(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/asks/matches?cycle=3"))


class TestOutcomes:
    def test_api(self, app, world):
        _same_for_5_and_50(world, _api(app, world, "/api/v1/outcomes?per_page=50"))

    def test_engagement_log(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/outcomes/"))

    def test_follow_ups(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/outcomes/follow-ups"))


class TestOutbox:
    def test_api(self, app, world):
        _same_for_5_and_50(world, _api(app, world, "/api/v1/outbox?per_page=50", user="admin"))

    def test_page(self, app, world):
        _same_for_5_and_50(world, _page(app, world, "/admin/outbox/", user="admin"))


class TestUptake:
    """The uptake report: an ask per past meeting, on its agenda, with an outcome on it and a
    recommendation confirmed as taking it up; the report lists each ask, state and theme."""

    @staticmethod
    def _with_asks(request):
        def prepare():
            theme = db.session.scalar(select(Theme).where(Theme.name == "Right to health"))
            past = db.session.scalars(select(Meeting).where(Meeting.starts_at < NOW).order_by(Meeting.id)).all()
            recs = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
            for i, (meeting, rec) in enumerate(zip(past, recs)):
                ask = Ask(cycle=4, text=f"Ask {i}", priority="high", created_at=NOW, updated_at=NOW, themes=[theme])
                db.session.add(ask)
                db.session.flush()
                meeting.asks = [ask]
                db.session.add_all([
                    Outcome(meeting_id=meeting.id, ask_id=ask.id, position="will_make", summary=f"On ask {i}",
                            organisation_id=meeting.attendees[0].contact.organisation_id, created_at=NOW,
                            updated_at=NOW),
                    AskMatch(ask_id=ask.id, recommendation_id=rec.id, verdict="full", decided_at=NOW)])
            db.session.commit()
            return request()
        return prepare

    def test_page(self, app, world):
        _same_for_5_and_50(world, self._with_asks(_page(app, world, "/reports/uptake")))

    def test_api(self, app, world):
        counts = []
        for size in (5, 50):
            world.grow(size)
            response = fresh(app, self._with_asks(_api(app, world, "/api/v1/reports/uptake"))())
            assert response.status_code == 200 and len(response.get_json()["asks"]) == size
            counts.append(len(response.statements))
        assert counts[0] == counts[1] <= MAX_STATEMENTS, counts


class TestAudit:
    def test_page(self, app, world):
        # Every row made writes audit rows, so the log is past a page at 5; its page size is what varies.
        world.grow(50)
        client = signed_in(app, world.admin)
        counts = []
        for per_page in (5, 50):
            app.config["PER_PAGE"] = per_page
            response = fresh(app, lambda: client.get("/audit/"))
            assert response.status_code == 200
            assert rows(response) == per_page
            counts.append(len(response.statements))
        assert counts[0] == counts[1] <= MAX_STATEMENTS, counts


class TestStart:
    """The start page and the search list at most a few rows of each kind: the statements are the same
    whether 5 or 50 of everything match (one world for the three, as growing it is most of the cost)."""

    def test_start_page_and_search(self, app, world):
        items = lambda page: page.count('<li class="list-group-item">')  # noqa: E731
        contacts = lambda page: len(re.findall(r'href="/directory/contacts/\d+"', page))  # noqa: E731
        counts = {name: [] for name in ("mine", "team", "search")}
        for size in (5, 50):
            world.grow(size)
            client = signed_in(app, world.staff[0])
            requests = {"mine": (lambda: client.get("/"), items),
                        "team": (lambda: client.get("/?meetings=team"), items),
                        "search": (lambda: client.get("/search?q=diplomat"), contacts)}
            for name, (request_once, listed) in requests.items():
                response = fresh(world.app, request_once)
                assert response.status_code == 200, response.get_data(as_text=True)[:500]
                assert listed(response.get_data(as_text=True)) >= min(size, 10), name
                counts[name].append(len(response.statements))
        for name, (small, large) in counts.items():
            assert small == large <= MAX_STATEMENTS, (name, small, large)
