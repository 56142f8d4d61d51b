"""Every role against every page and endpoint that can show a restricted contact, meeting or outcome."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from tests.access.conftest import (ASSESSMENT_EVIDENCE, CONTACT_EMAIL, CONTACT_NAME, MEETING_ASSESSMENT_EVIDENCE,
                                   MEETING_FOLLOW_UP, MEETING_OUTCOME, MEETING_TITLE, OUTCOME_COMMITMENT, ROLES, text)

ALL_ROLES = list(ROLES)


def _record_pages(r):
    m, o, mo, c = r.meeting.id, r.outcome.id, r.meeting_outcome.id, r.contact.id
    return [
        f"/meetings/{m}", f"/meetings/{m}.ics", f"/meetings/{m}/edit", f"/meetings/{m}/cancel",
        f"/outcomes/meetings/{m}", f"/outcomes/meetings/{m}/log", f"/outcomes/meetings/{m}/add",
        f"/outcomes/{o}", f"/outcomes/{o}/edit", f"/outcomes/{mo}", f"/outcomes/{mo}/edit",
        f"/directory/contacts/{c}", f"/directory/contacts/{c}.vcf", f"/directory/contacts/{c}/edit",
        f"/implementation/assessments/{r.assessment.id}", f"/implementation/assessments/{r.assessment.id}/edit",
        f"/implementation/assessments/{r.meeting_assessment.id}",
    ]


def _api_records(r):
    m, o, mo, c = r.meeting.id, r.outcome.id, r.meeting_outcome.id, r.contact.id
    return [f"/api/v1/meetings/{m}", f"/api/v1/meetings/{m}/ics", f"/api/v1/meetings/{m}/outcomes",
            f"/api/v1/outcomes/{o}", f"/api/v1/outcomes/{mo}", f"/api/v1/contacts/{c}",
            f"/api/v1/assessments/{r.assessment.id}", f"/api/v1/assessments/{r.meeting_assessment.id}"]


def _lists(r):
    """Pages for everyone on staff that list, search, count or export records."""
    return [
        "/", "/meetings/?when=all", "/meetings/?when=all&q=France", "/meetings/export.csv?when=all",
        "/meetings/week?start=2026-11-16", "/meetings/month?month=2026-11", "/meetings/?when=past",
        f"/meetings/?when=all&organisation_id={r.world.orgs['fr'].id}",
        "/directory/contacts", "/directory/contacts?q=diplomat", "/directory/contacts/export.csv",
        f"/directory/organisations/{r.world.orgs['de'].id}", f"/directory/organisations/{r.world.orgs['fr'].id}",
        f"/directory/contacts/{r.world.contacts['fr'].id}",
        f"/meetings/{r.world.meetings['de'].id}",  # the restricted contact attends this internal meeting
        "/outcomes/", "/outcomes/?q=France", "/outcomes/follow-ups", "/outcomes/follow-ups?state=all",
        f"/outcomes/recommendations/{r.world.recs['fr_hiv'].id}",
        f"/outcomes/recommendations/{r.world.recs['de_hiv'].id}",
        f"/outcomes/meetings/{r.world.meetings['de'].id}",
        f"/recommendations/{r.world.recs['fr_hiv'].id}", f"/recommendations/{r.world.recs['de_hiv'].id}",
        "/recommendations/plan", "/recommendations/plan?state=FR",
    ]


REPORTS = ["/reports/", "/reports/coverage", "/reports/coverage.csv", "/reports/log.csv", "/reports/log.xlsx",
           "/reports/summary?state=FR", "/reports/summary?state=DE", "/reports/summary?theme=HIV/AIDS"]

API_LISTS = ["/api/v1/meetings?when=all", "/api/v1/meetings?q=France", "/api/v1/contacts", "/api/v1/contacts?q=diplomat",
             "/api/v1/outcomes", "/api/v1/outcomes?position=undecided"]


def _body(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import io
        import zipfile
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return text(response)


def test_anonymous_visitors_are_sent_to_sign_in(app, restricted):
    client = app.test_client()
    for url in _record_pages(restricted) + _lists(restricted):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in _api_records(restricted) + API_LISTS:
        assert client.get(url).status_code == 401, url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_record_pages_exist_only_for_those_granted(role, restricted, clients):
    client = clients[role]
    for url in _record_pages(restricted):
        response = client.get(url)
        if ROLES[role]:
            assert response.status_code in (200, 403), (role, url, response.status_code)
        else:
            assert response.status_code == 404, (role, url, response.status_code)
            assert not any(s in text(response) for s in (MEETING_TITLE, CONTACT_NAME, OUTCOME_COMMITMENT))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_records_exist_only_for_those_granted(role, restricted, apis):
    for url in _api_records(restricted):
        response = apis[role].get(url)
        assert response.status_code == (200 if ROLES[role] else 404), (role, url, response.status_code)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_lists_searches_counts_and_exports_leave_them_out(role, restricted, clients):
    client = clients[role]
    seen = []
    for url in _lists(restricted):
        response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        body = _body(response)
        found = [s for s in (MEETING_TITLE, MEETING_OUTCOME, MEETING_FOLLOW_UP, OUTCOME_COMMITMENT, CONTACT_NAME,
                             CONTACT_EMAIL) if s in body]
        if not ROLES[role]:
            assert not found, (role, url, found)
        seen.extend(found)
    if ROLES[role]:
        assert {MEETING_TITLE, MEETING_OUTCOME, OUTCOME_COMMITMENT, CONTACT_NAME} <= set(seen)


@pytest.mark.parametrize("role", ["lead", "admin", "dpo"])
def test_reports_leave_them_out(role, restricted, clients, app):
    if role == "dpo":
        restricted.users["dpo"].role = "lead"  # reports are for leads; the DPO here is one
        db.session.commit()
    client = clients[role]
    seen = []
    for url in REPORTS:
        response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        body = _body(response)
        found = [s for s in (MEETING_TITLE, MEETING_OUTCOME, OUTCOME_COMMITMENT) if s in body]
        if not ROLES[role]:
            assert not found, (role, url, found)
        seen.extend(found)
    if ROLES[role]:
        assert {MEETING_TITLE, OUTCOME_COMMITMENT} <= set(seen)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_lists_leave_them_out(role, restricted, apis):
    seen = []
    for url in API_LISTS:
        response = apis[role].get(url)
        assert response.status_code == 200, (role, url)
        found = [s for s in (MEETING_TITLE, MEETING_OUTCOME, OUTCOME_COMMITMENT, CONTACT_NAME) if s in text(response)]
        if not ROLES[role]:
            assert not found, (role, url, found)
        seen.extend(found)
    if ROLES[role]:
        assert {MEETING_TITLE, MEETING_OUTCOME, OUTCOME_COMMITMENT, CONTACT_NAME} <= set(seen)


def test_counts_leave_restricted_records_out(restricted, apis):
    staff = apis["staff"].get("/api/v1/contacts").get_json()["total"]
    dpo = apis["dpo"].get("/api/v1/contacts").get_json()["total"]
    assert dpo == staff + 1
    staff = apis["staff"].get("/api/v1/outcomes").get_json()["total"]
    dpo = apis["dpo"].get("/api/v1/outcomes").get_json()["total"]
    assert dpo == staff + 3  # the restricted outcome, and both outcomes of the restricted meeting


def test_the_restricted_badge_and_panel(restricted, clients):
    page = text(clients["dpo"].get(f"/meetings/{restricted.meeting.id}"))
    assert "Restricted</span>" in page and "Sensitivity and access" in page and "SOGI working group" in page
    page = text(clients["granted"].get(f"/meetings/{restricted.meeting.id}"))
    assert "Restricted</span>" in page and "Sensitivity and access" not in page  # staff, not organiser
    page = text(clients["dpo"].get(f"/directory/contacts/{restricted.contact.id}"))
    assert "Restricted</span>" in page and "Sensitivity and access" in page
    page = text(clients["dpo"].get(f"/outcomes/{restricted.meeting_outcome.id}"))
    assert "Restricted</span>" in page and "meeting is restricted" in page
    for url in ("/meetings/?when=all", "/directory/contacts", "/outcomes/"):
        assert "Restricted</span>" in text(clients["dpo"].get(url)), url
        assert "Restricted</span>" not in text(clients["staff"].get(url)), url


def test_views_and_exports_of_restricted_records_are_audited(restricted, clients, apis):
    from sqlalchemy import func
    before = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    clients["granted"].get(f"/meetings/{restricted.meeting.id}")
    apis["group"].get(f"/api/v1/contacts/{restricted.contact.id}")
    clients["dpo"].get("/directory/contacts/export.csv").get_data()
    clients["staff"].get(f"/meetings/{restricted.meeting.id}")  # 404: nothing seen, nothing audited
    clients["staff"].get("/meetings/?when=all")
    rows = db.session.execute(select(AuditEvent.actor_email, AuditEvent.action, AuditEvent.object_type,
                                     AuditEvent.object_id, AuditEvent.detail)
                              .where(AuditEvent.action.in_(("restricted_viewed", "restricted_exported")),
                                     AuditEvent.id > before)).all()
    assert ("granted@example.org", "restricted_viewed", "meeting", restricted.meeting.id, None) in rows
    assert ("member@example.org", "restricted_viewed", "contact", restricted.contact.id, None) in rows
    assert ("dpo@example.org", "restricted_exported", "contact", restricted.contact.id, None) in rows
    assert not [r for r in rows if r.actor_email == "staff@example.org"]
    # One row per record and request, even when a page loads it several times.
    assert len([r for r in rows if r.actor_email == "granted@example.org" and r.object_type == "meeting"]) == 1


def test_a_clash_with_a_meeting_one_may_not_see_says_another_meeting(restricted, clients, app):
    from engage.meetings import services as meetings
    from engage.errors import ConflictError
    from tests.outcomes.helpers import WHEN

    fr = restricted.meeting
    other = restricted.world.other_staff  # attends the restricted France meeting
    data = {"title": "Clash", "starts_at": fr.starts_at, "ends_at": fr.ends_at, "timezone": "Europe/Zurich",
            "location": "Nairobi", "staff_ids": [other.id]}
    with app.test_request_context():
        with pytest.raises(ConflictError) as refused:
            meetings.schedule_meeting(restricted.users["lead"], WHEN.replace(year=2026, month=11, day=1), data)
    db.session.rollback()
    assert "another meeting" in refused.value.message and MEETING_TITLE not in refused.value.message
    assert refused.value.details["conflicts"][0]["meeting_id"] is None
    with pytest.raises(ConflictError) as refused:
        meetings.schedule_meeting(restricted.users["granted"], WHEN.replace(month=11, day=1), data)
    db.session.rollback()
    assert MEETING_TITLE in refused.value.message


def test_calendar_feeds_carry_restricted_meetings_only_for_their_owners_who_may_see_them(app, restricted):
    from engage.meetings import calendar
    from tests.outcomes.helpers import WHEN

    client = app.test_client()
    lead_feed = calendar.create_feed(restricted.users["lead"], WHEN, restricted.users["lead"], "team")
    dpo = restricted.users["dpo"]
    dpo.role = "lead"
    dpo_feed = calendar.create_feed(dpo, WHEN, dpo, "team")
    db.session.commit()
    # By UID: what a feed calls a restricted meeting is the invitations' business (a neutral title).
    lead_body = text(client.get(f"/calendar/{lead_feed.secret}.ics"))
    assert restricted.meeting.uid not in lead_body and MEETING_TITLE not in lead_body
    assert restricted.world.meetings["de"].uid in lead_body
    assert restricted.meeting.uid in text(client.get(f"/calendar/{dpo_feed.secret}.ics"))


def test_meeting_lists_read_as_rows_audit_what_they_show(restricted, clients, apis):
    """The meetings page and API read plain columns, not records: they still audit each restricted
    meeting and attendee shown, once, and nothing for a reader who may see neither."""
    from sqlalchemy import func

    from engage.meetings.models import Attendee
    attends = db.session.scalars(select(Attendee.meeting_id).where(Attendee.contact_id == restricted.contact.id)).all()
    assert attends, "the restricted contact attends a meeting"
    before = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    assert clients["granted"].get("/meetings/?when=all").status_code == 200
    assert apis["group"].get("/api/v1/meetings?per_page=200").status_code == 200
    assert clients["staff"].get("/meetings/?when=all").status_code == 200
    assert apis["staff"].get("/api/v1/meetings?per_page=200").status_code == 200
    rows = db.session.execute(select(AuditEvent.actor_email, AuditEvent.action, AuditEvent.object_type,
                                     AuditEvent.object_id)
                              .where(AuditEvent.action == "restricted_viewed", AuditEvent.id > before)).all()
    assert rows.count(("granted@example.org", "restricted_viewed", "meeting", restricted.meeting.id)) == 1
    assert rows.count(("granted@example.org", "restricted_viewed", "contact", restricted.contact.id)) == 1
    assert rows.count(("member@example.org", "restricted_viewed", "meeting", restricted.meeting.id)) == 1
    assert rows.count(("member@example.org", "restricted_viewed", "contact", restricted.contact.id)) == 1
    assert not [r for r in rows if r.actor_email == "staff@example.org"]


# ---- assessments: a fourth record type ----

ASSESSMENT_SECRETS = (ASSESSMENT_EVIDENCE, MEETING_ASSESSMENT_EVIDENCE)


def _assessment_lists(r):
    de, fr = r.world.recs["de_hiv"].id, r.world.recs["fr_hiv"].id
    return [f"/recommendations/{de}", f"/recommendations/{fr}", "/implementation/", "/implementation/?status=regressed",
            "/implementation/export.csv", "/implementation/export.xlsx", "/implementation/due",
            f"/directory/organisations/{r.world.orgs['de'].id}"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_assessments_show_only_to_those_granted_and_counts_equal_lists(role, restricted, clients, apis):
    seen = []
    for url in _assessment_lists(restricted):
        response = clients[role].get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        found = [s for s in ASSESSMENT_SECRETS if s in _body(response)]
        if not ROLES[role]:
            assert not found, (role, url, found)
        seen.extend(found)
    listed = apis[role].get("/api/v1/assessments?per_page=200").get_json()
    assert listed["total"] == len(listed["items"])
    assert listed["total"] == (2 if ROLES[role] else 0), role
    matrix = apis[role].get("/api/v1/implementation?per_page=200").get_json()
    assert matrix["total"] == len(matrix["items"]) == len(restricted.world.recs)  # recommendations are not restricted
    statuses = {row["reference"]: row["status"] for row in matrix["items"]}
    assert statuses["142.15"] == ("regressed" if ROLES[role] else None)
    assert statuses["142.40"] == ("in_progress" if ROLES[role] else None)
    not_assessed = apis[role].get("/api/v1/implementation?status=none").get_json()["total"]
    assert not_assessed == (3 if ROLES[role] else 5)
    if ROLES[role]:
        assert set(ASSESSMENT_SECRETS) <= set(seen)
