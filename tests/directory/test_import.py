"""CSV import of organisations and contacts: the web pages, the report and the CLI."""
import csv
import io

import pytest
from sqlalchemy import func, select

from engage.directory.imports import COLUMN_GUIDE, import_csv_bytes
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from tests import factories
from tests.directory.pages import field_errors, text

ORGANISATIONS = (
    "name,kind,country,city,phone\n"
    "Ministry of Health,ministry,KE,Nairobi,020 271 7077\n"
    "Permanent Mission of Norway,Permanent mission,Norway,Geneva,\n"
    "Embassy of Finland,embassy,FI,Nairobi,\n"
).encode()

CONTACTS = (
    "full_name,email,organisation,position\n"
    "Amina Odhiambo,amina@example.org,Ministry of Health,Head of Legal\n"
    "Ingrid Hansen,ingrid@mfa.no,Permanent Mission of Norway,Counsellor\n"
).encode()

# Every kind of bad contact row, each on a known line; lines 2 and 8 are fine. Line 8 is UTF-8 with an
# accent, so the file is a UTF-8 file with one damaged line (a file with no UTF-8 at all is read as
# Excel's Windows-1252 instead: see test_a_windows_1252_file_from_excel_is_read_and_says_so).
BAD_CONTACTS = b"".join([
    b"full_name,email,organisation,position\n",
    b"Amina Odhiambo,amina@example.org,Ministry of Health,\n",
    b"Bad Address,not-an-email,Ministry of Health,\n",
    b"Jean Dupont,jean@example.org,Ministry of Magic,\n",
    b"Amina Again,AMINA@example.org,,\n",
    b",noname@example.org,,\n",
    "Zoë Müller,zoe@example.org,,\n".encode("latin-1"),
    "Péter Otieno,peter@example.org,Ministry of Health,\n".encode(),
])
BAD_CONTACT_LINES = {
    3: "email: Not a valid email address",
    4: "organisation: unknown organisation 'Ministry of Magic'; add it to the directory first",
    5: "email: amina@example.org is already on line 2",
    6: "full_name: Give the person's name.",
    7: "not UTF-8 text (byte 0xeb",
}

BAD_ORGANISATIONS = b"".join([
    b"name,kind,country,city\n",
    b"Embassy of Finland,embassy,Finland,Nairobi\n",
    b"Embassy of Atlantis,embassy,Atlantis,Nairobi\n",
    b",ministry,KE,Nairobi\n",
    b"embassy of finland,Embassy,FI,nairobi\n",
    "Ambassade de Côte d'Ivoire,embassy,CI,Nairobi\n".encode("latin-1"),
    "Stárship,spaceship,KE,Nairobi\n".encode(),
])
BAD_ORGANISATION_LINES = {
    3: "country: Unknown country 'Atlantis'",
    4: "name: Give the organisation's name.",
    5: "name: the same organisation as line 2",
    6: "not UTF-8 text (byte 0xf4",
    7: "kind: Choose one of:",
}


def upload(client, kind, raw, filename="directory.csv", **kw):
    return client.post("/directory/import", data={"kind": kind, "file": (io.BytesIO(raw), filename)},
                       content_type="multipart/form-data", **kw)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def assert_lines_reported(report_or_page, expected: dict[int, str]):
    if isinstance(report_or_page, str):
        for line, reason in expected.items():
            assert f"<tr><td>{line}</td><td>{reason}" in report_or_page, (line, reason)
        return
    reported = {e.line: e.message for e in report_or_page.errors}
    assert sorted(reported) == sorted(expected)
    for line, reason in expected.items():
        assert reason in reported[line], (line, reported[line])


def test_import_page_explains_the_columns_and_offers_templates(staff_client):
    response = staff_client.get("/directory/import?kind=contacts")
    page = text(response)
    assert response.status_code == 200
    for kind, columns in COLUMN_GUIDE.items():
        assert f'href="/directory/import/template-{kind}.csv"' in page
        for column, _, _ in columns:
            assert f"<code>{column}</code>" in page
    assert 'enctype="multipart/form-data"' in page and "data-upload-progress" in page
    assert 'data-max-bytes="' in page and "directory-import.js" in page
    assert '<input checked class="form-check-input" id="kind-1" name="kind" required type="radio" value="contacts">' \
        in page


@pytest.mark.parametrize("kind", ["organisations", "contacts"])
def test_templates_download_with_the_documented_header(staff_client, kind):
    response = staff_client.get(f"/directory/import/template-{kind}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, example = csv.reader(io.StringIO(response.get_data(as_text=True)))
    assert header == [column for column, _, _ in COLUMN_GUIDE[kind]]
    row = dict(zip(header, example))
    assert all(row[column] for column, required, _ in COLUMN_GUIDE[kind] if required)
    assert "example" in (row.get("name", "") + row.get("notes", "")).lower()


def test_a_clean_file_imports_everything(staff_client, staff_user):
    response = upload(staff_client, "organisations", ORGANISATIONS, follow_redirects=True)
    assert response.status_code == 200
    assert "Imported 3: 3 created, 0 updated, 0 unchanged" in text(response)
    norway = db.session.scalars(select(Organisation).where(Organisation.country == "NO")).one()
    assert norway.kind == "permanent_mission" and norway.effective_timezone == "Europe/Zurich"
    health = db.session.scalars(select(Organisation).where(Organisation.country == "KE")).one()
    assert health.phone == "+254202717077"

    response = upload(staff_client, "contacts", CONTACTS, follow_redirects=True)
    assert "Imported 2: 2 created, 0 updated, 0 unchanged" in text(response)
    ingrid = db.session.scalars(select(Contact).where(Contact.email == "ingrid@mfa.no")).one()
    assert ingrid.organisation_id == norway.id and ingrid.effective_timezone == "Europe/Zurich"
    assert ingrid.position == "Counsellor"


def test_importing_the_same_file_again_creates_no_duplicates(staff_client):
    upload(staff_client, "organisations", ORGANISATIONS)
    upload(staff_client, "contacts", CONTACTS)
    again = upload(staff_client, "organisations", ORGANISATIONS, follow_redirects=True)
    assert "Imported 3: 0 created, 0 updated, 3 unchanged" in text(again)
    again = upload(staff_client, "contacts", CONTACTS, follow_redirects=True)
    assert "Imported 2: 0 created, 0 updated, 2 unchanged" in text(again)
    assert (count(Organisation), count(Contact)) == (3, 2)
    changed = CONTACTS.replace(b"Head of Legal", b"Director of Legal Affairs")
    response = upload(staff_client, "contacts", changed, follow_redirects=True)
    assert "Imported 2: 0 created, 1 updated, 1 unchanged" in text(response)
    assert db.session.scalars(select(Contact.position).where(Contact.email == "amina@example.org")).one() == \
        "Director of Legal Affairs"
    assert count(Contact) == 2


def test_a_contacts_file_with_bad_rows_imports_nothing_and_lists_every_bad_line(staff_client):
    factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    response = upload(staff_client, "contacts", BAD_CONTACTS, filename="people.csv")
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was imported" in page and "people.csv" in page
    assert "5 lines of" in page
    assert_lines_reported(page, BAD_CONTACT_LINES)
    assert "<tr><td>2</td>" not in page and "<tr><td>8</td>" not in page
    assert count(Contact) == 0


def test_the_import_report_names_every_bad_contact_line(app, now):
    factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    report = import_csv_bytes("contacts", BAD_CONTACTS, None, now)
    assert not report.ok
    assert [e.line for e in report.errors] == [3, 4, 5, 6, 7]
    assert_lines_reported(report, BAD_CONTACT_LINES)
    assert count(Contact) == 0


def test_an_organisations_file_with_bad_rows_imports_nothing(staff_client, now):
    response = upload(staff_client, "organisations", BAD_ORGANISATIONS)
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was imported" in page
    assert_lines_reported(page, BAD_ORGANISATION_LINES)
    assert count(Organisation) == 0
    report = import_csv_bytes("organisations", BAD_ORGANISATIONS, None, now)
    assert_lines_reported(report, BAD_ORGANISATION_LINES)
    assert count(Organisation) == 0


@pytest.mark.parametrize("raw, reason", [
    (b"", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the header is not UTF-8 text"),
    ("full_name,email\nA,a@example.org\n".encode("utf-16"), "the file is UTF-16 text"),
    (b"full_name,position\nA,Chief\n", "missing column(s): email"),
])
def test_files_that_are_not_usable_csv_are_refused_on_line_1(staff_client, raw, reason):
    response = upload(staff_client, "contacts", raw)
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was imported" in page and "<tr><td>1</td>" in page and reason in page
    assert count(Contact) == 0


def test_choosing_no_file_is_explained_beside_the_file_field(staff_client):
    response = staff_client.post("/directory/import", data={"kind": "contacts"}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert field_errors(response, "file") == ["Choose a CSV file to upload."]


def test_an_upload_over_the_limit_gets_a_clear_413_page(app, staff_client):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(staff_client, "contacts", CONTACTS + b"x" * 10_000)
    assert response.status_code == 413
    page = text(response)
    assert "The file is too large" in page and "4 KB" in page and "Split the file" in page
    assert count(Contact) == 0


def test_the_done_page_without_an_import_goes_back_to_the_form(staff_client):
    response = staff_client.get("/directory/import/done")
    assert response.status_code == 302 and response.headers["Location"].endswith("/directory/import")


def _write(tmp_path, name, raw):
    path = tmp_path / name
    path.write_bytes(raw)
    return str(path)


def test_cli_import_of_a_bad_file_fails_and_lists_the_lines(runner, tmp_path):
    factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    result = runner.invoke(args=["engage", "import", "contacts", _write(tmp_path, "bad.csv", BAD_CONTACTS)])
    assert result.exit_code == 1
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Nothing imported: 5 problem(s)" in output
    for line, reason in BAD_CONTACT_LINES.items():
        assert f"line {line}: {reason}" in output
    assert count(Contact) == 0


def test_cli_import_of_a_good_file_saves_it(runner, tmp_path):
    path = _write(tmp_path, "orgs.csv", ORGANISATIONS)
    assert runner.invoke(args=["engage", "import", "organisations", path]).exit_code == 0
    result = runner.invoke(args=["engage", "import", "contacts", _write(tmp_path, "people.csv", CONTACTS)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    db.session.expire_all()
    assert count(Contact) == 2


def test_an_example_row_template_imports_as_it_is(staff_client):
    """The organisations template, downloaded and uploaded unchanged, imports its one example row."""
    raw = staff_client.get("/directory/import/template-organisations.csv").get_data()
    response = upload(staff_client, "organisations", raw, follow_redirects=True)
    assert "Imported 1: 1 created, 0 updated, 0 unchanged" in text(response)
    assert db.session.scalars(select(Organisation)).one().name == "Ministry of Health (example row: replace it)"


def test_a_windows_1252_file_from_excel_is_read_and_says_so(staff_client):
    """Excel's plain "CSV" (Windows-1252) imports with its accents intact, and the result says how it was read."""
    raw = ("name,kind,country,city\r\n"
           "Ambassade de Côte d'Ivoire,embassy,CI,Nairobi\r\n"
           "Mission permanente de la Suisse – Genève,permanent_mission,CH,Geneva\r\n").encode("cp1252")
    response = upload(staff_client, "organisations", raw, filename="excel.csv", follow_redirects=True)
    page = text(response)
    assert "Imported 2: 2 created" in page
    assert "it was read as <strong>Windows-1252 (Western European)</strong>" in page
    names = set(db.session.scalars(select(Organisation.name)))
    assert names == {"Ambassade de Côte d'Ivoire", "Mission permanente de la Suisse – Genève"}


def test_a_refused_windows_1252_file_also_says_how_it_was_read(staff_client):
    raw = "full_name,email\r\nZoë Müller,not-an-email\r\n".encode("cp1252")
    page = text(upload(staff_client, "contacts", raw))
    assert "Nothing was imported" in page and "email: Not a valid email address" in page
    assert "Windows-1252 (Western European)" in page


@pytest.mark.parametrize("kind, raw, says", [
    ("organisations", CONTACTS, "this looks like a contacts file — import it under Contacts."),
    ("contacts", b"name,kind,email\nEmbassy of Finland,embassy,sanomat.nai@formin.fi\n",
     "this looks like an organisations file — import it under Organisations."),
    ("contacts", b"cycle,reference,recommending_state,text,response\n1,101.1,Germany,Do it,noted\n",
     "this looks like a recommendations file — import it under Recommendations → Import."),
])
def test_a_file_of_the_other_kind_is_named_rather_than_missing_columns(staff_client, kind, raw, says):
    response = upload(staff_client, kind, raw)
    assert response.status_code == 422
    page = text(response)
    assert says in page and "missing column" not in page
    assert count(Contact) == 0 and count(Organisation) == 0
