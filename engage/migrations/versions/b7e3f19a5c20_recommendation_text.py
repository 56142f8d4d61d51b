"""recommendation texts in other languages

Revision ID: b7e3f19a5c20
Revises: 3f9b2d7c5e61
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'b7e3f19a5c20'
down_revision = '3f9b2d7c5e61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recommendation_text',
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('updated_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_recommendation_text_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recommendation_id', 'language', name=op.f('pk_recommendation_text'))
    )


def downgrade():
    op.drop_table('recommendation_text')
