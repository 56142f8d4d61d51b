"""The API keeps its OpenAPI contract: documented errors, Allow on 405, query parameters checked by type.

Each test here is a case schemathesis found (tests/api_contract.py runs it against a real server).
"""
from __future__ import annotations

import pytest

from tests import factories


def _document(api):
    return api.get("/api/v1/openapi.json").get_json()


def test_a_405_says_which_methods_are_allowed(staff_api):
    response = staff_api.client.open("/api/v1/contacts", method="TRACE",
                                     headers={"Authorization": f"Bearer {staff_api.token}"})
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_every_operation_documents_the_errors_it_can_answer(staff_api):
    paths = _document(staff_api)["paths"]
    for path, operations in paths.items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"400", "401", "414"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "patch"):
                assert {"413", "422"} <= codes, (method, path)
            if any(p["in"] == "query" for p in op["parameters"]):
                assert "422" in codes, (method, path)
    assert "409" in paths["/api/v1/meetings"]["post"]["responses"]


@pytest.mark.parametrize("query, field", [
    ("page=26325562610794990524212183040", "page"), ("per_page=0", "per_page"), ("page=x", "page"),
    ("organisation_id=317053223716923874144919683596288", "organisation_id"), ("organisation_id=0", "organisation_id"),
    ("kind=null", "kind"), ("kind=embassy&kind=ministry", "kind"), ("archived=maybe", "archived"),
])
def test_a_query_parameter_of_the_wrong_type_is_a_422_naming_it(staff_api, query, field):
    response = staff_api.get(f"/api/v1/contacts?{query}")
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()


def test_the_documented_bounds_are_the_enforced_ones(staff_api):
    params = {p["name"]: p["schema"] for p in _document(staff_api)["paths"]["/api/v1/meetings"]["get"]["parameters"]}
    assert params["page"] == {"type": "integer", "minimum": 1, "maximum": 10**9}
    assert params["contact_id"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    org = factories.make_organisation()
    assert staff_api.get(f"/api/v1/meetings?contact_id={2**31 - 1}&page={10**9}").status_code == 200
    assert staff_api.get(f"/api/v1/meetings?contact_id={2**31}").status_code == 422
    assert staff_api.get(f"/api/v1/contacts?organisation_id={org.id}&kind=embassy&archived=true").status_code == 200
    outcome_params = {p["name"]: p["schema"]
                      for p in _document(staff_api)["paths"]["/api/v1/outcomes"]["get"]["parameters"]}
    assert outcome_params["meeting_id"]["minimum"] == 1
    assert staff_api.get("/api/v1/outcomes?meeting_id=0").status_code == 422


@pytest.mark.parametrize("url", ["/api/v1/outcomes", "/api/v1/meetings"])
def test_a_day_filter_takes_a_date_or_an_instant_and_refuses_anything_else(staff_api, url):
    for good in ("2026-11-01", "2026-11-01T10:00:00+03:00", "2026-11-01T07:00:00Z"):
        assert staff_api.get(url, query_string={"from": good}).status_code == 200, good
    for bad in ("", "__main__", "2026-11-01T10:00:00", "0001-01-01"):
        response = staff_api.get(url, query_string={"to": bad})
        assert response.status_code == 422 and "to" in response.get_json()["error"]["fields"], bad


def test_a_nul_in_a_directory_filter_is_dropped_not_a_database_conflict(staff_api):
    org = factories.make_organisation(country="CH")
    factories.make_contact(org)
    response = staff_api.get("/api/v1/contacts", query_string={"page": "1", "country": "C\x00H"})
    assert response.status_code == 200 and response.get_json()["total"] == 1, response.get_json()


def test_an_id_beyond_32_bits_in_the_path_is_a_404_not_a_database_conflict(staff_api):
    for url in ("/api/v1/recommendations/6283459528", "/api/v1/meetings/99999999999/outcomes"):
        response = staff_api.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", url
    schema = _document(staff_api)["paths"]["/api/v1/recommendations/{rec_id}"]["get"]["parameters"][0]["schema"]
    assert schema == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


@pytest.mark.parametrize("name", ["theme", "city", "state", "q", "organisation"])
def test_a_nul_in_any_engagement_log_filter_is_a_422_naming_it_not_a_database_conflict(staff_api, name):
    # The theme filter passed it to PostgreSQL, which answered 409 (found by schemathesis).
    response = staff_api.get("/api/v1/outcomes", query_string={name: "Gen\x00eva"})
    assert response.status_code == 422 and name in response.get_json()["error"]["fields"]
