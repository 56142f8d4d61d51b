"""A cluster of recommendations across cycles, and its members."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.dbtypes import UTCDateTime
from engage.extensions import db


class RecommendationCluster(db.Model):
    """One demand that recurs cycle after cycle ("ratify the OP-CAT", "decriminalise…"): the
    recommendations of every cycle that make it, confirmed by staff."""

    __tablename__ = "recommendation_cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Loaded on demand: lists read their counts in SQL, the cluster page loads members with their
    # recommendations in one statement each (queries.py).
    members = relationship("ClusterMember", back_populates="cluster", cascade="all, delete-orphan",
                           passive_deletes=True, lazy="raise_on_sql")
    created_by = relationship("User", foreign_keys=[created_by_id])

    def __repr__(self):
        return f"<RecommendationCluster {self.id} {self.name!r}>"


class ClusterMember(db.Model):
    """A recommendation in a cluster. A recommendation is in one cluster at most (the unique
    index on recommendation_id): a cluster is "the same demand", so a recommendation's page names
    its one cluster, and a recommendation making two demands goes with the one it mainly makes."""

    __tablename__ = "cluster_member"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("recommendation_cluster.id", ondelete="CASCADE"),
                                            primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   primary_key=True, unique=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The matcher's score when a suggestion was confirmed; None when added by hand.
    score: Mapped[float | None] = mapped_column(Float)

    cluster = relationship(RecommendationCluster, back_populates="members")
    recommendation = relationship("Recommendation")
