"""Asks on meetings' agendas: the booking form offers the cycle's asks for the states being met, the
meeting page shows them, and the API's `ask_ids` reads and writes them (lists at constant statements)."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from werkzeug.datastructures import MultiDict

from engage.extensions import db
from engage.history import history_for
from engage.meetings.models import Meeting
from tests import factories
from tests.asks.helpers import make_ask
from tests.meetings.conftest import booking
from tests.pageforms import chosen_options, submitted_values


def _options(page: str, name: str) -> list[str]:
    """The option texts of the select `name`, in order."""
    start = page.index(f'name="{name}"')
    block = page[start:page.index("</select>", start)]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in block.split("<option")[1:]]


def test_the_booking_form_offers_the_cycles_asks_for_the_state_being_met_first(
        staff_client, lead_user, mission, diplomat, frozen):
    sweden = make_ask(lead_user, text="Mental health law in line with the CRPD", target_states=["SE"])
    germany = make_ask(lead_user, text="Fund HIV prevention for key populations", target_states=["DE", "FR"])
    make_ask(lead_user, cycle=3, text="An old ask of the 3rd cycle", target_states=["DE"])
    page = staff_client.get(f"/meetings/new?organisation_id={mission.id}&contact_id={diplomat.id}"
                            "&agenda=state").get_data(as_text=True)
    options = _options(page, "ask_ids")
    assert len(options) == 2  # the newest cycle only
    assert options[0].startswith(f"Ask {germany.id} for Germany (high)") and options[1].startswith(f"Ask {sweden.id} (")
    assert list(chosen_options(page, "ask_ids")) == [str(germany.id)]  # agenda=state: the state's asks
    page = staff_client.get(f"/meetings/new?contact_id={diplomat.id}&ask_id={sweden.id}").get_data(as_text=True)
    assert list(chosen_options(page, "ask_ids")) == [str(sweden.id)]


def test_a_booking_puts_asks_on_the_agenda_and_an_edit_changes_them(staff_client, staff_user, lead_user, diplomat,
                                                                     frozen):
    first = make_ask(lead_user, text="Abolish user fees in public health facilities", target_states=["DE"])
    second = make_ask(lead_user, text="Digital health records with data protection", target_states=["DE"])
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], ask_ids=[str(first.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert [a.id for a in meeting.asks] == [first.id]
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Agenda: our asks" in page and "Abolish user fees" in page
    response = staff_client.post(f"/meetings/{meeting.id}/edit",
                                 data=booking(staff_user, [diplomat], ask_ids=[str(second.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert [a.id for a in meeting.asks] == [second.id]
    assert history_for(meeting)[0].changes["ask ids"] == [str(first.id), str(second.id)]
    response = staff_client.post("/meetings/new", data=booking(staff_user, [diplomat], ask_ids=["999999"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert "&#39;999999&#39; is not a valid choice for this field." in page  # as for recommendations


def test_the_api_reads_and_writes_ask_ids(staff_api, staff_user, lead_user, diplomat):
    ask = make_ask(lead_user)
    response = staff_api.post("/api/v1/meetings", json={
        "title": "Pre-session: Germany", "starts_at": "2027-07-06T08:00:00Z", "ends_at": "2027-07-06T09:00:00Z",
        "timezone": "Europe/Zurich", "location": "Geneva", "attendees": [{"contact_id": diplomat.id}],
        "ask_ids": [ask.id]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ask_ids"] == [ask.id]
    assert staff_api.get(f"/api/v1/meetings/{body['id']}").get_json()["ask_ids"] == [ask.id]
    listed = staff_api.get("/api/v1/meetings", query_string={"from": "2027-07-01"}).get_json()["items"]
    assert [m["ask_ids"] for m in listed] == [[ask.id]]
    response = staff_api.patch(f"/api/v1/meetings/{body['id']}", json={"ask_ids": [12345]})
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["ask_ids"] == ["No ask with id 12345."]
    assert staff_api.patch(f"/api/v1/meetings/{body['id']}", json={"ask_ids": []}).get_json()["ask_ids"] == []


def test_the_meetings_list_costs_the_same_statements_with_asks_on_agendas(staff_api, staff_user, lead_user, diplomat):
    from tests.asks.test_api import _counted

    asks = [make_ask(lead_user, text=f"Ask {i}") for i in range(3)]
    rec = factories.make_recommendation()

    def grow(count):
        for _ in range(count):
            factories.make_meeting(organiser=staff_user, contacts=[diplomat], ask_ids=[a.id for a in asks],
                                   recommendation_ids=[rec.id])

    grow(2)
    staff_api.get("/api/v1/meetings")
    with _counted() as few:
        items = staff_api.get("/api/v1/meetings").get_json()["items"]
    assert [m["ask_ids"] for m in items] == [[a.id for a in asks]] * 2
    grow(10)
    with _counted() as many:
        assert len(staff_api.get("/api/v1/meetings").get_json()["items"]) == 12
    assert len(few) == len(many)


def test_from_the_planning_view_to_a_meeting_with_the_cycles_asks_for_the_state_on_its_agenda(
        staff_client, staff_user, lead_user, mission, diplomat, frozen):
    """The recommendations' planning view (of the 3rd cycle's recommendations, the last review's) lists
    the state's asks of the cycle to come and books with them; the booking form it opens has them chosen
    among that cycle's asks; the booked meeting has them on its agenda."""
    rec = factories.make_recommendation(recommending_state="DE", themes=["Right to health"], reference="142.15")
    germany = make_ask(lead_user, text="Fund HIV prevention for key populations", target_states=["DE"])
    sweden = make_ask(lead_user, text="Mental health law in line with the CRPD", target_states=["SE"])
    make_ask(lead_user, cycle=3, text="An old ask of the 3rd cycle", target_states=["DE"])
    page = staff_client.get("/recommendations/plan", query_string={"theme": "Right to health"}).get_data(as_text=True)
    links = [unescape(link) for link in re.findall(r'href="(/meetings/new\?[^"]+)"', page)
             if f"organisation_id={mission.id}" in link]
    assert links, "no booking link for Germany's mission"
    query = parse_qs(urlsplit(links[0]).query)
    assert query["ask_id"] == [str(germany.id)] and query["recommendation_id"] == [str(rec.id)]
    form_page = staff_client.get(links[0]).get_data(as_text=True)
    assert [text.split(":")[0] for text in _options(form_page, "ask_ids")] == [
        f"Ask {germany.id} for Germany (high)", f"Ask {sweden.id} (high)"]  # the cycle's asks, Germany's first
    assert list(chosen_options(form_page, "ask_ids")) == [str(germany.id)]
    assert list(chosen_options(form_page, "recommendation_ids")) == [str(rec.id)]
    sent = dict(booking(staff_user, [diplomat]))
    values = [(k, v) for k, v in submitted_values(form_page, "") if k not in sent]
    values += [(k, v) for k, item in sent.items() for v in (item if isinstance(item, list) else [item])]
    response = staff_client.post("/meetings/new", data=MultiDict(values))
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert [a.id for a in meeting.asks] == [germany.id] and [r.id for r in meeting.recommendations] == [rec.id]
    page = staff_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Agenda: our asks" in page and "Fund HIV prevention for key populations" in page


def test_the_meeting_page_offers_to_log_a_position_on_each_ask_once_the_meeting_has_begun(
        staff_client, staff_user, lead_user, diplomat, frozen):
    from tests.outcomes.helpers import make_meeting

    ask = make_ask(lead_user, text="Fund HIV prevention for key populations")
    held = make_meeting(staff_user, contacts=[diplomat])  # 10 Nov 2026, before the suite's NOW
    ahead = make_meeting(staff_user, contacts=[diplomat], starts_at=factories.WHEN + timedelta(days=3))
    held.asks, ahead.asks = [ask], [ask]
    db.session.commit()
    link = f'href="/outcomes/meetings/{held.id}/add?ask_id={ask.id}"'
    page = staff_client.get(f"/meetings/{held.id}").get_data(as_text=True)
    assert link in page and f"Log their position on ask {ask.id}" in page
    page = staff_client.get(f"/outcomes/meetings/{held.id}/add?ask_id={ask.id}").get_data(as_text=True)
    assert list(chosen_options(page, "ask_id")) == [str(ask.id)]
    assert "Log their position" not in staff_client.get(f"/meetings/{ahead.id}").get_data(as_text=True)
