"""Member organisations: which one a user or a record belongs to, and whether engage is a coalition.

One member alone is the default: it is made from the organisation's settings (by the migration, or
on the first write of a fresh database) and every user and owned record belongs to it. While it is
alone, nothing shows the coalition: `coalition_mode()` is False and the access policy is exactly
the single organisation's.
"""
from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from engage.audit.services import record_event
from engage.clock import now_utc
from engage.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db, model_for
from engage.i18n import N_
from engage.schemas import check

from .models import Member
from .schemas import MemberCreate, MemberLogo, UserMove, logo_type_of

COALITION_CACHE = "_engage_coalition"  # on flask.g, per request
# The records a member owns; a new one without a member takes its parent's, its organiser's, or
# the secretariat's (see `_own_new_records`).
OWNED = ("contact", "meeting", "outcome", "follow_up", "assessment")


def coalition_mode() -> bool:
    """True when a second member organisation exists: only then do pages, mail and the API speak of
    members and sharing. Read once per request (the signed-in user's statement reads it too)."""
    if has_request_context():
        found = g.get(COALITION_CACHE)
        if found is None:
            found = count_members() > 1
            setattr(g, COALITION_CACHE, found)
        return found
    return count_members() > 1


def keep_coalition_mode(member_count: int) -> None:
    """Keep for this request whether engage is a coalition, read with the signed-in user."""
    if has_request_context():
        setattr(g, COALITION_CACHE, member_count > 1)


def forget_coalition_mode() -> None:
    """A member was just added: the rest of this request must see it."""
    g.pop(COALITION_CACHE, None)


def count_members() -> int:
    """How many member organisations there are."""
    table = Member.__table__
    return db.session.execute(select(func.count()).select_from(table)).scalar_one()


def member_count_column():
    """A scalar column for a statement that reads a user: the number of members (for `keep_coalition_mode`)."""
    table = Member.__table__
    return select(func.count()).select_from(table).scalar_subquery()


def all_members() -> list[Member]:
    """Every member organisation, the secretariat first, then by name."""
    return list(db.session.scalars(select(Member).order_by(Member.is_secretariat.desc(), func.lower(Member.name))))


def short_names() -> dict[int, str]:
    """{member id: short name} of every member organisation, in one statement (exports name a row's member)."""
    table = Member.__table__
    return dict(db.session.execute(select(table.c.id, table.c.short_name)).all())


# Shown translated on pages (`_(message)`), English in the API.
NOT_A_MEMBER = N_("Choose the whole coalition or a member organisation from the list.")


def member_arg(raw, field: str = "member") -> int | None:
    """The member organisation a query string's `member` names (its id), in a coalition; None when
    blank, or always on a single organisation's install (where the choice is not offered). A value that
    is not a member's id is a ValidationError naming `field`."""
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    if not raw or not coalition_mode():
        return None
    text = str(raw)
    found = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
    if found is None or found not in short_names():
        raise ValidationError.for_fields({field: NOT_A_MEMBER})
    return found


def find_member(key: str) -> Member:
    """The member whose id, name or short name (any case) is `key`, or NotFoundError."""
    key = (key or "").strip()
    found = db.session.scalar(select(Member).where(or_(func.lower(Member.name) == key.lower(),
                                                       func.lower(Member.short_name) == key.lower())))
    if found is None and key.isdigit():
        found = db.session.get(Member, int(key))
    if found is None:
        raise NotFoundError(f"No member organisation called {key}.")
    return found


def get_member(member_id) -> Member:
    """The member with that id, or NotFoundError."""
    found = db.session.get(Member, member_id) if isinstance(member_id, int) and 0 < member_id < 2**31 else None
    if found is None:
        raise NotFoundError(f"No member organisation with id {member_id}.")
    return found


def secretariat_id(session=None) -> int:
    """The id of the secretariat member (the first), made from the organisation's settings when there
    is none yet (a fresh database)."""
    session = session or db.session
    table = Member.__table__
    found = session.execute(select(table.c.id).order_by(table.c.is_secretariat.desc(), table.c.id).limit(1)).scalar()
    if found is not None:
        return found
    settings = model_for("organisation_settings").__table__
    name = session.execute(select(settings.c.name).order_by(settings.c.id).limit(1)).scalar() or "engage"
    now = now_utc()  # made as a side effect of a first write, whenever that is
    return session.execute(table.insert().values(name=name, short_name=name[:40], is_secretariat=True,
                                                 default_sharing="coalition_summary", created_at=now)
                           .returning(table.c.id)).scalar_one()


def name_the_only_member(name: str, reply_to: str | None) -> None:
    """While engage serves one organisation, its member is that organisation: renaming the one renames
    the other (a coalition's members keep their own names)."""
    if count_members() > 1:
        return
    member = db.session.get(Member, secretariat_id())
    member.name, member.short_name, member.reply_to = name, name[:40], reply_to


def member_id_of(actor) -> int | None:
    """The member an actor acts for (None for nobody: a command, the scheduler)."""
    return getattr(actor, "member_id", None) if actor is not None else None


def is_secretariat(actor) -> bool:
    """True for a user of the secretariat member (the coalition's role above members)."""
    member = getattr(actor, "member", None)
    return bool(member is not None and member.is_secretariat)


def can_run_coalition(actor) -> bool:
    """Admins of the secretariat add members and move users between them; None is the command line."""
    return actor is None or bool(getattr(actor, "is_authenticated", True)
                                 and actor.has_role("admin") and is_secretariat(actor))


def _require_coalition_admin(actor) -> None:
    if not can_run_coalition(actor):
        raise PermissionDenied("Only an admin of the secretariat adds member organisations and moves users.")


def create_member(actor, now: datetime, data) -> Member:
    """Add a member organisation (an admin of the secretariat); the second one turns coalition mode on."""
    _require_coalition_admin(actor)
    body = check(MemberCreate, data)
    if db.session.scalar(select(Member.id).where(func.lower(Member.name) == body.name.lower())):
        raise ConflictError(f"There is already a member called {body.name}.", {"name": ["Already in use."]})
    member = Member(**body.model_dump(), is_secretariat=False, created_at=now)
    db.session.add(member)
    db.session.flush()
    record_event(actor, now, "member_added", member)
    if has_request_context():
        forget_coalition_mode()
    return member


def move_user(actor, now: datetime, user, data) -> bool:
    """Put a user in another member organisation (an admin of the secretariat); their sessions end and
    their API tokens are revoked, since what they see changes. Returns whether anything changed."""
    _require_coalition_admin(actor)
    member = get_member(check(UserMove, data).member_id)
    if user.member_id == member.id:
        return False
    user.member_id = member.id
    user.end_sessions()
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    db.session.flush()
    record_event(actor, now, "member_changed", user, detail=f"moved to member {member.id}")
    return True


def can_change_logo(actor, member: Member) -> bool:
    """Admins of the secretariat (any member's logo) and a member's own admins (its logo)."""
    return can_run_coalition(actor) or bool(getattr(actor, "is_authenticated", False) and actor.has_role("admin")
                                            and actor.member_id == member.id)


def set_logo(actor, now: datetime, member: Member, data) -> bool:
    """Replace a member organisation's logo (PNG or JPEG, size-limited; SVG is refused) or, with no bytes,
    remove it; a refusal names the `logo` field. Audited. Returns whether anything changed."""
    if not can_change_logo(actor, member):
        raise PermissionDenied("Only an admin of the secretariat, or of this member, changes its logo.")
    body = check(MemberLogo, data)
    if body.logo is None and member.logo_type is None:
        return False
    member.logo = body.logo
    member.logo_type = logo_type_of(body.logo) if body.logo is not None else None
    db.session.flush()
    record_event(actor, now, "member_logo_changed", member, detail="logo replaced" if body.logo else "logo removed")
    return True


def logo_of(member_id: int) -> tuple[bytes, str] | None:
    """A member's logo bytes and media type, or None."""
    table = Member.__table__
    row = db.session.execute(select(table.c.logo, table.c.logo_type).where(table.c.id == member_id)).first() \
        if isinstance(member_id, int) and 0 < member_id < 2**31 else None
    if row is None or row.logo is None or not row.logo_type:
        return None
    return row.logo, row.logo_type


# ---- owners of new records ----

def _own_new_records(session: Session, *_flush) -> None:
    """Give each new user and owned record its member before it is written: an outcome its meeting's,
    a follow-up its outcome's, a meeting its organiser's (and, unless set, that member's sharing),
    a user or a contact the secretariat's, unless its service said otherwise."""
    pending = [obj for obj in session.new if getattr(obj, "__tablename__", None) in OWNED + ("user",)]
    if not pending:
        return
    home = None
    for obj in sorted(pending, key=lambda o: OWNED.index(o.__tablename__) if o.__tablename__ in OWNED else -1):
        if obj.member_id is None:
            obj.member_id = _parent_member(session, obj)
        if obj.member_id is None:
            if home is None:
                home = secretariat_id(session)
            obj.member_id = home
        if obj.__tablename__ == "meeting" and obj.sharing is None:
            member = session.get(Member, obj.member_id)
            obj.sharing = member.default_sharing if member is not None else "coalition_summary"


def _parent_member(session: Session, obj) -> int | None:
    kind = obj.__tablename__
    if kind == "meeting":
        user_id = obj.organiser.id if obj.organiser is not None else obj.organiser_id
        user = session.get(model_for("user"), user_id) if user_id else None
        return user.member_id if user is not None else None
    if kind in ("outcome", "assessment"):
        if kind == "assessment" and obj.meeting_id is None and getattr(obj, "meeting", None) is None:
            return None
        meeting = obj.meeting if obj.meeting is not None else (
            session.get(model_for("meeting"), obj.meeting_id) if obj.meeting_id else None)
        return meeting.member_id if meeting is not None else None
    if kind == "follow_up":
        outcome = obj.outcome if obj.outcome is not None else (
            session.get(model_for("outcome"), obj.outcome_id) if obj.outcome_id else None)
        return outcome.member_id if outcome is not None else None
    return None


def install() -> None:
    """Owners for new records, on every session (registered once, by create_app)."""
    if not event.contains(Session, "before_flush", _own_new_records):
        event.listen(Session, "before_flush", _own_new_records)
