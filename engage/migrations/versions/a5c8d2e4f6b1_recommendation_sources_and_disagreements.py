"""recommendation sources and their disagreements

Revision ID: a5c8d2e4f6b1
Revises: a7d4e2c9b1f3
Create Date: 2026-12-06 00:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'a5c8d2e4f6b1'
down_revision = 'a7d4e2c9b1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'recommendation_source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reference', sa.String(length=120), nullable=False),
        sa.Column('response', sa.String(length=20), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('imported_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'],
                                name=op.f('fk_recommendation_source_imported_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_recommendation_source_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_source')),
        sa.UniqueConstraint('recommendation_id', 'kind', 'reference', name='uq_recommendation_source'),
    )
    op.create_index(op.f('ix_recommendation_source_recommendation_id'), 'recommendation_source',
                    ['recommendation_id'], unique=False)
    op.create_table(
        'source_disagreement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=20), nullable=False),
        sa.Column('shown_value', sa.Text(), nullable=False),
        sa.Column('shown_kind', sa.String(length=20), nullable=False),
        sa.Column('other_value', sa.Text(), nullable=False),
        sa.Column('other_kind', sa.String(length=20), nullable=False),
        sa.Column('other_reference', sa.String(length=120), nullable=True),
        sa.Column('detected_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('resolution', sa.String(length=20), nullable=True),
        sa.Column('resolved_at', engage.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_source_disagreement_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'],
                                name=op.f('fk_source_disagreement_resolved_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_disagreement')),
    )
    op.create_index('ix_source_disagreement_open', 'source_disagreement', ['resolution', 'recommendation_id'],
                    unique=False)
    op.create_index(op.f('ix_source_disagreement_recommendation_id'), 'source_disagreement',
                    ['recommendation_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_source_disagreement_recommendation_id'), table_name='source_disagreement')
    op.drop_index('ix_source_disagreement_open', table_name='source_disagreement')
    op.drop_table('source_disagreement')
    op.drop_index(op.f('ix_recommendation_source_recommendation_id'), table_name='recommendation_source')
    op.drop_table('recommendation_source')
