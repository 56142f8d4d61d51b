"""APScheduler wiring: a thin driver whose jobs call services (see DESIGN.md rule 5)."""
from __future__ import annotations


def init_app(app) -> None:
    """Nothing to start yet: the jobs arrive with the outbox and reminders."""
