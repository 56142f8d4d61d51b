"""An access request: everything held about a contact, every section present with the right items, JSON and CSV."""
import csv
import io

from sqlalchemy import select

from engage.audit.services import record_event
from engage.dataprotection import services
from engage.dataprotection.models import DataRequest
from engage.extensions import db
from tests.conftest import NOW
from tests.dataprotection.conftest import EMAIL, NAME


def test_the_export_holds_every_section(app, dpo_user, amina, story):
    record_event(dpo_user, NOW, "restricted_viewed", amina)
    db.session.commit()
    data = services.export_contact(dpo_user, NOW, amina)
    db.session.commit()
    assert set(services.EXPORT_SECTIONS) <= set(data)

    assert data["contact"]["email"] == EMAIL and data["contact"]["full_name"] == NAME
    assert data["contact"]["phone"] == "+254722000111" and data["contact"]["position"] == "Head of HIV programmes"
    assert data["organisation"]["name"] == "Ministry of Health"
    assert data["lawful_basis"]["basis"] == "legitimate_interest" and data["lawful_basis"]["do_not_contact"] is False
    assert data["source"] == "Business card, Nov 2026"
    assert data["retention"]["last_activity_at"] == "2026-12-07T09:00:00Z"  # the coming meeting
    assert data["retention"]["review_due_at"] == "2028-12-07T09:00:00Z"

    assert [(m["title"], m["response"]) for m in data["meetings"]] == [
        ("HIV key populations", "needs_action"), ("Pre-session briefing", "needs_action")]
    assert [o["summary"] for o in data["outcomes"]] == [f"{NAME} agreed to raise the budget line"]
    mentioned = {(m["object_type"], m["field"]) for m in data["mentions"]}
    assert {("meeting", "description"), ("outcome", "summary"), ("outcome", "commitment"),
            ("follow_up", "description"), ("contact", "notes")} <= mentioned
    kinds = sorted(m["kind"] for m in data["messages"])
    assert kinds == ["invitation", "invitation", "update"] and all(m["to"] == EMAIL for m in data["messages"])
    assert any(h["object_type"] == "contact" and h["action"] == "created" for h in data["history"])
    assert {"outcome", "follow_up"} <= {h["object_type"] for h in data["history"]}  # texts naming her
    assert [(a["by"], a["action"]) for a in data["access_log"]] == [("dpo@example.org", "restricted_viewed")]
    assert data["request"]["closed_at"] == "2026-11-28T09:00:00Z"

    [request] = db.session.scalars(select(DataRequest)).all()
    assert request.kind == "access" and request.opened_at == NOW and request.closed_at == NOW
    assert request.subject_ref == f"contact #{amina.id}" and request.reference.startswith("DR-2026-")


def test_the_csv_has_one_row_per_item_with_its_section(app, dpo_user, amina, story):
    data = services.export_contact(dpo_user, NOW, amina)
    rows = list(csv.DictReader(io.StringIO(services.export_csv(data))))
    sections = [r["section"] for r in rows]
    assert set(services.EXPORT_SECTIONS) <= set(sections)
    assert sections.count("meetings") == 2 and sections.count("messages") == 3 and sections.count("outcomes") == 1
    contact_row = next(r for r in rows if r["section"] == "contact")
    assert contact_row["email"] == EMAIL and contact_row["full_name"] == NAME
    assert next(r for r in rows if r["section"] == "source")["value"] == "Business card, Nov 2026"


def test_an_open_request_is_closed_by_the_export(app, dpo_user, amina):
    opened = NOW.replace(day=20)
    request = services.open_request(dpo_user, NOW, {"kind": "access", "contact_id": amina.id,
                                                    "received_on": opened.date(), "notes": "Letter of 20 Nov"})
    db.session.commit()
    services.export_contact(dpo_user, NOW, amina)
    db.session.commit()
    db.session.refresh(request)
    assert request.opened_at == opened.replace(hour=6) and request.closed_at == NOW  # 09:00 in Nairobi
    assert db.session.scalar(select(db.func.count()).select_from(DataRequest)) == 1


def test_the_audit_row_names_no_content(app, dpo_user, amina, story):
    from engage.audit.models import AuditEvent

    services.export_contact(dpo_user, NOW, amina)
    db.session.commit()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_exported")).all()
    assert event.object_type == "contact" and event.object_id == amina.id
    assert EMAIL not in (event.detail or "") and "Amina" not in (event.detail or "")
