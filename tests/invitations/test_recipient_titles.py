"""What a recipient reads calls the meeting by its title for invitations, never by the staff title:
the answer page their email links to, the page after answering, and what a reply leaves behind."""
import mailbox
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
import time_machine
from sqlalchemy import select

from engage.extensions import db
from engage.invitations.models import ProcessedReply
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.invitations.test_ingest import reply_email

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
STAFF_TITLE = "HIV key populations briefing (SOGI)"


@pytest.fixture(params=["restricted", "internal"])
def meeting(app, request):
    """A meeting whose staff title names its topic; invitations call it after the mission."""
    org = factories.make_organisation(name="Embassy of Ghana", country="GH", kind="embassy")
    kofi = factories.make_contact(org, email="kofi@example.org", full_name="Kofi Mensah")
    return factories.make_meeting(contacts=[kofi], now=NOW, title=STAFF_TITLE, sensitivity=request.param)


def _accept_link(recipient: str) -> str:
    """The Accept link exactly as the invitation email in the outbox carries it, as a path."""
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient,
                                                         OutboxMessage.kind == "invitation")).one()
    text = message_from_bytes(row.raw, policy=policy.default).get_body(("plain",)).get_content()
    url = re.search(r"^\s*Accept:\s+(\S+)\s*$", text, re.M).group(1)
    return re.sub(r"^https?://[^/]+", "", url)


@time_machine.travel(NOW, tick=False)
def test_the_answer_page_and_its_confirmation_show_only_the_title_for_invitations(meeting):
    from flask import current_app

    neutral = meeting.title_for_invitations
    assert neutral == "Meeting with the Embassy of Ghana"
    link = _accept_link("kofi@example.org")
    client = current_app.test_client()  # a browser that never signed in
    page = client.get(link)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "SOGI" not in body and "key populations" not in body
    assert neutral in body and "Confirm: Accept" in body
    confirmed = client.post(link.split("?")[0], data={"answer": "accepted"}, follow_redirects=True)
    body = confirmed.get_data(as_text=True)
    assert "your answer is recorded: Accepted" in body
    assert "SOGI" not in body and neutral in body


def test_ingest_replies_output_and_the_stored_reason_name_only_the_number_and_invitation_title(
        meeting, tmp_path, runner):
    path = tmp_path / "replies.mbox"
    box = mailbox.mbox(path)
    box.add(reply_email(meeting.uid, "stranger@example.org", "ACCEPTED"))
    box.flush()
    result = runner.invoke(args=["engage", "ingest-replies", "--source", str(path)])
    assert result.exit_code == 0, result.output
    expected = f"stranger@example.org: stranger@example.org is not on the meeting #{meeting.id} " \
               "('Meeting with the Embassy of Ghana')"
    assert expected in result.output
    assert "SOGI" not in result.output
    stored = db.session.scalars(select(ProcessedReply)).one()
    assert stored.result == "rejected" and stored.detail == expected


def _calendar_text(recipient: str, kind: str = "invitation") -> str:
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient,
                                                         OutboxMessage.kind == kind)).one()
    message = message_from_bytes(row.raw, policy=policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part.get_content().replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",")


def test_an_internal_meetings_invitations_name_no_restricted_contact_to_the_others(app, staff_user):
    """A choice: the others read "and 1 other attendee"; the restricted contact still sees themselves."""
    from engage.access import services as access
    from engage.meetings import services as meetings

    dpo = factories.make_user(role="staff", email="dpo@example.org")
    dpo.is_dpo = True
    ghana = factories.make_organisation(name="Embassy of Ghana", country="GH", kind="embassy")
    secret = factories.make_organisation(name="Embassy of Secretland", country="GH", kind="embassy")
    kofi = factories.make_contact(ghana, email="kofi@example.org", full_name="Kofi Mensah")
    hidden = factories.make_contact(secret, email="hidden@example.org", full_name="Hidden Diplomat")
    access.set_sensitivity(dpo, NOW, hidden, "restricted")
    meeting = factories.make_meeting(organiser=staff_user, contacts=[kofi, hidden], now=NOW, title="Staff plan")
    kofis = _calendar_text("kofi@example.org")
    assert "Kofi Mensah (Embassy of Ghana)" in kofis and "and 1 other attendee" in kofis
    assert "Hidden Diplomat" not in kofis and "hidden@example.org" not in kofis and "Secretland" not in kofis
    # The title for invitations is named after the organisations of the contacts everyone may know of.
    assert meeting.title_for_invitations == "Meeting with the Embassy of Ghana"
    theirs = _calendar_text("hidden@example.org")
    assert "Hidden Diplomat (Embassy of Secretland)" in theirs and "Kofi Mensah" in theirs
    # Cancelling tells everyone, and names them to nobody else.
    meetings.cancel_meeting(staff_user, NOW, meeting)
    db.session.commit()
    assert "Hidden Diplomat" not in _calendar_text("kofi@example.org", "cancellation")
    _calendar_text("hidden@example.org", "cancellation")
