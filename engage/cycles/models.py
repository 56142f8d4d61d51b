"""A UPR cycle of the state under review, its dated milestones, and the reminders planned for them."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db
from engage.i18n import N_

# The UN's steps of a cycle, in the order they come, and the organisation's own ("own": a free title).
# Their names are English where they are data (the API, calendars); pages say them in the reader's language.
MILESTONE_KINDS = {
    "stakeholder_submissions": N_("Stakeholder submissions due"),
    "national_report": N_("National report due"),
    "pre_sessions": N_("Pre-sessions in Geneva"),
    "wg_review": N_("Working Group review"),
    "hrc_adoption": N_("Adoption at the Human Rights Council"),
    "mid_term_report": N_("Mid-term report due"),
    "own": N_("Our own milestone"),
}
DEFAULT_REMINDER_DAYS = [28, 7, 1]  # days before a milestone its reminders go out
MAX_REMINDER_DAYS = 365
WINDOW_MONTHS_BEFORE_REVIEW = 12  # the default window opens this long before the Working Group review


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Cycle(db.Model):
    """One UPR cycle of the state under review: its Working Group session, window and milestones."""

    __tablename__ = "upr_cycle"
    __table_args__ = (CheckConstraint("number >= 1", name="cycle_number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    wg_session: Mapped[int | None] = mapped_column(Integer)
    state_under_review: Mapped[str] = mapped_column(String(2))
    # The engagement window, when set by hand; None: the default (12 months before the review to adoption).
    window_starts_on: Mapped[date | None] = mapped_column(Date)
    window_ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    milestones = relationship("Milestone", back_populates="cycle", cascade="all, delete-orphan",
                              order_by="(Milestone.due_on, Milestone.id)")

    def milestone(self, kind: str):
        """The first milestone of that kind, if any."""
        return next((m for m in self.milestones if m.kind == kind), None)

    @property
    def review_on(self) -> date | None:
        review = self.milestone("wg_review")
        return review.due_on if review else None

    @property
    def adoption(self):
        return self.milestone("hrc_adoption")

    @property
    def starts_on(self) -> date | None:
        """The first day of the engagement window: as set, or 12 months before the Working Group review."""
        if self.window_starts_on is not None:
            return self.window_starts_on
        review = self.review_on
        return months_before(review, WINDOW_MONTHS_BEFORE_REVIEW) if review else None

    @property
    def ends_on(self) -> date | None:
        """The last day of the window: as set, or the adoption at the Council (None: still open)."""
        if self.window_ends_on is not None:
            return self.window_ends_on
        adoption = self.adoption
        return adoption.due_on if adoption else None

    @property
    def window_is_default(self) -> bool:
        return self.window_starts_on is None and self.window_ends_on is None

    def contains(self, day: date) -> bool:
        """Whether `day` falls within the engagement window."""
        start, end = self.starts_on, self.ends_on
        return start is not None and start <= day and (end is None or day <= end)

    @property
    def label(self) -> str:
        return f"Cycle {self.number}"

    def __repr__(self):
        return f"<Cycle {self.number}>"


class Milestone(db.Model):
    """A dated step of a cycle (a UN deadline or the organisation's own), with its reminder lead times."""

    __tablename__ = "cycle_milestone"
    __table_args__ = (Index("ix_cycle_milestone_due", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("upr_cycle.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(200))  # required for "own", optional otherwise
    due_on: Mapped[date] = mapped_column(Date)
    hrc_session: Mapped[int | None] = mapped_column(Integer)  # for the adoption at the Council
    note: Mapped[str | None] = mapped_column(String(500))
    reminder_days: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_REMINDER_DAYS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    cycle = relationship("Cycle", back_populates="milestones")

    @property
    def name(self) -> str:
        """What pages, mail and calendars call it: its title, or its kind's name (with the session)."""
        if self.title:
            return self.title
        if self.kind == "hrc_adoption" and self.hrc_session:
            return f"Adoption at the Human Rights Council (HRC {self.hrc_session})"
        if self.kind == "wg_review" and self.cycle is not None and self.cycle.wg_session:
            return f"Working Group review (UPR {self.cycle.wg_session})"
        return MILESTONE_KINDS.get(self.kind, self.kind)

    @property
    def kind_label(self) -> str:
        return MILESTONE_KINDS.get(self.kind, self.kind)

    @property
    def shown_name(self) -> str:
        """`name` as pages say it, in the reader's language: a title staff wrote stays as written."""
        if self.title:
            return self.title
        if self.kind == "hrc_adoption" and self.hrc_session:
            return _("Adoption at the Human Rights Council (HRC %(session)s)", session=self.hrc_session)
        if self.kind == "wg_review" and self.cycle is not None and self.cycle.wg_session:
            return _("Working Group review (UPR %(session)s)", session=self.cycle.wg_session)
        return _(self.kind_label)

    def reminders_on(self) -> list[tuple[int, date]]:
        """(days before, the day) of each reminder lead time."""
        return [(d, self.due_on - timedelta(days=d)) for d in sorted(set(self.reminder_days or []), reverse=True)]


class MilestoneReminder(db.Model):
    """One reminder of a milestone to staff, `lead_days` before it: the scheduler's truth, claimed like a
    meeting reminder (engage/claims.py) so it is queued once."""

    __tablename__ = "milestone_reminder"
    __table_args__ = (UniqueConstraint("milestone_id", "lead_days", name="uq_milestone_reminder_lead"),
                      Index("ix_milestone_reminder_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("cycle_milestone.id", ondelete="CASCADE"))
    lead_days: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|claimed|sent|missed|cancelled
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    milestone = relationship("Milestone")
