"""Checking a contact's data-protection fields (lawful basis, consent, privacy notice, do-not-contact).

Kept apart from services.py, which imports half the app, so that the directory's own field cleaning
can call it without an import cycle.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from engage.clock import NAIROBI, localise

LAWFUL_BASES = {
    "legitimate_interest": "Legitimate interest (an official acting in their role)",
    "consent": "Consent",
}
PROTECTION_FIELDS = ("lawful_basis", "consent_wording", "consent_given_at", "privacy_notice_sent_at",
                     "do_not_contact", "do_not_contact_reason")
LIMITS = {"consent_wording": 5000, "do_not_contact_reason": 200}


def _text(value, field, errors):
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = ["Must be text."]
        return None
    value = value.strip()
    if "\x00" in value:
        errors[field] = ["Contains a NUL character."]
        return None
    if len(value) > LIMITS[field]:
        errors[field] = [f"At most {LIMITS[field]} characters."]
        return None
    return value or None


def clean_instant(value, field: str, errors: dict) -> datetime | None:
    """An aware instant from a datetime, a date (midnight in Nairobi) or ISO text with an offset."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            errors[field] = ["Not a date (2026-11-28) or a time with its offset (2026-11-28T09:00:00+03:00)."]
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            errors[field] = ["Give the time with its offset, e.g. 2026-11-28T09:00:00+03:00."]
            return None
        return value
    if isinstance(value, date):
        return localise(value, time(0), NAIROBI)
    errors[field] = ["Must be a date or a time."]
    return None


def clean_protection(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    """Checked values of the data-protection fields present in `data` (absent ones are left alone)."""
    out: dict[str, Any] = {}
    # A null basis or flag means "leave it": a stray null must never lift an objection.
    if data.get("lawful_basis") not in (None, ""):
        basis = data["lawful_basis"]
        if basis not in LAWFUL_BASES:
            errors["lawful_basis"] = [f"Choose one of: {', '.join(LAWFUL_BASES)}."]
        out["lawful_basis"] = basis
    for field in ("consent_wording", "do_not_contact_reason"):
        if field in data:
            out[field] = _text(data.get(field), field, errors)
    for field in ("consent_given_at", "privacy_notice_sent_at"):
        if field in data:
            out[field] = clean_instant(data.get(field), field, errors)
    if data.get("do_not_contact") is not None:
        value = data["do_not_contact"]
        if not isinstance(value, bool):
            errors["do_not_contact"] = ["Must be true or false."]
        out["do_not_contact"] = value
    return out


def settle_protection(now: datetime, contact, values: dict[str, Any]) -> dict[str, list[str]]:
    """Check the fields together against what the contact already holds; fills do_not_contact_since.

    Returns the errors (field: messages); `values` gains do_not_contact_since when the flag changes.
    """
    def merged(field, default=None):
        if field in values:
            return values[field]
        return getattr(contact, field) if contact is not None else default

    errors: dict[str, list[str]] = {}
    if merged("lawful_basis", "legitimate_interest") == "consent":
        if not merged("consent_wording"):
            errors["consent_wording"] = ["With consent as the lawful basis, record the wording the person agreed to."]
        if not merged("consent_given_at"):
            errors["consent_given_at"] = ["With consent as the lawful basis, record when it was given."]
    for field in ("consent_given_at", "privacy_notice_sent_at"):
        value = values.get(field)
        if value is not None and value > now:
            errors[field] = ["Cannot be in the future."]
    was = bool(contact.do_not_contact) if contact is not None else False
    wanted = bool(merged("do_not_contact", False))
    if wanted and not merged("do_not_contact_reason"):
        errors["do_not_contact_reason"] = ["Say why (an objection, or consent withdrawn), without other details."]
    if wanted and not was:
        values["do_not_contact_since"] = now
    elif was and not wanted:
        values["do_not_contact_since"] = None
        values.setdefault("do_not_contact_reason", None)
    return errors
