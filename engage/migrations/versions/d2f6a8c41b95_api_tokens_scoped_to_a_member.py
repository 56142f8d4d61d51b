"""API tokens scoped to the member organisation they were made for

Revision ID: d2f6a8c41b95
Revises: c4a8e2d61f07
Create Date: 2026-12-06 06:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd2f6a8c41b95'
down_revision = 'c4a8e2d61f07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_token_member_id_member'), 'member', ['member_id'], ['id'])
    # A token made before now was made for the member its user is in today.
    op.execute(sa.text('UPDATE api_token SET member_id = (SELECT u.member_id FROM "user" u '
                       'WHERE u.id = api_token.user_id)'))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_member_id_member'), type_='foreignkey')
        batch_op.drop_column('member_id')
