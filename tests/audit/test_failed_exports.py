"""An export that breaks while it is being made leaves no "Data exported" row, and says so with a 500.

Downloaded through a real server: the Flask test client runs a streamed body differently. The
break is forced after some rows were already written (and, for CSVs, after a first chunk).
"""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from engage.access import services as access
from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.outcomes import log
from tests import factories
from tests.outcomes.helpers import WHEN, make_world


def _events(action):
    db.session.rollback()  # a fresh look at what the server committed
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _breaks_after(rows_of, count):
    """`rows_of` that raises after `count` rows, as a database that goes away mid-export would."""
    def broken(*args, **kwargs):
        for n, row in enumerate(rows_of(*args, **kwargs)):
            if n == count:
                raise RuntimeError("the database went away")
            yield row
    return broken


def _refused_whole(reply):
    # A 500, not a 200 whose body stops midway (which a browser may save as if it were the file).
    assert reply.status == 500, (reply.status, reply.complete, reply.body[:200])


def test_a_contacts_export_that_breaks_midway_is_not_audited(live_server, staff_user, monkeypatch):
    for n in range(6):
        factories.make_contact(full_name=f"Contact {n:02d}", email=f"c{n}@example.org")
    from engage import spreadsheets

    browser = live_server.sign_in(staff_user)
    real_cell = spreadsheets.csv_cell

    def cell(value):
        if value == "Contact 04":
            raise RuntimeError("the database went away")
        return real_cell(value)

    monkeypatch.setattr(spreadsheets, "ROWS_PER_CHUNK", 2)  # two chunks are made before the break
    monkeypatch.setattr(spreadsheets, "csv_cell", cell)
    _refused_whole(browser.get("/directory/contacts/export.csv"))
    assert _events("data_exported") == []

    monkeypatch.setattr(spreadsheets, "csv_cell", real_cell)
    reply = browser.get("/directory/contacts/export.csv")
    assert reply.status == 200 and reply.complete
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    assert len(list(csv.DictReader(io.StringIO(reply.text)))) == 6
    assert [(e.object_type, e.actor_id) for e in _events("data_exported")] == [("contacts", staff_user.id)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_engagement_log_export_that_breaks_midway_leaves_no_audit_row(live_server, staff_user, lead_user,
                                                                        monkeypatch, fmt):
    world = make_world(staff_user, lead_user)
    dpo = factories.make_user(role="lead", email="dpo-lead@example.org")
    dpo.is_dpo = True
    access.set_sensitivity(dpo, WHEN, world.outcomes["de_hiv"], "restricted")
    db.session.commit()
    browser = live_server.sign_in(dpo)
    before = len(_events("restricted_exported"))

    from engage.reports import exports

    monkeypatch.setattr(exports, "log_export_rows", _breaks_after(log.log_export_rows, 3))
    _refused_whole(browser.get(f"/reports/log.{fmt}"))
    assert _events("data_exported") == []
    assert len(_events("restricted_exported")) == before  # nor "a restricted record was exported"

    monkeypatch.setattr(exports, "log_export_rows", log.log_export_rows)
    reply = browser.get(f"/reports/log.{fmt}")
    assert reply.status == 200 and reply.complete
    assert [(e.object_type, e.detail, e.actor_id) for e in _events("data_exported")] == [
        ("engagement_log", fmt, dpo.id)]
    assert [(e.object_type, e.object_id) for e in _events("restricted_exported")[before:]] == [
        ("outcome", world.outcomes["de_hiv"].id)]


def test_an_audit_log_export_that_breaks_midway_is_not_audited(live_server, admin_user, monkeypatch):
    from engage import spreadsheets

    browser = live_server.sign_in(admin_user)
    real_cell = spreadsheets.csv_cell

    def cell(value):
        if value == "login":
            raise RuntimeError("the database went away")
        return real_cell(value)

    monkeypatch.setattr(spreadsheets, "csv_cell", cell)
    _refused_whole(browser.get("/audit/export.csv"))
    assert _events("data_exported") == []

    monkeypatch.setattr(spreadsheets, "csv_cell", real_cell)
    reply = browser.get("/audit/export.csv")
    assert reply.status == 200 and "login" in reply.text
    assert [(e.object_type, e.actor_id) for e in _events("data_exported")] == [("audit_event", admin_user.id)]
