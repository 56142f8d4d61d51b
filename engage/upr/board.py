"""The follow-up board of the joint report's asks: who is pitching what to whom.

For a cycle's asks, each state an ask is pitched to (its target states, and any state met about it or
claimed for it) with who pitches it — a member organisation in a coalition, a colleague in a single
organisation — and how far they got:

- planned: claimed ("we will pitch ask X to Germany"), no meeting yet;
- meeting booked: a meeting still ahead with the ask on its agenda and someone from the state;
- pitched: such a meeting has begun (outcomes.asks_met, the one definition of "met about an ask");
- taken up / not taken up: once the review's recommendations are held, whether one of the state's was
  confirmed as taking the ask up (asks.matches), for those who pitched it.

Meetings are read through the visibility API as the reader may see them: another member's private
meeting is not on the board; one shared in summary shows whose it was and when, and its outcomes not.
Claims are the coalition's coordination and everyone signed in sees them. A constant number of
statements, however many asks and states.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select

from engage.access.services import select_visible
from engage.asks.models import TAKEN_UP, Ask, AskMatch
from engage.asks.services import ask_query, get_ask, latest_cycle
from engage.auth.models import User
from engage.countries import country_code, country_name
from engage.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import record_change
from engage.i18n import N_
from engage.meetings.models import Meeting
from engage.members.services import all_members, coalition_mode, is_secretariat
from engage.outcomes.asks_met import ask_positions, meetings_about_asks
from engage.recommendations.models import Recommendation, RecommendationState
from engage.schemas import MAX_ID, check, problem
from engage.spreadsheets import csv_chunks

from .models import AskClaim

# How far a pitch got, in order (the keys are the API's and the CSV's; the words are translated where shown).
STATUSES = {
    "planned": N_("Planned"),
    "booked": N_("Meeting booked"),
    "pitched": N_("Pitched"),
    "taken_up": N_("Taken up"),
    "not_taken_up": N_("Not taken up"),
}
STATUS_COLOURS = {"planned": "secondary", "booked": "primary", "pitched": "info", "taken_up": "success",
                  "not_taken_up": "danger"}


def _state(value: Any) -> str:
    code = country_code(value) if isinstance(value, str) else None
    if code is None:
        raise problem("Use an ISO code such as DE or a country name.")
    return code


class ClaimCreate(BaseModel):
    """"We will pitch this ask to this state": by the claimant, or (a lead, the secretariat) by `user_id`."""

    model_config = ConfigDict(extra="forbid")

    ask_id: int = Field(ge=1, le=MAX_ID)
    state: str = Field(description="ISO alpha-2 code or English name of the state")
    user_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                description="Who will pitch it; by default whoever claims it")

    @field_validator("state", mode="before")
    @classmethod
    def known_state(cls, value):
        return _state(value)


class ClaimReassign(BaseModel):
    """Who pitches a claimed ask to its state now (their member holds the claim)."""

    model_config = ConfigDict(extra="forbid")

    user_id: int = Field(ge=1, le=MAX_ID)


@dataclass
class Pitch:
    """One member (or, in a single organisation, one colleague) pitching an ask to a state."""

    status: str
    member: Any = None  # Member, in a coalition
    user: Any = None  # the claim's user, else the organiser of their latest meeting
    meetings: list = field(default_factory=list)  # (meeting id, starts_at), oldest first
    claim: AskClaim | None = None

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


@dataclass
class BoardRow:
    """One ask and one state it is pitched to: who pitches it, and what the state last said (as seen)."""

    ask: Ask
    state: str
    target: bool
    pitches: list[Pitch] = field(default_factory=list)
    position: str | None = None  # the latest visible outcome's position on the ask for the state

    @property
    def name(self) -> str:
        return country_name(self.state)

    @property
    def claim(self) -> AskClaim | None:
        return next((p.claim for p in self.pitches if p.claim is not None), None)


@dataclass
class Board:
    """The board of one cycle: its rows, and whether it names members (a coalition)."""

    cycle: int | None
    rows: list[BoardRow]
    coalition: bool


def _uptake(asks: list[Ask]) -> tuple[set, set]:
    """({(ask id, state)} taken up by one of the state's recommendations, {(cycle, state)} whose
    recommendations are held): two statements."""
    ids = [a.id for a in asks]
    state = func.coalesce(RecommendationState.state, Recommendation.recommending_state)
    taken = set(tuple(r) for r in db.session.execute(
        select(AskMatch.ask_id, state).join(Recommendation, Recommendation.id == AskMatch.recommendation_id)
        .outerjoin(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
        .where(AskMatch.ask_id.in_(ids), AskMatch.verdict.in_(TAKEN_UP)))) if ids else set()
    cycles = sorted({a.cycle for a in asks})
    reviewed = set(tuple(r) for r in db.session.execute(
        select(Recommendation.cycle, state).distinct()
        .outerjoin(RecommendationState, RecommendationState.recommendation_id == Recommendation.id)
        .where(Recommendation.cycle.in_(cycles)))) if cycles else set()
    return taken, reviewed


def board(actor, now: datetime, cycle: int | None = None, state: str | None = None) -> Board:
    """The follow-up board of `cycle`'s asks (default: the newest cycle with asks), optionally of one
    state, as `actor` may see it (module docstring). High priority asks first; in each, the target
    states in order, then the others met about it or claimed."""
    coalition = coalition_mode()
    cycle = cycle if cycle is not None else latest_cycle()
    asks = list(db.session.scalars(ask_query(cycle=cycle))) if cycle is not None else []
    ids = [a.id for a in asks]
    seen: dict[tuple[int, str], set] = {}
    for ask_id, found_state, meeting_id, _starts in meetings_about_asks(ids, actor):
        seen.setdefault((ask_id, found_state), set()).add(meeting_id)
    meeting_ids = sorted({m for found in seen.values() for m in found})
    meetings = {row.id: row for row in db.session.execute(
        select_visible(actor, Meeting.id, Meeting.member_id, Meeting.organiser_id, Meeting.starts_at)
        .where(Meeting.id.in_(meeting_ids)))} if meeting_ids else {}
    claims = {(c.ask_id, c.state): c for c in db.session.scalars(
        select(AskClaim).where(AskClaim.ask_id.in_(ids)))} if ids else {}
    organisers = {m.organiser_id for m in meetings.values()} - {c.user_id for c in claims.values()}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(sorted(organisers))))} \
        if organisers else {}
    users.update({c.user_id: c.user for c in claims.values()})
    member_of = {m.id: m for m in all_members()} if coalition else {}
    positions = ask_positions(ids, now, actor)
    taken, reviewed = _uptake(asks)

    rows = []
    for ask in asks:
        states = list(ask.target_states)
        others = {s for (a, s) in seen if a == ask.id} | {s for (a, s) in claims if a == ask.id}
        states += sorted(others - set(states), key=country_name)
        for where in states:
            if state is not None and where != state:
                continue
            row = BoardRow(ask=ask, state=where, target=where in ask.target_states,
                           position=positions.get((ask.id, where)))
            pitches: dict[int, Pitch] = {}
            for meeting in sorted((meetings[m] for m in seen.get((ask.id, where), ()) if m in meetings),
                                  key=lambda m: (m.starts_at, m.id)):
                key = meeting.member_id if coalition else meeting.organiser_id
                pitch = pitches.setdefault(key, Pitch(status="booked", member=member_of.get(meeting.member_id)))
                pitch.user = users.get(meeting.organiser_id)
                pitch.meetings.append((meeting.id, meeting.starts_at))
                if meeting.starts_at <= now:
                    pitch.status = "pitched"
            claim = claims.get((ask.id, where))
            if claim is not None:
                key = claim.member_id if coalition else claim.user_id
                pitch = pitches.setdefault(key, Pitch(status="planned", member=member_of.get(claim.member_id)))
                pitch.claim, pitch.user = claim, claim.user
            for pitch in pitches.values():
                if pitch.status == "pitched" and (ask.cycle, where) in reviewed:
                    pitch.status = "taken_up" if (ask.id, where) in taken else "not_taken_up"
            row.pitches = list(pitches.values())
            rows.append(row)
    return Board(cycle=cycle, rows=rows, coalition=coalition)


# ---- claims ----

def _secretariat(actor) -> bool:
    # The secretariat coordinates the coalition: its leads and admins reach every member's claims.
    return coalition_mode() and is_secretariat(actor) and actor.has_role("lead")


def can_reassign(actor, claim: AskClaim) -> bool:
    """Leads and admins of the claim's member, and those of the secretariat in a coalition, reassign or
    release a claim."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return _secretariat(actor) or (actor.has_role("lead") and actor.member_id == claim.member_id)


def can_release(actor, claim: AskClaim) -> bool:
    """Whoever pitches it, and whoever may reassign it, may take a claim back."""
    return getattr(actor, "id", None) == claim.user_id or can_reassign(actor, claim)


def pitchers(actor) -> list[User]:
    """The users `actor` may name as pitching an ask: everyone active for the secretariat in a coalition,
    else their own member's active users (leads and admins); nobody for staff, who claim for themselves."""
    if actor is None or not actor.has_role("lead"):
        return []
    query = select(User).where(User.is_disabled.is_(False)).order_by(func.lower(User.full_name), User.id)
    if not _secretariat(actor):
        query = query.where(User.member_id == actor.member_id)
    return list(db.session.scalars(query))


def _pitcher(actor, user_id: int | None, field_name: str = "user_id") -> User:
    if user_id is None or user_id == actor.id:
        return actor
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled:
        raise ValidationError.for_fields({field_name: _("Choose an active user.")})
    if not (_secretariat(actor) or (actor.has_role("lead") and user.member_id == actor.member_id)):
        raise PermissionDenied(_("Staff claim an ask for themselves; a lead names a colleague of their own "
                                 "organisation, and the secretariat anyone."))
    return user


def _words(claim: AskClaim, coalition: bool) -> str:
    """How a claim is written in the ask's history: "Germany: KHRC, Jane Doe" (a coalition) or "Germany: Jane Doe"."""
    who = claim.user.display_name if claim.user is not None else str(claim.user_id)
    if coalition and claim.member is not None:
        who = f"{claim.member.short_name}, {who}"
    return f"{country_name(claim.state)}: {who}"


def get_claim(claim_id: int) -> AskClaim:
    """The claim with that id, or NotFoundError."""
    claim = db.session.get(AskClaim, claim_id) if 0 < claim_id <= MAX_ID else None
    if claim is None:
        raise NotFoundError(_("No such claim."))
    return claim


def claim(actor, now: datetime, data) -> AskClaim:
    """Claim an ask for a state: "we will pitch it". Refused (409, naming who) when someone holds it
    already, so no state is pitched the same ask twice. Kept in the ask's history."""
    body = check(ClaimCreate, data)
    try:
        ask = get_ask(body.ask_id)
    except NotFoundError:
        raise ValidationError.for_fields({"ask_id": _("No ask with id %(id)s.", id=body.ask_id)}) from None
    user = _pitcher(actor, body.user_id)
    held = db.session.scalar(select(AskClaim).where(AskClaim.ask_id == ask.id, AskClaim.state == body.state))
    if held is not None:
        who = _words(held, coalition_mode()).split(": ", 1)[1]
        message = _("%(who)s already pitches this ask to %(state)s.", who=who, state=country_name(body.state))
        raise ConflictError(message, {"state": [message]})
    found = AskClaim(ask_id=ask.id, state=body.state, member_id=user.member_id, user_id=user.id,
                     claimed_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(found)
    db.session.flush()
    record_change(actor, now, ask, "updated", {"pitch claimed": [None, _words(found, coalition_mode())]})
    return found


def reassign(actor, now: datetime, found: AskClaim, data) -> bool:
    """Name someone else to pitch a claimed ask (a lead or admin of the claim's member, the secretariat);
    the claim moves to their member. Returns whether anything changed."""
    body = check(ClaimReassign, data)
    if not can_reassign(actor, found):
        raise PermissionDenied(_("Only a lead or admin of its organisation, or the secretariat, reassigns a claim."))
    user = _pitcher(actor, body.user_id)
    if user.id == found.user_id:
        return False
    before = _words(found, coalition_mode())
    found.user, found.user_id, found.member_id, found.updated_at = user, user.id, user.member_id, now
    db.session.flush()
    db.session.refresh(found, ["member"])
    record_change(actor, now, found.ask, "updated", {"pitch claimed": [before, _words(found, coalition_mode())]})
    return True


def release(actor, now: datetime, found: AskClaim) -> None:
    """Take a claim back (whoever pitches it, or whoever may reassign it); kept in the ask's history."""
    if not can_release(actor, found):
        raise PermissionDenied(_("Only whoever pitches it, a lead or admin of its organisation, or the "
                                 "secretariat, takes a claim back."))
    before, ask = _words(found, coalition_mode()), found.ask
    db.session.delete(found)
    db.session.flush()
    record_change(actor, now, ask, "updated", {"pitch claimed": [before, None]})


# ---- export ----

def board_csv(found: Board):
    """The board as CSV chunks, one line per ask, state and who pitches it (a state nobody pitches yet:
    one line with no one). The member column only in a coalition; statuses as the API's keys."""
    columns = ["cycle", "ask_id", "ask", "priority", "state", "state_name", "target_state"]
    columns += ["member"] if found.coalition else []
    columns += ["pitched_by", "status", "claimed", "meetings", "latest_position"]

    def lines():
        for row in found.rows:
            start = [row.ask.cycle, row.ask.id, row.ask.text, row.ask.priority, row.state, row.name,
                     "yes" if row.target else "no"]
            for pitch in row.pitches or [None]:
                member = [pitch.member.short_name if pitch and pitch.member else ""] if found.coalition else []
                yield start + member + [
                    pitch.user.display_name if pitch and pitch.user else "",
                    pitch.status if pitch else "", "yes" if pitch and pitch.claim else "no",
                    "; ".join(f"{m_id} ({starts.date().isoformat()})" for m_id, starts in pitch.meetings)
                    if pitch else "", row.position or ""]
    return csv_chunks(columns, lines(), bom=True)
