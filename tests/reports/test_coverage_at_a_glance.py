"""The coverage matrix read at a glance: its row order said and chosen, the health-themes group,
jumps to the commitments, a scroll box with a sticky header, the XLSX's frozen panes and filters,
and a dashboard that names no server setting to people who cannot change it."""
import io
import re
from html import unescape

from openpyxl import load_workbook

from engage.extensions import db
from engage.recommendations.vocabulary import load_vocabulary


def _row_states(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<th scope="row">([^<]+)</th>', body)


def test_the_page_says_how_rows_are_ordered_and_sorts_them(world, lead_client, frozen):
    html = lead_client.get("/reports/coverage").get_data(as_text=True)
    assert _row_states(html) == ["Germany", "Brazil", "France", "Sweden"]
    order = unescape(re.search(r'id="coverage-order">(.*?)</p>', html, re.S).group(1))
    assert "most recommendations on these themes first, then by name" in order
    links = dict((text, unescape(href)) for href, text in re.findall(r'<a href="([^"]*sort=[^"]*)"[^>]*>([^<]+)</a>', order))
    assert set(links) == {"State name", "Most engaged", "Most commitments"}

    by_name = lead_client.get(links["State name"]).get_data(as_text=True)
    assert _row_states(by_name) == ["Brazil", "France", "Germany", "Sweden"]
    assert "by recommending state, A to Z" in by_name and 'aria-sort="ascending"' in by_name
    # The header's state column sorts by name too, keeping the other choices.
    header = re.search(r'<thead>.*?</thead>', by_name, re.S).group(0)
    assert "sort=state" in header
    assert _row_states(lead_client.get("/reports/coverage?sort=engaged").get_data(as_text=True)) == \
        ["Germany", "France", "Brazil", "Sweden"]
    by_commitments = lead_client.get("/reports/coverage?sort=commitments&cycle=4").get_data(as_text=True)
    assert _row_states(by_commitments) == ["Germany", "France", "Sweden"]
    assert 'name="sort" value="commitments"' in by_commitments   # the filter form keeps the order
    bad = lead_client.get("/reports/coverage?sort=colour")
    assert bad.status_code == 400 and "Sort by one of" in bad.get_data(as_text=True)


def test_the_health_themes_group_and_the_jump_to_commitments(world, lead_client, frozen):
    load_vocabulary()  # engage's groups, as the migration and `engage setup` load them
    db.session.commit()
    html = lead_client.get("/reports/coverage?group=health").get_data(as_text=True)
    header = re.search(r'<thead>.*?</thead>', html, re.S).group(0)
    assert "HIV/AIDS" in header and "Right to health" in header and "Education" not in header
    assert 'value="health" selected' in html
    jumps = html[html.index('id="jump-heading"'):html.index('id="coverage-order"')]
    assert "Jump to commitments secured (2)" in jumps
    targets = re.findall(r'href="#(cell-[^"]+)"', jumps)
    assert len(targets) == 2 and "Germany · HIV/AIDS" in jumps and "Germany · Right to health" in jumps
    for target in targets:   # each jump lands on the cell that says so
        cell = re.search(rf'<td id="{target}">(.*?)</td>', html, re.S).group(1)
        assert "Commitment secured" in cell
    # The matrix scrolls in its own box, whose header row and first column stay put (engage.css).
    assert 'class="coverage-scroll' in html and "coverage-table" in html
    css = lead_client.get("/static/engage.css").get_data(as_text=True)
    assert re.search(r"\.coverage-table > thead > tr > th \{[^}]*position: sticky; top: 0", css)
    assert re.search(r"\.coverage-table > tbody > tr > th \{[^}]*position: sticky; left: 0", css)
    none = lead_client.get("/reports/coverage?theme=Education").get_data(as_text=True)
    assert "No commitment secured in this matrix yet." in none
    assert lead_client.get("/reports/coverage?group=astrology").status_code == 400


def test_the_xlsx_keeps_header_and_state_in_view_and_filters_every_column(world, lead_client, frozen):
    book = load_workbook(io.BytesIO(lead_client.get("/reports/coverage.xlsx?sort=state").get_data()))
    sheet = book["Coverage"]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}5"
    assert [sheet.cell(r, 2).value for r in range(2, 6)] == ["Brazil", "France", "Germany", "Sweden"]
    assert book["Not met this cycle"].auto_filter.ref == "A1:B3"
    by_rec = load_workbook(io.BytesIO(lead_client.get(
        "/reports/coverage.xlsx?theme=HIV%2FAIDS&by=recommendation").get_data()))["Coverage"]
    assert by_rec.freeze_panes == "D2"


def test_the_dashboard_names_the_cycle_it_shows_and_links_to_the_cycles(world, lead_client, frozen):
    lead = lead_client.get("/reports/").get_data(as_text=True)
    assert "ENGAGE_" not in lead and "Showing cycle 5 (1 Jan 2025 to 31 Dec 2027)" in lead
    assert 'href="/cycles/"' in lead[lead.index('id="cycle-setting-hint"'):]
