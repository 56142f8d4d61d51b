"""assessments of restricted meetings marked restricted themselves

Revision ID: c4a8e2d61f07
Revises: b7e3f19a5c20
Create Date: 2026-12-06 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a8e2d61f07'
down_revision = 'b7e3f19a5c20'
branch_labels = None
depends_on = None

# Assessments recorded before their meeting was restricted were restricted only through the link,
# which deleting the meeting cuts. Write the restriction onto them, with the meeting's grants (their
# evidence is sealed already: sealing follows the meeting).
OPEN_OF_RESTRICTED = ("a.sensitivity != 'restricted' AND a.meeting_id IN "
                      "(SELECT m.id FROM meeting m WHERE m.sensitivity = 'restricted')")


def upgrade():
    op.execute(
        "INSERT INTO access_grant (record_type, record_id, user_id, group_id, granted_by_id, granted_at) "
        "SELECT 'assessment', a.id, g.user_id, g.group_id, g.granted_by_id, g.granted_at "
        "FROM assessment a JOIN access_grant g ON g.record_type = 'meeting' AND g.record_id = a.meeting_id "
        f"WHERE {OPEN_OF_RESTRICTED} AND NOT EXISTS (SELECT 1 FROM access_grant o "
        "WHERE o.record_type = 'assessment' AND o.record_id = a.id "
        "AND (o.user_id = g.user_id OR o.group_id = g.group_id))")
    op.execute(f"UPDATE assessment SET sensitivity = 'restricted' WHERE id IN "
               f"(SELECT a.id FROM assessment a WHERE {OPEN_OF_RESTRICTED})")


def downgrade():
    # Which assessments were restricted only through their meeting is not kept: they stay restricted.
    pass
