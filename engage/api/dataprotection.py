"""/contacts/{id}/export and /contacts/{id}/erase (the data-protection officer only), and a contact's
data-protection fields as the API shows them (named as directory.protection.ProtectionFields names them)."""
from __future__ import annotations

import json
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Response, g, jsonify, request

from engage.clock import NAIROBI, now_utc
from engage.dataprotection import erasure, services
from engage.directory.services import get_contact
from engage.errors import ValidationError

from .common import ApiError, read_json
from .openapi import api_route

def protection_json(contact) -> dict:
    """The data-protection fields of a contact, as the contract shows them."""
    def z(value):  # in UTC also before a reload: the answer is made before the boundary commits
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
    sent = contact.privacy_notice_sent_at
    return {"lawful_basis": contact.lawful_basis or "legitimate_interest", "consent_text": contact.consent_wording,
            "consent_at": z(contact.consent_given_at), "source": contact.source,
            "privacy_notice_sent_on": sent.astimezone(ZoneInfo(NAIROBI)).date().isoformat() if sent else None,
            "do_not_contact": bool(contact.do_not_contact), "do_not_contact_reason": contact.do_not_contact_reason,
            "do_not_contact_since": z(contact.do_not_contact_since), "erased": contact.erased_at is not None}


def _dpo_contact(contact_id: int):
    if not getattr(g.api_user, "is_dpo", False):
        raise ApiError(403, "forbidden", "Only the data-protection officer may do this.")
    return get_contact(contact_id)


@api_route("/contacts/<int:contact_id>/export", "GET",
           "Everything held about a contact, as JSON (or CSV with ?format=csv); data-protection officer only",
           errors=(401, 403, 404, 409, 422))
def export_contact(contact_id):
    contact = _dpo_contact(contact_id)
    fmt = request.args.get("format") or ("csv" if request.accept_mimetypes.best == "text/csv" else "json")
    if fmt not in ("json", "csv"):
        raise ApiError(422, "validation_error", "format: use json or csv.", {"format": ["Use json or csv."]})
    data = services.export_contact(g.api_user, now_utc(), contact)
    if fmt == "csv":
        response = Response(services.export_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="contact-{contact_id}-export.csv"',
            "Cache-Control": "no-store"})
    else:
        response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/json",
                            headers={"Cache-Control": "no-store"})
    return response  # the boundary commits the export's audit row before the file is sent


@api_route("/contacts/<int:contact_id>/erase", "POST",
           "Erase a contact's personal data everywhere; data-protection officer only",
           errors=(401, 403, 404, 409, 422))
def erase_contact(contact_id):
    contact = _dpo_contact(contact_id)
    mode = None
    if request.get_data():
        body = read_json()
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "Send no body, or a JSON object such as {\"notes\": \"delete\"}.")
        mode = body.get("notes")
        if mode is not None and mode not in erasure.NOTE_MODES:
            raise ValidationError.for_fields({"notes": f"Choose one of: {', '.join(erasure.NOTE_MODES)}."})
    summary = erasure.erase_contact(g.api_user, now_utc(), contact, notes_mode=mode)
    # compact_storage commits the erasure first (the boundary's commit would come too late for it).
    summary["storage"] = erasure.compact_storage(summary.pop("tables"))
    return jsonify(summary)
