"""Atomic claims of due rows (docs/architecture.md), shared by the outbox dispatcher and the reminder pass.

A row belongs to a worker only if a conditional UPDATE, whose WHERE repeats the "due" test, changed
it: two processes never both win the same row, on SQLite or PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, and_, select, update

from engage.extensions import db


def claim_due_rows(table: Table, due, order_by: Sequence, limit: int, status: str, worker_id: str,
                   lease_until: datetime, columns: Sequence = ()) -> list[tuple]:
    """Mark up to `limit` rows matching `due` as (`status`, `worker_id`, `lease_until`); the caller commits.

    Returns `columns` of each row this call won, oldest first as `order_by` says.
    """
    candidates = select(table.c.id).where(due).order_by(*order_by).limit(limit)
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        return []
    # The WHERE repeats the due test: a row another worker took in the meantime is left alone.
    claim = (update(table).where(table.c.id.in_(ids), due)
             .values(status=status, claimed_by=worker_id, lease_until=lease_until))
    if dialect.update_returning:
        rows = db.session.execute(claim.returning(table.c.id, *columns)).all()
    else:
        won = table.c.id.in_(ids)
        if db.session.execute(claim).rowcount != len(ids):
            won = and_(won, table.c.status == status, table.c.claimed_by == worker_id,
                       table.c.lease_until == lease_until)
        rows = db.session.execute(select(table.c.id, *columns).where(won)).all()
    order = {row_id: index for index, row_id in enumerate(ids)}
    return [tuple(row)[1:] for row in sorted(rows, key=lambda row: order[row[0]])]
