"""The DPO logs a request by picking the contact by name (restricted ones too), sees open requests on
the contact's page, and an erased record offers nothing to edit, download or restore."""
import re
from html import unescape

from sqlalchemy import select

from engage.access import services as access
from engage.dataprotection import erasure, services
from engage.dataprotection.models import DataRequest
from engage.directory.models import Contact
from engage.extensions import db
from tests import factories
from tests.conftest import NOW
from tests.dataprotection.conftest import NAME


def _options(html: str) -> dict[str, str]:
    select_html = re.search(r'<select[^>]*name="contact_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {unescape(label): value for value, label in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html)}


def _selected(html: str) -> str | None:
    select_html = re.search(r'<select[^>]*name="contact_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = re.search(r'<option[^>]*selected[^>]*>([^<]*)</option>', select_html)
    return unescape(found.group(1)) if found else None


def test_the_dpo_logs_a_request_by_choosing_the_contact_by_name(app, dpo_client, dpo_user, amina, ministry, frozen):
    hidden = factories.make_contact(ministry, full_name="Rehema Restricted", email="rehema@health.go.ke")
    access.set_sensitivity(dpo_user, NOW, hidden, "restricted")
    gone = factories.make_contact(ministry, full_name="Gone Person", email="gone@health.go.ke")
    db.session.commit()
    erasure.erase_contact(dpo_user, NOW, gone)
    db.session.commit()

    html = dpo_client.get("/data-protection/").get_data(as_text=True)
    assert "Contact number" not in html and '<label class="form-label" for="contact_id">Contact' in html
    options = _options(html)
    assert options[f"{NAME} — Ministry of Health, Nairobi"] == str(amina.id)
    assert "Rehema Restricted — Ministry of Health, Nairobi" in options      # the DPO sees restricted contacts
    assert not any("Anonymised" in label or "Gone" in label for label in options)  # nothing left to ask about

    found = dpo_client.get("/data-protection/?who=rehema").get_data(as_text=True)
    assert list(_options(found)) == ["Choose a contact…", "Rehema Restricted — Ministry of Health, Nairobi"]
    assert _selected(found) == "Rehema Restricted — Ministry of Health, Nairobi" and "1 contact match" in found
    assert dpo_client.get("/data-protection/?who=a%00b").status_code == 400

    response = dpo_client.post("/data-protection/requests", data={
        "kind": "erasure", "contact_id": str(hidden.id), "received_on": "", "notes": "Phoned in"})
    assert response.status_code == 302
    listing = dpo_client.get("/data-protection/?state=open").get_data(as_text=True)
    assert "Rehema Restricted" in listing and f"contact #{hidden.id}" in listing
    missing = dpo_client.post("/data-protection/requests", data={"kind": "access", "contact_id": ""})
    assert missing.status_code == 422 and "Choose the contact the request is about." in missing.get_data(as_text=True)


def test_open_requests_show_on_the_contact_page_and_a_request_starts_there(app, dpo_client, dpo_user, amina,
                                                                           staff_client, frozen):
    page = dpo_client.get(f"/directory/contacts/{amina.id}").get_data(as_text=True)
    assert "No open request about this contact." in page
    start = unescape(re.search(r'href="([^"]+)">Log a request about them', page).group(1))
    assert _selected(dpo_client.get(start).get_data(as_text=True)) == f"{NAME} — Ministry of Health, Nairobi"

    req = services.open_request(dpo_user, NOW, {"kind": "erasure", "contact_id": amina.id, "notes": "By letter"})
    db.session.commit()
    panel = dpo_client.get(f"/directory/contacts/{amina.id}").get_data(as_text=True)
    panel = panel[panel.index('id="open-requests"'):]
    assert f"{req.reference}: erasure, received" in panel and "By letter" in panel
    staff_page = staff_client.get(f"/directory/contacts/{amina.id}").get_data(as_text=True)
    assert 'id="open-requests"' not in staff_page and req.reference not in staff_page


def test_an_erased_record_offers_no_edit_vcard_or_restore(app, dpo_client, dpo_user, amina, frozen):
    erasure.erase_contact(dpo_user, NOW, amina)
    db.session.commit()
    page = dpo_client.get(f"/directory/contacts/{amina.id}").get_data(as_text=True)
    assert "Erased" in page
    for offer in (">Edit<", "Download vCard", ">Restore<", "Restore them", "Log a request about them"):
        assert offer not in page, offer
    refused = dpo_client.post(f"/directory/contacts/{amina.id}/restore", follow_redirects=True)
    assert "it cannot be restored" in refused.get_data(as_text=True)
    assert db.session.get(Contact, amina.id).is_archived
    assert dpo_client.get(f"/directory/contacts/{amina.id}.vcf").status_code == 409
    assert db.session.scalar(select(DataRequest.kind).where(DataRequest.contact_id == amina.id)) == "erasure"
