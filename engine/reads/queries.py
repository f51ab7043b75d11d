"""Read models: the worklist and the case view, read from rows, never by loading workflows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.errors import CaseNotFound
from engine.rules.progress import element_ids
from engine.rules.worklist import OPEN
from engine.store.tables import (
    Case,
    CaseEvent,
    HumanTask,
    Incident,
    Organization,
    TaskCandidate,
    User,
)
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class TaskRow:
    id: int
    case_reference: str
    element_id: str
    name: str
    candidate_groups: list[str]
    organization: str | None
    assignee: str | None
    status: str
    priority: int
    due_at: datetime | None
    escalation_level: int
    form_key: str | None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["due_at"] = self.due_at.isoformat() if self.due_at else None
        return d


def open_tasks(
    uow: UnitOfWork, *, case_reference: str | None = None, group: str | None = None
) -> list[TaskRow]:
    """Open human tasks, by due date (no due date last)."""
    query = (
        select(HumanTask, Case.reference, Organization.code, User.username)
        .join(Case, Case.id == HumanTask.case_id)
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .where(HumanTask.status == OPEN)
    )
    if case_reference:
        query = query.where(Case.reference == case_reference)
    if group:
        query = query.join(TaskCandidate, TaskCandidate.task_id == HumanTask.id).where(
            TaskCandidate.role == group
        )
    rows = [
        _task_row(task, ref, org, user)
        for task, ref, org, user in uow.session.execute(query.order_by(HumanTask.id))
    ]
    far = datetime.max.replace(tzinfo=uow.now.tzinfo)
    return sorted(rows, key=lambda r: (r.due_at or far, r.id))


def _task_row(task: HumanTask, ref: str, org: str | None, user: str | None) -> TaskRow:
    return TaskRow(
        id=task.id,
        case_reference=ref,
        element_id=task.element_id,
        name=task.name,
        candidate_groups=list(task.candidate_groups),
        organization=org,
        assignee=user,
        status=task.status,
        priority=task.priority,
        due_at=task.due_at,
        escalation_level=task.escalation_level,
        form_key=task.form_key,
    )


def find_case(uow: UnitOfWork, reference: str) -> Case:
    case = uow.session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        raise CaseNotFound(f"no case {reference!r}")
    return case


def case_view(uow: UnitOfWork, reference: str) -> dict[str, Any]:
    """Status, open tasks, incidents, history and diagram positions of one case."""
    case = find_case(uow, reference)
    done, active = element_ids(uow, case)
    events = uow.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    incidents = uow.session.scalars(select(Incident).where(Incident.case_id == case.id)).all()
    return {
        "reference": case.reference,
        "process_id": case.process_id,
        "version": uow.facts.version(uow.session, case.version_id).number,
        "status": case.status,
        "target_group": case.target_group,
        "restricted": case.restricted,
        "subject": case.subject_pseudonym,
        "opened_at": case.opened_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "next_wakeup_at": case.next_wakeup_at.isoformat() if case.next_wakeup_at else None,
        "open_tasks": [t.as_dict() for t in open_tasks(uow, case_reference=reference)],
        "completed_elements": done,
        "active_elements": active,
        "incidents": [
            {
                "id": i.id,
                "element_id": i.element_id,
                "kind": i.kind,
                "error": i.error,
                "opened_at": i.opened_at.isoformat(),
                "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
            }
            for i in incidents
        ],
        "history": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor_name,
                "kind": e.kind,
                "element_id": e.element_id,
            }
            for e in events
        ],
    }
