"""Admin → Users read at a glance and on a phone: each role as text with a change control, a search by
name or email, rows that stack at phone width, and long names that wrap instead of widening the page."""
import re

from tests import factories


def _row(html: str, email: str) -> str:
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    return next(r for r in rows if email in r)


def test_each_role_is_shown_as_text_with_a_change_control(admin_client, admin_user, staff_user):
    lead = factories.make_user(role="lead", email="lead.person@example.org", full_name="Lead Person")
    html = admin_client.get("/admin/users").get_data(as_text=True)
    row = _row(html, "lead.person@example.org")
    assert re.search(rf'id="role-text-{lead.id}">Lead</span>', row)
    change = row[row.index("<details"):row.index("</details>")]
    assert "<summary" in change and "Change" in change and f'action="/admin/users/{lead.id}/role"' in change
    assert re.search(r'<option selected value="lead">|<option value="lead" selected', change)
    assert 'class="table table-hover align-middle table-stack"' in html and 'data-label="Role"' in row
    assert "table-responsive" not in html   # nothing is clipped in a scroll box any more


def test_users_are_found_by_name_or_email(admin_client, admin_user, staff_user):
    factories.make_user(email="achieng@example.org", full_name="Achieng Odhiambo")
    by_name = admin_client.get("/admin/users?q=odhiambo").get_data(as_text=True)
    tbody = by_name[by_name.index("<tbody>"):by_name.index("</tbody>")]
    assert "achieng@example.org" in tbody and staff_user.email not in tbody
    assert re.search(r"1 of \d+ users match “odhiambo”", by_name)
    by_email = admin_client.get("/admin/users?q=ACHIENG@").get_data(as_text=True)
    assert "Achieng Odhiambo" in by_email[by_email.index("<tbody>"):]
    none = admin_client.get("/admin/users?q=100%25_").get_data(as_text=True)   # LIKE's wildcards are text here
    assert "No user matches “100%_”" in none
    assert admin_client.get("/admin/users?q=a%00b").status_code == 400


def test_a_200_character_name_wraps_instead_of_widening_the_page(admin_client, app):
    long_name = "W" * 200
    factories.make_user(email="long@example.org", full_name=long_name)
    assert long_name in admin_client.get("/admin/users").get_data(as_text=True)
    css = admin_client.get("/static/engage.css").get_data(as_text=True)
    rule = re.search(r"\n(h1[^{]*)\{ overflow-wrap: anywhere; \}", css)
    assert rule and {"h1", "td", "th", "dd", "li"} <= {s.strip() for s in rule.group(1).split(",")}
    stack = css[css.index("@media (max-width: 767.98px)"):]
    assert "table.table-stack" in stack and 'content: attr(data-label) ": "' in stack
