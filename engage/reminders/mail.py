"""Staff's own mail (digests, follow-up and milestone reminders): rendered from a template and queued once per key."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from engage.auth.models import User
from engage.extensions import db
from engage.meetings.calendar import organiser_mailbox
from engage.mime import build_plain_message, make_message_id, message_bytes
from engage.organisation.services import current as current_organisation
from engage.outbox.models import OutboxMessage
from engage.outbox.services import queue_message


def _from_name() -> str:
    """'<organisation> via engage' on staff's own mail: which organisation's engage is writing."""
    organisation = current_organisation()
    return f"{organisation.name} via engage" if organisation.named else "engage"


def queue_plain(now: datetime, kind: str, user: User, subject: str, template: str, context: dict, key: str) -> bool:
    """Render a text+HTML email from engage/templates/email/<template> and queue it once (per key)."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return False
    env = current_app.jinja_env
    text = env.get_template(f"email/{template}.txt").render(**context)
    html = env.get_template(f"email/{template}.html").render(**context)
    sender = organiser_mailbox()
    message_id = make_message_id(key, sender.rsplit("@", 1)[-1])
    message = build_plain_message(to_email=user.email, to_name=user.display_name, from_email=sender,
                                  from_name=_from_name(), subject=subject, text_body=text, html_body=html,
                                  message_id=message_id, sent_at=now)
    queue_message(now, kind, user.email, subject, message_bytes(message), key, message_id)
    return True
