""".ics downloads and private feeds, read back by ical.js (node) and vobject: the UTC start must be the truth."""
from datetime import UTC, datetime, timedelta

import pytest

from engage.auth import services as auth_services
from engage.errors import PermissionDenied
from engage.extensions import db
from engage.meetings import calendar, services
from engage.meetings.models import CalendarFeed
from tests import factories
from tests.ical_readers import READERS

# (zone, local wall time, the instant it is)
TRUTH = {
    "nairobi": ("Africa/Nairobi", "2027-07-06", "10:00", datetime(2027, 7, 6, 7, 0, tzinfo=UTC)),
    "geneva winter": ("Europe/Zurich", "2027-12-07", "10:00", datetime(2027, 12, 7, 9, 0, tzinfo=UTC)),
    "geneva summer": ("Europe/Zurich", "2027-07-06", "10:00", datetime(2027, 7, 6, 8, 0, tzinfo=UTC)),
    "geneva after the spring change": ("Europe/Zurich", "2027-03-29", "10:00", datetime(2027, 3, 29, 8, 0, tzinfo=UTC)),
    "geneva after the autumn change": ("Europe/Zurich", "2027-11-01", "10:00", datetime(2027, 11, 1, 9, 0, tzinfo=UTC)),
}


@pytest.fixture
def people(app):
    org = factories.make_organisation(name="Mission permanente de la Côte d’Ivoire", kind="permanent_mission",
                                      country="CI", city="Geneva")
    return {"me": factories.make_user(full_name="Wanjiru Kamau"),
            "other": factories.make_user(full_name="Otieno Odhiambo"),
            "contact": factories.make_contact(org, full_name="Aïcha Koné", email="aicha@mission.ci")}


def _book_local(client, organiser, contact, zone, day, at):
    from tests.meetings.conftest import booking

    end = f"{int(at[:2]) + 1:02d}{at[2:]}"
    response = client.post("/meetings/new", data=booking(organiser, [contact], date=day, start_time=at, end_time=end,
                                                         timezone=zone, title="Mkutano wa maandalizi — Genève"))
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(TRUTH))
def test_downloaded_ics_opens_at_the_true_instant(staff_client, staff_user, frozen, reader, case):
    zone, day, at, truth = TRUTH[case]
    org = factories.make_organisation(name="Mission", city="Geneva")
    contact = factories.make_contact(org)
    meeting_id = _book_local(staff_client, staff_user, contact, zone, day, at)
    response = staff_client.get(f"/meetings/{meeting_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    [event] = READERS[reader](response.data)
    meeting = services.get_meeting(meeting_id)
    assert event["start_utc"] == truth and event["end_utc"] == truth + timedelta(hours=1)
    assert event["uid"] == meeting.uid and event["sequence"] == 0
    assert event["status"] == "CONFIRMED" and event["method"] == "PUBLISH"
    assert b"VTIMEZONE" not in response.data  # one-off meetings travel in UTC (docs/architecture.md, Invitations)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_ics_follows_reschedule_and_cancellation_with_the_same_uid(people, now, reader):
    meeting = factories.make_meeting(organiser=people["me"], contacts=[people["contact"]],
                                     starts_at=TRUTH["geneva winter"][3])
    summer = TRUTH["geneva summer"][3]
    services.reschedule_meeting(people["me"], now, meeting, summer, summer + timedelta(hours=1))
    [event] = READERS[reader](calendar.meeting_ics(meeting, now, "engage@example.org"))
    assert (event["uid"], event["sequence"], event["start_utc"]) == (meeting.uid, 1, summer)
    services.cancel_meeting(people["me"], now, meeting)
    [event] = READERS[reader](calendar.meeting_ics(meeting, now, "engage@example.org"))
    assert (event["uid"], event["sequence"], event["status"]) == (meeting.uid, 2, "CANCELLED")


def test_ics_download_carries_the_agenda_place_and_non_ascii_text(people, now):
    meeting = factories.make_meeting(organiser=people["me"], contacts=[people["contact"]],
                                     title="Mkutano wa maandalizi — Genève", location="Rue de Lausanne 45, Genève",
                                     starts_at=TRUTH["geneva summer"][3])
    import vobject

    body = calendar.meeting_ics(meeting, now, "engage@example.org", "https://engage.example.org/meetings/1")
    event = next(vobject.readComponents(body.decode())).vevent
    assert event.summary.value == "Mkutano wa maandalizi — Genève"
    assert event.location.value == "Rue de Lausanne 45, Genève"
    assert "Aïcha Koné" in event.description.value
    assert "10:00–11:00 Geneva (CEST) · 11:00–12:00 Nairobi (EAT)" in event.description.value
    assert event.organizer.value == "mailto:engage@example.org"


# ---- feeds ----

def _feed(app, feed):
    return app.test_client().get(f"/calendar/{feed.secret}.ics")


@pytest.mark.parametrize("reader", sorted(READERS))
def test_personal_feed_has_my_meetings_at_the_true_instants_and_nobody_elses(app, people, now, reader):
    me, other = people["me"], people["other"]
    mine = {}
    for i, case in enumerate(("nairobi", "geneva winter", "geneva summer")):
        zone, _, _, truth = TRUTH[case]
        mine[case] = factories.make_meeting(organiser=me, contacts=[people["contact"]], starts_at=truth,
                                            timezone=zone, title=f"Mine {case}")
    taking_part = factories.make_meeting(organiser=other, staff=[me], title="I take part",
                                         starts_at=datetime(2027, 8, 2, 9, tzinfo=UTC))
    not_mine = factories.make_meeting(organiser=other, title="Not mine", starts_at=datetime(2027, 8, 3, 9, tzinfo=UTC))
    cancelled = factories.make_meeting(organiser=me, title="Called off", starts_at=datetime(2027, 8, 4, 9, tzinfo=UTC))
    services.cancel_meeting(me, now, cancelled)
    feed = calendar.create_feed(me, now, me)
    db.session.commit()

    response = _feed(app, feed)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    events = {e["uid"]: e for e in READERS[reader](response.data)}
    assert set(events) == {m.uid for m in mine.values()} | {taking_part.uid}
    for case, meeting in mine.items():
        assert events[meeting.uid]["start_utc"] == TRUTH[case][3], case
        assert events[meeting.uid]["method"] == "PUBLISH"
    assert not_mine.uid not in events and cancelled.uid not in events


def test_feed_is_public_but_unguessable_and_revocable(app, people, now):
    me = people["me"]
    factories.make_meeting(organiser=me, title="Mine")
    feed = calendar.create_feed(me, now, me)
    db.session.commit()
    assert len(feed.secret) >= 40
    assert _feed(app, feed).status_code == 200
    assert app.test_client().get("/calendar/not-the-secret.ics").status_code == 404
    new = calendar.create_feed(me, now, me)  # regenerate: the old address stops working
    db.session.commit()
    assert _feed(app, feed).status_code == 404 and _feed(app, new).status_code == 200
    calendar.revoke_feed(me, now, new)
    db.session.commit()
    assert _feed(app, new).status_code == 404
    newest = calendar.create_feed(me, now, me)
    auth_services.set_disabled(None, now, me, True)
    db.session.commit()
    assert _feed(app, newest).status_code == 404


def test_team_feed_is_for_leads_only(app, people, now):
    lead = factories.make_user(role="lead")
    factories.make_meeting(organiser=people["me"], title="Someone's")
    factories.make_meeting(organiser=people["other"], title="Another's", starts_at=datetime(2027, 8, 3, 9, tzinfo=UTC))
    with pytest.raises(PermissionDenied):
        calendar.create_feed(people["me"], now, people["me"], "team")
    feed = calendar.create_feed(lead, now, lead, "team")
    db.session.commit()
    events = READERS["vobject"](_feed(app, feed).data)
    assert len(events) == 2
    auth_services.set_role(None, now, lead, "staff")
    db.session.commit()
    assert _feed(app, feed).status_code == 404


def test_feeds_page_offers_the_address_and_a_webcal_link(app, staff_client, staff_user, frozen):
    page = staff_client.get("/meetings/feeds").get_data(as_text=True)
    assert "No feed address yet" in page and "All meetings (team)" not in page
    response = staff_client.post("/meetings/feeds/personal", follow_redirects=True)
    page = response.get_data(as_text=True)
    feed = db.session.query(CalendarFeed).one()
    assert f"/calendar/{feed.secret}.ics" in page and "webcal://" in page
    assert staff_client.post("/meetings/feeds/team").status_code == 403
    staff_client.post("/meetings/feeds/personal/revoke")
    db.session.refresh(feed)
    assert feed.revoked_at is not None


def test_leads_see_the_team_feed_option(lead_client, frozen):
    assert "All meetings (team)" in lead_client.get("/meetings/feeds").get_data(as_text=True)
    assert lead_client.post("/meetings/feeds/team").status_code == 302


def test_odd_feed_addresses_are_plain_404s(app):
    for secret in ("a%00b", "..%2F..", "x" * 65, "%F0%9F%98%80"):
        response = app.test_client().get(f"/calendar/{secret}.ics")
        assert response.status_code == 404, secret


@pytest.mark.parametrize("configured", ["UPR team <upr@example.org>", ("UPR team", "upr@example.org"),
                                        "upr@example.org"])
def test_the_organiser_is_the_bare_address_even_when_the_sender_has_a_name(app, configured):
    from engage.meetings.calendar import organiser_mailbox

    app.config.update(ENGAGE_ORGANISER_EMAIL=None, MAIL_DEFAULT_SENDER=configured)
    assert organiser_mailbox() == "upr@example.org"
