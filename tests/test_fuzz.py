"""Property-based checks: no input, however odd, gets a 500 from the API or the forms."""
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = ["name", "kind", "country", "city", "timezone", "email", "phone", "website", "notes", "archived",
               "full_name", "organisation_id", "position", "language", "title", "starts_at", "ends_at",
               "attendees", "staff", "recommendation_ids", "reminders", "cycle", "reference", "text",
               "recommending_state", "response", "themes", "implementation_status", "allow_conflicts", "notify",
               "meeting_id", "summary", "position", "follow_ups", "location", "online_url", "status"]
bodies = st.one_of(
    st.fixed_dictionaries({}, optional={name: json_values for name in FIELD_NAMES}),
    json_values,
)
FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _write_routes(app, prefix):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and rule.methods & {"POST", "PATCH"}:
            url = rule.rule
            for arg in rule.arguments:
                url = re.sub(rf"<(?:\w+:)?{arg}>", "1", url)
            for method in sorted(rule.methods & {"POST", "PATCH"}):
                yield method, url


@FUZZ
@given(body=bodies)
def test_api_never_answers_500_to_any_json(app, admin_api, body):
    for method, url in _write_routes(app, "/api/v1/"):
        response = admin_api.client.open(url, method=method, json=body,
                                          headers={"Authorization": f"Bearer {admin_api.token}"})
        assert response.status_code < 500, (method, url, body, response.get_data(as_text=True)[:300])
        assert response.is_json, (method, url)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["q", "page", "per_page", "kind", "city", "country", "archived",
                                              "organisation_id", "cycle", "theme", "response", "from", "to",
                                              "status", "recommending_state", "position"]),
                             st.text(max_size=50), max_size=5))
def test_api_lists_never_answer_500_to_any_query(app, admin_api, query):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods and not rule.arguments:
            response = admin_api.get(rule.rule, query_string=query)
            assert response.status_code < 500, (rule.rule, query)


@FUZZ
@given(form=st.dictionaries(st.text(min_size=1, max_size=20) | st.sampled_from(FIELD_NAMES),
                            st.text(max_size=200), max_size=8))
def test_forms_never_answer_500_to_any_input(app, admin_client, form):
    if not getattr(app, "fuzz_seeded", False):
        factories.make_organisation(name="Fuzz target", country="KE")
        app.fuzz_seeded = True
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static", "/bootstrap")) or "POST" not in rule.methods:
            continue
        if rule.endpoint in {"auth.logout"}:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{arg}>", "1", url)
        response = admin_client.post(url, data=form)
        assert response.status_code < 500, (url, form)


@FUZZ
@given(email=st.text(max_size=300), password=st.text(max_size=300))
def test_login_never_answers_500(client, email, password):
    assert client.post("/login", data={"email": email, "password": password}).status_code in (200, 302)
