"""A single organisation's install says nothing of a coalition: no page, export or API answer any of its
users reaches names member organisations, a secretariat or sharing with other members, until a second
member organisation is added."""
from __future__ import annotations

import re

import pytest

from tests.access.test_visibility import _every_get_url
from tests.members.test_members import COALITION_WORDS

# Also the API's coalition-only fields, which a single organisation's answers leave out.
API_WORDS = re.compile(r'"(member_id|sharing)"\s*:')


@pytest.mark.parametrize("role", ["staff", "lead", "admin"])
def test_no_page_export_or_api_answer_of_a_single_organisation_speaks_of_a_coalition(role, app, restricted, clients,
                                                                                    apis):
    spoken, reached = {}, 0
    for url in _every_get_url(app, restricted):
        if url.startswith("/api/v1/openapi") or url == "/admin/members":
            # The contract documents every field, saying which exist only in a coalition; the members
            # page, linked from nowhere until there are two, is where an admin adds the second.
            continue
        response = (apis[role] if url.startswith("/api/") else clients[role]).get(url)
        if response.status_code != 200 or not response.mimetype.startswith(("text/", "application/json")):
            continue
        reached += 1
        body = response.get_data(as_text=True)
        found = COALITION_WORDS.findall(body) + API_WORDS.findall(body)
        if found:
            spoken[url] = sorted(set(found))
    assert reached > 100
    assert spoken == {}
