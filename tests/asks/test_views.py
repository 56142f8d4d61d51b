"""Ask pages: staff read, leads write; the list's filters, the form's errors beside their fields,
delete, the CSV import (preview, line errors, all-or-nothing) and the CSV/XLSX exports."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from engage.asks.models import Ask
from engage.extensions import db
from tests import factories
from tests.asks.helpers import hold_cycle, make_ask


def _count():
    return db.session.scalar(select(func.count()).select_from(Ask))


def _upload(client, content: bytes, **extra):
    return client.post("/asks/import", data={"file": (io.BytesIO(content), "asks.csv"), **extra},
                       content_type="multipart/form-data")


def test_staff_read_asks_but_only_leads_write_them(staff_client, lead_user):
    ask = make_ask(lead_user, text="Decriminalise sex work and drug use to end HIV among key populations")
    page = staff_client.get("/asks/").get_data(as_text=True)
    assert "Decriminalise sex work" in page and 'href="/asks/new"' not in page
    assert ">Asks</a>" in page  # the nav entry
    assert "Decriminalise sex work" in staff_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    assert staff_client.get("/asks/new").status_code == 403
    assert staff_client.post(f"/asks/{ask.id}/edit", data={"cycle": "4", "text": "Changed"}).status_code == 403
    assert staff_client.post(f"/asks/{ask.id}/delete").status_code == 403
    assert staff_client.get("/asks/import").status_code == 403
    assert db.session.get(Ask, ask.id).text.startswith("Decriminalise")


def test_a_lead_adds_an_ask_with_the_form(lead_client, lead_user):
    hold_cycle(4)
    rec = factories.make_recommendation(cycle=3, reference="142.101", recommending_state="DE")
    response = lead_client.post("/asks/new", data={
        "cycle": "4", "text": "Guarantee access to sexual and reproductive health services for adolescents",
        "priority": "high", "source": "JSR 2025 §21", "themes": ["Right to health"], "new_themes": "SRHR; ",
        "target_states": ["SE", "NO"], "recommendation_ids": [str(rec.id)], "owner": str(lead_user.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    ask = db.session.scalars(select(Ask)).one()
    assert (ask.cycle, ask.priority, ask.source) == (4, "high", "JSR 2025 §21")
    assert ask.theme_names == ["Right to health", "SRHR"] and ask.target_states == ["NO", "SE"]
    assert [r.id for r in ask.recommendations] == [rec.id] and ask.owner_id == lead_user.id
    page = lead_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Guarantee access to sexual" in page and "Norway, Sweden" in page and "142.101" in page


def test_errors_are_shown_beside_their_fields_and_nothing_is_saved(lead_client):
    response = lead_client.post("/asks/new", data={"cycle": "nine", "text": "", "priority": "urgent",
                                                   "target_states": ["XX"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Must be a whole number from 1 to 99." in page
    assert "Give the text the coalition wants recommended." in page
    assert "&#39;urgent&#39; is not allowed" in page
    assert _count() == 0


def test_a_lead_edits_and_deletes_an_ask(lead_client, lead_user):
    ask = make_ask(lead_user, target_states=["DE"])
    page = lead_client.get(f"/asks/{ask.id}/edit").get_data(as_text=True)
    assert ask.text in page
    response = lead_client.post(f"/asks/{ask.id}/edit", data={
        "cycle": "4", "text": ask.text, "priority": "low", "themes": ["Right to health"], "target_states": ["DE", "FR"],
        "owner": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).priority == "low"
    assert db.session.get(Ask, ask.id).target_states == ["DE", "FR"]
    page = lead_client.get(f"/asks/{ask.id}").get_data(as_text=True)
    assert "priority: high → low" in page
    assert lead_client.post(f"/asks/{ask.id}/delete").status_code == 302
    assert _count() == 0
    assert lead_client.get(f"/asks/{ask.id}").status_code == 404


def test_the_list_filters(staff_client, lead_user):
    make_ask(lead_user, text="Health budget of 15%", themes=["Health financing"], target_states=["DE"], priority="high")
    make_ask(lead_user, text="Mental health law reform", themes=["Mental health"], target_states=["SE"], priority="low")
    make_ask(lead_user, cycle=3, text="Old ask on digital health records", themes=["Digital health"],
             target_states=["SE"])

    def shown(**args):
        page = staff_client.get("/asks/", query_string=args).get_data(as_text=True)
        return [t for t in ("Health budget", "Mental health law", "digital health records") if t in page]

    assert shown() == ["Health budget", "Mental health law", "digital health records"]
    assert shown(cycle="3") == ["digital health records"]
    assert shown(priority="low") == ["Mental health law"]
    assert shown(theme="Health financing") == ["Health budget"]
    assert shown(state="SE") == ["Mental health law", "digital health records"]
    assert shown(q="law reform") == ["Mental health law"]
    assert staff_client.get("/asks/", query_string={"cycle": "x", "priority": "?", "q": "\x00"}).status_code == 200


def test_exports_follow_the_filters(staff_client, lead_user):
    make_ask(lead_user, text="=HYPERLINK(\"x\") UHC for all", target_states=["DE", "FR"], priority="high")
    make_ask(lead_user, text="Low one", priority="low")
    response = staff_client.get("/asks/export.csv", query_string={"priority": "high"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["target_states"] == "DE; FR"
    assert rows[0]["text"].startswith("'=")  # a formula is defused
    response = staff_client.get("/asks/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]][:4] == ["id", "cycle", "priority", "text"]
    assert sheet.max_row == 3


def test_the_import_previews_reports_line_errors_and_saves_all_or_nothing(lead_client, lead_user):
    ask = make_ask(lead_user, text="Held ask")
    good = (f"id,cycle,text,priority,themes,target_states,owner_email\r\n"
            f",4,Fund harm reduction for people who use drugs,high,HIV/AIDS; Key populations,Germany; SE,{lead_user.email}\r\n"
            f"{ask.id},4,Held ask,low,,,\r\n").encode()
    response = _upload(lead_client, good, dry_run="y")
    assert response.status_code == 200
    page = " ".join(response.get_data(as_text=True).split())
    assert "The file is fine: 2 rows: 1 created, 1 updated, 0 unchanged" in page
    assert _count() == 1 and db.session.get(Ask, ask.id).priority == "high"
    bad = (b"cycle,text,priority,target_states\r\n4,Fine row,high,DE\r\n0,,urgent,Narnia\r\n4,Another,low,Atlantis\r\n")
    response = _upload(lead_client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>3</td><td>cycle: Must be a whole number from 1 to 99; text: Give the text" in page
    assert "<td>4</td><td>target_states: Unknown state &#39;Atlantis&#39;" in page
    assert _count() == 1
    response = _upload(lead_client, good)
    assert response.status_code == 302
    db.session.expire_all()
    assert _count() == 2 and db.session.get(Ask, ask.id).priority == "low"
    new = db.session.scalars(select(Ask).where(Ask.id != ask.id)).one()
    assert new.target_states == ["DE", "SE"] and new.owner_id == lead_user.id
    assert lead_client.get("/asks/import/template.csv").get_data(as_text=True).startswith("cycle,text,priority")


def test_an_asks_cycle_is_chosen_among_the_cycles_held_in_the_form_and_the_import(lead_client, lead_user):
    hold_cycle(3)
    hold_cycle(4)
    page = lead_client.get("/asks/new").get_data(as_text=True)
    select_html = page[page.index('name="cycle"'):]
    select_html = select_html[:select_html.index("</select>")]
    assert '<option selected value="4">Cycle 4</option>' in select_html and 'value="3">Cycle 3<' in select_html
    assert 'value="5"' not in select_html
    assert '<option selected value="3">' in lead_client.get("/asks/new?cycle=3").get_data(as_text=True)
    response = lead_client.post("/asks/new", data={"cycle": "5", "text": "Fund mental health services",
                                                   "priority": "high"})
    assert response.status_code == 422
    assert "No cycle 5: the cycles held are 3, 4. A lead adds a cycle on the Cycles page (New cycle)" in \
        response.get_data(as_text=True)
    response = _upload(lead_client, b"cycle,text,priority\r\n4,Fine row,high\r\n6,Too early,low\r\n")
    assert response.status_code == 422
    assert "<td>3</td><td>cycle: No cycle 6: the cycles held are 3, 4." in response.get_data(as_text=True)
    assert _count() == 0


def test_the_ask_page_links_its_cycle_and_the_cycle_page_lists_its_asks(staff_client, lead_client, lead_user,
                                                                        staff_user, diplomat):
    from tests.outcomes.helpers import make_meeting
    hold_cycle(4)
    pitched = make_ask(lead_user, text="Decriminalise HIV transmission, exposure and non-disclosure")
    waiting = make_ask(lead_user, text="Adopt a mental health law in line with the CRPD", priority="low")
    make_ask(lead_user, cycle=3, text="An older cycle's ask")
    meeting = make_meeting(staff_user, contacts=[diplomat])  # held on 10 Nov 2026, before the suite's NOW
    meeting.asks = [pitched]
    db.session.commit()
    page = staff_client.get(f"/asks/{pitched.id}").get_data(as_text=True)
    assert '<a href="/cycles/4">cycle 4</a>' in page
    page = staff_client.get("/cycles/4").get_data(as_text=True)
    asks = page[page.index('id="cycle-asks"'):]
    asks = asks[:asks.index("</ul>")]
    assert f'href="/asks/{pitched.id}"' in asks and f'href="/asks/{waiting.id}"' in asks
    assert "older cycle" not in asks
    assert "Pitched" in asks[:asks.index(f'href="/asks/{waiting.id}"')] and "Not pitched yet" in asks
    assert 'id="figure-asks-pitched">1 <span' in page and "of 2" in page
    assert 'href="/asks/new?cycle=4"' not in page  # staff read; leads add
    assert 'href="/asks/new?cycle=4"' in lead_client.get("/cycles/4").get_data(as_text=True)
