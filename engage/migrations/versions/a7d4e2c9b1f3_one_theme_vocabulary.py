"""one theme vocabulary: engage's own themes and groups, mappings from UPR Info and OHCHR names

Revision ID: a7d4e2c9b1f3
Revises: e3b7c2a91f40
Create Date: 2026-12-06 00:30:00

"""
from alembic import op
import sqlalchemy as sa

import engage.dbtypes
from engage.recommendations.vocabulary import sync_vocabulary


# revision identifiers, used by Alembic.
revision = 'a7d4e2c9b1f3'
down_revision = 'e3b7c2a91f40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('curated', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'theme_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_group')),
        sa.UniqueConstraint('key', name=op.f('uq_theme_group_key')),
        sa.UniqueConstraint('name', name=op.f('uq_theme_group_name')),
    )
    op.create_table(
        'theme_group_member',
        sa.Column('theme_group_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['theme_group_id'], ['theme_group.id'],
                                name=op.f('fk_theme_group_member_theme_group_id_theme_group'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_group_member_theme_id_theme'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('theme_group_id', 'theme_id', name=op.f('pk_theme_group_member')),
    )
    op.create_table(
        'theme_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('vocabulary', sa.String(length=20), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_theme_mapping_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_mapping_theme_id_theme'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_mapping')),
        sa.UniqueConstraint('key', name=op.f('uq_theme_mapping_key')),
    )
    op.create_index(op.f('ix_theme_mapping_theme_id'), 'theme_mapping', ['theme_id'], unique=False)
    # engage's themes and the shipped mappings, with the themes already held folded into them in place:
    # "HIV - Aids" becomes "HIV/AIDS" and every recommendation tagged with it keeps the tag.
    sync_vocabulary(op.get_bind())


def downgrade():
    # The themes stay as they were folded; only the vocabulary's own tables and flag go.
    op.drop_index(op.f('ix_theme_mapping_theme_id'), table_name='theme_mapping')
    op.drop_table('theme_mapping')
    op.drop_table('theme_group_member')
    op.drop_table('theme_group')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_column('curated')
