"""The directory's list and detail pages, through the web client."""
import pytest

from engage.directory import services
from engage.extensions import db
from tests import factories
from tests.directory.pages import listed_names, text


@pytest.fixture
def world(app):
    """Three organisations in two cities and three countries, one archived, with people."""
    german = factories.make_organisation(name="Deutsche Botschaft", kind="embassy", country="DE", city="Nairobi",
                                         email="info@nairobi.diplo.de")
    ohchr = factories.make_organisation(name="OHCHR", kind="un_agency", country="CH", city="Geneva",
                                        email="registry@ohchr.org")
    health = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE", city="Nairobi")
    old = factories.make_organisation(name="Closed Consulate", kind="embassy", country="DE", city="Mombasa")
    services.set_organisation_archived(None, factories.WHEN, old, True)
    db.session.commit()
    people = {
        "anna": factories.make_contact(german, full_name="Anna Schmidt", email="anna@diplo.de", position="Counsellor"),
        "bea": factories.make_contact(ohchr, full_name="Beatrice Moreau", email="bea@ohchr.org"),
        "chege": factories.make_contact(health, full_name="Chege Kamau", email="chege@health.go.ke",
                                        phone="0722 000 111"),
    }
    return {"german": german, "ohchr": ohchr, "health": health, "old": old, **people}


DIRECTORY_PAGES = ["/directory/", "/directory/organisations", "/directory/contacts", "/directory/organisations/new",
                   "/directory/contacts/new", "/directory/import", "/directory/organisations/export.csv",
                   "/directory/contacts/export.csv", "/directory/import/template-contacts.csv"]


@pytest.mark.parametrize("url", DIRECTORY_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_anonymous_visitors_cannot_archive_or_see_records(client, world):
    org = world["german"]
    for url in (f"/directory/organisations/{org.id}", f"/directory/contacts/{world['anna'].id}.vcf"):
        assert "/login" in client.get(url).headers["Location"]
    response = client.post(f"/directory/organisations/{org.id}/archive")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert org.is_archived is False


def test_organisation_list_shows_country_by_name_and_kind_by_label(staff_client, world):
    response = staff_client.get("/directory/organisations")
    assert response.status_code == 200
    page = text(response)
    assert listed_names(response) == ["Deutsche Botschaft", "Ministry of Health", "OHCHR"]
    assert "Switzerland" in page and "Germany" in page and "Kenya" in page
    assert "UN agency" in page and "Ministry" in page
    assert "<strong>3</strong> organisations" in page


@pytest.mark.parametrize("q, expected", [
    ("Germany", ["Deutsche Botschaft"]),          # country name, though the name does not say it
    ("switzerland", ["OHCHR"]),                    # country name, any case
    ("ohchr.org", ["OHCHR"]),                      # email
    ("GENEVA", ["OHCHR"]),                         # city, any case
    ("health", ["Ministry of Health"]),            # name
    ("consulate", []),                             # archived: hidden unless asked for
])
def test_organisation_search(staff_client, world, q, expected):
    assert listed_names(staff_client.get("/directory/organisations", query_string={"q": q})) == expected


def test_organisation_filters_combine(staff_client, world):
    assert listed_names(staff_client.get("/directory/organisations?city=Nairobi")) == [
        "Deutsche Botschaft", "Ministry of Health"]
    assert listed_names(staff_client.get("/directory/organisations?city=nairobi&kind=ministry")) == [
        "Ministry of Health"]
    assert listed_names(staff_client.get("/directory/organisations?country=DE")) == ["Deutsche Botschaft"]
    assert listed_names(staff_client.get("/directory/organisations?country=DE&archived=1")) == [
        "Closed Consulate", "Deutsche Botschaft"]


def test_filter_pickers_offer_the_values_in_use(staff_client, world):
    page = text(staff_client.get("/directory/organisations?country=CH"))
    assert '<option value="CH" selected>Switzerland</option>' in page
    assert '<option value="Geneva">Geneva</option>' in page
    assert '<option value="un_agency">UN agency</option>' in page


def test_sort_links_sort_and_reverse(staff_client, world):
    response = staff_client.get("/directory/organisations")
    page = text(response)
    # Sorted by name now, so the Name header offers the reverse order and says it is the sorted column.
    assert 'aria-sort="ascending"' in page
    assert 'href="/directory/organisations?sort=-name"' in page
    assert listed_names(staff_client.get("/directory/organisations?sort=-name")) == [
        "OHCHR", "Ministry of Health", "Deutsche Botschaft"]
    assert listed_names(staff_client.get("/directory/organisations?sort=country")) == [
        "OHCHR", "Deutsche Botschaft", "Ministry of Health"]  # CH, DE, KE
    assert listed_names(staff_client.get("/directory/organisations?sort=-kind")) == [
        "OHCHR", "Ministry of Health", "Deutsche Botschaft"]
    # A sort link keeps the filters and starts again from the first page.
    page = text(staff_client.get("/directory/organisations?city=Nairobi&page=1"))
    assert 'href="/directory/organisations?city=Nairobi&sort=kind"' in page


def test_unknown_sort_or_page_falls_back_instead_of_failing(staff_client, world):
    for qs in ("sort=drop table", "page=-3", "page=abc", "page=99999999999999999999", "kind=nonsense",
               "country=zz", "q=%00"):
        assert staff_client.get(f"/directory/organisations?{qs}").status_code == 200, qs
        assert staff_client.get(f"/directory/contacts?{qs}&organisation_id=99999999999999999999").status_code == 200


def test_pagination_with_a_count(app, staff_client):
    app.config["PER_PAGE"] = 2
    for letter in "ABCDE":
        factories.make_organisation(name=f"{letter} Embassy")
    first = staff_client.get("/directory/organisations")
    assert listed_names(first) == ["A Embassy", "B Embassy"]
    page = text(first)
    assert "<strong>5</strong> organisations · showing 1–2" in page
    assert 'href="/directory/organisations?page=2"' in page
    assert listed_names(staff_client.get("/directory/organisations?page=3")) == ["E Embassy"]
    beyond = text(staff_client.get("/directory/organisations?page=9"))
    assert "Nothing on this page" in beyond and "Go to the first page" in beyond


def test_archived_are_hidden_until_shown_and_then_badged(staff_client, world):
    assert "Closed Consulate" not in listed_names(staff_client.get("/directory/organisations"))
    shown = staff_client.get("/directory/organisations?archived=1")
    assert "Closed Consulate" in listed_names(shown)
    assert 'Closed Consulate</a> <span class="badge text-bg-secondary">Archived</span>' in text(shown)
    assert 'name="archived" value="1" checked' in text(shown)


def test_empty_states_say_what_to_do(staff_client):
    page = text(staff_client.get("/directory/organisations"))
    assert "The directory has no organisations yet" in page and "import a CSV file" in page
    page = text(staff_client.get("/directory/organisations?q=atlantis"))
    assert "No organisations match — " in page
    assert '<a href="/directory/organisations">clear the filters</a>' in page
    assert '<a href="/directory/organisations/new">add one</a>' in page
    assert "Export" not in page.split("No organisations match")[0].split("</form>")[-1]
    page = text(staff_client.get("/directory/contacts?q=nobody"))
    assert "No contacts match — " in page


def test_contact_list_search_filters_and_sorts(staff_client, world):
    assert listed_names(staff_client.get("/directory/contacts")) == [
        "Anna Schmidt", "Beatrice Moreau", "Chege Kamau"]
    assert listed_names(staff_client.get("/directory/contacts?q=Germany")) == ["Anna Schmidt"]  # by country
    assert listed_names(staff_client.get("/directory/contacts?q=ohchr")) == ["Beatrice Moreau"]  # by organisation
    assert listed_names(staff_client.get("/directory/contacts?q=chege@")) == ["Chege Kamau"]     # by email
    org = world["health"]
    assert listed_names(staff_client.get(f"/directory/contacts?organisation_id={org.id}")) == ["Chege Kamau"]
    assert listed_names(staff_client.get("/directory/contacts?kind=un_agency")) == ["Beatrice Moreau"]
    assert listed_names(staff_client.get("/directory/contacts?city=Nairobi&sort=-name")) == [
        "Chege Kamau", "Anna Schmidt"]
    assert listed_names(staff_client.get("/directory/contacts?sort=organisation")) == [
        "Anna Schmidt", "Chege Kamau", "Beatrice Moreau"]  # Deutsche…, Ministry…, OHCHR
    page = text(staff_client.get("/directory/contacts"))
    assert "+254722000111" in page and "Counsellor" in page


def test_organisation_page_shows_fields_people_history_and_placeholders(staff_client, world):
    org = world["german"]
    factories.make_contact(org, full_name="Gone Person", email="gone@diplo.de")
    gone = services.find_live_contact_by_email("gone@diplo.de")
    services.set_contact_archived(None, factories.WHEN, gone, True)
    db.session.commit()
    page = text(staff_client.get(f"/directory/organisations/{org.id}"))
    assert "Deutsche Botschaft" in page and "Germany" in page and "Embassy" in page
    assert "Africa/Nairobi" in page and "follows the city" in page
    assert "People <small class=\"text-body-secondary\">(1)</small>" in page
    assert "Anna Schmidt" in page and "Archived people" in page and "Gone Person" in page
    assert "Meetings" in page and "No meetings with this organisation are recorded yet." in page
    assert "Outcomes" in page and "No outcomes logged yet." in page
    assert "Sat 28 Nov 2026, 12:00 Nairobi (EAT)" in page and "created" in page


def test_archived_organisation_keeps_its_page_with_a_badge_and_restore(staff_client, world):
    old = world["old"]
    response = staff_client.get(f"/directory/organisations/{old.id}")
    assert response.status_code == 200
    page = text(response)
    assert '<span class="badge text-bg-secondary">Archived</span>' in page
    assert f'action="/directory/organisations/{old.id}/restore"' in page
    assert "/archive" not in page


def test_contact_page_shows_effective_zone_organisation_and_vcard(staff_client, world):
    bea = world["bea"]
    page = text(staff_client.get(f"/directory/contacts/{bea.id}"))
    assert "Europe/Zurich" in page and "from the organisation" in page  # inherited from OHCHR in Geneva
    assert f'href="/directory/organisations/{world["ohchr"].id}">OHCHR</a>' in page
    assert f'href="/directory/contacts/{bea.id}.vcf"' in page
    assert "No meetings with Beatrice Moreau are recorded yet." in page
    assert "No outcomes logged yet." in page


def test_missing_records_are_404(staff_client):
    for url in ("/directory/organisations/999", "/directory/contacts/999", "/directory/contacts/999.vcf",
                "/directory/organisations/99999999999999999999", "/directory/contacts/999/edit",
                "/directory/import/template-users.csv"):
        assert staff_client.get(url).status_code == 404, url


def test_start_page_counts_and_links(staff_client, world):
    page = text(staff_client.get("/"))
    assert 'href="/directory/organisations">3</a>' in page  # the archived one is not counted
    assert 'href="/directory/contacts">3</a>' in page
    assert 'href="/directory/import?kind=contacts"' in page


def test_contact_and_organisation_pages_list_their_meetings_and_outcomes(staff_client, staff_user, world):
    from datetime import timedelta

    from engage.outcomes import services as outcome_services

    bea = world["bea"]
    meeting = factories.make_meeting(organiser=staff_user, contacts=[bea], title="Health rights briefing")
    outcome_services.create_outcome(staff_user, meeting.starts_at + timedelta(hours=2), meeting,
                                    {"summary": "OHCHR will brief the troika on key populations"})
    db.session.commit()
    for url in (f"/directory/contacts/{bea.id}", f"/directory/organisations/{world['ohchr'].id}"):
        page = text(staff_client.get(url))
        assert f'href="/meetings/{meeting.id}"' in page and "Health rights briefing" in page
        assert "OHCHR will brief the troika on key populations" in page
        assert "No outcomes logged yet." not in page
