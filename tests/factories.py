"""Factories as plain callables: each makes one committed row with sensible defaults."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime

from engage.auth import services as auth_services
from engage.auth.models import User
from engage.directory import services as directory_services
from engage.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
WHEN = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def make_user(role="staff", email=None, full_name=None, password=PASSWORD) -> User:
    n = next(_seq)
    user = auth_services.create_user(None, WHEN, email or f"user{n}@example.org",
                                      full_name or f"User {n}", role, password)
    db.session.commit()
    return user


def make_dpo(role="staff", email="dpo@example.org", full_name="Data Officer") -> User:
    """The data-protection officer (committed): sees every restricted record."""
    user = make_user(role=role, email=email, full_name=full_name)
    user.is_dpo = True
    db.session.commit()
    return user


def enrol_2fa(user, secret=None) -> str:
    """Turn on two-step sign-in for `user` with a known TOTP secret (returned)."""
    import pyotp

    user.totp_secret = secret or pyotp.random_base32()
    user.totp_enabled_at = WHEN
    user.totp_last_step = None
    db.session.commit()
    return user.totp_secret


def totp_code(user, at=None) -> str:
    """The code `user`'s authenticator shows at `at` (default: the injected clock's now).

    Forgets the last step used, so a test may sign the same user in twice within 30 seconds.
    """
    import pyotp

    from engage.clock import now_utc

    user.totp_last_step = None
    db.session.commit()
    return pyotp.TOTP(user.totp_secret).at(at or now_utc())


def make_token(user) -> str:
    _, secret = auth_services.create_api_token(user, WHEN, "test")
    db.session.commit()
    return secret


def make_organisation(**values):
    n = next(_seq)
    data = {"name": f"Organisation {n}", "kind": "embassy", "country": "DE", "city": "Nairobi"}
    data.update(values)
    org = directory_services.create_organisation(None, WHEN, data)
    db.session.commit()
    return org


def make_contact(organisation=None, **values):
    n = next(_seq)
    data = {"full_name": f"Contact {n}", "email": f"contact{n}@example.org",
            "organisation_id": organisation.id if organisation is not None else None}
    data.update(values)
    contact = directory_services.create_contact(None, WHEN, data)
    db.session.commit()
    return contact


def make_meeting(organiser=None, contacts=(), staff=(), starts_at=None, minutes=60, timezone="Europe/Zurich",
                 now=WHEN, **values):
    """A scheduled meeting (clashes allowed) booked at `now`; default Mon 7 Dec 2026, 10:00 Geneva."""
    from datetime import timedelta

    from engage.meetings import services as meeting_services

    organiser = organiser or make_user()
    starts_at = starts_at or datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    data = {"title": f"Meeting {next(_seq)}", "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=minutes), "timezone": timezone,
            "location": "Palais des Nations, Geneva", "organiser_id": organiser.id,
            "attendees": [{"contact_id": c.id, "role": "required"} for c in contacts],
            "staff_ids": [u.id for u in staff], "allow_conflicts": True}
    data.update(values)
    change = meeting_services.schedule_meeting(organiser, now, data)
    db.session.commit()
    return change.meeting


def make_recommendation(themes=("Right to health",), **values):
    from engage.upr import services as upr_services

    n = next(_seq)
    data = {"cycle": 3, "reference": f"142.{n}", "recommending_state": "DE",
            "text": f"Recommendation {n}", "response": "supported", "themes": list(themes)}
    if "recommending_states" in values:  # a joint one: its first state is recommending_state
        del data["recommending_state"]
    data.update(values)
    rec = upr_services.create_recommendation(None, WHEN, data)
    db.session.commit()
    return rec


def make_cycle(number=5, window_starts_on="2025-01-01", window_ends_on="2027-12-31", milestones=(), **values):
    """A UPR cycle (committed). The default is the window the suite's worlds were written for: the
    cycle that holds the suite's NOW (28 Nov 2026), engaged from 1 Jan 2025."""
    from engage.cycles import services as cycle_services

    cycle = cycle_services.create_cycle(None, WHEN, {"number": number, "window_starts_on": window_starts_on,
                                                     "window_ends_on": window_ends_on,
                                                     "milestones": list(milestones), **values})
    db.session.commit()
    return cycle
