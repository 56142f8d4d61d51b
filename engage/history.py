"""Change history shared by every domain: who changed which record, when, and what."""
from __future__ import annotations

from datetime import datetime

from flask_babel import pgettext
from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.sealed import SealedJSON
from engage.extensions import db


def action_words(action: str) -> str:
    """An action as the history lists (macros.html's history) show it, in the page's language:
    'updated', « a modifié ». An action not listed reads as its name with spaces; the stored action
    stays the English key. In the "history" context: the same English word elsewhere (a status, a
    badge) is translated apart."""
    words = {
        "answer": pgettext("history", "answered"), "archived": pgettext("history", "archived"),
        "cancelled": pgettext("history", "cancelled"), "created": pgettext("history", "created"),
        "deleted": pgettext("history", "deleted"), "disabled": pgettext("history", "disabled"),
        "disagreement_reviewed": pgettext("history", "disagreement reviewed"),
        "dpo_changed": pgettext("history", "dpo changed"), "erased": pgettext("history", "erased"),
        "imported": pgettext("history", "imported"), "match_decided": pgettext("history", "match decided"),
        "match_undone": pgettext("history", "match undone"), "member_removed": pgettext("history", "member removed"),
        "members_added": pgettext("history", "members added"), "merged": pgettext("history", "merged"),
        "password_changed": pgettext("history", "password changed"),
        "password_reset": pgettext("history", "password reset"), "rescheduled": pgettext("history", "rescheduled"),
        "resend": pgettext("history", "resend"), "role_changed": pgettext("history", "role changed"),
        "updated": pgettext("history", "updated"), "updated_by_import": pgettext("history", "updated by import"),
        "withheld": pgettext("history", "withheld"),
    }
    return words.get(action) or action.replace("_", " ")


class ChangeRecord(db.Model):
    """One change to one record, kept for history pages."""

    __tablename__ = "change_record"
    __table_args__ = (Index("ix_change_record_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(SealedJSON, default=dict)  # sealed for restricted records
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor = relationship("User", lazy="joined")


def record_change(actor, now, entity, action: str, changes: dict | None = None) -> ChangeRecord:
    """Add a history row for `entity` (flushed with the caller's transaction)."""
    row = ChangeRecord(
        entity_type=entity.__tablename__, entity_id=entity.id, action=action,
        changes=_jsonable(changes or {}), actor_id=getattr(actor, "id", None), at=now,
    )
    db.session.add(row)
    return row


def change_values(actor, now, entity, action: str, changes: dict | None = None) -> dict:
    """The columns of a history row for `entity`, for a caller inserting many at once (a big import)."""
    return {"entity_type": entity.__tablename__, "entity_id": entity.id, "action": action,
            "changes": _jsonable(changes or {}), "actor_id": getattr(actor, "id", None), "at": now}


def diff_fields(obj, values: dict) -> dict:
    """Set each field on `obj`; return {field: [old, new]} for those that really changed."""
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [old, new]
            setattr(obj, field, new)
    return changed


def history_for(entity) -> list[ChangeRecord]:
    """Every change to `entity`, newest first."""
    return list(db.session.scalars(
        select(ChangeRecord)
        .where(ChangeRecord.entity_type == entity.__tablename__, ChangeRecord.entity_id == entity.id)
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
    ))


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
