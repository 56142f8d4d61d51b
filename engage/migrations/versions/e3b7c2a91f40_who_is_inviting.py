"""who is inviting: the organisation's name, logo and reply address; a note with an RSVP answer

Revision ID: e3b7c2a91f40
Revises: 7fd3f75b66e1
Create Date: 2026-12-05 21:40:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'e3b7c2a91f40'
down_revision = '7fd3f75b66e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organisation_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('reply_to', sa.String(length=254), nullable=True),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_type', sa.String(length=20), nullable=True),
        sa.Column('logo_digest', sa.String(length=16), nullable=True),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_organisation_settings_updated_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_settings')),
    )
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.drop_column('answer_note')
    op.drop_table('organisation_settings')
