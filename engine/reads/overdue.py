"""Read model for operations: overdue tasks with their escalation level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.rules.worklist import OPEN
from engine.store.tables import Case, HumanTask, Organization, User
from engine.store.uow import UnitOfWork


def iso(moment: datetime | None) -> str | None:
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
        d.update(due_at=iso(self.due_at), next_escalation_at=iso(self.next_escalation_at))
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
