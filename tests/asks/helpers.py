"""Asks for tests, made through the service as a lead would."""
from sqlalchemy import select

from engage.asks.services import create_ask
from engage.clock import now_utc
from engage.cycles.models import Cycle
from engage.extensions import db
from tests import factories


def hold_cycle(number: int) -> None:
    """Cycle `number` held: made without a window when there is none, so it counts no meeting as engaged
    and a test's own cycle stays the current one."""
    if db.session.scalar(select(Cycle.id).where(Cycle.number == number)) is None:
        factories.make_cycle(number, window_starts_on=None, window_ends_on=None)


def make_ask(actor, **values):
    """An ask of cycle 4 pitched to Germany unless `values` say otherwise, saved. Its cycle is held if
    any is (an ask is then of a cycle held); a test without cycles keeps none, so every meeting counts."""
    data = {"cycle": 4, "text": "Increase the health budget towards the Abuja target of 15%",
            "priority": "high", "themes": ["Right to health"], "target_states": ["DE"], **values}
    if db.session.scalar(select(Cycle.id).limit(1)) is not None:
        hold_cycle(int(data["cycle"]))
    ask = create_ask(actor, now_utc(), data)
    db.session.commit()
    return ask
