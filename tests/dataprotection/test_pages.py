"""The DPO's pages: the contact panel, export and erasure, requests with their dates, review list, register."""
import json

import pytest
from sqlalchemy import select

from engage.dataprotection import services
from engage.dataprotection.models import DataRequest
from engage.directory.models import Contact
from engage.extensions import db
from tests.dataprotection.conftest import EMAIL, NAME
from tests.directory.pages import field_errors
from tests.conftest import sqlite_only


# One signed-in client per test: the app context (and its remembered user) is shared by the test.

def test_the_dpo_gets_the_panel_with_its_buttons(app, dpo_client, amina):
    page = dpo_client.get(f"/directory/contacts/{amina.id}").get_data(as_text=True)
    assert 'id="data-protection"' in page and 'id="dpo-actions"' in page and "Erase…" in page
    assert "Data protection</a>" in dpo_client.get("/").get_data(as_text=True)  # in the top bar


def test_staff_see_the_basis_but_no_buttons(app, staff_client, amina):
    page = staff_client.get(f"/directory/contacts/{amina.id}").get_data(as_text=True)
    assert 'id="data-protection"' in page and "Legitimate interest" in page and 'id="dpo-actions"' not in page
    assert "Data protection</a>" not in staff_client.get("/").get_data(as_text=True)


@sqlite_only
@pytest.mark.parametrize("who", ["staff_client", "lead_client", "admin_client"])
@pytest.mark.parametrize("url", ["/data-protection/", "/data-protection/review",
                                 "/data-protection/contacts/1/erase"])
def test_others_are_refused(app, request, amina, who, url):
    client = request.getfixturevalue(who)
    assert client.get(url).status_code == 403
    assert client.post(f"/data-protection/contacts/{amina.id}/export", data={"format": "json"}).status_code == 403
    assert client.post(f"/data-protection/contacts/{amina.id}/erase", data={"confirm": "ERASE"}).status_code == 403
    assert db.session.get(Contact, amina.id).email == EMAIL


def test_signed_out_goes_to_sign_in(app, client):
    response = client.get("/data-protection/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_register_is_for_the_dpo(app, dpo_client, amina, story):
    page = dpo_client.get("/data-protection/register").get_data(as_text=True)
    for heading in ("Purposes", "Categories of data", "Recipients", "Retention", "transfers outside Kenya"):
        assert heading in page
    assert "Sensitive" in page and "Not stated: set ENGAGE_SERVER_LOCATION" in page and "90 days" in page
    assert "1 meetings" in page  # "HIV key populations" is a sensitive topic
    assert EMAIL not in page


def test_admins_read_the_register_and_staff_do_not(app, request):
    assert request.getfixturevalue("admin_client").get("/data-protection/register").status_code == 200


def test_staff_do_not_read_the_register(app, staff_client):
    assert staff_client.get("/data-protection/register").status_code == 403


def test_the_register_counts_transfers_outside_kenya(app, admin_client):
    from tests import factories

    mission = factories.make_organisation(name="Permanent Mission of Sweden", kind="permanent_mission",
                                          country="SE", city="Geneva")
    factories.make_contact(mission, full_name="Sven", email="sven@gmail.com")
    page = admin_client.get("/data-protection/register").get_data(as_text=True)
    assert "Sweden (SE): 1" in page and "Google (1)" in page
    assert "Contacts at organisations in Geneva: 1" in page


def test_export_downloads_and_closes_a_logged_request(app, dpo_client, amina, story):
    response = dpo_client.post("/data-protection/requests", data={
        "kind": "access", "contact_id": str(amina.id), "received_on": "2026-11-20", "notes": "Letter"})
    assert response.status_code == 302
    listing = dpo_client.get("/data-protection/?state=open").get_data(as_text=True)
    assert f"contact #{amina.id}" in listing and "Open" in listing
    response = dpo_client.post(f"/data-protection/contacts/{amina.id}/export", data={"format": "json"})
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.get_data())["contact"]["email"] == EMAIL
    response = dpo_client.post(f"/data-protection/contacts/{amina.id}/export", data={"format": "csv"})
    assert response.mimetype == "text/csv" and NAME in response.get_data(as_text=True)
    requests = db.session.scalars(select(DataRequest).order_by(DataRequest.id)).all()
    assert requests[0].opened_at.date().isoformat() == "2026-11-20" and requests[0].closed_at is not None
    listing = dpo_client.get("/data-protection/?state=closed").get_data(as_text=True)
    assert requests[0].reference in listing and "Closed" in listing


def test_logging_a_request_for_an_unknown_contact_names_the_field(app, dpo_client):
    response = dpo_client.post("/data-protection/requests", data={"kind": "erasure", "contact_id": "999"})
    assert response.status_code == 422 and "No contact with id 999" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(DataRequest)) == 0


@pytest.mark.parametrize("field, value, message", [
    ("contact_id", "amina", "Choose the contact the request is about."),
    ("received_on", "2027-01-01", "The date the request came in cannot be in the future."),
    ("received_on", "last week", "Not a date; write it as YYYY-MM-DD."),
    ("notes", "x" * 2001, "At most 2000 characters."),
    ("kind", "deletion", "Choose one of: access, erasure."),
])
def test_a_bad_request_is_refused_beside_its_field(app, dpo_client, amina, frozen, field, value, message):
    form = {"kind": "access", "contact_id": str(amina.id), "received_on": "", "notes": "", field: value}
    response = dpo_client.post("/data-protection/requests", data=form)
    assert response.status_code == 422
    assert field_errors(response, field) == [message]  # DataRequestCreate's words, beside the field
    assert db.session.scalar(select(db.func.count()).select_from(DataRequest)) == 0


def test_a_request_can_be_closed_without_action(app, dpo_client, dpo_user, amina):
    from tests.conftest import NOW

    request = services.open_request(dpo_user, NOW, {"kind": "erasure", "contact_id": amina.id})
    db.session.commit()
    assert dpo_client.post(f"/data-protection/requests/{request.id}/close").status_code == 302
    db.session.refresh(request)
    assert request.closed_at is not None and db.session.get(Contact, amina.id).email == EMAIL


def test_erasure_asks_for_the_email_or_erase(app, dpo_client, amina, story):
    page = dpo_client.get(f"/data-protection/contacts/{amina.id}/erase").get_data(as_text=True)
    assert "cannot be undone" in page and "[erased]" in page
    response = dpo_client.post(f"/data-protection/contacts/{amina.id}/erase", data={"confirm": "yes"})
    assert response.status_code == 422 and "nothing was erased" in response.get_data(as_text=True)
    assert db.session.get(Contact, amina.id).email == EMAIL
    response = dpo_client.post(f"/data-protection/contacts/{amina.id}/erase", data={"confirm": EMAIL.upper()},
                               follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "is erased" in page and "Anonymised participant" in page
    assert EMAIL not in page and "Amina" not in page


def test_the_review_page_lists_quiet_contacts(app, dpo_client, amina):
    import time_machine

    from tests.conftest import NOW

    with time_machine.travel(NOW.replace(year=2029), tick=False):
        page = dpo_client.get("/data-protection/review").get_data(as_text=True)
    assert NAME in page and "Erase…" in page
    page = dpo_client.get("/data-protection/review").get_data(as_text=True)
    assert "Nobody is due for review" in page
