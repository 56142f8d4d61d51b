"""A world with restricted records, and a signed-in client for every kind of person."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import g

from engage.access import services as access
from engage.extensions import db
from tests import factories
from tests.conftest import ApiClient, login
from tests.outcomes.helpers import WHEN, make_world

# What must never show to someone without access, and must show to someone with it.
MEETING_TITLE = "France in Geneva"               # the restricted meeting
MEETING_OUTCOME = "France is still consulting"   # an internal outcome of that meeting
MEETING_FOLLOW_UP = "Send France the shadow report"
OUTCOME_COMMITMENT = "Will make a recommendation on HIV key populations"  # a restricted outcome
CONTACT_NAME = "Diplomat DE"                      # a restricted contact
CONTACT_EMAIL = "diplomat-de@example.org"
ASSESSMENT_EVIDENCE = "Treasury quietly cut the HIV budget line"      # a restricted assessment
MEETING_ASSESSMENT_EVIDENCE = "The ministry promised a policy in Geneva"  # internal, from the restricted meeting
SECRETS = (MEETING_TITLE, MEETING_OUTCOME, MEETING_FOLLOW_UP, OUTCOME_COMMITMENT, CONTACT_NAME, CONTACT_EMAIL)

# Who sees the restricted records (True) and who does not (False); anonymous is apart.
ROLES = {"staff": False, "lead": False, "admin": False, "dpo": True, "granted": True, "group": True}


@dataclass
class Restricted:
    world: object
    users: dict
    meeting: object
    outcome: object       # restricted in itself, on an internal meeting
    meeting_outcome: object  # internal, on the restricted meeting: restricted with it
    contact: object
    group: object
    assessment: object = None          # restricted in itself, from no meeting
    meeting_assessment: object = None  # internal, from the restricted meeting: restricted with it


def sign_in(app, user):
    """A client signed in as `user`, through the real login (and the code step when 2FA is on)."""
    client = app.test_client()
    if getattr(user, "has_2fa", None) is not None and (user.is_dpo or user.role == "admin"):
        import pyotp

        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = WHEN
        user.totp_last_step = None  # a fresh secret: no code used yet
        db.session.commit()
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        if "/login/code" in response.headers["Location"]:
            response = client.post(response.headers["Location"], data={"code": pyotp.TOTP(user.totp_secret).now()})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client
    return login(client, user)


@pytest.fixture(autouse=True)
def _serve_each_client_as_itself(app):
    """Several signed-in clients per test: the app fixture's context outlives requests, and with it
    Flask-Login's cached user, so forget it at the start of each request."""
    @app.before_request
    def _forget_the_previous_user():
        g.pop("_login_user", None)


@pytest.fixture
def restricted(app, staff_user, lead_user, admin_user):
    """The outcomes world, with the France meeting, one German outcome and the German diplomat restricted."""
    world = make_world(staff_user, lead_user)
    dpo = factories.make_user(role="staff", email="dpo@example.org", full_name="Data Officer")
    dpo.is_dpo = True
    granted = factories.make_user(role="staff", email="granted@example.org", full_name="Granted Staff")
    member = factories.make_user(role="staff", email="member@example.org", full_name="Group Member")
    db.session.commit()
    meeting, outcome, contact = world.meetings["fr"], world.outcomes["de_hiv"], world.contacts["de"]
    for record in (meeting, outcome, contact):
        access.set_sensitivity(dpo, WHEN, record, "restricted")
    group = access.create_group(dpo, WHEN, {"name": "SOGI working group"})
    access.add_member(dpo, WHEN, group, member)
    from engage.implementation import services as implementation
    assessment = implementation.create_assessment(dpo, WHEN, {
        "recommendation_id": world.recs["de_hiv"].id, "assessed_on": "2026-11-02", "status": "regressed",
        "evidence": ASSESSMENT_EVIDENCE, "source_kind": "media", "sensitivity": "restricted"})
    meeting_assessment = implementation.create_assessment(dpo, WHEN, {
        "recommendation_id": world.recs["fr_hiv"].id, "assessed_on": "2026-11-20", "status": "in_progress",
        "evidence": MEETING_ASSESSMENT_EVIDENCE, "meeting_id": meeting.id, "sensitivity": "internal"})
    meeting_assessment.sensitivity = "internal"  # restricted through its meeting only (as an outcome can be)
    for record in (meeting, outcome, contact, assessment):
        access.grant(dpo, WHEN, record, user=granted)
        access.grant(dpo, WHEN, record, group=group)
    db.session.commit()
    users = {"staff": staff_user, "lead": lead_user, "admin": admin_user, "dpo": dpo, "granted": granted,
             "group": member}
    # The world's booking staff organised the meetings; "other" staff attends France. Neither is granted.
    return Restricted(world=world, users=users, meeting=meeting, outcome=outcome,
                      meeting_outcome=world.outcomes["fr_overall"], contact=contact, group=group,
                      assessment=assessment, meeting_assessment=meeting_assessment)


@pytest.fixture
def clients(app, restricted):
    """A signed-in page client per role (made on first use)."""
    made = {}

    class Clients(dict):
        def __missing__(self, role):
            made[role] = sign_in(app, restricted.users[role])
            return made[role]

    return Clients()


@pytest.fixture
def apis(app, restricted):
    """An API client per role."""
    return {role: ApiClient(app.test_client(), factories.make_token(user)) for role, user in restricted.users.items()}


def text(response) -> str:
    return response.get_data(as_text=True)


def at(year, month, day, hour=9) -> datetime:
    from datetime import UTC
    return datetime(year, month, day, hour, tzinfo=UTC)
