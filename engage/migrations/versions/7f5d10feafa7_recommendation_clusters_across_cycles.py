"""recommendation clusters across cycles: recommendation_cluster and cluster_member

A recommendation is in one cluster at most (unique recommendation_id); members go with their
cluster or their recommendation (ON DELETE CASCADE).

Revision ID: 7f5d10feafa7
Revises: b7d3e9f1a2c4
Create Date: 2026-12-06 03:02:19.244250

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = '7f5d10feafa7'
down_revision = 'b7d3e9f1a2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recommendation_cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_recommendation_cluster_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_cluster'))
    )
    op.create_table('cluster_member',
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_cluster_member_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cluster_id'], ['recommendation_cluster.id'], name=op.f('fk_cluster_member_cluster_id_recommendation_cluster'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_cluster_member_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cluster_id', 'recommendation_id', name=op.f('pk_cluster_member')),
    sa.UniqueConstraint('recommendation_id', name=op.f('uq_cluster_member_recommendation_id'))
    )


def downgrade():
    op.drop_table('cluster_member')
    op.drop_table('recommendation_cluster')
