"""Read models for operations: overdue tasks with their escalation level, and the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from .models import Case, HumanTask, Organization, Outbox, User
from .uow import UnitOfWork
from .worklist import OPEN


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class OverdueTask:
    id: int
    case_reference: str
    name: str
    kind: str
    organization: str | None
    assignee: str | None
    due_at: datetime
    days_overdue: int
    level: int
    steps: int
    next_action: str | None
    next_escalation_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.update(due_at=_iso(self.due_at), next_escalation_at=_iso(self.next_escalation_at))
        return d


def overdue_tasks(uow: UnitOfWork) -> list[OverdueTask]:
    """Open tasks past their due date, most overdue first."""
    query = (
        select(HumanTask, Case.reference, Organization.code, User.username)
        .join(Case, Case.id == HumanTask.case_id)
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .where(HumanTask.status == OPEN, HumanTask.due_at < uow.now)
        .order_by(HumanTask.due_at, HumanTask.id)
    )
    out = []
    for task, reference, org, user in uow.session.execute(query):
        assert task.due_at is not None
        ladder = task.escalation or []
        level = task.escalation_level
        out.append(
            OverdueTask(
                id=task.id,
                case_reference=reference,
                name=task.name,
                kind=task.kind,
                organization=org,
                assignee=user,
                due_at=task.due_at,
                days_overdue=(uow.now - task.due_at).days,
                level=level,
                steps=len(ladder),
                next_action=str(ladder[level]["action"]) if level < len(ladder) else None,
                next_escalation_at=task.next_escalation_at,
            )
        )
    return out


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    channel: str
    recipient: str
    case_reference: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for key in ("created_at", "next_attempt_at", "delivered_at", "failed_at"):
            d[key] = _iso(d[key])
        return d


def outbox_rows(uow: UnitOfWork, *, failed: bool = False, limit: int = 500) -> list[OutboxRow]:
    """Undelivered notifications (pending and failed), or only the failed ones."""
    query = (
        select(Outbox, Case.reference)
        .outerjoin(Case, Case.id == Outbox.case_id)
        .where(Outbox.delivered_at.is_(None))
    )
    if failed:
        query = query.where(Outbox.failed_at.is_not(None))
    rows = uow.session.execute(query.order_by(Outbox.id).limit(limit)).all()
    return [
        OutboxRow(
            id=o.id,
            kind=o.kind,
            channel=o.channel,
            recipient=o.recipient,
            case_reference=ref,
            attempts=o.attempts,
            created_at=o.created_at,
            next_attempt_at=o.next_attempt_at,
            delivered_at=o.delivered_at,
            failed_at=o.failed_at,
            last_error=o.last_error,
        )
        for o, ref in rows
    ]


def retry_failed(uow: UnitOfWork) -> int:
    """Put every failed notification back in the queue (e.g. once SMTP is fixed)."""
    result = uow.session.execute(
        update(Outbox)
        .where(Outbox.failed_at.is_not(None), Outbox.delivered_at.is_(None))
        .values(failed_at=None, attempts=0, next_attempt_at=uow.now)
    )
    uow.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
