"""A meeting's history names the people a reader may not see as "a restricted contact", recognised by who
they are, never by words: nothing typed into a meeting can probe for a hidden name."""
from __future__ import annotations

from sqlalchemy import select

from engage.access import services as access
from engage.extensions import db
from engage.history import ChangeRecord
from engage.meetings import services as meetings
from engage.meetings.models import Attendee
from tests import factories
from tests.access.conftest import sign_in, text
from tests.access.test_pages import _dpo

QUIET, QUIET_EMAIL = "Quiet Diplomat", "quiet@example.org"


def _history(page: str) -> str:
    return page.split('id="history"', 1)[1].split("</section>", 1)[0] if 'id="history"' in page else ""


def _world(lead_user):
    org = factories.make_organisation()
    quiet = factories.make_contact(org, full_name=QUIET, email=QUIET_EMAIL)
    dpo = _dpo()
    access.set_sensitivity(dpo, factories.WHEN, quiet, "restricted")
    access.grant(dpo, factories.WHEN, quiet, user=lead_user)  # the organiser may see them; staff may not
    db.session.commit()
    return org, quiet


def test_words_typed_into_ones_own_meeting_are_shown_as_typed(app, staff_user, lead_user):
    _world(lead_user)
    meeting = factories.make_meeting(organiser=staff_user)
    meetings.update_meeting(staff_user, factories.WHEN, meeting, {
        "description": f"Is {QUIET} ({QUIET_EMAIL}) on any list?", "title": f"Probe {QUIET}"})
    db.session.commit()
    history = _history(text(sign_in(app, staff_user).get(f"/meetings/{meeting.id}")))
    assert f"Is {QUIET} ({QUIET_EMAIL}) on any list?" in history and f"Probe {QUIET}" in history
    assert access.HIDDEN_CONTACT not in history


def test_a_hidden_attendee_added_answering_and_removed_is_a_restricted_contact(app, staff_user, lead_user):
    org, quiet = _world(lead_user)
    namesake = factories.make_contact(org, full_name=QUIET, email="namesake@example.org")
    meeting = factories.make_meeting(organiser=lead_user)
    meetings.add_attendee(lead_user, factories.WHEN, meeting, contact_id=quiet.id)
    meetings.add_attendee(lead_user, factories.WHEN, meeting, contact_id=namesake.id)
    hidden = db.session.scalar(select(Attendee).where(Attendee.contact_id == quiet.id))
    meetings.record_response(None, factories.WHEN, hidden, "accepted")
    meetings.update_meeting(lead_user, factories.WHEN, meeting, {"attendees": [
        {"contact_id": quiet.id, "role": "optional"}, {"contact_id": namesake.id, "role": "required"}]})
    meetings.remove_attendee(lead_user, factories.WHEN, meeting, hidden)
    db.session.commit()
    history = _history(text(sign_in(app, staff_user).get(f"/meetings/{meeting.id}")))
    assert QUIET_EMAIL not in history
    # Added, answered (credited to them, and what they answered), made optional, removed: five mentions
    # of the hidden one; the namesake by name.
    assert history.count(access.HIDDEN_CONTACT) == 5, history
    assert f"{access.HIDDEN_CONTACT} answered" in history
    assert f"{QUIET} &lt;namesake@example.org&gt;" in history
    dpo_history = _history(text(sign_in(app, db.session.scalar(
        select(factories.User).where(factories.User.email == "dpo@example.org"))).get(f"/meetings/{meeting.id}")))
    assert access.HIDDEN_CONTACT not in dpo_history and QUIET_EMAIL in dpo_history
    assert f"{QUIET} answered" in dpo_history and f"answer: {QUIET}: No answer yet → Accepted" in dpo_history


def test_history_written_before_mentions_is_redacted_by_address_and_attendance(app, staff_user, lead_user):
    org, quiet = _world(lead_user)
    meeting = factories.make_meeting(organiser=lead_user, contacts=[quiet])
    elsewhere = factories.make_meeting(organiser=staff_user)
    for entity, changes, action in [
        (meeting, {"attendees added": f"{QUIET} <{QUIET_EMAIL}>, Loud One <loud@example.org>"}, "updated"),
        (meeting, {QUIET: ["Needs action", "Accepted"]}, "answer"),
        (meeting, {"responses": f"{QUIET}: Declined; Loud One: Accepted"}, "updated"),
        # On a meeting the hidden contact never attended, the same words are someone else's.
        (elsewhere, {"attendees added": f"{QUIET} <namesake@example.org>"}, "updated"),
        (elsewhere, {QUIET: ["Needs action", "Accepted"]}, "answer"),
    ]:
        db.session.add(ChangeRecord(entity_type="meeting", entity_id=entity.id, action=action, changes=changes,
                                    actor_id=lead_user.id, at=factories.WHEN))
    db.session.commit()
    client = sign_in(app, staff_user)
    history = _history(text(client.get(f"/meetings/{meeting.id}")))
    assert QUIET not in history and QUIET_EMAIL not in history
    assert "Loud One &lt;loud@example.org&gt;" in history and "Loud One: Accepted" in history
    other = _history(text(client.get(f"/meetings/{elsewhere.id}")))
    assert f"{QUIET} &lt;namesake@example.org&gt;" in other and f"{QUIET}: Needs action" in other
    assert access.HIDDEN_CONTACT not in other
