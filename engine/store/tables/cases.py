"""A case and what belongs to it: its subject, consents, parties, audit trail, incidents, and
the messages cases wait for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables.base import Base


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
