"""languages: a user's language for the app's pages; a meeting's invitation title in other languages

`user.language` NULL means "as the browser asks" (engage/i18n.py). `meeting.invitation_titles` is
{language: title} for the languages staff wrote an invitation title in (fr, es, sw); NULL or a
missing language means the translated default, "Réunion avec …".

Revision ID: c8e41f2a6b90
Revises: b7d35c1e9a42
Create Date: 2026-12-06 03:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8e41f2a6b90'
down_revision = 'b7d35c1e9a42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=35), nullable=True))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_titles', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('invitation_titles')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
