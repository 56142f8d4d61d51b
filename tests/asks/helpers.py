"""Asks for tests, made through the service as a lead would."""
from engage.asks.services import create_ask
from engage.clock import now_utc
from engage.extensions import db


def make_ask(actor, **values):
    """An ask of cycle 4 pitched to Germany unless `values` say otherwise, saved."""
    data = {"cycle": 4, "text": "Increase the health budget towards the Abuja target of 15%",
            "priority": "high", "themes": ["Right to health"], "target_states": ["DE"], **values}
    ask = create_ask(actor, now_utc(), data)
    db.session.commit()
    return ask
