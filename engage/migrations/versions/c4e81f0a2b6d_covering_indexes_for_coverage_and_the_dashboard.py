"""covering indexes for coverage, the dashboard and "engaged this cycle"

Every reader's query of outcomes, meetings and contacts asks their sensitivity, and the period
queries ask a meeting's status: with these columns in the indexes, coverage, the dashboard and the
engaged states read indexes only, not the rows (see bench/RESULTS.md, "Outcomes and reports").

Revision ID: c4e81f0a2b6d
Revises: f22c1acadd08
Create Date: 2026-12-05 01:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e81f0a2b6d'
down_revision = 'f22c1acadd08'
branch_labels = None
depends_on = None


def _analyse():
    # The planner chooses between these and the older indexes by their statistics; without them it
    # may keep reading rows. Same statement on SQLite and PostgreSQL.
    for table in ("outcome", "meeting", "contact"):
        op.execute(f"ANALYZE {table}")


def upgrade():
    op.drop_index('ix_outcome_meeting_aggregate', table_name='outcome')
    op.create_index('ix_outcome_meeting_aggregate', 'outcome',
                    ['meeting_id', 'recommendation_id', 'position', 'organisation_id', 'sensitivity'], unique=False)
    # The new meeting index starts with starts_at, so it serves every query the old one did.
    op.drop_index('ix_meeting_starts_at', table_name='meeting')
    op.create_index('ix_meeting_period', 'meeting', ['starts_at', 'status', 'sensitivity'], unique=False)
    op.create_index('ix_contact_organisation_visibility', 'contact', ['id', 'organisation_id', 'sensitivity'],
                    unique=False)
    _analyse()


def downgrade():
    op.drop_index('ix_contact_organisation_visibility', table_name='contact')
    op.drop_index('ix_meeting_period', table_name='meeting')
    op.create_index('ix_meeting_starts_at', 'meeting', ['starts_at'], unique=False)
    op.drop_index('ix_outcome_meeting_aggregate', table_name='outcome')
    op.create_index('ix_outcome_meeting_aggregate', 'outcome',
                    ['meeting_id', 'recommendation_id', 'position', 'organisation_id'], unique=False)
    _analyse()
