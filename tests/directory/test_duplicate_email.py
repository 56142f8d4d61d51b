"""An address already used by a contact the actor may not see is refused without a word about that contact."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.access import services as access
from engage.directory import services
from engage.directory.models import Contact
from engage.errors import ConflictError
from engage.extensions import db
from tests import factories
from tests.conftest import ApiClient
from tests.directory.pages import field_errors, text
from tests.directory.test_forms import CONTACT_FORM

HIDDEN_NAME = "Kwame Mensah"
HIDDEN_EMAIL = "kwame@mission.example"
UNUSABLE = "This email address cannot be used here."


@pytest.fixture
def dpo(app):
    return factories.make_dpo()


@pytest.fixture
def hidden(app, dpo):
    contact = factories.make_contact(full_name=HIDDEN_NAME, email=HIDDEN_EMAIL)
    access.set_sensitivity(dpo, factories.WHEN, contact, "restricted")
    db.session.commit()
    return contact


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


def _reveals_nothing(words: str, page: bool = False) -> None:
    # A form page offers "restricted" in its sensitivity field and shows back the address typed.
    secrets = (HIDDEN_NAME, "already", "exists", "another contact") + (() if page else ("restricted", "Kwame"))
    for secret in secrets:
        assert secret not in words, secret


def test_the_new_contact_form_says_only_that_the_address_cannot_be_used(staff_client, hidden):
    response = staff_client.post("/directory/contacts/new", data={**CONTACT_FORM, "email": "Kwame@Mission.example"})
    assert response.status_code == 200  # the form again, the error beside the field
    assert field_errors(response, "email") == [UNUSABLE]
    _reveals_nothing(text(response), page=True)
    assert _count() == 1


def test_editing_a_contact_to_a_hidden_address_says_the_same(staff_client, hidden):
    mine = factories.make_contact(full_name="Mine Person", email="mine@example.org")
    response = staff_client.post(f"/directory/contacts/{mine.id}/edit",
                                 data={**CONTACT_FORM, "full_name": "Mine Person", "email": HIDDEN_EMAIL})
    assert field_errors(response, "email") == [UNUSABLE]
    _reveals_nothing(text(response), page=True)
    db.session.expire_all()
    assert db.session.get(Contact, mine.id).email == "mine@example.org"


def test_the_api_answers_409_naming_the_field_and_nothing_else(app, staff_user, hidden):
    api = ApiClient(app.test_client(), factories.make_token(staff_user))
    response = api.post("/api/v1/contacts", json={"full_name": "Somebody", "email": HIDDEN_EMAIL})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["fields"] == {"email": [UNUSABLE]}
    _reveals_nothing(response.get_data(as_text=True))
    mine = factories.make_contact(email="mine@example.org")
    response = api.patch(f"/api/v1/contacts/{mine.id}", json={"email": HIDDEN_EMAIL})
    assert response.status_code == 409 and response.get_json()["error"]["fields"] == {"email": [UNUSABLE]}
    _reveals_nothing(response.get_data(as_text=True))
    assert _count() == 2


def test_restoring_an_archived_contact_whose_address_a_hidden_one_took(app, staff_user, hidden):
    old = factories.make_contact(full_name="Old Record", email="old@mission.example")
    services.set_contact_archived(staff_user, factories.WHEN, old, True)
    hidden.email = "old@mission.example"
    db.session.commit()
    with pytest.raises(ConflictError) as refused:
        services.set_contact_archived(staff_user, factories.WHEN, old, False)
    assert UNUSABLE in refused.value.message
    _reveals_nothing(refused.value.message)


def test_a_clash_the_actor_can_see_still_names_the_contact(app, staff_user, dpo, hidden):
    factories.make_contact(full_name="Ingrid Hansen", email="ingrid@mfa.no")
    with pytest.raises(ConflictError) as refused:
        services.create_contact(staff_user, factories.WHEN, {"full_name": "Someone", "email": "ingrid@mfa.no"})
    assert "Ingrid Hansen" in refused.value.message
    assert refused.value.fields == {"email": ["Already used by another contact."]}
    # The DPO, and whoever was granted the restricted contact, see it: for them it is named too.
    for actor in (dpo,):
        with pytest.raises(ConflictError) as refused:
            services.create_contact(actor, factories.WHEN, {"full_name": "Someone", "email": HIDDEN_EMAIL})
        assert HIDDEN_NAME in refused.value.message
