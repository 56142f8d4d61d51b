"""Change history shared by every domain: who changed which record, when, and what."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.sealed import SealedJSON
from engage.extensions import db


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
