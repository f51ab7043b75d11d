"""SQLAlchemy tables of the engine (the first cut of DESIGN.md, plus what the worklist needs)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns timezone-aware datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="member")


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]


class Membership(Base):
    """A user holds a role (DOMAIN.md) within one organisation."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    scope: Mapped[str] = mapped_column(String(20), default="read-write")


class ProcessModel(Base):
    __tablename__ = "process_model"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ProcessVersion(Base):
    """An immutable deployed version; its parsed specs are stored once, here."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("model_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    bpmn_file: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)  # large: loaded only when read
    dmn: Mapped[dict[str, Any]] = mapped_column(default=dict, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deployed_at: Mapped[datetime]


class ReferenceCounter(Base):
    """Per-year sequence behind case references such as CR-2026-000042."""

    __tablename__ = "reference_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """One referred person's pathway; the workflow state is stored without its spec."""

    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_running_opened", "status", "opened_at", "id"),
        Index("ix_case_wakeup", "status", "next_wakeup_at"),
        Index("ix_case_opened_by", "opened_by"),
        Index("ix_case_case_manager_id", "case_manager_id"),
        Index("ix_case_cav_operator_id", "cav_operator_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    target_group: Mapped[str | None] = mapped_column(String(40), index=True)
    comune: Mapped[str | None] = mapped_column(String(80))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The organisation that owns the case (organization_id is the one that referred it), and
    # the named CAV operator of a case a CAV owns.
    owner_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id"), index=True
    )
    cav_operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_pseudonym: Mapped[str] = mapped_column(String(40))
    state_json: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    next_wakeup_at: Mapped[datetime | None] = mapped_column(index=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    anonymized_at: Mapped[datetime | None]  # identity and free text removed (retention)


class CaseSubject(Base):
    """The referred person's identity, kept apart from the case and its pseudonym."""

    __tablename__ = "case_subject"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    identity: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseConsent(Base):
    """A consent the person gave for a scope (e.g. sharing with private partners); withdrawn
    consents keep their row, with when and by whom."""

    __tablename__ = "case_consent"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(40))
    given_by: Mapped[str] = mapped_column(String(20))  # the person, or a parent or guardian
    given_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class CaseParty(Base):
    """An organisation taking part in a case: it may see the case."""

    __tablename__ = "case_party"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id"), primary_key=True, index=True
    )


class HumanTask(Base):
    """A row of the worklist: a READY user/manual task, or a review task opened by escalation."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_open_due", "status", "due_at"),
        Index("ix_human_task_escalation", "status", "next_escalation_at"),
        Index("ix_human_task_case_status", "case_id", "status"),
        Index("ix_human_task_element", "element_id", "status", "case_id", "completed_at"),
        Index("ix_human_task_assignee_open", "assignee_id", "status", "due_at"),
        Index("ix_human_task_completed_by", "completed_by"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="bpmn")
    spiff_task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(255))
    process_id: Mapped[str] = mapped_column(String(120))
    candidate_groups: Mapped[list[Any]] = mapped_column(default=list)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None]
    escalation: Mapped[list[Any] | None] = mapped_column(JSON)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None]
    form_key: Mapped[str | None] = mapped_column(String(120))
    # A multi-instance task's item ({"collection", "name", "value"}): tells parallel tasks apart.
    item: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # While its assignee is away, the task is her substitute's: this remembers whom it was
    # assigned to, for "in sostituzione di ..." and to give it back when she returns.
    substitute_for_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Many-to-one: read from the session's identity map, so a page of tasks held for the same
    # colleague costs one query at most (the worklist's own query is unchanged).
    substitute_for: Mapped[User | None] = relationship(
        foreign_keys=[substitute_for_id], lazy="select", viewonly=True
    )


class TaskCandidate(Base):
    """One candidate group (role) of a human task, indexed for the worklist."""

    __tablename__ = "task_candidate"
    task_id: Mapped[int] = mapped_column(
        ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class WorklistEntry(Base):
    """One grant showing an open task in a worklist, kept by triggers (store/worklist_entries)."""

    __tablename__ = "worklist_entry"
    __table_args__ = (
        Index("ix_worklist_entry_due", "role", "scope_id", "due_key", "task_id"),
        Index("ix_worklist_entry_priority", "role", "scope_id", "priority_rank", "task_id"),
        Index("ix_worklist_entry_process", "role", "scope_id", "process_id"),
        Index("ix_worklist_entry_target_group", "role", "scope_id", "target_group"),
    )
    task_id: Mapped[int] = mapped_column(
        ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(40), primary_key=True)  # a role, "@" or "*"
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due_key: Mapped[datetime]
    priority_rank: Mapped[int] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(120))
    target_group: Mapped[str | None] = mapped_column(String(40))


class IndicatorSnapshot(Base):
    """A computed dashboard, served while fresh and refreshed by the scheduler."""

    __tablename__ = "indicator_snapshot"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # query, reader kind, mapping
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime]
    read_at: Mapped[datetime]


RESTRICTED_READ = "restricted_case_read"
EXPORTED = "subject_exported"
# The events that say who read a case (who exported all that is held about its person too),
# as against the case's own steps. A restricted case's reads soon outnumber its steps by
# hundreds, so each kind of event has its own partial index: the steps in the case's order,
# the reads by reader (counted from the index alone). Queries must name these kinds as
# literals, in this order, for the planners to prove that an index covers them.
READ_KINDS = (RESTRICTED_READ, EXPORTED)
_READS = text("kind IN (" + ", ".join(f"'{kind}'" for kind in READ_KINDS) + ")")
_STEPS = text("kind NOT IN (" + ", ".join(f"'{kind}'" for kind in READ_KINDS) + ")")


class CaseEvent(Base):
    """Append-only audit trail, hash-chained per case."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index(
            "ix_case_event_steps", "case_id", "seq", sqlite_where=_STEPS, postgresql_where=_STEPS
        ),
        Index(
            "ix_case_event_reads",
            "case_id",
            "kind",
            "actor_name",
            "at",
            sqlite_where=_READS,
            postgresql_where=_READS,
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    element_id: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # sha256 of the payload, chained instead of the payload so that a recorded redaction can
    # erase it; None on events written before payload digests (their hash covers the payload)
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest link of each case's audit chain, kept apart from the events: deleting the
    newest events leaves the head pointing past them, so the deletion shows."""

    __tablename__ = "audit_head"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Outbox(Base):
    """Notifications written with their cause, delivered at least once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "failed_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    recipient: Mapped[str] = mapped_column(String(200), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """An in-app notification for one user, shown in the web UI's header."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(255))
    # What the title is made of (kind, reference, task name, count): shown in the UI's language.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class Message(Base):
    """A message no case was waiting for: kept until it expires or a case consumes it."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_pending", "name", "correlation", "consumed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    correlation: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_by: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    consumed_at: Mapped[datetime | None]


class MessageSubscription(Base):
    """A case waiting for a message, refreshed after every command on the case."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_name", "name", "correlation"),)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    correlation: Mapped[str] = mapped_column(String(120))


class Incident(Base):
    """A failure awaiting a person: the element, the error, the time."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str | None] = mapped_column(String(120))
    spiff_task_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class SchedulerLease(Base):
    """Who holds the embedded scheduler (SQLite allows one scheduler process)."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginSession(Base):
    """A UI session, known to the server so that logging out ends it (the cookie names it)."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuthAttempt(Base):
    """Authentication attempts per account or address in a fixed window, shared by every
    process: the login rate limit is counted here, atomically, before any password hash."""

    __tablename__ = "auth_attempt"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Absence(Base):
    """A user away from one date to another (both included), her tasks held by a substitute.

    `status`: planned (not started yet), active (her tasks are with the substitute), ended
    (they went back), cancelled (withdrawn before it started). `starts_at`/`ends_at` are the
    dates' first and last moments in the network's time zone, in UTC, for the scheduler."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_due", "status", "starts_at", "ends_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class MigrationRun(Base):
    """A bulk move of running cases to another version, worked through in batches.

    A dry run only checks; a real run moves each case in its own transaction. Whoever advances
    the run (the page that shows it, or the scheduler) takes a short lease on it first, so web
    workers and scheduler processes never work on the same run at once."""

    __tablename__ = "migration_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    from_number: Mapped[int | None] = mapped_column(Integer)
    to_number: Mapped[int] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer, default=0)
    checked_run_id: Mapped[int | None] = mapped_column(ForeignKey("migration_run.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]


class MigrationItem(Base):
    """One case of a migration run, and what happened to it."""

    __tablename__ = "migration_item"
    __table_args__ = (Index("ix_migration_item_run_outcome", "run_id", "outcome", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("migration_run.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(20))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def utcnow() -> datetime:
    """The wall clock in UTC (the engine's clock may be replaced in tests)."""
    return datetime.now(UTC)
