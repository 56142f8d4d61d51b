"""asks: what the coalition wants recommending states to recommend, on meetings' agendas and outcomes

Revision ID: a5c9e2d4f7b1
Revises: a5c8d2e4f6b1
Create Date: 2026-12-06 00:20:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'a5c9e2d4f7b1'
down_revision = 'a5c8d2e4f6b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ask',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_ask_owner_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ask_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ask')),
    )
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_cycle'), ['cycle'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_priority'), ['priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_owner_id'), ['owner_id'], unique=False)
    op.create_table(
        'ask_target',
        sa.Column('ask_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_target_ask_id_ask'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ask_id', 'state', name=op.f('pk_ask_target')),
    )
    with op.batch_alter_table('ask_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_target_state'), ['state'], unique=False)
    op.create_table(
        'ask_theme',
        sa.Column('ask_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_theme_ask_id_ask'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_ask_theme_theme_id_theme'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ask_id', 'theme_id', name=op.f('pk_ask_theme')),
    )
    op.create_table(
        'ask_recommendation',
        sa.Column('ask_id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_recommendation_ask_id_ask'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_ask_recommendation_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ask_id', 'recommendation_id', name=op.f('pk_ask_recommendation')),
    )
    with op.batch_alter_table('ask_recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_recommendation_recommendation_id'), ['recommendation_id'],
                              unique=False)
    op.create_table(
        'meeting_ask',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('ask_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_ask_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_meeting_ask_ask_id_ask'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('meeting_id', 'ask_id', name=op.f('pk_meeting_ask')),
    )
    with op.batch_alter_table('meeting_ask', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_ask_ask_id'), ['ask_id'], unique=False)
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ask_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proposed_wording', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outcome_ask_id'), ['ask_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outcome_ask_id_ask'), 'ask', ['ask_id'], ['id'])


def downgrade():
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outcome_ask_id_ask'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outcome_ask_id'))
        batch_op.drop_column('proposed_wording')
        batch_op.drop_column('ask_id')
    with op.batch_alter_table('meeting_ask', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_ask_ask_id'))
    op.drop_table('meeting_ask')
    with op.batch_alter_table('ask_recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_recommendation_recommendation_id'))
    op.drop_table('ask_recommendation')
    op.drop_table('ask_theme')
    with op.batch_alter_table('ask_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_target_state'))
    op.drop_table('ask_target')
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_owner_id'))
        batch_op.drop_index(batch_op.f('ix_ask_priority'))
        batch_op.drop_index(batch_op.f('ix_ask_cycle'))
    op.drop_table('ask')
