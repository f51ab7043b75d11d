"""SQLAlchemy tables of the engine (the first cut of DESIGN.md, plus what the worklist needs).

One module a subject; the rest of the code imports every table from here, and Alembic reads
`Base.metadata`, which holds them all once this package is imported."""

from engine.store.tables.base import NAMING, Base, UTCDateTime, utcnow
from engine.store.tables.cases import (
    EXPORTED,
    READ_KINDS,
    RESTRICTED_READ,
    AuditHead,
    Case,
    CaseConsent,
    CaseEvent,
    CaseParty,
    CaseSubject,
    Incident,
    Message,
    MessageSubscription,
    ReferenceCounter,
)
from engine.store.tables.models import MigrationItem, MigrationRun, ProcessModel, ProcessVersion
from engine.store.tables.notices import Notification, Outbox
from engine.store.tables.people import (
    Absence,
    ApiToken,
    AuthAttempt,
    LoginSession,
    Membership,
    Organization,
    User,
)
from engine.store.tables.scheduler import IndicatorSnapshot, SchedulerLease
from engine.store.tables.worklist import HumanTask, TaskCandidate, WorklistEntry

__all__ = [
    "EXPORTED",
    "NAMING",
    "READ_KINDS",
    "RESTRICTED_READ",
    "Absence",
    "ApiToken",
    "AuditHead",
    "AuthAttempt",
    "Base",
    "Case",
    "CaseConsent",
    "CaseEvent",
    "CaseParty",
    "CaseSubject",
    "HumanTask",
    "Incident",
    "IndicatorSnapshot",
    "LoginSession",
    "Membership",
    "Message",
    "MessageSubscription",
    "MigrationItem",
    "MigrationRun",
    "Notification",
    "Organization",
    "Outbox",
    "ProcessModel",
    "ProcessVersion",
    "ReferenceCounter",
    "SchedulerLease",
    "TaskCandidate",
    "UTCDateTime",
    "User",
    "WorklistEntry",
    "utcnow",
]
