"""ask matches: staff's verdict on a recommendation for an ask (taken up in full, in part, or not)

Revision ID: b7d3e9f1a2c4
Revises: a41c9e2d7b53
Create Date: 2026-12-06 03:10:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'b7d3e9f1a2c4'
down_revision = 'a41c9e2d7b53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ask_match',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ask_id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=10), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_match_ask_id_ask'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_ask_match_recommendation_id_recommendation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_ask_match_decided_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_match')),
        sa.UniqueConstraint('ask_id', 'recommendation_id', name='uq_ask_match_ask_recommendation'),
    )
    with op.batch_alter_table('ask_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_match_ask_id'), ['ask_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_match_recommendation_id'), ['recommendation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ask_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_match_recommendation_id'))
        batch_op.drop_index(batch_op.f('ix_ask_match_ask_id'))
    op.drop_table('ask_match')
