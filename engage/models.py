"""Every model, imported so that metadata (create_all, Alembic) sees the whole schema."""
from engage.members.models import Member  # noqa: F401
from engage.auth.models import ApiToken, RecoveryCode, User  # noqa: F401
from engage.directory.models import Contact, Organisation  # noqa: F401
from engage.history import ChangeRecord  # noqa: F401
from engage.recommendations.models import Recommendation, Theme  # noqa: F401
from engage.recommendations.sources import RecommendationSource, SourceDisagreement  # noqa: F401
from engage.asks.models import Ask, AskTarget  # noqa: F401
from engage.meetings.models import Attendee, CalendarFeed, Meeting  # noqa: F401
from engage.outbox.models import OutboxMessage  # noqa: F401
from engage.outcomes.models import FollowUp, Outcome  # noqa: F401
from engage.implementation.models import Assessment, AssessmentDocument, Responsibility  # noqa: F401
from engage.invitations.models import ProcessedReply  # noqa: F401
from engage.reminders.models import FollowUpNotice, Reminder, SchedulerHeartbeat  # noqa: F401
from engage.audit.models import AuditEvent  # noqa: F401
from engage.access.models import AccessGrant, AccessGroup  # noqa: F401
from engage.dataprotection.models import DataRequest, SendRefusal  # noqa: F401
from engage.importjobs.models import ImportJob  # noqa: F401
from engage.organisation.models import OrganisationSettings  # noqa: F401
from engage.cycles.models import Cycle, Milestone, MilestoneReminder  # noqa: F401
from engage.clusters.models import ClusterMember, RecommendationCluster  # noqa: F401
from engage.handin.models import ReportDraft  # noqa: F401
from engage.upr.models import AskClaim  # noqa: F401
