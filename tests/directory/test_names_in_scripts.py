"""Contacts' names in French, Spanish, Arabic, Chinese and Kiswahili come back as typed from every path
of the directory: the form and its pages, a CSV import and export (read back with csv), the vCard (read
back with vobject) and its file name."""
import csv
import io
from urllib.parse import unquote

import pytest
import vobject
from sqlalchemy import select

from engage.directory.imports import import_csv_bytes
from engage.directory.models import Contact
from engage.extensions import db
from tests import factories
from tests.directory.pages import text

# One name per language, each with what makes it hard: accents and a hyphen; ñ and an accent; a
# right-to-left script with an article; CJK with no spaces; a Kiswahili name with an apostrophe.
NAMES = {
    "fr": "Amélie Dupont-Lefèvre",
    "es": "José Ñúñez Peña",
    "ar": "عبد الله الحسيني",
    "zh": "王小明",
    "sw": "Mwanaisha Ng'ang'a",
}


@pytest.mark.parametrize("language", sorted(NAMES))
def test_the_contact_form_saves_the_name_as_typed_and_the_pages_show_it(staff_client, language):
    name = NAMES[language]
    response = staff_client.post("/directory/contacts/new", data={
        "full_name": name, "email": f"{language}@mission.example", "position": "", "organisation_id": "",
        "phone": "", "language": language, "timezone": "", "notes": "", "source": ""})
    assert response.status_code == 302
    contact = db.session.scalars(select(Contact)).one()
    assert (contact.full_name, contact.language) == (name, language)
    assert name in text(staff_client.get(f"/directory/contacts/{contact.id}"))
    assert name in text(staff_client.get("/directory/contacts"))


def test_a_csv_import_and_export_keep_every_name(staff_client, now):
    rows = "full_name,email,language\n" + "".join(f"{name},{language}@mission.example,{language}\n"
                                                  for language, name in NAMES.items())
    report = import_csv_bytes("contacts", rows.encode("utf-8"), None, now)
    assert report.ok, report.errors
    db.session.commit()
    exported = staff_client.get("/directory/contacts/export.csv")
    read = list(csv.DictReader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert {r["language"]: r["full_name"] for r in read} == NAMES
    # And the exported file imports back with nothing to change.
    again = import_csv_bytes("contacts", exported.get_data(), None, now)
    assert (again.ok, again.unchanged) == (True, len(NAMES))


@pytest.mark.parametrize("language", sorted(NAMES))
def test_the_vcard_reads_back_the_name_and_is_named_after_it(staff_client, language):
    name = NAMES[language]
    person = factories.make_contact(full_name=name, email=f"{language}@mission.example", language=language)
    response = staff_client.get(f"/directory/contacts/{person.id}.vcf")
    assert response.status_code == 200
    card = vobject.readOne(response.get_data(as_text=True))
    assert card.fn.value == name
    assert " ".join(filter(None, (card.n.value.given, card.n.value.family))) == name
    disposition = unquote(response.headers["Content-Disposition"])
    assert name.replace(" ", "-").replace("'", "-") in disposition
