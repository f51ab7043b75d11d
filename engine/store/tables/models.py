"""Process models, their immutable versions, and the runs that move cases between versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables.base import Base


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
