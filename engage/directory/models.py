"""Organisations and contacts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.clock import NAIROBI, timezone_for_city
from engage.dbtypes import UTCDateTime
from engage.sealed import SealedText
from engage.extensions import db
from engage.i18n import N_

# Labels in English (the stored key and exports stay as they are); pages translate them where shown.
ORGANISATION_KINDS = {
    "ministry": N_("Ministry"),
    "embassy": N_("Embassy"),
    "high_commission": N_("High commission"),
    "permanent_mission": N_("Permanent mission"),
    "un_agency": N_("UN agency"),
    "cso": N_("Civil-society organisation"),
    "other": N_("Other"),
}


class Organisation(db.Model):
    """A ministry, mission, UN body, CSO or other body engage staff deal with."""

    __tablename__ = "organisation"
    __table_args__ = (
        Index("ix_organisation_identity", "name", "country", "city"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)  # ISO alpha-2; a mission's sending state
    city: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    source: Mapped[str | None] = mapped_column(String(200))
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contacts = relationship("Contact", back_populates="organisation", order_by="Contact.full_name")

    @property
    def effective_timezone(self) -> str:
        return self.timezone or timezone_for_city(self.city) or NAIROBI

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    def __repr__(self):
        return f"<Organisation {self.id} {self.name!r}>"


class Contact(db.Model):
    """A person at an organisation: a diplomat, official or partner."""

    __tablename__ = "contact"
    __table_args__ = (
        # Unique among live contacts: an archived record may share its address with a new one.
        Index("uq_contact_live_email", "email", unique=True,
              sqlite_where=db.text("is_archived = 0"), postgresql_where=db.text("NOT is_archived")),
        # "Engaged this cycle" goes from attendees to their contacts' organisations (and whether each
        # contact may be seen) for every meeting in the cycle: this answers that without reading the rows.
        Index("ix_contact_organisation_visibility", "id", "organisation_id", "sensitivity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    language: Mapped[str] = mapped_column(String(35), default="en")  # BCP 47
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the organisation's
    notes: Mapped[str | None] = mapped_column(SealedText, info={"max_length": 20000})  # sealed when restricted
    source: Mapped[str | None] = mapped_column(String(200))  # where the details came from
    sensitivity: Mapped[str] = mapped_column(String(20), default="internal", server_default="internal")
    # The member organisation that added it: its private details (notes, data protection) are that member's (engage/members; the access policy reads it). Set on
    # the first flush when left blank: see engage/members/services.py.
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    # Data protection (engage/dataprotection): why engage may hold the details, and objections.
    lawful_basis: Mapped[str] = mapped_column(String(30), default="legitimate_interest",
                                              server_default="legitimate_interest")
    consent_wording: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})  # the words agreed to
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    do_not_contact_reason: Mapped[str | None] = mapped_column(String(200))
    do_not_contact_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # personal data removed on request
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation", back_populates="contacts")

    @property
    def effective_timezone(self) -> str:
        if self.timezone:
            return self.timezone
        if self.organisation is not None:
            return self.organisation.effective_timezone
        return NAIROBI

    def __repr__(self):
        return f"<Contact {self.id} {self.email}>"
