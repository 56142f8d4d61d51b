"""UPR cycles with dated milestones and their reminders; Kenya's cycles 1 to 4 seeded; the meeting
period index holds the end

Revision ID: a51c7e0d9b24
Revises: a5c9e2d4f7b1
Create Date: 2026-12-06 00:20:00

The seed is written here, from the data kept beside the cycles package (engage/cycles/data/kenya.json,
its sources in SOURCES.md), so that every installation — upgraded or new, demo or not — counts
engagement by a real cycle from its first request: "engaged" needs a cycle's window, and a server
setting no longer supplies one. The rows are copied into this file rather than read from the
package, so a later correction of the data file never changes what this revision did.
"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import engage.dbtypes

revision = 'a51c7e0d9b24'
down_revision = 'a5c9e2d4f7b1'
branch_labels = None
depends_on = None

# Kenya's cycles 1–4 as in engage/cycles/data/kenya.json when this revision was written.
KENYA = [
    (1, 8, [("wg_review", "2010-05-06", None, None),
            ("hrc_adoption", "2010-09-22", 15, "HRC 15; the day is that of the UN summary of the adoption as republished.")]),
    (2, 21, [("stakeholder_submissions", "2014-06-15", None, "OHCHR's extended deadline for session 21."),
             ("wg_review", "2015-01-22", None, None),
             ("hrc_adoption", "2015-06-25", 29, None)]),
    (3, 35, [("wg_review", "2020-01-23", None, None),
             ("hrc_adoption", "2020-09-29", 45,
              "Planned for HRC 44; adopted at HRC 45 (the day is that of the UN summary as republished).")]),
    (4, 49, [("stakeholder_submissions", "2024-09-30", None,
              "The coalition's planning said September 2024; the UN's own deadline was not found in the sources consulted."),
             ("national_report", "2025-02-28", None,
              "The coalition's planning said February 2025; the UN's own deadline was not found in the sources consulted."),
             ("wg_review", "2025-05-01", None, "UPR 49 sat from 28 April to 9 May 2025."),
             ("hrc_adoption", "2025-09-08", 60,
              "HRC 60 opened on 8 September 2025; the day of Kenya's adoption was not found in the sources consulted.")]),
]
SEEDED_AT = datetime(2026, 12, 6, tzinfo=UTC)


def upgrade():
    cycle = op.create_table(
        'upr_cycle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('wg_session', sa.Integer(), nullable=True),
        sa.Column('state_under_review', sa.String(length=2), nullable=False),
        sa.Column('window_starts_on', sa.Date(), nullable=True),
        sa.Column('window_ends_on', sa.Date(), nullable=True),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint('number >= 1', name=op.f('ck_upr_cycle_cycle_number_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upr_cycle')),
        sa.UniqueConstraint('number', name=op.f('uq_upr_cycle_number')),
    )
    milestone = op.create_table(
        'cycle_milestone',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('hrc_session', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('reminder_days', sa.JSON(), nullable=False),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['upr_cycle.id'], name=op.f('fk_cycle_milestone_cycle_id_upr_cycle'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_milestone')),
    )
    with op.batch_alter_table('cycle_milestone', schema=None) as batch_op:
        batch_op.create_index('ix_cycle_milestone_due', ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cycle_milestone_cycle_id'), ['cycle_id'], unique=False)
    op.create_table(
        'milestone_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('milestone_id', sa.Integer(), nullable=False),
        sa.Column('lead_days', sa.Integer(), nullable=False),
        sa.Column('due_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('claimed_by', sa.String(length=100), nullable=True),
        sa.Column('lease_until', engage.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('sent_at', engage.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['milestone_id'], ['cycle_milestone.id'],
                                name=op.f('fk_milestone_reminder_milestone_id_cycle_milestone'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_reminder')),
        sa.UniqueConstraint('milestone_id', 'lead_days', name='uq_milestone_reminder_lead'),
    )
    with op.batch_alter_table('milestone_reminder', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_reminder_due', ['status', 'due_at'], unique=False)

    # "Engaged in a cycle" asks whether a meeting has ended: the period index holds the end too.
    op.drop_index('ix_meeting_period', table_name='meeting')
    op.create_index('ix_meeting_period', 'meeting', ['starts_at', 'status', 'sensitivity', 'ends_at'], unique=False)

    # Past cycles: their milestones are history, so no reminders are planned for them.
    op.bulk_insert(cycle, [{"id": number, "number": number, "wg_session": session, "state_under_review": "KE",
                            "window_starts_on": None, "window_ends_on": None,
                            "created_at": SEEDED_AT, "updated_at": SEEDED_AT} for number, session, _ in KENYA])
    op.bulk_insert(milestone, [
        {"cycle_id": number, "kind": kind, "title": None, "due_on": date.fromisoformat(day), "hrc_session": hrc,
         "note": note, "reminder_days": [28, 7, 1], "created_at": SEEDED_AT, "updated_at": SEEDED_AT}
        for number, _session, milestones in KENYA for kind, day, hrc, note in milestones])
    if op.get_bind().dialect.name == "postgresql":
        # Ids were given above: the sequence must start after them.
        op.execute("SELECT setval(pg_get_serial_sequence('upr_cycle', 'id'), (SELECT max(id) FROM upr_cycle))")


def downgrade():
    op.drop_index('ix_meeting_period', table_name='meeting')
    op.create_index('ix_meeting_period', 'meeting', ['starts_at', 'status', 'sensitivity'], unique=False)
    with op.batch_alter_table('milestone_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_reminder_due')
    op.drop_table('milestone_reminder')
    with op.batch_alter_table('cycle_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_milestone_cycle_id'))
        batch_op.drop_index('ix_cycle_milestone_due')
    op.drop_table('cycle_milestone')
    op.drop_table('upr_cycle')
