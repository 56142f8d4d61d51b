"""assessments of recommendations over time, their documents, and responsible ministries

The status each recommendation held (other than "unknown") becomes its first assessment, dated the
day the recommendation was last changed, source "other"; its responsible organisation becomes its
lead responsibility. The old columns stay for now (their readers move to the new tables next).

Revision ID: 7c6d38ba3179
Revises: 7f5d10feafa7
Create Date: 2026-12-06 03:15:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import engage.dbtypes

# revision identifiers, used by Alembic.
revision = '7c6d38ba3179'
down_revision = '7f5d10feafa7'
branch_labels = None
depends_on = None

# The single status field's values, as assessment statuses ("unknown" is no assessment at all).
CARRIED_STATUS = {"not_started": "not_started", "partial": "partially_implemented", "implemented": "implemented"}
CARRIED_DETAIL = "Status held before assessments were kept"


def upgrade():
    op.create_table(
        'assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('assessed_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=True),
        sa.Column('links', sa.Text(), nullable=True),
        sa.Column('source_kind', sa.String(length=30), nullable=False),
        sa.Column('source_detail', sa.String(length=300), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('outcome_id', sa.Integer(), nullable=True),
        sa.Column('assessed_by_id', sa.Integer(), nullable=True),
        sa.Column('confidence', sa.String(length=10), nullable=False),
        sa.Column('sensitivity', sa.String(length=20), server_default='internal', nullable=False),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('not_started', 'in_progress', 'partially_implemented', 'implemented', "
                           "'regressed', 'no_information')", name=op.f('ck_assessment_status_known')),
        sa.ForeignKeyConstraint(['assessed_by_id'], ['user.id'], name=op.f('fk_assessment_assessed_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assessment_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_assessment_meeting_id_meeting'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_assessment_outcome_id_outcome'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_assessment_recommendation_id_recommendation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_recommendation_latest', ['recommendation_id', 'assessed_on', 'id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_recommendation_id'), ['recommendation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_outcome_id'), ['outcome_id'], unique=False)

    op.create_table(
        'assessment_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', engage.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                                name=op.f('fk_assessment_document_assessment_id_assessment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assessment_document_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_document')),
    )
    with op.batch_alter_table('assessment_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_document_assessment_id'), ['assessment_id'], unique=False)

    op.create_table(
        'recommendation_responsibility',
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.CheckConstraint("role IN ('lead', 'supporting')", name=op.f('ck_recommendation_responsibility_role_known')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_recommendation_responsibility_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_recommendation_responsibility_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('recommendation_id', 'organisation_id', name=op.f('pk_recommendation_responsibility')),
    )
    with op.batch_alter_table('recommendation_responsibility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_responsibility_organisation_id'), ['organisation_id'],
                              unique=False)

    _carry_over()


def _carry_over():
    """Each held status becomes an assessment, each responsible organisation a lead responsibility."""
    conn = op.get_bind()
    rec = sa.table('recommendation', sa.column('id', sa.Integer), sa.column('implementation_status', sa.String),
                   sa.column('responsible_organisation_id', sa.Integer),
                   sa.column('updated_at', engage.dbtypes.UTCDateTime(timezone=True)))
    assessment = sa.table('assessment', sa.column('recommendation_id', sa.Integer), sa.column('assessed_on', sa.Date),
                          sa.column('status', sa.String), sa.column('source_kind', sa.String),
                          sa.column('source_detail', sa.String), sa.column('confidence', sa.String),
                          sa.column('sensitivity', sa.String),
                          sa.column('created_at', engage.dbtypes.UTCDateTime(timezone=True)),
                          sa.column('updated_at', engage.dbtypes.UTCDateTime(timezone=True)))
    responsibility = sa.table('recommendation_responsibility', sa.column('recommendation_id', sa.Integer),
                              sa.column('organisation_id', sa.Integer), sa.column('role', sa.String))
    now = datetime.now(UTC)
    assessments, leads = [], []
    for rec_id, status, org_id, updated_at in conn.execute(
            sa.select(rec.c.id, rec.c.implementation_status, rec.c.responsible_organisation_id, rec.c.updated_at)):
        if status and status != "unknown":
            when = updated_at or now
            # A value outside the old list (written by hand in the database) is kept as "no information".
            assessments.append({"recommendation_id": rec_id, "assessed_on": when.date(),
                                "status": CARRIED_STATUS.get(status, "no_information"), "source_kind": "other",
                                "source_detail": CARRIED_DETAIL, "confidence": "medium", "sensitivity": "internal",
                                "created_at": when, "updated_at": when})
        if org_id is not None:
            leads.append({"recommendation_id": rec_id, "organisation_id": org_id, "role": "lead"})
    if assessments:
        conn.execute(assessment.insert(), assessments)
    if leads:
        conn.execute(responsibility.insert(), leads)


def downgrade():
    op.drop_table('recommendation_responsibility')
    op.drop_table('assessment_document')
    op.drop_table('assessment')
