"""The morning digest and follow-up notices: after 07:00 Nairobi, once per day, once per follow-up."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.outbox.models import OutboxMessage
from engage.outcomes import services as outcomes
from engage.reminders.digest import queue_morning_messages
from tests import factories

BOOKED = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
MORNING = datetime(2027, 3, 10, 4, 0, tzinfo=UTC)  # 07:00 in Nairobi


def _mail(kind=None):
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


@pytest.fixture
def world(app):
    staff = factories.make_user(email="wanjiku@example.org", full_name="Wanjiku Njeri")
    idle = factories.make_user(email="idle@example.org")
    diplomat = factories.make_contact(email="kofi@example.org", full_name="Kofi Mensah")
    today = factories.make_meeting(organiser=staff, contacts=[diplomat], staff=[staff], title="Today with Ghana",
                                   starts_at=datetime(2027, 3, 10, 9, 0, tzinfo=UTC), now=BOOKED, notify=False)
    held = factories.make_meeting(organiser=staff, contacts=[diplomat], title="Held last week",
                                  starts_at=datetime(2027, 3, 2, 9, 0, tzinfo=UTC), now=BOOKED, notify=False)
    outcome = outcomes.create_outcome(staff, datetime(2027, 3, 3, 9, 0, tzinfo=UTC), held, {
        "summary": "Ghana will raise HIV key populations", "position": "will_raise"}, follow_ups=[
        {"description": "Send the briefing note", "owner_id": staff.id, "due_on": date(2027, 3, 10)},
        {"description": "Call the mission back", "owner_id": staff.id, "due_on": date(2027, 3, 8)}])
    db.session.commit()
    return {"staff": staff, "idle": idle, "today": today, "outcome": outcome}


def test_nothing_goes_before_seven_in_nairobi(app, world):
    result = queue_morning_messages(MORNING - timedelta(minutes=1), app.config)
    assert result == {"digests": 0, "notices": 0}
    assert _mail() == []


def test_digest_lists_the_day_and_goes_once(app, world):
    result = queue_morning_messages(MORNING, app.config)
    assert result["digests"] == 1  # the idle user has nothing to read, so gets nothing
    digest = _mail("digest")[0]
    assert digest.recipient == "wanjiku@example.org"
    raw = digest.raw.decode("utf-8", "replace")
    from email import message_from_bytes, policy
    text = message_from_bytes(digest.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "Today with Ghana" in text and "10:00 Geneva (CET)" in text
    assert "Still no answer from" in text and "Kofi Mensah" in text
    assert "Send the briefing note" in text and "Call the mission back" in text
    assert "Held last week" not in text
    assert raw
    again = queue_morning_messages(MORNING + timedelta(hours=3), app.config)
    assert again["digests"] == 0 and len(_mail("digest")) == 1


def test_later_passes_the_same_day_do_not_build_a_sent_digest_again(app, world, monkeypatch):
    from engage.reminders import digest

    queue_morning_messages(MORNING, app.config)
    sent = {m.recipient for m in _mail("digest")}
    built = []
    real = digest.digest_for
    monkeypatch.setattr(digest, "digest_for", lambda user, *a: built.append(user.email) or real(user, *a))
    queue_morning_messages(MORNING + timedelta(minutes=5), app.config)
    assert sent and not sent & set(built)


def test_follow_up_notices_due_today_and_overdue_once(app, world):
    queue_morning_messages(MORNING, app.config)
    subjects = sorted(m.subject for m in _mail("reminder"))
    assert subjects == ["Follow-up due today: Send the briefing note",
                        "Follow-up overdue since 8 Mar 2027: Call the mission back"]
    # The next morning the briefing note is overdue (one more notice); the other gets no second one.
    queue_morning_messages(MORNING + timedelta(days=1), app.config)
    subjects = sorted(m.subject for m in _mail("reminder"))
    assert subjects == ["Follow-up due today: Send the briefing note",
                        "Follow-up overdue since 10 Mar 2027: Send the briefing note",
                        "Follow-up overdue since 8 Mar 2027: Call the mission back"]


def test_done_follow_ups_are_not_chased(app, world):
    for follow_up in world["outcome"].follow_ups:
        outcomes.set_follow_up_status(world["staff"], MORNING, follow_up, "done")
    db.session.commit()
    queue_morning_messages(MORNING, app.config)
    assert _mail("reminder") == []


def test_a_crowded_day_lists_the_first_meetings_and_links_to_the_rest(app, world, monkeypatch):
    from email import message_from_bytes, policy

    from engage.reminders import digest

    monkeypatch.setattr(digest, "DIGEST_MEETINGS", 3)
    for hour in (11, 12, 13, 14):
        factories.make_meeting(organiser=world["staff"], title=f"Briefing at {hour}:00 UTC",
                               starts_at=datetime(2027, 3, 10, hour, 0, tzinfo=UTC), now=BOOKED, notify=False)
    db.session.commit()
    queue_morning_messages(MORNING, app.config)
    message = message_from_bytes(_mail("digest")[0].raw, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "Today with Ghana" in text and "Briefing at 11:00 UTC" in text and "Briefing at 12:00 UTC" in text
    assert "Briefing at 13:00 UTC" not in text
    assert [line for line in text.splitlines() if "more" in line] == ["- and 2 more: http://127.0.0.1:5000/meetings"]
    assert "and 2 more</a>" in message.get_body(("html",)).get_content()


def test_a_digest_never_names_a_restricted_contact_even_to_someone_granted(app, world):
    from engage.access import services as access

    staff, meeting = world["staff"], world["today"]
    kofi = meeting.contact_attendees[0].contact
    dpo = factories.make_user(email="dpo@example.org")
    dpo.is_dpo = True
    access.set_sensitivity(dpo, BOOKED, kofi, "restricted")
    access.grant(dpo, BOOKED, kofi, user=staff)  # the organiser may see Kofi; an admin reading the outbox may not
    db.session.commit()
    queue_morning_messages(MORNING, app.config)
    from email import message_from_bytes, policy
    digest = message_from_bytes(_mail("digest")[0].raw, policy=policy.default)
    for part in ("plain", "html"):
        text = digest.get_body((part,)).get_content()
        assert "Kofi Mensah" not in text and "kofi@example.org" not in text, part
        assert "Today with Ghana" in text and "1 restricted contact" in text, part


def test_a_french_user_gets_the_digest_and_notices_in_french(app, world):
    world["staff"].language = "fr"  # chosen on the account page; mail has no browser to follow
    db.session.commit()
    queue_morning_messages(MORNING, app.config)
    from email import message_from_bytes, policy
    digest = _mail("digest")[0]
    assert digest.subject == "engage : votre journée, 10 mars 2027"
    text = message_from_bytes(digest.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "Bonjour Wanjiku Njeri," in text and "mercredi 10 mars 2027" in text
    assert "Toujours sans réponse de" in text and "10:00 heure de Genève (CET)" in text
    assert "(échéance le 8 mars 2027)" in text and "Good morning" not in text
    assert sorted(m.subject for m in _mail("reminder")) == [
        "Suivi en retard depuis le 8 mars 2027 : Call the mission back",
        "Suivi à échéance aujourd’hui : Send the briefing note"]
