"""a recommendation's status and responsible ministry live in assessments and responsibilities only

Migration 7c6d38ba3179 carried each recommendation's `implementation_status` and
`responsible_organisation_id` over to assessments and lead responsibilities; every reader now reads
those, so the two columns go (one place for each fact). Going down puts them back from the same
tables: the latest assessment's status in the old words (none: "unknown"), the first lead.

Revision ID: 3f9b2d7c5e61
Revises: c1d4e7a9b2f6
Create Date: 2026-12-06 04:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3f9b2d7c5e61'
down_revision = 'c1d4e7a9b2f6'
branch_labels = None
depends_on = None

OLD_WORDS = {"not_started": "not_started", "in_progress": "partial", "partially_implemented": "partial",
             "implemented": "implemented", "regressed": "not_started", "no_information": "unknown"}


def upgrade():
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_recommendation_responsible_organisation_id_organisation', type_='foreignkey')
        batch_op.drop_column('responsible_organisation_id')
        batch_op.drop_column('implementation_status')


def downgrade():
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('implementation_status', sa.String(length=20), nullable=False,
                                      server_default='unknown'))
        batch_op.add_column(sa.Column('responsible_organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_recommendation_responsible_organisation_id_organisation', 'organisation',
                                    ['responsible_organisation_id'], ['id'])
    conn = op.get_bind()
    latest = conn.execute(sa.text(
        "SELECT recommendation_id, status FROM assessment a WHERE NOT EXISTS (SELECT 1 FROM assessment b "
        "WHERE b.recommendation_id = a.recommendation_id AND (b.assessed_on > a.assessed_on OR "
        "(b.assessed_on = a.assessed_on AND b.id > a.id)))")).all()
    for rec_id, status in latest:
        conn.execute(sa.text("UPDATE recommendation SET implementation_status = :s WHERE id = :id"),
                     {"s": OLD_WORDS.get(status, "unknown"), "id": rec_id})
    leads = conn.execute(sa.text("SELECT recommendation_id, MIN(organisation_id) FROM recommendation_responsibility "
                                 "WHERE role = 'lead' GROUP BY recommendation_id")).all()
    for rec_id, org_id in leads:
        conn.execute(sa.text("UPDATE recommendation SET responsible_organisation_id = :o WHERE id = :id"),
                     {"o": org_id, "id": rec_id})
