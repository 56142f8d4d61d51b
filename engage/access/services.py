"""Who may see restricted records, grants and groups, and the audit of restricted views.

The rules:
- a contact, meeting or outcome is `internal` (everyone signed in sees it) or `restricted`;
- a restricted record is seen by the data-protection officer, and by users granted it directly
  or through a group they belong to; for everyone else it does not exist;
- an outcome is seen only when its meeting is seen too, so a restricted meeting's outcomes are
  restricted with it (a grant on the meeting opens its internal outcomes; a restricted outcome
  needs its own grant as well); an assessment of a recommendation follows the same rule when it
  comes from a meeting, and stands alone when it does not;
- sensitivity is set, and grants given, by the DPO, by a lead or admin who can see the record, or
  by the organiser of the meeting (for the meeting and its outcomes). Whoever restricts a record
  and is not the DPO is granted it at once, so nobody locks themselves out;
- whatever opens records wholesale is the DPO's alone: naming or removing a DPO (the first is named
  from the command line), granting a record to a group, and changing a group that holds grants.

With a second member organisation (a coalition: `members.coalition_mode()`), every contact, meeting,
outcome and follow-up is owned by one member, and:
- a member's own records are seen by its users as above; its DPO is the DPO of its records only;
- another member's meeting is seen when it is not restricted and not "private" (its sharing); at
  "coalition_summary" without its outcomes (and so their follow-ups), at "coalition_full" with
  them; the meeting's notes are for its member, and "coalition_full" (`shows_in_full`);
- contacts of the directory are shared; a restricted one only with its member's DPO or a grant, as
  every restricted record: grants cross members, nothing else does.
With one member the conditions are exactly the single organisation's.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import datetime

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import String, and_, bindparam, cast, false, func, inspect, not_, or_, select, true
from sqlalchemy.orm import with_loader_criteria
from flask_babel import gettext as _

from engage.audit.services import record_event
from engage.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from engage.extensions import db, model_for
from engage import signals
from engage.history import record_change
from engage.members import services as members
from engage.members.models import SHARING
from engage.schemas import check

from .models import RECORD_TYPES, SENSITIVITIES, AccessGrant, AccessGroup, access_group_member
from .schemas import GroupWrite


# ---- who sees what ----

def record_type_of(record) -> str:
    """"contact", "meeting", "outcome" or "assessment" for a record of those models."""
    name = record.__tablename__
    if name not in RECORD_TYPES:
        raise ValueError(f"{name} records have no sensitivity")
    return name


def is_dpo(actor) -> bool:
    """True for a signed-in data-protection officer."""
    return bool(actor is not None and getattr(actor, "is_authenticated", True) and getattr(actor, "is_dpo", False))


def _actor_id(actor) -> int:
    # Anonymous visitors have no id: -1 matches no grant.
    if actor is None or not getattr(actor, "is_authenticated", True):
        return -1
    return getattr(actor, "id", None) or -1


# What a service adds to a statement it has filtered with `visible()` itself: the request guard then
# leaves it alone (and does not warn). See docs/architecture.md, "Access to restricted records".
VISIBILITY_APPLIED = {"visibility_applied": True}
# Records seen only together with their meeting (when they have one).
MEETING_BOUND = ("outcome", "assessment")
VISIBILITY_CACHE = "_access_visibility"


@dataclass(frozen=True, eq=False)
class Visibility:
    """What one actor may see: whether they are the DPO, and the ids granted to them per record type
    (their own grants and their groups'). Loaded in one query; `criterion()` builds no subquery of grants."""

    actor_id: int
    is_dpo: bool
    granted: dict = field(default_factory=dict)  # record type -> frozenset of ids
    _criteria: dict = field(default_factory=dict, repr=False)
    # A coalition (more than one member): the actor's member, whose records are theirs.
    coalition: bool = False
    member_id: int | None = None

    @classmethod
    def load(cls, actor) -> "Visibility":
        """Read the actor's grants now: one query (none for the DPO or an anonymous visitor)."""
        uid = _actor_id(actor)
        coalition, member_id = members.coalition_mode(), members.member_id_of(actor)
        pairs = ()
        if uid != -1 and not (is_dpo(actor) and not coalition):
            # Grants only, plain columns: nothing for the ORM or the request guard to do.
            pairs = db.session.connection().execute(_grants_query(), {"user_id": uid})
        return cls._of(uid, is_dpo(actor), pairs, coalition, member_id)

    @classmethod
    def _of(cls, uid: int, dpo: bool, pairs, coalition: bool = False, member_id: int | None = None) -> "Visibility":
        ids = {kind: set() for kind in RECORD_TYPES}
        for kind, record_id in pairs:
            ids.setdefault(kind, set()).add(record_id)
        return cls(uid, dpo, {kind: frozenset(v) for kind, v in ids.items()},
                   coalition=coalition, member_id=member_id if coalition else None)

    @property
    def sees_everything(self) -> bool:
        """True for the DPO of a single organisation: no condition to add to anything."""
        return self.is_dpo and not self.coalition

    @property
    def key(self) -> tuple:
        """What every criterion built from this Visibility depends on (not the actor as such): equal
        keys, equal criteria. For statements built once and kept (`meetings.listing.prepared_page`)."""
        return (self.is_dpo, self.coalition, self.member_id,
                frozenset((kind, ids) for kind, ids in self.granted.items() if ids))

    def ids(self, record_type: str) -> frozenset:
        """The ids of records of that type granted to the actor."""
        return self.granted.get(record_type, frozenset())

    def sees(self, record) -> bool:
        """True when the actor may see this contact, meeting or outcome (no query; an outcome's meeting
        may be loaded)."""
        if record is None:
            return False
        if self.sees_everything:
            return True
        kind = record_type_of(record)
        if kind in MEETING_BOUND and record.meeting is not None and not (
                self.sees_in_full(record.meeting) if self.coalition else self.sees(record.meeting)):
            return False
        granted = record.id in self.ids(kind)
        if not self.coalition:
            return record.sensitivity != "restricted" or granted
        own = record.member_id == self.member_id
        if granted or (self.is_dpo and own):
            return True
        if record.sensitivity == "restricted":
            return False
        return own or kind != "meeting" or record.sharing != "private"

    def hidden_contacts(self, restricted: dict) -> set:
        """Which of these restricted contacts ({id: member id}) the actor may not see."""
        if self.sees_everything:
            return set()
        granted = self.ids("contact")
        return {cid for cid, member_id in restricted.items()
                if cid not in granted and not (self.is_dpo and self.coalition and member_id == self.member_id)}

    def sees_in_full(self, meeting) -> bool:
        """True when the actor sees this meeting with its notes and outcomes: not a coalition, the
        meeting is their member's (or granted to them), or its member shares it in full."""
        if not self.sees(meeting):
            return False
        return (not self.coalition or meeting.member_id == self.member_id
                or meeting.sharing == "coalition_full" or meeting.id in self.ids("meeting"))

    def sees_private_details(self, record) -> bool:
        """True when the actor may read a contact's (or a record's) private details: its member's users."""
        return not self.coalition or record.member_id == self.member_id

    def criterion(self, model):
        """A SQL condition on `model` (Contact, Meeting, Outcome or an alias of one): only what the actor may
        see. Built once per model; the granted ids are an expanding IN, so the statement cache still works."""
        kind = _kind_of(model)
        key = (kind, model)
        found = self._criteria.get(key)
        if found is None:
            found = self._criteria[key] = self._build(kind, model)
        return found

    def loader_criteria(self, model):
        """`with_loader_criteria` for `model` with this criterion, built once (the request guard's option)."""
        key = ("loader", model)
        found = self._criteria.get(key)
        if found is None:
            found = self._criteria[key] = with_loader_criteria(model, self.criterion(model), include_aliases=True)
        return found

    def _build(self, kind, model):
        if self.sees_everything:
            return true()
        if self.coalition:
            return self._coalition_condition(kind, model)
        own = or_(model.sensitivity != "restricted", model.id.in_(sorted(self.ids(kind))))
        if kind == "outcome":
            return and_(own, model.meeting_id.not_in(self.hidden_ids(model_for("meeting"))))
        if kind == "assessment":  # from a meeting, or from none (a report, the press)
            return and_(own, or_(model.meeting_id.is_(None),
                                 model.meeting_id.not_in(self.hidden_ids(model_for("meeting")))))
        return own

    def _coalition_condition(self, kind, cols):
        """The coalition's policy (module docstring) on `cols`: a model, an alias, or a Core table's `c`."""
        granted = cols.id.in_(sorted(self.ids(kind)))
        own = cols.member_id == self.member_id
        opened = or_(granted, and_(own, true() if self.is_dpo else false()))
        unrestricted = cols.sensitivity != "restricted"
        if kind == "contact":
            return or_(unrestricted, opened)
        if kind == "meeting":
            return or_(opened, and_(unrestricted, or_(own, cols.sharing != "private")))
        # An outcome, or an assessment from a meeting: only with its meeting seen in full.
        with_meeting = cols.meeting_id.not_in(self.hidden_ids(model_for("meeting"), full=True))
        if kind == "assessment":  # from no meeting (a report, the press): shared, as recommendations are
            with_meeting = or_(cols.meeting_id.is_(None), with_meeting)
        return and_(or_(unrestricted, opened), with_meeting)

    def hidden_ids(self, model, full: bool = False):
        """A select() of the ids of `model` records the actor may not see (`full`: of meetings, also those
        seen only in summary), on the Core table (so the request guard's criterion is not applied inside
        it), from the granted ids already loaded."""
        table = model.__table__
        kind = _kind_of(model)
        if self.sees_everything:
            return select(table.c.id).where(false())
        if self.coalition:
            shown = self._coalition_condition(kind, table.c)
            if full and kind == "meeting":
                shown = and_(shown, or_(table.c.member_id == self.member_id, table.c.sharing == "coalition_full",
                                        table.c.id.in_(sorted(self.ids(kind)))))
            return select(table.c.id).where(not_(shown))
        return select(table.c.id).where(table.c.sensitivity == "restricted",
                                        table.c.id.not_in(sorted(self.ids(kind))))


@functools.cache
def _grants_query():
    # Built once per process: every request of a user without the DPO flag runs it.
    grants, group_members = AccessGrant.__table__, access_group_member
    uid = bindparam("user_id")
    return (select(grants.c.record_type, grants.c.record_id)
            .where(or_(grants.c.user_id == uid,
                       grants.c.group_id.in_(select(group_members.c.group_id)
                                             .where(group_members.c.user_id == uid))))
            .execution_options(all_sensitivities=True))


def granted_text(user_id):
    """A column for a statement that reads a user: their grants (their own and their groups'), as the
    text `keep_visibility` takes. `user_id`: the user's id in that statement, a bind parameter or the
    user table's column (correlated, never a second FROM of users).

    Read with the user, the grants cost no statement of their own on a signed-in request."""
    grants, group_members = AccessGrant.__table__, access_group_member
    pair = grants.c.record_type + ":" + cast(grants.c.record_id, String)
    pairs = (select(func.aggregate_strings(pair, ","))
             .where(or_(grants.c.user_id == user_id,
                        grants.c.group_id.in_(select(group_members.c.group_id)
                                              .where(group_members.c.user_id == user_id)
                                              .correlate_except(group_members))))
             .correlate_except(grants).scalar_subquery())
    # "<number of members>|<grants>": whether engage is a coalition comes with the user too.
    return (cast(members.member_count_column(), String) + "|" + func.coalesce(pairs, "")).label("granted")


def keep_visibility(actor, granted: str | None) -> None:
    """Keep, for this request, the Visibility of `actor` made from their grants read as `granted_text`
    in the statement that loaded them: `visibility(actor)` then reads nothing."""
    if not has_request_context() or actor is None or not granted:
        return
    uid = _actor_id(actor)
    if uid == -1:
        return
    count, _bar, granted = granted.partition("|")
    members.keep_coalition_mode(int(count))
    pairs = (item.split(":") for item in granted.split(",")) if granted else ()
    found = Visibility._of(uid, is_dpo(actor), ((kind, int(record_id)) for kind, record_id in pairs),
                           int(count) > 1, members.member_id_of(actor))
    _request_cache()[_cache_key(actor)] = found


def _kind_of(model) -> str:
    name = getattr(model, "__tablename__", None)
    if name is None:  # an aliased class
        name = inspect(model).mapper.class_.__tablename__
    if name not in RECORD_TYPES:
        raise ValueError(f"{model} has no sensitivity")
    return name


def _cache_key(actor) -> tuple:
    return (_actor_id(actor), is_dpo(actor))


def visibility(actor) -> Visibility:
    """The actor's Visibility: loaded once per request (kept in `g`, per actor), or on demand outside
    a request (scheduler, CLI), where nothing is kept."""
    if not has_request_context():
        return Visibility.load(actor)
    cache = _request_cache()
    key = _cache_key(actor)
    found = cache.get(key)
    if found is None:
        found = cache[key] = Visibility.load(actor)
    return found


def _request_cache() -> dict:
    # Kept with the request it was read for: where an app context outlives requests (tests, a CLI
    # command serving several), the next request reads the grants afresh.
    current = request._get_current_object()
    held = g.get(VISIBILITY_CACHE)
    if held is None or held[0] is not current:
        held = (current, {})
        setattr(g, VISIBILITY_CACHE, held)
    return held[1]


def visibility_key(actor) -> tuple:
    """What `visible(actor, …)` criteria depend on for this actor (`Visibility.key`): statements built
    for one actor may be kept and run again for any actor with the same key."""
    return visibility(actor).key


def forget_visibility() -> None:
    """Drop every Visibility kept for this request: grants or group members just changed, and must show
    in what this same request lists next."""
    if has_app_context():
        g.pop(VISIBILITY_CACHE, None)


def visible(actor, model):
    """A SQL condition for a select() of Contact, Meeting or Outcome: only records the actor may see.

    An outcome is seen only with its meeting. The condition holds the actor's granted ids (loaded once
    per request), not a subquery of grants.
    """
    return visibility(actor).criterion(model)


def in_full(actor, model):
    """A SQL condition on Meeting (or an alias), beside `visible()`: the actor reads this meeting's notes
    (its member's, shared in full, or granted: `Visibility.sees_in_full`); true() on a single
    organisation's install. Where a query matches words in notes, so a search never tells what the
    notes of a meeting shared in summary say."""
    vis = visibility(actor)
    if not vis.coalition:
        return true()
    return or_(model.member_id == vis.member_id, model.sharing == "coalition_full",
               model.id.in_(sorted(vis.ids("meeting"))))


def only_visible(actor, query, *models):
    """`query` narrowed to what the actor may see of each of `models` (default: its first entity), and
    marked as filtered so that the request guard neither filters it again nor warns."""
    if not models:
        models = (query.column_descriptions[0]["entity"],)
    vis = visibility(actor)
    return query.where(*(vis.criterion(model) for model in models)).execution_options(**VISIBILITY_APPLIED)


def select_visible(actor, *entities):
    """`select(*entities)` of only the records the actor may see (of the first entity's model: Contact,
    Meeting or Outcome, or a column of one), marked as filtered."""
    return only_visible(actor, select(*entities))


def get_visible(actor, model, record_id):
    """The `model` record with that id if the actor may see it, else None (the identity map first: no
    query for a record already loaded)."""
    record = db.session.get(model, record_id, execution_options=VISIBILITY_APPLIED)
    return record if can_see(actor, record) else None


def is_restricted(record) -> bool:
    """True for a restricted record, and for an outcome or assessment of a restricted meeting."""
    if record is None:
        return False
    if record.sensitivity == "restricted":
        return True
    return record_type_of(record) in MEETING_BOUND and record.meeting is not None \
        and record.meeting.sensitivity == "restricted"


def can_see(actor, record) -> bool:
    """True when the actor may see this contact, meeting or outcome (no query once the actor's
    visibility is loaded for the request)."""
    if record is None:
        return False
    if members.coalition_mode():
        return visibility(actor).sees(record)
    if is_dpo(actor) or not is_restricted(record):
        return True  # no grants to read (outside a request, reading them is a query)
    return visibility(actor).sees(record)


def shows_in_full(actor, meeting) -> bool:
    """True when the actor sees this meeting's notes and outcomes (not only that it took place, with
    whom, on which asks): always on a single organisation's install."""
    return meeting is not None and (not members.coalition_mode() or visibility(actor).sees_in_full(meeting))


def of_own_member(actor, record) -> bool:
    """True when the record is the actor's member's (always on a single organisation's install): only
    its own member changes a meeting, logs its outcomes or restricts it, whatever it shares."""
    return not members.coalition_mode() or getattr(record, "member_id", None) == members.member_id_of(actor)


def sees_private_details(actor, record) -> bool:
    """True when the actor may read a contact's private details (its notes): users
    of the member that added it, and everyone on a single organisation's install."""
    return not members.coalition_mode() or visibility(actor).sees_private_details(record)


def require_visible(actor, record):
    """The record itself, or NotFoundError when it does not exist for this actor."""
    if record is None or not can_see(actor, record):
        raise NotFoundError(_("No such record."))
    return record


def _meeting_of(record):
    kind = record_type_of(record)
    if kind == "meeting":
        return record
    if kind in MEETING_BOUND:
        return record.meeting
    return None


def can_manage(actor, record) -> bool:
    """True when the actor may change the record's sensitivity and grants."""
    if actor is None or not getattr(actor, "is_authenticated", True) or getattr(actor, "is_disabled", False):
        return False
    if not of_own_member(actor, record):
        return False  # another member's record: theirs to restrict and grant
    if is_dpo(actor):
        return True
    if not can_see(actor, record):
        return False
    if actor.has_role("lead"):
        return True
    meeting = _meeting_of(record)
    return meeting is not None and meeting.organiser_id == actor.id


def _require_manage(actor, record) -> None:
    if not can_see(actor, record):
        raise NotFoundError(_("No such record."))
    if not can_manage(actor, record):
        raise PermissionDenied("Only the data-protection officer, a lead or admin who can see this record, "
                               "or the meeting's organiser may change who sees it.")


def clean_sensitivity(value, field: str = "sensitivity") -> str:
    """"internal" or "restricted", or a ValidationError naming the field."""
    if isinstance(value, str) and value.strip().lower() in SENSITIVITIES:
        return value.strip().lower()
    raise ValidationError.for_fields({field: _("Choose internal or restricted.")})


def set_sharing(actor, now: datetime, meeting, value) -> bool:
    """Say what other members see of a meeting (engage.members.models.SHARING); returns whether it
    changed. Its member's DPO, leads and admins, or its organiser; audited and kept in its history."""
    if value not in SHARING:
        raise ValidationError.for_fields({"sharing": _("Choose private, coalition_summary or coalition_full.")})
    if meeting.sharing == value:
        return False
    _require_manage(actor, meeting)
    old, meeting.sharing = meeting.sharing, value
    db.session.flush()
    forget_visibility()
    record_event(actor, now, "sharing_changed", meeting, detail=f"{old} -> {value}")
    record_change(actor, now, meeting, "updated", {"sharing": [old, value]})
    return True


def set_sensitivity(actor, now: datetime, record, value, announce: bool = True) -> bool:
    """Mark a record internal or restricted; returns whether it changed. Audited and kept in its history.

    A meeting still to come that becomes restricted is sent again to its attendees (an update,
    SEQUENCE raised, unless `announce` is False), so their calendars drop the title first sent.
    """
    value = clean_sensitivity(value)
    old = record.sensitivity or "internal"
    if old == value:
        return False
    _require_manage(actor, record)
    record.sensitivity = value
    if value == "restricted" and not is_dpo(actor):
        _ensure_user_grant(actor, now, record, actor)
    if hasattr(record, "updated_at"):
        record.updated_at = now
    record_change(actor, now, record, "updated", {"sensitivity": [old, value]})
    record_event(actor, now, "sensitivity_changed", record, detail=f"{old} to {value}")
    if value == "restricted" and record_type_of(record) == "meeting":
        _restrict_assessments_of(actor, now, record)
    db.session.flush()
    forget_visibility()
    # Meetings send a restricted meeting again (their receiver, connected in create_app).
    signals.sensitivity_changed.send(record, actor=actor, now=now, old=old, new=value, announce=announce)
    return True


def _restrict_assessments_of(actor, now: datetime, meeting) -> None:
    """Mark restricted the assessments recorded from a meeting just restricted, with the meeting's grants."""
    # An assessment is restricted through its meeting only while the link holds; deleting the meeting
    # cuts it (SET NULL), so the restriction is written onto the assessment itself, as on creation.
    # Outcomes need not be: they are deleted with their meeting, and their follow-ups with them.
    assessment = model_for("assessment")
    found = list(db.session.scalars(select(assessment).where(assessment.meeting_id == meeting.id,
                                                             assessment.sensitivity != "restricted")))
    if not found:
        return
    grants = [(g.user_id, g.group_id) for g in grants_for(meeting)]
    for row in found:
        row.sensitivity = "restricted"
        for user_id, group_id in grants:
            db.session.add(AccessGrant(record_type="assessment", record_id=row.id, user_id=user_id,
                                       group_id=group_id, granted_by_id=getattr(actor, "id", None), granted_at=now))
        record_change(actor, now, row, "updated", {"sensitivity": ["internal", "restricted"]})
        record_event(actor, now, "sensitivity_changed", row, detail="internal to restricted, with its meeting")


def apply_initial_sensitivity(actor, now: datetime, record, value) -> None:
    """Sensitivity of a record just created by `actor` (who can see it): restricting grants it to them."""
    value = clean_sensitivity(value)
    record.sensitivity = value
    if value == "restricted":
        if not is_dpo(actor) and _actor_id(actor) != -1:
            _ensure_user_grant(actor, now, record, actor)
        record_event(actor, now, "sensitivity_changed", record, detail="created restricted")


def check_may_set(actor, record, value) -> None:
    """Refuse (PermissionDenied) a change of sensitivity the actor may not make; nothing is changed."""
    value = clean_sensitivity(value)
    if (record.sensitivity or "internal") != value:
        _require_manage(actor, record)


# ---- grants ----

def grants_for(record) -> list[AccessGrant]:
    """Who was granted this record: users first, then groups."""
    return list(db.session.scalars(
        select(AccessGrant).where(AccessGrant.record_type == record_type_of(record),
                                  AccessGrant.record_id == record.id)
        .order_by(AccessGrant.group_id.is_not(None), AccessGrant.id)))


def _ensure_user_grant(actor, now, record, user) -> AccessGrant:
    kind = record_type_of(record)
    found = db.session.scalar(select(AccessGrant).where(
        AccessGrant.record_type == kind, AccessGrant.record_id == record.id, AccessGrant.user_id == user.id))
    if found is not None:
        return found
    row = AccessGrant(record_type=kind, record_id=record.id, user_id=user.id,
                      granted_by_id=getattr(actor, "id", None), granted_at=now)
    db.session.add(row)
    forget_visibility()
    record_event(actor, now, "grant_changed", record, detail=f"granted to user {user.id}")
    return row


def grant(actor, now: datetime, record, *, user=None, group=None) -> AccessGrant:
    """Let one user or one group see a record (a group: the DPO only); audited. Granting twice is refused (409)."""
    _require_manage(actor, record)
    if (user is None) == (group is None):
        raise ValidationError.for_fields({"grantee": _("Choose a user or a group.")})
    if group is not None and not is_dpo(actor):
        # Admins keep groups that hold nothing, so whoever grants to a group must be the one who
        # vouches for its members: the DPO.
        raise PermissionDenied(GROUPS_ARE_THE_DPOS)
    kind = record_type_of(record)
    column, target = (AccessGrant.user_id, user) if user is not None else (AccessGrant.group_id, group)
    if db.session.scalar(select(AccessGrant.id).where(AccessGrant.record_type == kind,
                                                      AccessGrant.record_id == record.id, column == target.id)):
        raise ConflictError(_("Already granted."), {"grantee": [_("Already granted.")]})
    row = AccessGrant(record_type=kind, record_id=record.id, user_id=getattr(user, "id", None),
                      group_id=getattr(group, "id", None), granted_by_id=getattr(actor, "id", None), granted_at=now)
    db.session.add(row)
    db.session.flush()
    forget_visibility()
    who = f"user {user.id}" if user is not None else f"group {group.id}"
    record_event(actor, now, "grant_changed", record, detail=f"granted to {who}")
    return row


def revoke(actor, now: datetime, record, access_grant: AccessGrant) -> None:
    """Take one grant away; audited."""
    _require_manage(actor, record)
    if access_grant.record_type != record_type_of(record) or access_grant.record_id != record.id:
        raise NotFoundError(_("No such grant on this record."))
    who = f"user {access_grant.user_id}" if access_grant.user_id else f"group {access_grant.group_id}"
    db.session.delete(access_grant)
    db.session.flush()
    forget_visibility()
    record_event(actor, now, "grant_changed", record, detail=f"revoked from {who}")


# ---- groups ----
#
# A group gives its members whatever was granted to it, so once it holds a grant only the DPO
# changes it (members, name, deletion), and only the DPO grants anything to a group. Admins may
# still create groups and keep those that hold no grant: such a group opens nothing.

GROUPS_ARE_THE_DPOS = ("Only the data-protection officer grants records to a group, and changes a group "
                       "that holds grants.")


def can_manage_groups(actor) -> bool:
    """The DPO and admins keep the groups (admins only those that hold no grant)."""
    return bool(actor is not None and getattr(actor, "is_authenticated", True)
                and (is_dpo(actor) or actor.has_role("admin")))


def holds_grants(group: AccessGroup) -> bool:
    """True when some record is granted to this group."""
    return group.id is not None and db.session.scalar(
        select(AccessGrant.id).where(AccessGrant.group_id == group.id).limit(1)) is not None


def can_change_group(actor, group: AccessGroup) -> bool:
    """True when the actor may change this group's members, name or existence."""
    return can_manage_groups(actor) and (is_dpo(actor) or not holds_grants(group))


def _require_groups(actor, group: AccessGroup | None = None) -> None:
    if not can_manage_groups(actor):
        raise PermissionDenied("Only the data-protection officer and admins keep access groups.")
    if group is not None and not can_change_group(actor, group):
        raise PermissionDenied(GROUPS_ARE_THE_DPOS)


def all_groups() -> list[AccessGroup]:
    """Every access group, by name."""
    return list(db.session.scalars(select(AccessGroup).order_by(func.lower(AccessGroup.name))))


def groups_of(user) -> list[AccessGroup]:
    """The groups a user belongs to, by name."""
    return list(db.session.scalars(select(AccessGroup).join(access_group_member)
                                   .where(access_group_member.c.user_id == user.id)
                                   .order_by(func.lower(AccessGroup.name))))


def get_group(group_id) -> AccessGroup:
    """The group with that id, or NotFoundError."""
    group = db.session.get(AccessGroup, group_id) if isinstance(group_id, int) and 0 < group_id < 2**31 else None
    if group is None:
        raise NotFoundError(_("No access group with id %(id)s.", id=group_id))
    return group


def _clean_group(data, group: AccessGroup | None = None) -> dict:
    body = check(GroupWrite, data)
    name = " ".join(body.name.split())  # one space between words, so a name differs by its words alone
    clash = db.session.scalar(select(AccessGroup.id).where(func.lower(AccessGroup.name) == name.lower()))
    if clash is not None and (group is None or clash != group.id):
        raise ConflictError(_("There is already a group called %(name)s.", name=name), {"name": [_("Already in use.")]})
    return {"name": name, "description": body.description}


def create_group(actor, now: datetime, data) -> AccessGroup:
    """Add a named access group (DPO or admin); `data`: a GroupWrite or what it validates."""
    _require_groups(actor)
    group = AccessGroup(**_clean_group(data), created_at=now)
    db.session.add(group)
    db.session.flush()
    record_event(actor, now, "grant_changed", group, detail="group created")
    return group


def update_group(actor, now: datetime, group: AccessGroup, data) -> None:
    """Rename or re-describe a group (the DPO; an admin while it holds no grant); a new name is audited."""
    _require_groups(actor, group)
    values = _clean_group(data, group)
    renamed = values["name"] != group.name
    group.name, group.description = values["name"], values["description"]
    db.session.flush()
    if renamed:
        record_event(actor, now, "grant_changed", group, detail="group renamed")


def delete_group(actor, now: datetime, group: AccessGroup) -> None:
    """Delete a group and its grants: its members lose what they saw through it (the DPO; an admin
    while it holds no grant)."""
    _require_groups(actor, group)
    record_event(actor, now, "grant_changed", group, detail="group deleted")
    db.session.execute(AccessGrant.__table__.delete().where(AccessGrant.group_id == group.id))
    db.session.delete(group)
    db.session.flush()
    forget_visibility()


def add_member(actor, now: datetime, group: AccessGroup, user) -> bool:
    """Put a user in a group; returns False when already there (the DPO; an admin while it holds no grant)."""
    _require_groups(actor, group)
    if user is None:
        raise ValidationError.for_fields({"user_id": _("Choose a user.")})
    if user in group.members:
        return False
    group.members.append(user)
    db.session.flush()
    forget_visibility()
    record_event(actor, now, "grant_changed", group, detail=f"member added: user {user.id}")
    return True


def remove_member(actor, now: datetime, group: AccessGroup, user) -> bool:
    """Take a user out of a group; returns False when they were not in it (the DPO; an admin while it
    holds no grant)."""
    _require_groups(actor, group)
    if user is None or user not in group.members:
        return False
    group.members.remove(user)
    db.session.flush()
    forget_visibility()
    record_event(actor, now, "grant_changed", group, detail=f"member removed: user {user.id}")
    return True


# ---- audit of restricted records seen ----

def audit_restricted(actor, now: datetime, records, action: str = "restricted_viewed") -> int:
    """Write one audit row per restricted record among `records` (each once); returns how many."""
    seen = set()
    for record in records:
        if record is None or not is_restricted(record):
            continue
        key = (record.__tablename__, record.id)
        if key in seen:
            continue
        seen.add(key)
        record_event(actor, now, action, object_type=key[0], object_id=key[1])
    return len(seen)


def audit_restricted_ids(actor, now: datetime, model, query, action: str = "restricted_exported") -> int:
    """Audit the restricted rows of `model` that a select() would return (for streamed exports)."""
    restricted = model.sensitivity == "restricted"
    if model.__tablename__ in MEETING_BOUND:
        meetings = model_for("meeting").__table__
        restricted = or_(restricted, model.meeting_id.in_(
            select(meetings.c.id).where(meetings.c.sensitivity == "restricted")))
    found = query.order_by(None).subquery()
    # Only what the actor may see is audited as shown to them, whether or not `query` was filtered.
    ids = only_visible(actor, select(model.id).where(model.id.in_(select(found.c.id)), restricted), model) \
        .order_by(model.id)
    count = 0
    for record_id in db.session.scalars(ids):
        record_event(actor, now, action, object_type=model.__tablename__, object_id=record_id)
        count += 1
    return count


def hidden_ids(actor, model, full: bool = False):
    """A select() of the ids of `model` records the actor may not see (Core tables, so the request
    guard does not filter the subquery itself); for tables that point at records by id or address.
    `full`: of meetings, also another member's shared only in summary (for what holds their notes:
    messages, reminders)."""
    return visibility(actor).hidden_ids(model, full)


def hidden_contact_emails(actor):
    """A select() of the email addresses of restricted contacts the actor may not see."""
    Contact = model_for("contact")
    table = Contact.__table__
    return select(table.c.email).where(table.c.id.in_(hidden_ids(actor, Contact)))


HIDDEN_CONTACT = "a restricted contact"
# History keys whose values name people (attendees), in rows written before people were mentions.
PEOPLE_KEYS = ("attendees added", "attendees removed", "attendee roles", "responses")
_LEGACY_ATTENDEE = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*(?:,|$)")


def mention(contact_id: int | None, text: str) -> dict:
    """How a history row names a person: the words to show and the contact they are (None for staff)."""
    return {"contact_id": contact_id, "text": text}


def _is_mention(value) -> bool:
    return isinstance(value, dict) and set(value) == {"contact_id", "text"}


def _answered_by(row, person) -> str | None:
    """Who gave an answer that no signed-in user recorded (an RSVP link, a calendar reply): the attendee,
    named as the row names them ("<name>: <old> → <new>"), or "a restricted contact"."""
    if row.actor_id is not None or row.action != "answer":
        return None
    answer = (row.changes or {}).get("answer")
    if not (isinstance(answer, list) and len(answer) == 1 and _is_mention(answer[0])):
        return None
    shown = person(answer[0])
    return shown if shown == HIDDEN_CONTACT else shown.rsplit(": ", 1)[0]


def redact_history(actor, rows) -> list:
    """Copies of history rows ready to show, each person the actor may not see as "a restricted contact".

    Only values that name a person are touched, and a person is recognised by contact id (or, in
    rows older than mentions, by the attendee's address): titles, descriptions, reasons and other
    free text are shown as written, so nothing a reader types can probe for a hidden name.
    """
    Contact = model_for("contact")
    table = Contact.__table__
    hidden = {row.id: row for row in db.session.execute(
        select(table.c.id, table.c.full_name, table.c.email).where(table.c.id.in_(hidden_ids(actor, Contact))))}
    hidden_emails = {row.email.lower() for row in hidden.values() if row.email}

    def person(item) -> str:
        return HIDDEN_CONTACT if item["contact_id"] in hidden else str(item["text"])

    def legacy_attendees(value: str) -> str:
        # "Name <email>, Name <email>": an attendee is hidden by their address, never by words.
        items = list(_LEGACY_ATTENDEE.finditer(value))
        if not items or "".join(m.group(0) for m in items).strip() != value.strip():
            return value if not any(e in value.lower() for e in hidden_emails) else HIDDEN_CONTACT
        return ", ".join(HIDDEN_CONTACT if m["email"].lower() in hidden_emails else f"{m['name']} <{m['email']}>"
                         for m in items)

    attending: dict[int, set[str]] = {}

    def names_here(row) -> set[str]:
        # Rows older than mentions name people in words: only the names of hidden contacts on this
        # very meeting are taken for people (a namesake elsewhere in the directory changes nothing).
        if row.entity_type != "meeting" or not hidden:
            return set()
        if row.entity_id not in attending:
            table = model_for("attendee").__table__
            ids = set(db.session.scalars(select(table.c.contact_id).where(
                table.c.meeting_id == row.entity_id, table.c.contact_id.in_(list(hidden)))))
            attending[row.entity_id] = {hidden[i].full_name for i in ids}
        return attending[row.entity_id]

    def legacy_people(row, value: str) -> str:
        # "Name: optional; Name: Accepted"
        names = names_here(row)
        return "; ".join(HIDDEN_CONTACT if part.split(": ", 1)[0] in names else part for part in value.split("; "))

    def shown(row, key, value):
        if isinstance(value, list) and value and all(_is_mention(v) for v in value):
            return "; ".join(person(v) for v in value)
        if key in ("attendees added", "attendees removed") and isinstance(value, str):
            return legacy_attendees(value)
        if key in PEOPLE_KEYS and isinstance(value, str):
            return legacy_people(row, value)
        return value

    out = []
    for r in rows:
        changes = {k: shown(r, k, v) for k, v in (r.changes or {}).items()}
        if r.action == "answer" and "answer" not in changes:
            # An answer written before mentions was {attendee name: [old, new]}: its key is the person.
            names = names_here(r)
            changes = {(HIDDEN_CONTACT if k in names else k): v for k, v in changes.items()}
        out.append(SimpleNamespace(at=r.at, actor=r.actor, action=r.action, entity_type=r.entity_type,
                                   entity_id=r.entity_id, changes=changes, by=_answered_by(r, person)))
    return out
