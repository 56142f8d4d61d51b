"""The directory in French for a user who chose French, and still in English for one who did not."""
import io

import pytest
from sqlalchemy import func, select

from engage.directory.models import Contact
from engage.extensions import db
from tests import factories
from tests.directory.pages import listed_names, text



@pytest.fixture
def world(app):
    embassy = factories.make_organisation(name="Ambassade de France", kind="embassy", country="FR", city="Nairobi")
    factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    anna = factories.make_contact(embassy, full_name="Anne Lefèvre", email="anne@diplomatie.gouv.fr",
                                  position="Premier secrétaire")
    return {"embassy": embassy, "anne": anna}


def test_a_french_user_reads_the_contacts_list_in_french(french_client, world):
    response = french_client.get("/directory/contacts")
    page = text(response)
    assert response.status_code == 200
    assert listed_names(response) == ["Anne Lefèvre"]
    assert "<h1 class=\"h3 mb-0\">Annuaire</h1>" in page
    assert "Ajouter un contact" in page and "Rechercher" in page and "Effacer les filtres" not in page
    assert "<strong>1</strong> contact" in page and "Exporter en CSV" in page
    assert "Type d’organisation" in page and "Tous les types" in page and "Ambassade</option>" in page
    assert "Add a contact" not in page and "Show archived" not in page


def test_a_french_user_reads_a_contact_and_an_organisation_in_french(french_client, world):
    page = text(french_client.get(f"/directory/contacts/{world['anne'].id}"))
    assert "Coordonnées" in page and "Fonction" in page and "Langue préférée" in page
    assert "Télécharger la vCard" in page and "Archiver" in page and "Historique" in page
    assert "Premier secrétaire" in page  # what staff typed stays as typed
    assert "Download vCard" not in page and "Preferred language" not in page

    page = text(french_client.get(f"/directory/organisations/{world['embassy'].id}"))
    assert "Ambassade de France" in page and "<dd class=\"col-sm-8\">Ambassade</dd>" in page
    assert "Personnes" in page and "Ajouter une personne ici" in page and "Réunions" in page
    assert "Aucune réunion avec cette organisation n’est encore enregistrée." in page
    assert "Embassy" not in page and "Add a person here" not in page


def test_a_french_user_adds_a_contact_and_is_told_so_in_french(french_client, world):
    form = text(french_client.get("/directory/contacts/new"))
    assert "Nom complet" in form and "Base légale" in form and "Ne pas contacter" in form
    assert "Intérêt légitime (un responsable agissant dans ses fonctions)" in form
    response = french_client.post("/directory/contacts/new", data={
        "full_name": "Jean Dupont", "email": "jean@example.org", "position": "", "organisation_id": "",
        "phone": "", "language": "fr", "timezone": "", "notes": "", "source": ""}, follow_redirects=True)
    assert "Jean Dupont figure désormais dans l’annuaire." in text(response)


def test_a_french_user_sees_the_import_page_and_each_bad_line_in_french(french_client, world):
    page = text(french_client.get("/directory/import"))
    assert "Importer un fichier CSV" in page and "Vérifier et importer" in page and "Les colonnes" in page
    assert "<code>full_name</code>" in page  # the columns keep their names
    raw = ("full_name,email,organisation\n"
           "Jean Dupont,jean@example.org,Ambassade de France\n"
           "Marie Curie,marie@example.org,Mission inconnue\n").encode()
    response = french_client.post("/directory/import", data={"kind": "contacts",
                                                             "file": (io.BytesIO(raw), "contacts.csv")},
                                  content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 422
    assert "Rien n’a été importé" in page and "1 ligne de <strong>contacts.csv</strong> (contacts) est à corriger" in page
    assert "<th scope=\"col\" class=\"text-nowrap\">Ligne</th>" in page
    assert "<tr><td>3</td><td>organisation : organisation inconnue 'Mission inconnue' ; ajoutez-la d’abord à " \
           "l’annuaire</td></tr>" in page
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1  # nothing was imported


def test_an_english_user_still_reads_english(staff_client, world):
    page = text(staff_client.get("/directory/contacts"))
    assert "<h1 class=\"h3 mb-0\">Directory</h1>" in page and "Add a contact" in page and "Annuaire" not in page
    page = text(staff_client.get(f"/directory/organisations/{world['embassy'].id}"))
    assert "<dd class=\"col-sm-8\">Embassy</dd>" in page and "People" in page


def test_a_french_user_is_told_beside_the_field_that_an_email_is_taken(french_client, world):
    from tests.directory.pages import field_errors

    response = french_client.post("/directory/contacts/new", data={
        "full_name": "Anne Autre", "email": "ANNE@diplomatie.gouv.fr", "position": "", "organisation_id": "",
        "phone": "", "language": "fr", "timezone": "", "notes": "", "source": ""})
    assert response.status_code == 200
    assert field_errors(response, "email") == ["Déjà utilisée par un autre contact."]
    assert "Rien n’a été enregistré : corrigez les champs signalés ci-dessous." in text(response)
