"""Pages at phone width: the engagement log's filters behind one button, the month as a list, admin
tables that stack (the layout itself is checked in a browser by tests/e2e)."""
import re
from datetime import UTC, datetime

from tests import factories


def test_the_log_filters_fold_behind_one_button(staff_client):
    html = staff_client.get("/outcomes/").get_data(as_text=True)
    fold = re.search(r'<details class="filters-fold[^"]*"([^>]*)>\s*<summary[^>]*>([^<]*)</summary>\s*<form class="filters',
                     html)
    assert fold and fold.group(2) == "Filters" and "open" not in fold.group(1)
    assert html.index('id="q"') > fold.start() and html.index('id="sort"') < html.index("</details>")
    filtered = staff_client.get("/outcomes/?q=budget").get_data(as_text=True)
    assert re.search(r'<details class="filters-fold[^"]*" open>\s*<summary[^>]*>Filters \(on\)</summary>', filtered)
    css = staff_client.get("/static/engage.css").get_data(as_text=True)
    assert re.search(r"@media \(min-width: 768px\) \{\s*\.filters-fold > summary \{ display: none; \}", css)


def test_the_month_is_also_a_list_of_days_for_phones(staff_client, staff_user):
    factories.make_meeting(organiser=staff_user, title="July meeting", starts_at=datetime(2027, 7, 5, 8, 0, tzinfo=UTC))
    html = staff_client.get("/meetings/month?month=2027-07&zone=Europe/Zurich").get_data(as_text=True)
    assert '<div class="table-responsive d-none d-md-block">' in html   # the grid from tablet width up
    listed = html[html.index('class="list-unstyled d-md-none calendar-month-list"'):html.index("</ol>")]
    assert re.findall(r'<h2 class="h6 mb-1">([^<]+)</h2>', listed) == ["Mon 5 July"]
    assert "10:00 July meeting" in listed
    empty = staff_client.get("/meetings/month?month=2027-09").get_data(as_text=True)
    assert "No meetings this month." in empty


def test_admin_tables_stack_with_labels(admin_client):
    html = admin_client.get("/audit/").get_data(as_text=True)   # signing in was logged: one row at least
    assert "table-stack" in html
    assert {"When", "Who", "What", "Object", "From", "Detail"} <= set(re.findall(r'data-label="([^"]+)"', html))
