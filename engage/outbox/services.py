"""Queue messages in the caller's transaction; claim, send and retry them later (docs/architecture.md).

Everything here only adds and flushes, except `dispatch_outbox`, the sender itself: it runs from the
scheduler or `flask engage dispatch`, never from a request, and commits after every status change
so that a crash can lose nothing.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import undefer

from engage.access.services import hidden_contact_emails, hidden_ids
from engage.claims import claim_due_rows
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.extensions import db
from engage.history import record_change
from engage.meetings.models import Meeting

from .models import OUTBOX_KINDS, OUTBOX_STATUSES, RESENDABLE_STATUSES, UNSENT_STATUSES, OutboxMessage
from .smtp import PERMANENT, SENT, SmtpSession, envelope_sender

log = logging.getLogger(__name__)

NO_MAIL_SERVER = "no mail server configured"
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_LEASE_SECONDS = 600
DEFAULT_BATCH_SIZE = 100
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def default_worker_id() -> str:
    """This process's name in `claimed_by`: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


@dataclass(frozen=True)
class NewMessage:
    """A rendered message on its way into the outbox."""

    kind: str
    recipient: str
    subject: str
    raw: bytes
    dedupe_key: str
    message_id: str
    meeting_id: int | None = None
    supersede_key: str | None = None  # a newer message with this key replaces an unsent older one


def queue_message(now: datetime, kind: str, recipient: str, subject: str, raw_bytes: bytes, dedupe_key: str,
                  message_id: str, meeting_id: int | None = None,
                  supersede_key: str | None = None) -> OutboxMessage:
    """Add one rendered message to the outbox in the caller's transaction (a known dedupe_key returns its row)."""
    return queue_messages(now, [NewMessage(kind, recipient, subject, raw_bytes, dedupe_key, message_id, meeting_id,
                                           supersede_key)])[0]


def _problems(message: NewMessage) -> dict[str, str]:
    problems = {}
    if message.kind not in OUTBOX_KINDS:
        problems["kind"] = f"Must be one of {', '.join(OUTBOX_KINDS)}."
    if not message.recipient or "@" not in message.recipient:
        problems["recipient"] = "Needs an email address."
    if not isinstance(message.raw, (bytes, bytearray)) or not message.raw:
        problems["raw_bytes"] = "Needs the rendered message as bytes."
    if not message.dedupe_key:
        problems["dedupe_key"] = "Needs a dedupe key."
    if not message.message_id:
        problems["message_id"] = "Needs the Message-ID."
    return problems


def queue_messages(now: datetime, messages: list[NewMessage]) -> list[OutboxMessage]:
    """Add rendered messages to the outbox in the caller's transaction, with one lookup and one flush.

    Returns a row per message, in order; a message whose dedupe_key is already queued returns that row.
    """
    for message in messages:
        if problems := _problems(message):
            raise ValidationError.for_fields(problems)
    keys = {message.dedupe_key for message in messages}
    # Every row this function adds is flushed before it returns, so the lookup need not flush the
    # caller's other pending changes first (a reminder pass would otherwise flush once per chunk).
    with db.session.no_autoflush:
        known = {row.dedupe_key: row for row in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys)))} if keys else {}
    rows, added = [], []
    for message in messages:
        row = known.get(message.dedupe_key)
        if row is None:
            row = OutboxMessage(kind=message.kind, recipient=message.recipient, subject=(message.subject or "")[:998],
                                raw=bytes(message.raw), dedupe_key=message.dedupe_key,
                                supersede_key=message.supersede_key, message_id=message.message_id,
                                meeting_id=message.meeting_id, status="pending", attempts=0, next_attempt_at=now,
                                created_at=now)
            db.session.add(row)
            known[message.dedupe_key] = row
            added.append(row)
        rows.append(row)
    if added:
        db.session.flush()
    for row in added:
        if row.supersede_key:
            # Conditional, so a row a dispatcher has already claimed ("sending") goes out as it is,
            # before this newer one.
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.supersede_key == row.supersede_key,
                       func.lower(OutboxMessage.recipient) == row.recipient.lower(),
                       OutboxMessage.id < row.id,
                       OutboxMessage.status.in_(UNSENT_STATUSES))
                .values(status="superseded", superseded_by_id=row.id, lease_until=None)
                .execution_options(synchronize_session="fetch")
            )
    return rows


def _due(now: datetime):
    """Rows a dispatcher may take: pending and due, or claimed by one whose lease ran out."""
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now),
    )


def _claim(now: datetime, worker_id: str, limit: int, lease_seconds: int, columns) -> list:
    """Mark up to `limit` due rows as sending for `worker_id` and return `columns` of those it won."""
    table = OutboxMessage.__table__
    return claim_due_rows(table, _due(now), (table.c.next_attempt_at, table.c.id), limit, "sending", worker_id,
                          now + timedelta(seconds=lease_seconds), columns)


def claim_due_messages(now: datetime, worker_id: str, limit: int,
                       lease_seconds: int = DEFAULT_LEASE_SECONDS) -> list[OutboxMessage]:
    """Atomically mark up to `limit` due rows as sending for `worker_id`; the caller commits."""
    ids = [row[0] for row in _claim(now, worker_id, limit, lease_seconds, (OutboxMessage.__table__.c.id,))]
    if not ids:
        return []
    loaded = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                .options(undefer(OutboxMessage.raw))
                                .execution_options(populate_existing=True))
    by_id = {message.id: message for message in loaded}
    return [by_id[message_id] for message_id in ids]


def backoff_delay(attempts: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS,
                  rng: random.Random | None = None) -> timedelta:
    """The wait after the n-th failed attempt: doubling from `base`, at most `cap`, jittered to 50–100 %."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling * (0.5 + 0.5 * (rng or random).random()))


def mark_not_sent(now: datetime) -> int:
    """With no mail server: due rows become not_sent ("no mail server configured"), kept for later."""
    result = db.session.execute(
        update(OutboxMessage).where(_due(now))
        .values(status="not_sent", last_error=NO_MAIL_SERVER, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def release_not_sent(now: datetime) -> int:
    """Put every not_sent row back in the queue (a mail server is now configured)."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "not_sent")
        .values(status="pending", next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def resend_message(actor, now: datetime, message: OutboxMessage) -> OutboxMessage:
    """Queue a failed or not-sent message again, with the same bytes and Message-ID."""
    if message.status == "superseded":
        raise ConflictError(_("A newer message to this recipient replaced this one; that one is the one to send."))
    if message.status not in RESENDABLE_STATUSES:
        raise ConflictError(_("Only a failed or not-sent message can be resent; this one is %(status)s.",
                              status=_(OUTBOX_STATUSES[message.status][0]).lower()))
    old_status = message.status
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    message.lease_until = None
    message.last_error = None
    record_change(actor, now, message, "resend", {"status": [old_status, "pending"]})
    db.session.flush()
    return message


def visible_messages(actor):
    """A SQL condition on OutboxMessage: only messages the actor may see.

    A message about a restricted meeting, or to a restricted contact, the actor may not see does
    not exist for them: not in a list, not counted, not viewable (the one rule for the outbox).
    """
    hidden_emails = hidden_contact_emails(actor).subquery()
    return and_(
        # A message says what the meeting is about: of another member's meeting, only one shared in full.
        or_(OutboxMessage.meeting_id.is_(None), OutboxMessage.meeting_id.not_in(hidden_ids(actor, Meeting, True))),
        # Case-insensitive: an address typed "Ana@X" and stored "ana@x" is the same person.
        func.lower(OutboxMessage.recipient).not_in(select(func.lower(hidden_emails.c.email))))


def get_message(actor, message_id) -> OutboxMessage:
    """The outbox row with that id if the actor may see it, or NotFoundError."""
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                            visible_messages(actor))) \
        if isinstance(message_id, int) and 1 <= message_id < 2**31 else None
    if message is None:
        raise NotFoundError(_("No outbox message with id %(id)s.", id=message_id))
    return message


def outbox_query(actor, status: str | None = None, kind: str | None = None, meeting_id: int | None = None,
                 recipient: str | None = None):
    """A select() of the outbox rows the actor may see, newest first, filtered; unknown status or kind
    is a ValidationError."""
    problems = {}
    if status and status not in OUTBOX_STATUSES:
        problems["status"] = _("Must be one of %(choices)s.", choices=", ".join(OUTBOX_STATUSES))
    if kind and kind not in OUTBOX_KINDS:
        problems["kind"] = _("Must be one of %(choices)s.", choices=", ".join(OUTBOX_KINDS))
    if meeting_id is not None and not 1 <= meeting_id < 2**31:
        problems["meeting_id"] = _("No such meeting number.")
    if recipient and ("\x00" in recipient or len(recipient) > 254):
        problems["recipient"] = _("Not a usable part of an email address.")
    if problems:
        raise ValidationError.for_fields(problems)
    query = select(OutboxMessage).where(visible_messages(actor))
    if status:
        query = query.where(OutboxMessage.status == status)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if meeting_id is not None:
        query = query.where(OutboxMessage.meeting_id == meeting_id)
    if recipient and recipient.strip():
        pattern = "%" + recipient.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(OutboxMessage.recipient).like(pattern, escape="\\"))
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def outbox_counts(actor) -> dict[str, int]:
    """How many rows the actor may see are in each status (every status present, zero included)."""
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    for status, n in db.session.execute(select(OutboxMessage.status, func.count())
                                        .where(visible_messages(actor)).group_by(OutboxMessage.status)):
        counts[status] = n
    return counts


@dataclass
class DispatchResult:
    """What one dispatch did, for logs and the CLI."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    not_sent: int = 0
    released: int = 0
    returned: int = 0

    def __str__(self):
        return (f"claimed {self.claimed}, sent {self.sent}, retrying {self.retrying}, failed {self.failed}, "
                f"not sent {self.not_sent}, requeued {self.released}, handed back {self.returned}")


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    raw: bytes
    attempts: int
    next_attempt_at: datetime | None


_table = OutboxMessage.__table__
_CLAIMED_COLUMNS = (_table.c.id, _table.c.recipient, _table.c.raw, _table.c.attempts, _table.c.next_attempt_at)
# One statement shape for every outcome, compiled once. Conditional: if our lease ran out and
# another dispatcher took the row, its word stands.
_SET_OUTCOME = (
    update(_table)
    .where(_table.c.id == bindparam("b_id"), _table.c.status == "sending",
           _table.c.claimed_by == bindparam("b_worker"))
    .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"), sent_at=bindparam("b_sent_at"),
            next_attempt_at=bindparam("b_next_attempt_at"), last_error=bindparam("b_last_error"),
            lease_until=None)
)


class _OutcomeWriter:
    """Records each message's outcome on its own connection, each committed at once.

    The writes run one at a time on a helper thread, so the next message's MAIL FROM and RCPT TO
    overlap the previous commit; the caller waits for that commit before DATA, so at most one
    message is ever delivered but not yet recorded.
    """

    def __init__(self, engine, worker_id: str):
        self.engine = engine
        self.worker_id = worker_id
        self.connection = None
        self.is_postgresql = engine.dialect.name == "postgresql"
        # An in-memory SQLite database exists once per thread: write from this one.
        in_memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
        self.executor = None if in_memory else ThreadPoolExecutor(1, thread_name_prefix="outbox-writer")
        self.pending: Future | None = None
        self._run(self._open)

    def _run(self, function, *args) -> None:
        self.wait()
        if self.executor is None:
            function(*args)
        else:
            self.pending = self.executor.submit(function, *args)

    def wait(self) -> None:
        """Return once the last outcome is committed (raising what went wrong, if anything did)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def _open(self) -> None:
        # Autocommit: each single-row UPDATE is its own transaction, one round trip per message.
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if self.is_postgresql:
            # A "sent" mark is visible at once and survives this process dying; only a crash of
            # the database server itself could take back the last few, and then those messages go
            # again with the same Message-ID. Waiting for a WAL flush per message would cost
            # more than the SMTP exchange.
            self.connection.execute(text("SET synchronous_commit TO OFF"))

    def record(self, message: _Claimed, status: str, attempts: int, sent_at=None, next_attempt_at=None,
               last_error=None) -> None:
        """Queue the commit of one outcome (after the previous one)."""
        self._run(self._write, {
            "b_id": message.id, "b_worker": self.worker_id, "b_status": status, "b_attempts": attempts,
            "b_sent_at": sent_at, "b_next_attempt_at": next_attempt_at or message.next_attempt_at,
            "b_last_error": last_error})

    def _write(self, values: dict) -> None:
        if self.connection.execute(_SET_OUTCOME, values).rowcount != 1:
            log.warning("outbox message %s was taken over by another dispatcher", values["b_id"])

    def hand_back(self, messages: list[_Claimed]) -> int:
        """Release claimed rows we will not try now, without counting an attempt."""
        counted = []

        def release():
            for message in messages:
                counted.append(self.connection.execute(
                    update(_table).where(_table.c.id == message.id, _table.c.status == "sending",
                                         _table.c.claimed_by == self.worker_id)
                    .values(status="pending", lease_until=None)).rowcount)

        self._run(release)
        self.wait()
        return sum(counted)

    def close(self) -> None:
        """Finish the last write, then give the connection back."""
        def close_connection():
            if self.connection is None:
                return
            if self.is_postgresql:
                self.connection.execute(text("RESET synchronous_commit"))
            self.connection.close()

        try:
            self._run(close_connection)
            self.wait()
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=True)


def dispatch_outbox(now: datetime, config, worker_id: str, batch_size: int = DEFAULT_BATCH_SIZE, *,
                    stop: Callable[[], bool] | None = None, rng: random.Random | None = None) -> DispatchResult:
    """Claim one batch of due messages and send it over one SMTP connection, committing each outcome."""
    result = DispatchResult()
    if not config.get("MAIL_SERVER"):
        result.not_sent = mark_not_sent(now)
        db.session.commit()
        return result
    result.released = release_not_sent(now)
    lease_seconds = int(config.get("ENGAGE_OUTBOX_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS)
    max_attempts = int(config.get("ENGAGE_OUTBOX_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
    base = float(config.get("ENGAGE_OUTBOX_BACKOFF_BASE") or BACKOFF_BASE_SECONDS)
    cap = float(config.get("ENGAGE_OUTBOX_BACKOFF_CAP") or BACKOFF_CAP_SECONDS)
    claimed = [_Claimed(*row) for row in _claim(now, worker_id, batch_size, lease_seconds, _CLAIMED_COLUMNS)]
    db.session.commit()
    result.claimed = len(claimed)
    if not claimed:
        return result

    smtp = SmtpSession(config)
    writer = _OutcomeWriter(db.engine, worker_id)
    default_sender = envelope_sender(config, b"")
    # Elapsed time, not the time of day: stop well before the lease ends so no one else takes
    # a row we are still about to send.
    started = time.monotonic()
    try:
        for index, message in enumerate(claimed):
            if (stop is not None and stop()) or time.monotonic() - started > lease_seconds / 2:
                result.returned = writer.hand_back(claimed[index:])
                break
            mail_from = default_sender or envelope_sender(config, message.raw)
            outcome = smtp.begin(mail_from, message.recipient, len(message.raw))
            writer.wait()  # the previous message is recorded before this one can be delivered
            outcome = outcome or smtp.finish(message.raw)
            attempts = message.attempts + 1
            if outcome.result == SENT:
                writer.record(message, "sent", attempts, sent_at=now)
                result.sent += 1
            elif outcome.result == PERMANENT:
                writer.record(message, "failed", attempts, last_error=f"refused: {outcome.error}")
                result.failed += 1
            elif attempts >= max_attempts:
                writer.record(message, "failed", attempts,
                              last_error=f"gave up after {attempts} attempts: {outcome.error}")
                result.failed += 1
            else:
                writer.record(message, "pending", attempts, last_error=outcome.error,
                              next_attempt_at=now + backoff_delay(attempts, base, cap, rng))
                result.retrying += 1
    finally:
        try:
            writer.close()
        finally:
            smtp.close()
    log.info("outbox dispatch by %s: %s", worker_id, result)
    return result


def drain_outbox(now: datetime, config, worker_id: str, batch_size: int = DEFAULT_BATCH_SIZE, *,
                 stop: Callable[[], bool] | None = None) -> DispatchResult:
    """Dispatch batch after batch until nothing due at `now` is left (or `stop` says so)."""
    total = DispatchResult()
    while stop is None or not stop():
        result = dispatch_outbox(now, config, worker_id, batch_size, stop=stop)
        for field in total.__dataclass_fields__:
            setattr(total, field, getattr(total, field) + getattr(result, field))
        if result.claimed == 0 or result.returned:
            break
    return total
