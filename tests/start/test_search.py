"""The top bar's search: one page grouped by kind, each count equal to what it lists, restricted
records neither listed nor counted, names rather than notes, and bad input a 4xx or nothing found."""
from __future__ import annotations

import re

from sqlalchemy import select

from engage.audit.models import AuditEvent

from engage.extensions import db
from tests import factories
from tests.access.conftest import text


def groups(page: str) -> dict[str, tuple[int, list[str]]]:
    """{kind: (count shown, names listed)} for each group on a results page."""
    found = {}
    for kind in ("contacts", "organisations", "meetings", "recommendations"):
        section = re.search(rf'<section[^>]*id="search-{kind}".*?</section>', page, re.S)
        if section is None:
            continue
        count = int(re.search(rf'id="search-{kind}-count">(\d+)<', section.group()).group(1))
        names = re.findall(r'<li class="list-group-item"><a[^>]*>([^<]*)</a>', section.group())
        found[kind] = (count, names)
    return found


def test_one_search_finds_every_kind_and_counts_what_it_lists(restricted, clients):
    page = text(clients["staff"].get("/search?q=france"))
    found = groups(page)
    assert found["contacts"] == (1, ["Diplomat FR"])  # through the organisation's name
    assert found["organisations"] == (1, ["Permanent Mission of France, Geneva"])
    assert found["recommendations"] == (1, ["142.40"])  # by its state
    assert "meetings" not in found  # "France in Geneva" is restricted: not listed, not counted
    assert "3 results" in page and "France in Geneva" not in page


def test_a_granted_user_finds_the_restricted_records_and_each_count_says_so(restricted, clients):
    for role in ("granted", "dpo"):
        found = groups(text(clients[role].get("/search?q=germany")))
        assert found["contacts"] == (1, ["Diplomat DE"]), role
        assert found["meetings"] == (1, ["Germany on HIV"]), role
    # Shown is seen: each restricted record listed is in the audit log, as its own page would put it.
    seen = db.session.execute(select(AuditEvent.object_type, AuditEvent.object_id).where(
        AuditEvent.action == "restricted_viewed", AuditEvent.actor_id == restricted.users["granted"].id)).all()
    assert ("contact", restricted.contact.id) in seen
    found = groups(text(clients["staff"].get("/search?q=germany")))
    assert "contacts" not in found and found["meetings"] == (1, ["Germany on HIV"])
    assert "Diplomat DE" not in text(clients["staff"].get("/search?q=diplomat-de%40example.org"))


def test_notes_are_not_searched_but_names_emails_cities_and_references_are(restricted, clients):
    for i in range(3):
        factories.make_organisation(name=f"Mission {i}", country="NO", city="Geneva",
                                    notes="Close to Germany on most health files.")
    db.session.commit()
    client = clients["staff"]
    found = groups(text(client.get("/search?q=Germany")))
    assert found["organisations"] == (1, ["Embassy of Germany, Nairobi"])  # not the three Norwegian missions
    assert groups(text(client.get("/search?q=geneva")))["organisations"][0] == 4
    assert groups(text(client.get("/search?q=diplomat-br@example")))["contacts"] == (1, ["Diplomat BR"])
    assert groups(text(client.get("/search?q=142.4")))["recommendations"] == (1, ["142.40"])
    assert groups(text(client.get("/search?q=HIV+key")))["recommendations"] == (1, ["142.15"])  # every word


def test_bad_input_is_a_4xx_naming_the_field_or_finds_nothing(restricted, clients):
    client = clients["staff"]
    for q in ("%00", "germany%00", "x" * 201):
        response = client.get(f"/search?q={q}")
        assert response.status_code == 422 and "q:" in text(response), q
    for q in ("%25", "_", "'", "%E2%80%AE", "%5C", "%22%3E%3Cscript%3E"):  # wildcards, quotes, controls, markup
        response = client.get(f"/search?q={q}")
        assert response.status_code == 200 and "Nothing matches" in text(response), q
        assert "<script>" not in text(response)
    for q in ("", "de", "+", "a&q=b"):
        assert client.get(f"/search?q={q}").status_code == 200, q


def test_the_top_bar_holds_the_search_box(restricted, clients):
    page = text(clients["staff"].get("/outcomes/"))
    assert re.search(r'<form[^>]*action="/search"[^>]*role="search"', page)
    assert 'name="q" id="top-search"' in page
