"""What the scheduler keeps between its runs: its lease and the dashboard snapshots it refreshes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables.base import Base


class SchedulerLease(Base):
    """Who holds the embedded scheduler (SQLite allows one scheduler process)."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class IndicatorSnapshot(Base):
    """A computed dashboard, served while fresh and refreshed by the scheduler."""

    __tablename__ = "indicator_snapshot"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # query, reader kind, mapping
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime]
    read_at: Mapped[datetime]
