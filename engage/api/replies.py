"""/replies: an iTIP REPLY from a calendar client, forwarded by a mail gateway or a script."""
from __future__ import annotations

from flask import jsonify, request
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engage.clock import now_utc
from engage.invitations.ingest import MAX_REPLY_BYTES
from engage.invitations.replies import ReplyParseError, ReplyTooComplex, parse_itip_reply
from engage.invitations.services import apply_replies

from .common import ApiError
from .openapi import api_route



class ReplyApplied(BaseModel):
    model_config = ConfigDict(title="ReplyApplied")
    uid: str
    attendee_email: str
    response: str | None
    outcome: Literal["applied", "ignored", "held"] = Field(
        description="applied; ignored (no answer in it, or older than the one recorded); held (a proposed "
                    "new time, or not sent from the attendee's address: waiting on the meeting page for staff)")
    reason: str = ""


class RepliesApplied(BaseModel):
    model_config = ConfigDict(title="RepliesApplied")
    replies: list[ReplyApplied]


@api_route("/replies", "POST", "Apply an iTIP REPLY (text/calendar body, or a whole email)",
           body_content_type="text/calendar", response=RepliesApplied, errors=(400, 401, 403, 413, 422))
def post_reply():
    if request.content_length and request.content_length > MAX_REPLY_BYTES:
        raise ApiError(413, "too_large", "A reply is at most 1 MiB.")
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise ApiError(400, "bad_request", "Send the text/calendar REPLY as the request body.")
    try:
        replies = parse_itip_reply(raw)
    except ReplyTooComplex as exc:
        raise ApiError(413, "too_complex", str(exc), {"body": [str(exc)]}) from None
    except ReplyParseError as exc:
        raise ApiError(422, "validation_error", str(exc), {"body": [str(exc)]}) from None
    now = now_utc()
    results = apply_replies(replies, now, "api")
    refused = [r for r in results if r.refused]
    if refused:  # all or nothing: the boundary rolls back every answer of 400 or more
        raise ApiError(422, "validation_error", refused[0].reason,
                       {"body": [f"{r.attendee_email}: {r.reason}" for r in refused]})
    return jsonify({"replies": [{"uid": r.uid, "attendee_email": r.attendee_email.lower(), "response": r.response,
                                 "outcome": r.outcome, "reason": r.reason} for r in results]})
