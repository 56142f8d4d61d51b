"""Absolute links come from ENGAGE_BASE_URL, never from the request's Host header."""
from tests import factories

FORGED = {"Host": "evil.example"}


def test_api_links_ignore_a_forged_host(app, staff_api, staff_user):
    app.config["ENGAGE_BASE_URL"] = "https://engage.example.org/"
    meeting = factories.make_meeting(organiser=staff_user)
    one = staff_api.get(f"/api/v1/meetings/{meeting.id}", headers=FORGED).get_json()
    assert one["url"] == f"https://engage.example.org/meetings/{meeting.id}"
    assert one["ics_url"] == f"https://engage.example.org/api/v1/meetings/{meeting.id}/ics"
    listed = staff_api.get("/api/v1/meetings", headers=FORGED).get_json()
    assert "evil" not in str(listed) and listed["items"][0]["url"] == one["url"]
    ics = staff_api.get(f"/api/v1/meetings/{meeting.id}/ics", headers=FORGED).get_data(as_text=True)
    assert "evil" not in ics and f"https://engage.example.org/meetings/{meeting.id}" in ics.replace("\r\n ", "")


def test_feed_addresses_ignore_a_forged_host(app, staff_client):
    app.config["ENGAGE_BASE_URL"] = "https://engage.example.org"
    staff_client.post("/meetings/feeds/personal")
    staff_client.set_cookie("session", staff_client.get_cookie("session").value, domain="evil.example")
    page = staff_client.get("/meetings/feeds", headers=FORGED).get_data(as_text=True)
    assert "Make a new address" in page
    assert "https://engage.example.org/calendar/" in page.replace("webcal://engage", "https://engage")
    assert "evil.example" not in page
