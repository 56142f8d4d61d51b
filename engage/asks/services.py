"""Ask services: add, change, delete and find the coalition's asks; the asks for the states being met."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, or_, select

from engage.countries import country_code
from engage.errors import ConflictError, NotFoundError, PermissionDenied
from engage.extensions import db, model_for
from engage.history import record_change
from engage.recommendations.models import Recommendation, Theme
from engage.recommendations.themes import resolve_themes

from .models import Ask, AskTarget
from .schemas import ask_values

SEARCH_TERMS_MAX = 12
# Who may write asks: the coalition's leads (and admins) decide what it asks for; staff read them.
WRITE_ROLE = "lead"


def may_write(actor) -> None:
    """Refuse anyone but a lead or admin (None, the system, may)."""
    if actor is not None and not actor.has_role(WRITE_ROLE):
        raise PermissionDenied(_("Only leads and admins may change the coalition's asks."))


def _set_links(ask: Ask, values: dict, changed: dict) -> None:
    """Themes, recommendations, target states and owner from `values` (those sent), noting what changed."""
    if "themes" in values:
        old = ask.theme_names
        if {n.lower() for n in values["themes"]} != {n.lower() for n in old}:
            ask.themes = sorted(resolve_themes(values["themes"]), key=lambda t: t.name.lower())
            changed["themes"] = ["; ".join(old), "; ".join(t.name for t in ask.themes)]
    if "recommendation_ids" in values:
        old_ids = sorted(r.id for r in ask.recommendations)
        if old_ids != sorted(values["recommendation_ids"]):
            ask.recommendations = list(db.session.scalars(
                select(Recommendation).where(Recommendation.id.in_(values["recommendation_ids"]))))
            changed["recommendation_ids"] = [old_ids, sorted(values["recommendation_ids"])]
    if "target_states" in values:
        old_states = ask.target_states
        if sorted(old_states) != sorted(values["target_states"]):
            keep = {t.state: t for t in ask.targets}
            ask.targets = [keep.get(s) or AskTarget(state=s) for s in sorted(values["target_states"])]
            changed["target_states"] = [old_states, sorted(values["target_states"])]
    if "owner" in values:
        owner = values["owner"]
        if ask.owner_id != (owner.id if owner else None):
            changed["owner"] = [ask.owner.email if ask.owner else None, owner.email if owner else None]
            ask.owner = owner


def create_ask(actor, now, data: Any) -> Ask:
    """Add an ask (`data`: an AskCreate or what it validates); leads and admins only."""
    may_write(actor)
    values = ask_values(data)
    ask = Ask(cycle=values["cycle"], text=values["text"], priority=values["priority"], source=values["source"],
              created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
    db.session.add(ask)
    _set_links(ask, values, {})
    db.session.flush()
    record_change(actor, now, ask, "created")
    return ask


def update_ask(actor, now, ask: Ask, data: Any) -> dict:
    """Change the fields sent (`data`: an AskUpdate or what it validates) of an ask; returns what
    changed, kept in its history. Leads and admins only."""
    may_write(actor)
    values = ask_values(data, partial=True)
    changed: dict = {}
    for name in ("cycle", "text", "priority", "source"):
        if name in values and getattr(ask, name) != values[name]:
            changed[name] = [getattr(ask, name), values[name]]
            setattr(ask, name, values[name])
    _set_links(ask, values, changed)
    if changed:
        ask.updated_at = now
        db.session.flush()
        record_change(actor, now, ask, "updated", changed)
    return changed


def delete_ask(actor, now, ask: Ask) -> None:
    """Delete an ask: it leaves the agendas it was on. Refused while outcomes are logged on it (what
    states said of it is the coalition's record). Leads and admins only."""
    may_write(actor)
    # Outcomes sit above asks: found by table name, and counted whoever may see them; the refusal
    # says only that some exist, never which meeting or what was said.
    Outcome = model_for("outcome")
    logged = db.session.scalar(select(func.count()).select_from(Outcome).where(Outcome.ask_id == ask.id)
                               .execution_options(all_sensitivities=True))
    if logged:
        raise ConflictError(_("Outcomes are logged on this ask; it cannot be deleted. Change it instead."),
                            {"ask": [_("Outcomes are logged on this ask.")]})
    record_change(actor, now, ask, "deleted", {"text": [ask.text, None], "cycle": [ask.cycle, None]})
    # The links go in SQL with the row (ON DELETE CASCADE); the session forgets the ask.
    db.session.execute(delete(Ask).where(Ask.id == ask.id))
    db.session.expunge(ask)


def get_ask(ask_id: int) -> Ask:
    """The ask with that id, or NotFoundError."""
    ask = db.session.get(Ask, ask_id) if 0 < ask_id < 2**31 else None
    if ask is None:
        raise NotFoundError(_("No ask with id %(id)s.", id=ask_id))
    return ask


def ask_query(q: str | None = None, cycle: int | None = None, theme: str | None = None,
              priority: str | None = None, state: str | None = None, owner_id: int | None = None):
    """A select() of asks matching the filters, newest cycle first, then high priority first.

    `q` matches every word in the text or source; `state` an ISO code or name among the targets (an
    unknown one matches nothing); `theme` a theme name (ignoring case).
    """
    query = select(Ask)
    if q:
        for term in q.replace("\x00", " ").split()[:SEARCH_TERMS_MAX]:
            term = term.lower()
            query = query.where(or_(func.lower(Ask.text).contains(term, autoescape=True),
                                    func.lower(func.coalesce(Ask.source, "")).contains(term, autoescape=True)))
    if cycle is not None:
        query = query.where(Ask.cycle == cycle)
    if theme:
        query = query.where(Ask.themes.any(func.lower(Theme.name) == theme.replace("\x00", "").lower()))
    if priority:
        query = query.where(Ask.priority == priority)
    if state:
        code = country_code(state) or "--"
        query = query.where(select(AskTarget.ask_id).where(AskTarget.ask_id == Ask.id, AskTarget.state == code)
                            .exists())
    if owner_id is not None:
        query = query.where(Ask.owner_id == owner_id)
    rank = case({"high": 0, "medium": 1, "low": 2}, value=Ask.priority, else_=3)
    return query.order_by(Ask.cycle.desc(), rank, Ask.id)


def cycles_in_use() -> list[int]:
    """The cycles that have asks, newest first."""
    return list(db.session.scalars(select(Ask.cycle).distinct().order_by(Ask.cycle.desc())))


def target_states_in_use() -> list[str]:
    """Every state some ask is pitched to."""
    return list(db.session.scalars(select(AskTarget.state).distinct().order_by(AskTarget.state)))


def latest_cycle() -> int | None:
    """The newest cycle that has asks."""
    return db.session.scalar(select(func.max(Ask.cycle)))


def asks_for_states(states, cycle: int | None = None) -> list[Ask]:
    """The asks of `cycle` (default: the newest cycle with asks) pitched to any of `states`, high priority first."""
    codes = sorted({s for s in states if s})
    cycle = latest_cycle() if cycle is None else cycle
    if not codes or cycle is None:
        return []
    query = ask_query(cycle=cycle).where(
        select(AskTarget.ask_id).where(AskTarget.ask_id == Ask.id, AskTarget.state.in_(codes)).exists())
    return list(db.session.scalars(query))


def agenda_choices(states, keep_ids=()) -> list[tuple]:
    """Picker options for a meeting's agenda: the newest cycle's asks, those pitched to the `states`
    being met first (named with those states), and any of `keep_ids` already on it from other cycles."""
    cycle = latest_cycle()
    if cycle is None:
        return []
    keep = sorted(set(keep_ids))
    query = ask_query().where(or_(Ask.cycle == cycle, Ask.id.in_(keep)) if keep else Ask.cycle == cycle)
    met = {s for s in states if s}
    options = []
    for ask in db.session.scalars(query):
        mine = [name for code, name in zip(ask.target_states, ask.target_names) if code in met]
        words = " ".join(ask.text.split())
        priority = _(ask.priority_label).lower()
        text = _("Ask %(id)s for %(states)s (%(priority)s): %(text)s", id=ask.id, states=", ".join(mine),
                 priority=priority, text=words[:90]) if mine else \
            _("Ask %(id)s (%(priority)s): %(text)s", id=ask.id, priority=priority, text=words[:90])
        options.append((not mine, (ask.id, text, {"data-name": _("Ask %(id)s: %(text)s", id=ask.id, text=words[:40])})))
    return [option for _later, option in sorted(options, key=lambda o: o[0])]
