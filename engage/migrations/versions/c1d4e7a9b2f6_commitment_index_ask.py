"""the commitments' partial index holds ask_id, so the dashboard tells commitments on asks from the rest
without reading outcome rows

Revision ID: c1d4e7a9b2f6
Revises: b8d3f1c6a2e7
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1d4e7a9b2f6'
down_revision = 'b8d3f1c6a2e7'
branch_labels = None
depends_on = None

WHERE = sa.text('commitment IS NOT NULL')


def upgrade():
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_meeting_commitment', sqlite_where=WHERE, postgresql_where=WHERE)
        batch_op.create_index('ix_outcome_meeting_commitment', ['meeting_id', 'recommendation_id', 'ask_id'],
                              unique=False, sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade():
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_meeting_commitment', sqlite_where=WHERE, postgresql_where=WHERE)
        batch_op.create_index('ix_outcome_meeting_commitment', ['meeting_id', 'recommendation_id'],
                              unique=False, sqlite_where=WHERE, postgresql_where=WHERE)
