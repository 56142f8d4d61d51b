"""The demo's asks: a dozen health asks of the 4th cycle, some on demo meetings' agendas with outcomes."""
from sqlalchemy import func, select

from engage.asks.models import Ask
from engage.demo import load_demo_data
from engage.demo.asks import load_demo_asks
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outcomes.models import Outcome
from tests.conftest import NOW


def test_the_demo_loads_a_dozen_asks_on_meetings_with_outcomes_once(app, admin_user, staff_client):
    load_demo_data(NOW, echo=lambda *_: None)
    db.session.commit()
    asks = db.session.scalars(select(Ask)).all()
    assert len(asks) == 12 and {a.cycle for a in asks} == {4}
    assert any("Abuja" in a.text for a in asks) and any(a.recommendations for a in asks)
    meetings = db.session.scalars(select(Meeting).where(Meeting.asks.any())).all()
    assert len(meetings) == 3 and sorted(m.status for m in meetings) == ["held", "held", "scheduled"]
    positions = set(db.session.scalars(select(Outcome.position).where(Outcome.ask_id.is_not(None))))
    assert {"will_make", "other_wording", "will_consider"} <= positions
    assert not load_demo_asks(NOW, echo=lambda *_: None)
    assert db.session.scalar(select(func.count()).select_from(Ask)) == 12
    page = staff_client.get("/asks/plan?show=all").get_data(as_text=True)
    assert "Not met yet" in page and "Met</span>" in page
