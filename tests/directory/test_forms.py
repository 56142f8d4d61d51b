"""Adding, editing, archiving and restoring organisations and contacts through the web pages."""
from sqlalchemy import func, select

from engage.directory import services
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.history import history_for
from tests import factories
from tests.directory.pages import field_errors, listed_names, text

ORG_FORM = {"name": "Permanent Mission of Norway", "kind": "permanent_mission", "country": "NO", "city": "Geneva",
            "timezone": "", "email": "", "phone": "", "website": "", "notes": "", "source": ""}
CONTACT_FORM = {"full_name": "Ingrid Hansen", "email": "ingrid@mfa.no", "position": "Counsellor",
                "organisation_id": "", "phone": "", "language": "en", "timezone": "", "notes": "", "source": ""}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_add_an_organisation(staff_client, staff_user):
    response = staff_client.post("/directory/organisations/new", data=ORG_FORM)
    assert response.status_code == 302
    org = db.session.scalars(select(Organisation)).one()
    assert response.headers["Location"].endswith(f"/directory/organisations/{org.id}")
    assert (org.name, org.kind, org.country, org.city) == ("Permanent Mission of Norway", "permanent_mission", "NO",
                                                          "Geneva")
    assert org.effective_timezone == "Europe/Zurich"  # from the city
    [created] = history_for(org)
    assert created.action == "created" and created.actor_id == staff_user.id
    page = text(staff_client.get(response.headers["Location"]))
    assert "Permanent Mission of Norway is now in the directory." in page
    assert "Norway" in page and "Permanent mission" in page


def test_bad_values_are_shown_beside_their_fields_and_nothing_is_saved(staff_client):
    response = staff_client.post("/directory/organisations/new", data={
        **ORG_FORM, "phone": "12", "website": "not a site", "email": "nobody@"})
    assert response.status_code == 200
    assert field_errors(response, "phone") == ["Not a valid phone number for its country."]
    assert field_errors(response, "website") == ["Not a web address."]
    assert field_errors(response, "email")[0].startswith("Not a valid email address")
    assert field_errors(response, "name") == []
    assert "Nothing was saved" in text(response)
    assert _count(Organisation) == 0


def test_a_missing_name_and_an_unknown_kind_are_refused(staff_client):
    response = staff_client.post("/directory/organisations/new", data={**ORG_FORM, "name": " ", "kind": "spaceship"})
    assert response.status_code == 200
    assert field_errors(response, "name") == ["Give the organisation's name."]
    assert field_errors(response, "kind")[0].startswith("Choose one of: ministry, embassy")  # the schema's words
    assert _count(Organisation) == 0


def test_a_duplicate_organisation_is_refused_beside_the_name(staff_client):
    factories.make_organisation(name="Permanent Mission of Norway", kind="permanent_mission", country="NO",
                                city="Geneva")
    response = staff_client.post("/directory/organisations/new", data={**ORG_FORM, "name": "permanent mission of norway"})
    assert response.status_code == 200
    assert field_errors(response, "name") == ["An organisation with this name, country and city exists."]
    assert _count(Organisation) == 1


def test_edit_an_organisation_and_its_zone_follows_a_new_city(staff_client):
    org = factories.make_organisation(name="Embassy of Norway", country="NO", city="Nairobi")
    form = staff_client.get(f"/directory/organisations/{org.id}/edit")
    assert form.status_code == 200
    page = text(form)
    assert 'value="Embassy of Norway"' in page
    assert '<option selected value="">Follow the city</option>' in page
    response = staff_client.post(f"/directory/organisations/{org.id}/edit", data={
        **ORG_FORM, "name": "Mission of Norway", "kind": "permanent_mission", "city": "Geneva",
        "phone": "+41 22 918 04 00"})
    assert response.status_code == 302
    db.session.expire_all()
    assert org.name == "Mission of Norway" and org.city == "Geneva" and org.phone == "+41229180400"
    assert org.effective_timezone == "Europe/Zurich"
    [updated] = [r for r in history_for(org) if r.action == "updated"]
    assert updated.changes["city"] == ["Nairobi", "Geneva"]


def test_a_zone_set_by_hand_is_kept(staff_client):
    response = staff_client.post("/directory/organisations/new", data={
        **ORG_FORM, "city": "Nairobi", "timezone": "Europe/Zurich", "name": "Liaison office"})
    org = db.session.scalars(select(Organisation)).one()
    assert response.status_code == 302 and org.timezone == "Europe/Zurich"


def test_time_zone_picker_starts_with_nairobi_and_geneva(staff_client):
    page = staff_client.get("/directory/contacts/new").get_data(as_text=True)
    select_html = page.split('id="timezone"', 1)[1].split("</select>", 1)[0]
    values = [chunk.split('"', 1)[0] for chunk in select_html.split('value="')[1:]]
    assert values[:3] == ["", "Africa/Nairobi", "Europe/Zurich"]
    assert "America/New_York" in values and len(values) > 300


def test_add_a_contact_at_an_organisation(staff_client):
    org = factories.make_organisation(name="Embassy of Norway", country="NO", city="Nairobi")
    form = text(staff_client.get(f"/directory/contacts/new?organisation_id={org.id}"))
    assert f'<option selected value="{org.id}">Embassy of Norway (Nairobi)</option>' in form
    response = staff_client.post("/directory/contacts/new", data={
        **CONTACT_FORM, "organisation_id": str(org.id), "email": "Ingrid@MFA.no", "phone": "0722 123 456"})
    assert response.status_code == 302
    contact = db.session.scalars(select(Contact)).one()
    assert contact.email == "ingrid@mfa.no" and contact.phone == "+254722123456"
    assert contact.organisation_id == org.id and contact.timezone is None
    assert contact.effective_timezone == "Africa/Nairobi"


def test_an_accented_mailbox_name_is_refused_and_an_accented_domain_kept(staff_client):
    response = staff_client.post("/directory/contacts/new", data={**CONTACT_FORM, "email": "zoë@mission.example"})
    assert response.status_code == 200
    assert "before the @-sign are not supported" in field_errors(response, "email")[0]
    assert _count(Contact) == 0
    response = staff_client.post("/directory/contacts/new",
                                 data={**CONTACT_FORM, "email": "zoe@mission-genève.example"})
    assert response.status_code == 302
    assert db.session.scalars(select(Contact)).one().email == "zoe@mission-genève.example"


def test_a_duplicate_email_is_shown_beside_the_email_field_and_nothing_is_saved(staff_client):
    factories.make_contact(full_name="Ingrid Hansen", email="ingrid@mfa.no")
    response = staff_client.post("/directory/contacts/new", data={
        **CONTACT_FORM, "full_name": "Someone Else", "email": "INGRID@mfa.no"})
    assert response.status_code == 200
    assert field_errors(response, "email") == ["Already used by another contact."]
    assert field_errors(response, "full_name") == []
    assert 'value="Someone Else"' in text(response)  # what was typed is kept
    assert _count(Contact) == 1


def test_editing_a_contact_to_an_email_in_use_is_refused(staff_client):
    factories.make_contact(email="taken@example.org")
    other = factories.make_contact(email="mine@example.org", full_name="Mine Person")
    response = staff_client.post(f"/directory/contacts/{other.id}/edit", data={
        **CONTACT_FORM, "full_name": "Mine Person", "email": "taken@example.org"})
    assert response.status_code == 200
    assert field_errors(response, "email") == ["Already used by another contact."]
    db.session.expire_all()
    assert other.email == "mine@example.org"


def test_contact_picker_lists_only_live_organisations(staff_client):
    live = factories.make_organisation(name="Live Embassy")
    gone = factories.make_organisation(name="Gone Embassy")
    services.set_organisation_archived(None, factories.WHEN, gone, True)
    db.session.commit()
    page = text(staff_client.get("/directory/contacts/new"))
    assert "Live Embassy" in page and "Gone Embassy" not in page
    # Posting an archived organisation's id anyway is refused beside the picker.
    response = staff_client.post("/directory/contacts/new", data={**CONTACT_FORM, "organisation_id": str(gone.id)})
    assert response.status_code == 200
    assert field_errors(response, "organisation_id") == ["Gone Embassy is archived; restore it first."]
    assert live.id and _count(Contact) == 0


def test_a_contact_of_an_archived_organisation_can_still_be_edited(staff_client):
    org = factories.make_organisation(name="Old Mission")
    person = factories.make_contact(org, full_name="Kept Person", email="kept@example.org")
    services.set_organisation_archived(None, factories.WHEN, org, True)
    db.session.commit()
    page = text(staff_client.get(f"/directory/contacts/{person.id}/edit"))
    assert "Old Mission (Nairobi) (archived)" in page
    response = staff_client.post(f"/directory/contacts/{person.id}/edit", data={
        **CONTACT_FORM, "full_name": "Kept Person", "email": "kept@example.org", "organisation_id": str(org.id),
        "position": "Ambassador"})
    assert response.status_code == 302
    db.session.expire_all()
    assert person.position == "Ambassador" and person.organisation_id == org.id


def test_archive_and_restore_a_contact(staff_client, staff_user):
    person = factories.make_contact(full_name="Wanjiru Mwangi", email="wanjiru@example.org")
    response = staff_client.post(f"/directory/contacts/{person.id}/archive")
    assert response.status_code == 302
    db.session.expire_all()
    assert person.is_archived
    assert "Wanjiru Mwangi" not in listed_names(staff_client.get("/directory/contacts"))
    page = text(staff_client.get(f"/directory/contacts/{person.id}"))
    assert "This contact is hidden from lists and pickers" in page
    assert '<span class="badge text-bg-secondary">Archived</span>' in page
    assert staff_client.post(f"/directory/contacts/{person.id}/restore").status_code == 302
    db.session.expire_all()
    assert not person.is_archived
    assert "Wanjiru Mwangi" in listed_names(staff_client.get("/directory/contacts"))
    by_action = {r.action: r for r in history_for(person)}
    assert {"created", "archived", "restored"} <= set(by_action)
    assert by_action["archived"].actor_id == by_action["restored"].actor_id == staff_user.id


def test_restoring_is_refused_when_the_email_was_reused(staff_client):
    first = factories.make_contact(full_name="First Holder", email="desk@example.org")
    staff_client.post(f"/directory/contacts/{first.id}/archive")
    factories.make_contact(full_name="Second Holder", email="desk@example.org")
    response = staff_client.post(f"/directory/contacts/{first.id}/restore", follow_redirects=True)
    assert response.status_code == 200
    assert "Another live contact uses desk@example.org; cannot restore this one." in text(response)
    db.session.expire_all()
    assert first.is_archived


def test_archive_and_restore_an_organisation(staff_client):
    org = factories.make_organisation(name="High Commission of Ghana", kind="high_commission", country="GH")
    response = staff_client.post(f"/directory/organisations/{org.id}/archive", follow_redirects=True)
    assert "is archived" in text(response)
    db.session.expire_all()
    assert org.is_archived
    assert "High Commission of Ghana" not in text(staff_client.get("/directory/contacts/new"))
    staff_client.post(f"/directory/organisations/{org.id}/restore")
    db.session.expire_all()
    assert not org.is_archived


def test_archiving_needs_a_post(staff_client):
    org = factories.make_organisation()
    assert staff_client.get(f"/directory/organisations/{org.id}/archive").status_code == 405
    db.session.expire_all()
    assert not org.is_archived


def test_archive_is_refused_without_a_csrf_token_when_csrf_is_on(app, staff_client):
    org = factories.make_organisation()
    app.config["WTF_CSRF_ENABLED"] = True
    response = staff_client.post(f"/directory/organisations/{org.id}/archive")
    assert response.status_code == 400
    db.session.expire_all()
    assert not org.is_archived
