"""a session version on each user, so sign-out, password and role changes end every session

Revision ID: c4e1a7f3b2d8
Revises: b09cc30d5802
Create Date: 2026-12-05 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7f3b2d8'
down_revision = 'b09cc30d5802'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
