"""the follow-up board's claims: which member will pitch an ask to a state

Revision ID: a5c7e9b1d3f2
Revises: d2f6a8c41b95
Create Date: 2026-12-06 06:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'a5c7e9b1d3f2'
down_revision = 'd2f6a8c41b95'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ask_claim',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ask_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('claimed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_claim_ask_id_ask'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_ask_claim_member_id_member')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ask_claim_user_id_user')),
        sa.ForeignKeyConstraint(['claimed_by_id'], ['user.id'], name=op.f('fk_ask_claim_claimed_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_claim')),
        sa.UniqueConstraint('ask_id', 'state', name='uq_ask_claim_ask_state'),
    )
    with op.batch_alter_table('ask_claim') as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_claim_ask_id'), ['ask_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_claim_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_claim_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('ask_claim')
