"""The follow-up board of the asks: who is pitching what to whom, from the meetings the reader may see and
the claims made; on a single organisation's install with no word of a coalition."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from engage.access import services as access
from engage.asks import matches
from engage.errors import ConflictError, PermissionDenied, ValidationError
from engage.extensions import db
from engage.history import ChangeRecord
from engage.members import services as members
from engage.upr import board
from tests import factories
from tests.asks.helpers import make_ask
from tests.conftest import ApiClient, login
from tests.members.test_members import COALITION_WORDS
from tests.outcomes.helpers import WHEN, make_meeting, make_world
from tests.test_query_counts import counted


def _csrf(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _row(found, ask, state):
    return next(r for r in found.rows if r.ask.id == ask.id and r.state == state)


@pytest.fixture(autouse=True)
def on_28_november():
    """Pages read the clock: it is the suite's NOW, so the meeting of 3 Dec is still ahead."""
    with time_machine.travel(WHEN, tick=False):
        yield


@pytest.fixture
def pitched(app, staff_user, lead_user):
    """The outcomes world; an ask of cycle 5 pitched to Germany, France and Sweden, on the agenda of the
    German meeting (10 Nov, held) and of a French one still ahead (3 Dec)."""
    world = make_world(staff_user, lead_user)
    ask = make_ask(lead_user, cycle=5, target_states=["DE", "FR", "SE"])
    world.meetings["de"].asks.append(ask)
    ahead = make_meeting(staff_user, [world.contacts["fr"]], datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
                         title="France again")
    ahead.asks.append(ask)
    db.session.commit()
    return world, ask, ahead


def test_a_single_organisations_board_says_who_pitches_each_state_and_how_far_with_no_coalition_word(
        app, pitched, staff_user, lead_user):
    world, ask, ahead = pitched
    client = login(app.test_client(), staff_user)
    page = client.get("/asks/board/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and COALITION_WORDS.search(text) is None and ">Member<" not in text
    germany = re.search(r'<tr data-ask="%d" data-state="DE" data-status="(\w+)">(.*?)</tr>' % ask.id, text, re.S)
    assert germany.group(1) == "pitched" and staff_user.display_name in germany.group(2)
    assert f'href="/meetings/{world.meetings["de"].id}"' in germany.group(2)
    assert re.search(r'data-state="FR" data-status="booked"', text)
    sweden = re.search(r'<tr data-ask="%d" data-state="SE">(.*?)</tr>' % ask.id, text, re.S).group(1)
    assert "Nobody yet" in sweden and "I will pitch it" in sweden
    # Staff claim Sweden for themselves: planned, in the ask's history.
    answer = client.post("/asks/board/claims", data={"ask_id": ask.id, "state": "SE", "csrf_token": _csrf(page),
                                                     "next": "/asks/board/?cycle=5"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/asks/board/?cycle=5")
    text = client.get("/asks/board/?cycle=5").get_data(as_text=True)
    assert re.search(r'data-state="SE" data-status="planned"', text)
    history = db.session.scalars(select(ChangeRecord).where(ChangeRecord.entity_type == "ask",
                                                            ChangeRecord.entity_id == ask.id)).all()
    assert any(r.changes.get("pitch claimed") == [None, f"Sweden: {staff_user.display_name}"] for r in history)
    # A colleague may not claim it again: the page names who holds it.
    other = login(app.test_client(), world.other_staff)
    page = other.get("/asks/board/")
    again = other.post("/asks/board/claims", data={"ask_id": ask.id, "state": "SE", "csrf_token": _csrf(page)},
                       follow_redirects=True)
    assert f"{staff_user.display_name} already pitches this ask to Sweden" in again.get_data(as_text=True)
    # The API and the CSV say the same, without members.
    api = ApiClient(app.test_client(), factories.make_token(lead_user))
    body = api.get("/api/v1/asks/board?cycle=5").get_json()
    statuses = {(i["state"], p["status"]) for i in body["items"] for p in i["pitches"]}
    assert statuses == {("DE", "pitched"), ("FR", "booked"), ("SE", "planned")}
    assert "member" not in api.get("/api/v1/asks/board").get_data(as_text=True)
    exported = login(app.test_client(), lead_user).get("/asks/board/export.csv?cycle=5", follow_redirects=True)
    lines = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert "member" not in lines[0] and {(r["state"], r["status"]) for r in lines} == statuses


def test_claims_refuse_a_second_pitcher_and_only_leads_reassign(app, pitched, staff_user, lead_user):
    world, ask, _ahead = pitched
    found = board.claim(staff_user, WHEN, {"ask_id": ask.id, "state": "Sweden"})
    assert (found.state, found.user_id) == ("SE", staff_user.id)
    with pytest.raises(ConflictError) as refused:
        board.claim(world.other_staff, WHEN, {"ask_id": ask.id, "state": "SE"})
    assert refused.value.fields["state"] == [f"{staff_user.display_name} already pitches this ask to Sweden."]
    with pytest.raises(ValidationError) as refused:
        board.claim(staff_user, WHEN, {"ask_id": ask.id, "state": "Atlantis"})
    assert "state" in refused.value.fields
    with pytest.raises(ValidationError) as refused:
        board.claim(staff_user, WHEN, {"ask_id": 999999, "state": "DE"})
    assert "ask_id" in refused.value.fields
    with pytest.raises(PermissionDenied):  # staff claim for themselves
        board.claim(staff_user, WHEN, {"ask_id": ask.id, "state": "BR", "user_id": world.other_staff.id})
    with pytest.raises(PermissionDenied):
        board.reassign(world.other_staff, WHEN, found, {"user_id": world.other_staff.id})
    with pytest.raises(PermissionDenied):
        board.release(world.other_staff, WHEN, found)
    assert board.reassign(lead_user, WHEN, found, {"user_id": world.other_staff.id})
    db.session.commit()
    assert found.user_id == world.other_staff.id
    board.release(world.other_staff, WHEN, found)
    db.session.commit()
    assert db.session.scalar(select(board.AskClaim)) is None


def test_taken_up_or_not_once_the_reviews_recommendations_are_held(app, pitched, lead_user):
    world, ask, ahead = pitched
    ahead.starts_at, ahead.ends_at = datetime(2026, 11, 25, 9, tzinfo=UTC), datetime(2026, 11, 25, 10, tzinfo=UTC)
    db.session.commit()
    found = board.board(lead_user, WHEN, cycle=5)
    assert [p.status for p in _row(found, ask, "DE").pitches] == ["pitched"]
    de = factories.make_recommendation(cycle=5, reference="120.1", recommending_state="DE", text="Raise the budget")
    factories.make_recommendation(cycle=5, reference="120.2", recommending_state="FR", text="Something else")
    matches.decide_match(lead_user, WHEN, ask, {"recommendation_id": de.id, "verdict": "full"})
    db.session.commit()
    found = board.board(lead_user, WHEN, cycle=5)
    assert [p.status for p in _row(found, ask, "DE").pitches] == ["taken_up"]
    assert [p.status for p in _row(found, ask, "FR").pitches] == ["not_taken_up"]
    assert _row(found, ask, "SE").pitches == []  # never pitched: nothing to take up


def test_the_board_costs_the_same_statements_for_one_ask_or_many(app, pitched, staff_user, lead_user):
    world, ask, _ahead = pitched
    board.claim(staff_user, WHEN, {"ask_id": ask.id, "state": "SE"})
    db.session.commit()
    client = login(app.test_client(), staff_user)
    api = ApiClient(app.test_client(), factories.make_token(staff_user))

    def cost():
        with counted() as page:
            assert client.get("/asks/board/?cycle=5").status_code == 200
        with counted() as listed:
            assert api.get("/api/v1/asks/board?cycle=5").status_code == 200
        return len(page), len(listed)

    cost()  # the token's first use is noted once
    few = cost()
    for n in range(6):
        more = make_ask(lead_user, cycle=5, text=f"Ask number {n} on health", target_states=["DE", "FR", "BR"])
        world.meetings["de"].asks.append(more)
        world.meetings["fr"].asks.append(more)
        board.claim(world.other_staff, WHEN, {"ask_id": more.id, "state": "BR"})
    db.session.commit()
    assert cost() == few and max(few) <= 16


def test_in_a_coalition_the_board_names_members_and_shows_only_what_the_reader_may_see(
        app, pitched, staff_user, lead_user, admin_user):
    world, ask, ahead = pitched
    khrc = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC"})
    db.session.flush()
    theirs = factories.make_user(role="staff", email="staff@khrc.example.org", full_name="Kip KHRC")
    their_lead = factories.make_user(role="lead", email="lead@khrc.example.org", full_name="Lia KHRC")
    theirs.member_id = their_lead.member_id = khrc.id
    db.session.commit()
    home = db.session.get(members.Member, world.meetings["de"].member_id)
    # Shared in summary (the default): KHRC sees who pitched Germany, and when.
    found = board.board(theirs, WHEN, cycle=5)
    germany = _row(found, ask, "DE").pitches
    assert [(p.member.short_name, p.status) for p in germany] == [(home.short_name, "pitched")]
    # KHRC claims Sweden; the first member's staff may not claim it again.
    board.claim(theirs, WHEN, {"ask_id": ask.id, "state": "SE"})
    db.session.commit()
    with pytest.raises(ConflictError) as refused:
        board.claim(staff_user, WHEN, {"ask_id": ask.id, "state": "SE"})
    assert refused.value.message == "KHRC, Kip KHRC already pitches this ask to Sweden."
    # Private, the German meeting is not on KHRC's board; its own member still sees it.
    access.set_sharing(staff_user, WHEN, world.meetings["de"], "private")
    db.session.commit()
    client = login(app.test_client(), theirs)
    text = client.get("/asks/board/?cycle=5").get_data(as_text=True)
    assert ">Member<" in text and "KHRC" in text
    assert not re.search(r'data-state="DE" data-status', text)
    assert f'href="/meetings/{world.meetings["de"].id}"' not in text
    assert _row(board.board(staff_user, WHEN, cycle=5), ask, "DE").pitches[0].status == "pitched"
    api = ApiClient(app.test_client(), factories.make_token(theirs))
    body = api.get("/api/v1/asks/board?cycle=5").get_json()
    sweden = next(i for i in body["items"] if i["state"] == "SE")
    assert [(p["member_id"], p["member"], p["status"]) for p in sweden["pitches"]] == [(khrc.id, "KHRC", "planned")]
    assert next(i for i in body["items"] if i["state"] == "DE")["pitches"] == []
    # The secretariat's staff cannot reassign KHRC's claim; KHRC's lead and the secretariat's lead can.
    claim = db.session.scalar(select(board.AskClaim))
    with pytest.raises(PermissionDenied):
        board.reassign(staff_user, WHEN, claim, {"user_id": staff_user.id})
    assert board.reassign(their_lead, WHEN, claim, {"user_id": their_lead.id})
    with pytest.raises(PermissionDenied):  # a member's lead names only its own people
        board.reassign(their_lead, WHEN, claim, {"user_id": staff_user.id})
    secretariat = ApiClient(app.test_client(), factories.make_token(lead_user))
    moved = secretariat.patch(f"/api/v1/asks/board/claims/{claim.id}", json={"user_id": staff_user.id})
    assert moved.status_code == 200 and moved.get_json()["member_id"] == home.id
    assert secretariat.patch(f"/api/v1/asks/board/claims/{claim.id}", json={"user_id": "x"}).status_code == 422
    assert secretariat.post("/api/v1/asks/board/claims", json={"ask_id": ask.id, "state": "SE"}).status_code == 409
    assert secretariat.delete(f"/api/v1/asks/board/claims/{claim.id}").status_code == 204
    document = api.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/asks/board" in document["paths"] and "/api/v1/asks/board/claims/{claim_id}" in document["paths"]
