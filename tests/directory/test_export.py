"""CSV export of filtered lists and vCards of contacts, read back with csv and vobject."""
import csv
import io

import vobject

from engage.directory import services
from engage.directory.imports import import_csv_bytes
from engage.extensions import db
from tests import factories
from tests.directory.pages import text


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_organisation_export_is_exactly_the_filtered_list_across_every_page(app, staff_client):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        factories.make_organisation(name=f"Nairobi Embassy {n}", country="FR", city="Nairobi")
    factories.make_organisation(name="Geneva Mission", kind="permanent_mission", country="FR", city="Geneva")
    factories.make_organisation(name="Nairobi Ministry", kind="ministry", country="KE", city="Nairobi")

    listing = text(staff_client.get("/directory/organisations?city=Nairobi&kind=embassy&sort=-name"))
    export_url = "/directory/organisations/export.csv?city=Nairobi&kind=embassy&sort=-name"
    assert f'href="{export_url}"' in listing and "Export these 5 as CSV" in listing

    rows = read_csv(staff_client.get(export_url))
    assert [r["name"] for r in rows] == [f"Nairobi Embassy {n}" for n in (4, 3, 2, 1, 0)]
    assert {(r["kind"], r["country"], r["country_name"], r["city"], r["timezone"], r["archived"]) for r in rows} == {
        ("embassy", "FR", "France", "Nairobi", "Africa/Nairobi", "no")}


def test_archived_rows_are_exported_only_when_shown(staff_client):
    live = factories.make_organisation(name="Live One")
    gone = factories.make_organisation(name="Gone One")
    services.set_organisation_archived(None, factories.WHEN, gone, True)
    db.session.commit()
    assert [r["name"] for r in read_csv(staff_client.get("/directory/organisations/export.csv"))] == [live.name]
    rows = read_csv(staff_client.get("/directory/organisations/export.csv?archived=1"))
    assert {(r["name"], r["archived"]) for r in rows} == {("Live One", "no"), ("Gone One", "yes")}


def test_contact_export_matches_the_search_and_imports_back_unchanged(staff_client, now):
    health = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    ohchr = factories.make_organisation(name="OHCHR", kind="un_agency", country="CH", city="Geneva")
    factories.make_contact(health, full_name="Chege Kamau", email="chege@health.go.ke", phone="0722 000 111",
                           position="Director", language="sw", notes="Met at the 2025 mid-term review")
    factories.make_contact(health, full_name="Achieng Otieno", email="achieng@health.go.ke")
    factories.make_contact(ohchr, full_name="Beatrice Moreau", email="bea@ohchr.org", timezone="Africa/Nairobi")

    rows = read_csv(staff_client.get("/directory/contacts/export.csv?q=health"))
    assert [r["full_name"] for r in rows] == ["Achieng Otieno", "Chege Kamau"]
    chege = rows[1]
    assert (chege["email"], chege["organisation"], chege["organisation_city"], chege["phone"], chege["position"],
            chege["language"], chege["notes"]) == ("chege@health.go.ke", "Ministry of Health", "Nairobi",
                                                   "+254722000111", "Director", "sw",
                                                   "Met at the 2025 mid-term review")

    everything = staff_client.get("/directory/contacts/export.csv").get_data()
    assert len(read_csv(staff_client.get("/directory/contacts/export.csv"))) == 3
    report = import_csv_bytes("contacts", everything, None, now)
    assert report.ok, report.errors
    assert (report.total, report.created, report.updated, report.unchanged) == (3, 0, 0, 3)


def test_export_cells_cannot_run_as_spreadsheet_formulas(staff_client):
    factories.make_contact(full_name="=HYPERLINK(\"http://evil\")", email="f@example.org", phone="+254722000111",
                           notes="@SUM(A1)")
    [row] = read_csv(staff_client.get("/directory/contacts/export.csv"))
    assert row["full_name"] == "'=HYPERLINK(\"http://evil\")"
    assert row["notes"] == "'@SUM(A1)"
    assert row["phone"] == "+254722000111"  # a phone number stays as it is


def test_an_empty_export_still_has_its_header(staff_client):
    response = staff_client.get("/directory/contacts/export.csv?q=nobody")
    assert read_csv(response) == []
    assert response.get_data().decode("utf-8-sig").startswith("id,full_name,email,organisation,")


def test_vcard_reads_back_with_vobject(staff_client):
    org = factories.make_organisation(name="Permanent Mission of Norway", kind="permanent_mission", country="NO",
                                      city="Geneva")
    person = factories.make_contact(org, full_name="Ingrid Marie Hansen", email="ingrid@mfa.no",
                                    phone="+41 22 918 04 00", position="Counsellor")
    response = staff_client.get(f"/directory/contacts/{person.id}.vcf")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    assert 'filename=Ingrid-Marie-Hansen.vcf' in response.headers["Content-Disposition"]
    card = vobject.readOne(response.get_data(as_text=True))
    assert card.fn.value == "Ingrid Marie Hansen"
    assert (card.n.value.family, card.n.value.given) == ("Hansen", "Ingrid Marie")
    assert card.email.value == "ingrid@mfa.no"
    assert card.org.value == ["Permanent Mission of Norway"]
    assert card.tel.value == "+41229180400"
    assert card.title.value == "Counsellor"
    assert (card.adr.value.city, card.adr.value.country) == ("Geneva", "")  # Norway is whom it represents


def test_vcard_of_a_person_without_organisation_or_phone(staff_client):
    person = factories.make_contact(full_name="Zoë", email="zoe@example.org")
    card = vobject.readOne(staff_client.get(f"/directory/contacts/{person.id}.vcf").get_data(as_text=True))
    assert card.fn.value == "Zoë" and card.email.value == "zoe@example.org"
    assert "org" not in card.contents and "tel" not in card.contents
