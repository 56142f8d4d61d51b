"""Every CSV and XLSX export, through its route: no cell a spreadsheet would run, no control character.

Values are stored directly (as data saved before the schemas refused control characters would be):
a formula with a bell character in it lands in titles, names, tags, themes, notes and subjects.
"""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import update

from engage.audit.services import record_event
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.meetings.models import Meeting
from engage.outbox.models import OutboxMessage
from engage.outcomes.models import Outcome
from engage.recommendations.models import Recommendation, Theme
from tests import factories
from tests.conftest import login
from tests.outcomes.helpers import WHEN, make_world

EVIL = '=HYPERLINK("http://evil.example","c\x07lick")'
DEFUSED = "'=HYPERLINK(\"http://evil.example\",\"click\")"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NUMBER = re.compile(r"^[+-]?[\d .()-]+$")


def _runnable(cell: str) -> bool:
    return cell[:1] in ("=", "@", "\t", "\r") or (cell[:1] in ("+", "-") and not NUMBER.match(cell))


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _xlsx_cells(body: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
            if c is not None]


def _assert_safe(cells: list[str], expected: str = DEFUSED) -> None:
    assert [c for c in cells if _runnable(c)] == []
    assert [c for c in cells if CONTROL.search(c)] == []
    assert any(expected in c for c in cells), cells


@pytest.fixture
def poisoned(staff_user, lead_user):
    """The small report world with a formula and a control character in every kind of text exported."""
    world = make_world(staff_user, lead_user)
    meeting = world.meetings["de"]
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(
        title=EVIL, location="-1+cmd|' /C calc'!A0", tags=["@SUM(A1)"]))
    db.session.execute(update(Theme).where(Theme.name == "HIV/AIDS").values(name=EVIL))
    db.session.execute(update(Organisation).where(Organisation.id == world.orgs["de"].id).values(name=EVIL))
    db.session.execute(update(Contact).where(Contact.id == world.contacts["de"].id).values(
        full_name=EVIL, position="+cmd", phone="+254 722 000000"))
    db.session.execute(update(Recommendation).where(Recommendation.id == world.recs["de_hiv"].id).values(
        text=EVIL))
    db.session.execute(update(Outcome).where(Outcome.meeting_id == meeting.id).values(notes=EVIL))
    db.session.add(OutboxMessage(kind="invitation", meeting_id=meeting.id, recipient="de@example.org",
                                 subject=EVIL, dedupe_key="evil", message_id="<evil@example.org>", raw=b"",
                                 status="failed", last_error="\t=1+1", created_at=WHEN))
    record_event(None, WHEN, "login", detail=EVIL)
    db.session.commit()
    db.session.expire_all()
    return world


@pytest.mark.parametrize("url", ["/meetings/export.csv?when=past", "/recommendations/export.csv",
                                 "/recommendations/plan.csv?cycle=all&theme=Education", "/directory/organisations/export.csv",
                                 "/directory/contacts/export.csv"])
def test_staff_exports_defuse_formulas_and_drop_control_characters(poisoned, staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200, response.status_code
    _assert_safe(_csv_cells(response.get_data(as_text=True)))


def test_the_meetings_export_keeps_tags_and_places_as_text(poisoned, staff_client):
    cells = _csv_cells(staff_client.get("/meetings/export.csv?when=past").get_data(as_text=True))
    assert "'@SUM(A1)" in cells and "'-1+cmd|' /C calc'!A0" in cells


def test_a_phone_number_is_exported_as_it_is(poisoned, staff_client):
    cells = _csv_cells(staff_client.get("/directory/contacts/export.csv").get_data(as_text=True))
    assert "+254 722 000000" in cells and "'+cmd" in cells


@pytest.mark.parametrize("url", ["/reports/coverage.csv", "/reports/log.csv"])
def test_report_csv_exports_are_safe(poisoned, lead_client, url):
    response = lead_client.get(url)
    assert response.status_code == 200, response.status_code
    _assert_safe(_csv_cells(response.get_data(as_text=True)))


@pytest.mark.parametrize("url", ["/reports/coverage.xlsx", "/reports/log.xlsx"])
def test_report_workbooks_open_with_a_control_character_in_a_theme(poisoned, lead_client, url):
    response = lead_client.get(url)
    assert response.status_code == 200, response.status_code
    _assert_safe(_xlsx_cells(response.get_data()))


@pytest.mark.parametrize("url", ["/admin/outbox/export.csv", "/audit/export.csv"])
def test_admin_exports_are_safe(poisoned, admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200, response.status_code
    _assert_safe(_csv_cells(response.get_data(as_text=True)))


def test_a_data_protection_export_is_safe(poisoned, client):
    dpo = factories.make_dpo()
    login(client, dpo)
    contact = poisoned.contacts["de"]
    response = client.post(f"/data-protection/contacts/{contact.id}/export", data={"format": "csv"})
    assert response.status_code == 200, response.status_code
    _assert_safe(_csv_cells(response.get_data(as_text=True)))

    token = factories.make_token(dpo)
    response = client.get(f"/api/v1/contacts/{contact.id}/export?format=csv",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    _assert_safe(_csv_cells(response.get_data(as_text=True)))
