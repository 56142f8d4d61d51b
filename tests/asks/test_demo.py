"""The demo's asks: a dozen health asks of the 4th cycle, some on demo meetings' agendas with outcomes."""
from sqlalchemy import func, select

from engage.asks.models import Ask, AskMatch
from engage.demo import load_demo_data
from engage.demo.asks import PAST_ASKS, load_demo_asks
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outcomes.models import Outcome
from tests.conftest import NOW


def test_the_demo_loads_a_dozen_asks_on_meetings_with_outcomes_once(app, admin_user, staff_client):
    load_demo_data(NOW, echo=lambda *_: None)
    db.session.commit()
    asks = db.session.scalars(select(Ask).where(Ask.cycle == 4)).all()
    assert len(asks) == 12
    assert any("Abuja" in a.text for a in asks) and any(a.recommendations for a in asks)
    meetings = db.session.scalars(select(Meeting).where(Meeting.asks.any())).all()
    assert len(meetings) == 3 and sorted(m.status for m in meetings) == ["held", "held", "scheduled"]
    positions = set(db.session.scalars(select(Outcome.position).where(Outcome.ask_id.is_not(None))))
    assert {"will_make", "other_wording", "will_consider"} <= positions
    assert not load_demo_asks(NOW, echo=lambda *_: None)
    assert db.session.scalar(select(func.count()).select_from(Ask)) == 12 + len(PAST_ASKS)
    page = staff_client.get("/asks/plan?show=all").get_data(as_text=True)
    assert "Not met yet" in page and "Met</span>" in page


def test_the_demo_leaves_first_cycle_matches_confirmed_and_more_to_decide(app, admin_user, lead_client):
    """The 1st cycle's recommendations ship with the demo, the 4th's do not: the demo's 1st-cycle asks
    show matching, three matches confirmed, the other suggestions waiting for a lead."""
    load_demo_data(NOW, echo=lambda *_: None)
    db.session.commit()
    past = db.session.scalars(select(Ask).where(Ask.cycle == 1).order_by(Ask.id)).all()
    assert len(past) == len(PAST_ASKS)
    decided = db.session.scalars(select(AskMatch)).all()
    assert sorted((m.recommendation.reference, m.verdict) for m in decided) == [
        ("101.54", "full"), ("101.92", "full"), ("101.94", "partial")]
    assert all(m.score is not None for m in decided)  # confirmed from the matcher's suggestions
    page = lead_client.get("/asks/matches?cycle=1").get_data(as_text=True)
    assert "to decide" in page and "101.54 (Germany): taken up in full" in page
    fgm = past[0]
    page = lead_client.get(f"/asks/{fgm.id}").get_data(as_text=True)
    assert "101.56" in page and ">Taken up in full</button>" in page  # Hungary's, still to decide
    assert not load_demo_asks(NOW, echo=lambda *_: None)
    assert db.session.scalar(select(func.count()).select_from(AskMatch)) == 3
