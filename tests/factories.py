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
