"""The worklist: human tasks, their candidate groups, and the grants that show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.tables.base import Base


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
