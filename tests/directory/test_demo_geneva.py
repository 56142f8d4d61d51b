"""The demo directory serves the Geneva journey: the permanent missions of the States that recommend
most, with the public phone numbers and addresses the sources give, and a search for a State that
finds its missions, not every mission whose notes mention it."""
import re

from engage.demo import load_demo_data
from engage.extensions import db
from tests.conftest import NOW


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/directory/organisations/\d+">([^<]+)</a>', html)


def test_the_demo_has_geneva_missions_and_a_state_search_finds_only_its_own(app, staff_client):
    load_demo_data(NOW, echo=lambda *_: None)
    db.session.commit()
    for state in ("France", "United Kingdom", "United States", "Netherlands", "Norway"):
        found = _names(staff_client.get(f"/directory/organisations?q={state}").get_data(as_text=True))
        assert f"Permanent Mission of {state}, Geneva" in found, (state, found)

    found = staff_client.get("/directory/organisations?q=Germany").get_data(as_text=True)
    assert sorted(_names(found)) == ["Embassy of Germany, Nairobi", "Permanent Mission of Germany, Geneva"]
    mission_id = re.search(r'<a href="/directory/organisations/(\d+)">Permanent Mission of Germany, Geneva<',
                           found).group(1)
    page = staff_client.get(f"/directory/organisations/{mission_id}").get_data(as_text=True)
    assert "Chemin du Petit-Saconnex 28c, 1209 Genève" in page and "genf.diplo.de" in page
    swiss = staff_client.get("/directory/organisations?q=Switzerland").get_data(as_text=True)
    swiss_id = re.search(r'<a href="/directory/organisations/(\d+)">Permanent Mission of Switzerland, Geneva<',
                         swiss).group(1)
    assert "+41 58 482 24 24" in staff_client.get(f"/directory/organisations/{swiss_id}").get_data(as_text=True)
    # Words that are no country's name are still looked for in the notes.
    assert "Permanent Mission of Germany, Geneva" in _names(
        staff_client.get("/directory/organisations?q=Petit-Saconnex").get_data(as_text=True))
