"""member organisations: every user and owned record belongs to one; meetings say what they share

Revision ID: b8d3f1c6a2e7
Revises: c8e41f2a6b90
Create Date: 2026-12-06 03:30:00

One member is made from the organisation's settings (its name, its reply address), marked as the
secretariat, and every user, contact, meeting, outcome, follow-up and assessment is put in it: an install of one
organisation sees exactly what it saw before.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import engage.dbtypes


# revision identifiers, used by Alembic.
revision = 'b8d3f1c6a2e7'
down_revision = 'c8e41f2a6b90'
branch_labels = None
depends_on = None

OWNED = ('user', 'contact', 'meeting', 'outcome', 'follow_up', 'assessment')


def upgrade():
    member = op.create_table(
        'member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('short_name', sa.String(length=40), nullable=False),
        sa.Column('from_name', sa.String(length=120), nullable=True),
        sa.Column('reply_to', sa.String(length=254), nullable=True),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_type', sa.String(length=20), nullable=True),
        sa.Column('is_secretariat', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('default_sharing', sa.String(length=20), server_default='coalition_summary', nullable=False),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
        sa.UniqueConstraint('name', name=op.f('uq_member_name')),
    )
    bind = op.get_bind()
    settings = sa.table('organisation_settings', sa.column('id', sa.Integer), sa.column('name', sa.String),
                        sa.column('reply_to', sa.String))
    found = bind.execute(sa.select(settings.c.name, settings.c.reply_to).order_by(settings.c.id).limit(1)).first()
    name, reply_to = (found.name, found.reply_to) if found is not None else ('engage', None)
    bind.execute(member.insert().values(id=1, name=name, short_name=name[:40], reply_to=reply_to,
                                        is_secretariat=True, default_sharing='coalition_summary',
                                        created_at=datetime.now(UTC)))
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('member', 'id'), 1)"))
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
            if table == 'meeting':
                batch_op.add_column(sa.Column('sharing', sa.String(length=20), server_default='coalition_summary',
                                              nullable=False))
        op.execute(sa.text(f'UPDATE "{table}" SET member_id = 1'))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_member_id'), ['member_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_member_id_member'), 'member', ['member_id'], ['id'])


def downgrade():
    for table in reversed(OWNED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_member_id_member'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_member_id'))
            batch_op.drop_column('member_id')
            if table == 'meeting':
                batch_op.drop_column('sharing')
    op.drop_table('member')
