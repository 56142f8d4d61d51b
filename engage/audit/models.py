"""Audit events. Rows are only ever inserted; nothing in the app edits or deletes them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# What is audited. Detail strings name the kind of thing, never its content.
AUDIT_ACTIONS = {
    "login": N_("Signed in"),
    "login_failed": N_("Sign-in failed"),
    "logout": N_("Signed out"),
    "2fa_failed": N_("Two-factor code refused"),
    "2fa_enrolled": N_("Two-factor enrolled"),
    "2fa_disabled": N_("Two-factor removed"),
    "role_changed": N_("Role changed"),
    "grant_changed": N_("Access grant changed"),
    "user_created": N_("User added"),
    "account_disabled": N_("Account disabled"),
    "account_enabled": N_("Account enabled"),
    "restricted_viewed": N_("Restricted record viewed"),
    "restricted_exported": N_("Restricted record exported"),
    "data_exported": N_("Data exported"),
    "subject_exported": N_("Access request answered (export)"),
    "subject_erased": N_("Contact erased"),
    "sensitivity_changed": N_("Sensitivity changed"),
    "organisation_changed": N_("Organisation's name, logo or reply address changed"),
    "theme_mapping_changed": N_("Theme mapping added, changed or removed"),
    "member_added": N_("Member organisation added"),
    "member_changed": N_("User moved to another member organisation"),
    "sharing_changed": N_("Meeting's sharing with the coalition changed"),
    "member_logo_changed": N_("Member organisation's logo changed"),
}
# What only happens in a coalition (more than one member organisation): a single organisation's audit
# filter does not offer them, so its pages say nothing of members until a second one is added.
COALITION_ACTIONS = ("member_added", "member_changed", "sharing_changed", "member_logo_changed")


class AuditEvent(db.Model):
    """One audited action: who, what, which object, when, from where — never the content."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Kept as a plain number and email, not a foreign key: the row outlives the account.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(200))

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)


# ---- append-only at the database level ----
#
# The app never updates or deletes audit rows; these triggers make the database refuse it too,
# whoever asks (a console, a script, a bug). Both raise an integrity error (SQLite RAISE(ABORT),
# PostgreSQL SQLSTATE 23001), so a stray attempt from a request is answered 409, never a 500.
#
# Tests get them from create_all (the after_create listener below). The Alembic migration that
# creates audit_event must install them too, after op.create_table("audit_event", ...):
#
#     from engage.audit.models import install_append_only
#     install_append_only(op)          # in upgrade()
#     ...
#     from engage.audit.models import remove_append_only
#     remove_append_only(op)           # in downgrade(), before op.drop_table("audit_event")
#
# or, to keep the migration free of app imports, copy the statements of APPEND_ONLY_DDL[dialect]
# and run each with op.execute(...). A later SQLite "batch" migration that rebuilds audit_event
# (copy, drop, rename) loses its triggers: run install_append_only(op) again after it.
# TRUNCATE is not refused on PostgreSQL (row triggers do not see it; the test suite empties tables
# with it); in production, grant the app's database role only INSERT and SELECT on audit_event.

APPEND_ONLY_MESSAGE = "audit_event is append-only: rows cannot be changed or deleted"

APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION USING MESSAGE = '{APPEND_ONLY_MESSAGE}: ' || TG_OP, ERRCODE = '23001'; "
        "END $$",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}

APPEND_ONLY_DROP_DDL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ],
}


def install_append_only(op) -> None:
    """Create the append-only triggers on audit_event (call from an Alembic migration with `op`)."""
    for statement in APPEND_ONLY_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def remove_append_only(op) -> None:
    """Drop the append-only triggers (an Alembic downgrade, before dropping the table)."""
    for statement in APPEND_ONLY_DROP_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)


for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
