"""A report costs the same statements whether it holds 3 recommendations or 12 (each with an assessment
from its own ministry meeting, documents, links, responsibilities and a cluster)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engage.clusters.models import ClusterMember, RecommendationCluster
from engage.extensions import db
from engage.handin import services as handin
from engage.implementation import services as implementation
from tests import factories
from tests.conftest import NOW
from tests.test_query_counts import counted

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _grow(staff, moh, official, cluster, n: int, first: int = 0) -> None:
    start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    for i in range(first, first + n):
        rec = factories.make_recommendation(cycle=3, reference=f"150.{i + 1}", text=f"Health recommendation {i}")
        implementation.set_responsibilities(staff, NOW, rec, {"responsibilities": [{"organisation_id": moh.id}]})
        meeting = factories.make_meeting(staff, contacts=[official], starts_at=start + timedelta(days=i),
                                         now=start - timedelta(days=1))
        implementation.create_assessment(staff, NOW, {
            "recommendation_id": rec.id, "assessed_on": "2026-11-20", "status": "in_progress",
            "evidence": f"Evidence {i}", "meeting_id": meeting.id, "links": f"https://example.org/{i}"},
            documents=[(f"minutes-{i}.pdf", "application/pdf", PDF)])
        db.session.add(ClusterMember(cluster_id=cluster.id, recommendation_id=rec.id, added_at=NOW))
    db.session.commit()


def test_a_report_costs_the_same_statements_for_3_or_12_recommendations(app, lead_client, lead_user):
    staff = factories.make_user(role="staff", email="recorder@example.org")
    moh = factories.make_organisation(name="Ministry of Health", kind="ministry", country="KE")
    official = factories.make_contact(moh)
    cluster = RecommendationCluster(name="Health budget", created_at=NOW, updated_at=NOW)
    db.session.add(cluster)
    draft = handin.create_draft(lead_user, NOW, {"cycle": 3, "coalition": "KHRC"})
    db.session.commit()
    counts = []
    for first, n in ((0, 3), (3, 9)):
        _grow(staff, moh, official, cluster, n, first)
        with counted() as page:
            assert lead_client.get(f"/handin/drafts/{draft.id}").status_code == 200
        with counted() as docx:
            assert lead_client.get(f"/handin/drafts/{draft.id}/report.docx").status_code == 200
        counts.append((len(page), len(docx)))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 25 and counts[0][1] <= 25, counts
