"""joint recommendations: several states each, item, source of position, SDG goals, groups of persons

Until now one paragraph made by several states was held once per state. The data step merges those
copies (same cycle, reference and text) into one recommendation attributed to every state, moving
outcomes, agenda links, themes and history onto the one kept; nothing is dropped (a field that
differed is written into the kept one's notes). Parts of a paragraph that an import numbered into
the reference ("102.3 (1)", with the paragraph's text kept) become reference "102.3", item "1".
Paragraphs still holding several texts after that get items "1", "2", … so that (cycle,
reference, sub_item) is unique. Audit events are append-only and name no recommendation.

Revision ID: a41c9e2d7b53
Revises: a51c7e0d9b24
Create Date: 2026-12-06 00:30:00

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a41c9e2d7b53'
down_revision = 'a51c7e0d9b24'
branch_labels = None
depends_on = None

# The fields a merged-away copy may hold differently from the one kept, with their label in notes.
COMPARED = (("response", "response"), ("implementation_status", "implementation status"),
            ("action_category", "action category"), ("source_ref", "source row"),
            ("responsible_organisation_id", "responsible organisation id"), ("wg_session", "session"),
            ("review_date", "review date"), ("outcome_document", "outcome document"),
            ("paragraph_text", "paragraph text"))
PART_RE = re.compile(r"^(.+) \((\d{1,6})\)$")


def upgrade():
    op.create_table(
        'recommendation_state',
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('position', sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_recommendation_state_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('recommendation_id', 'state', name=op.f('pk_recommendation_state')),
    )
    with op.batch_alter_table('recommendation_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_state_state'), ['state'], unique=False)
    op.create_table(
        'recommendation_sdg',
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('goal', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('goal BETWEEN 1 AND 17', name=op.f('ck_recommendation_sdg_goal_range')),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_recommendation_sdg_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('recommendation_id', 'goal', name=op.f('pk_recommendation_sdg')),
    )
    with op.batch_alter_table('recommendation_sdg', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_sdg_goal'), ['goal'], unique=False)
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sub_item', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('source_of_position', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('groups_of_persons', sa.JSON(), nullable=True))
        batch_op.drop_constraint('uq_recommendation_cycle_reference_state', type_='unique')

    _merge_copies(op.get_bind())

    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_recommendation_cycle_reference_item', ['cycle', 'reference', 'sub_item'])


def _merge_copies(conn) -> None:
    """Turn the per-state copies of a paragraph into one recommendation with all its states."""
    rec = sa.table('recommendation', sa.column('id'), sa.column('cycle'), sa.column('reference'),
                   sa.column('reference_sort'), sa.column('sub_item'), sa.column('recommending_state'),
                   sa.column('text'), sa.column('notes'), *(sa.column(name) for name, _ in COMPARED))
    rows = [dict(r._mapping) for r in conn.execute(sa.select(rec).order_by(rec.c.id))]
    # Parts an import numbered into the reference: the item gets its own column.
    for row in rows:
        match = PART_RE.match(row['reference'] or '')
        if row['paragraph_text'] and match:
            row['reference'], row['sub_item'] = match.group(1), match.group(2)
            conn.execute(rec.update().where(rec.c.id == row['id']).values(
                reference=row['reference'], sub_item=row['sub_item'],
                reference_sort=re.sub(r"\d+", lambda m: m.group().zfill(6), row['reference'])[:160]))
    state_links = sa.table('recommendation_state', sa.column('recommendation_id'), sa.column('state'),
                           sa.column('position'))
    paragraphs: dict[tuple, dict[str, list[dict]]] = {}
    for row in rows:
        texts = paragraphs.setdefault((row['cycle'], row['reference'], row['sub_item']), {})
        texts.setdefault(' '.join(row['text'].split()), []).append(row)
    items_used: dict[tuple, set] = {}
    for cycle, reference, sub_item in paragraphs:
        items_used.setdefault((cycle, reference), set()).add(sub_item)
    links = []
    for (cycle, reference, sub_item), texts in paragraphs.items():
        keepers = []
        for copies in texts.values():
            keeper, others = copies[0], copies[1:]
            keepers.append(keeper)
            states = list(dict.fromkeys(c['recommending_state'] for c in copies))
            links += [{'recommendation_id': keeper['id'], 'state': s, 'position': i} for i, s in enumerate(states)]
            if others:
                _fold(conn, rec, keeper, others)
        if len(keepers) > 1:
            # Several texts under one number: each gets an item of its own, in the order they were added.
            taken = items_used[(cycle, reference)]
            number = 0
            for keeper in keepers:
                number += 1
                label = f"{sub_item}.{number}" if sub_item else str(number)
                while label in taken:
                    number += 1
                    label = f"{sub_item}.{number}" if sub_item else str(number)
                taken.add(label)
                conn.execute(rec.update().where(rec.c.id == keeper['id']).values(sub_item=label))
    for start in range(0, len(links), 500):
        conn.execute(state_links.insert(), links[start:start + 500])


def _fold(conn, rec, keeper: dict, others: list[dict]) -> None:
    """Move what points at `others` onto `keeper`, keep what they said differently, and delete them."""
    ids = [o['id'] for o in others]
    keep = keeper['id']
    outcome = sa.table('outcome', sa.column('recommendation_id'))
    conn.execute(outcome.update().where(outcome.c.recommendation_id.in_(ids)).values(recommendation_id=keep))
    history = sa.table('change_record', sa.column('entity_type'), sa.column('entity_id'))
    conn.execute(history.update().where(history.c.entity_type == 'recommendation', history.c.entity_id.in_(ids))
                 .values(entity_id=keep))
    disagreement = sa.table('source_disagreement', sa.column('recommendation_id'))
    conn.execute(disagreement.update().where(disagreement.c.recommendation_id.in_(ids)).values(recommendation_id=keep))
    for table, *other in (('meeting_recommendation', 'meeting_id'), ('recommendation_theme', 'theme_id'),
                          ('ask_recommendation', 'ask_id'), ('recommendation_source', 'kind', 'reference')):
        # A row the keeper already has is dropped: these tables hold each (recommendation, other) once.
        link = sa.table(table, sa.column('recommendation_id'), *map(sa.column, other))
        have = set(conn.execute(sa.select(*(link.c[o] for o in other)).where(link.c.recommendation_id == keep)).all())
        for row in conn.execute(sa.select(*(link.c[o] for o in other)).where(link.c.recommendation_id.in_(ids))).all():
            key = tuple(row)
            if key not in have:
                have.add(key)
                match = sa.and_(link.c.recommendation_id.in_(ids), *(link.c[o] == v for o, v in zip(other, key)))
                first = conn.execute(sa.select(sa.func.min(link.c.recommendation_id)).where(match)).scalar()
                conn.execute(link.update().where(link.c.recommendation_id == first,
                                                 *(link.c[o] == v for o, v in zip(other, key)))
                             .values(recommendation_id=keep))
        conn.execute(link.delete().where(link.c.recommendation_id.in_(ids)))
    values, notes = {}, [keeper['notes']] if keeper['notes'] else []
    for other in others:
        said = []
        for name, label in COMPARED:
            if other[name] is None or other[name] == keeper[name]:
                continue
            if keeper[name] is None and name not in values:
                values[name] = other[name]
            elif values.get(name) != other[name]:
                said.append(f"{label}: {other[name]}")
        if other['notes'] and other['notes'] not in notes:
            said.append(f"notes: {other['notes']}")
        if said:
            notes.append(f"The copy held for {other['recommending_state']} said " + "; ".join(said))
    if len(notes) > (1 if keeper['notes'] else 0):
        values['notes'] = "\n\n".join(notes)
    if values:
        conn.execute(rec.update().where(rec.c.id == keep).values(**values))
    conn.execute(rec.delete().where(rec.c.id.in_(ids)))


def downgrade():
    # One row per state again: each further state gets a copy of the recommendation (its themes too);
    # outcomes, agenda links and history stay with the first state's row.
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint('uq_recommendation_cycle_reference_item', type_='unique')
    conn = op.get_bind()
    links = conn.execute(sa.text(
        "SELECT recommendation_id, state FROM recommendation_state WHERE position > 0 "
        "ORDER BY recommendation_id, position")).all()
    columns = [c['name'] for c in sa.inspect(conn).get_columns('recommendation')
               if c['name'] not in ('id', 'recommending_state')]
    listed = ", ".join(columns)
    for rec_id, state in links:
        conn.execute(sa.text(f"INSERT INTO recommendation ({listed}, recommending_state) "
                             f"SELECT {listed}, :state FROM recommendation WHERE id = :id"),
                     {"state": state, "id": rec_id})
        new_id = conn.execute(sa.text("SELECT max(id) FROM recommendation")).scalar()
        conn.execute(sa.text("INSERT INTO recommendation_theme (recommendation_id, theme_id) "
                             "SELECT :new, theme_id FROM recommendation_theme WHERE recommendation_id = :id"),
                     {"new": new_id, "id": rec_id})
    # The item goes back into the reference, where it was before.
    conn.execute(sa.text("UPDATE recommendation SET reference = reference || ' (' || sub_item || ')' "
                         "WHERE sub_item <> ''"))
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_recommendation_cycle_reference_state',
                                          ['cycle', 'reference', 'recommending_state'])
        batch_op.drop_column('groups_of_persons')
        batch_op.drop_column('source_of_position')
        batch_op.drop_column('sub_item')
    with op.batch_alter_table('recommendation_sdg', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_sdg_goal'))
    op.drop_table('recommendation_sdg')
    with op.batch_alter_table('recommendation_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_state_state'))
    op.drop_table('recommendation_state')
