"""report drafts: a lead's saved mid-term report (its choices and texts, as JSON)

Revision ID: b7d35c1e9a42
Revises: 7c6d38ba3179
Create Date: 2026-12-06 03:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'b7d35c1e9a42'
down_revision = '7c6d38ba3179'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_report_draft_owner_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_draft')),
    )
    with op.batch_alter_table('report_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_draft_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_draft_owner_id'))
    op.drop_table('report_draft')
