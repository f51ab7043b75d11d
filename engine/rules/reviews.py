"""Review tasks: the Comitato tecnico operativo's look at a stuck case, opened by the escalation
ladder and closed with an outcome, without touching the workflow."""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.notices.notify import Audience, tell, users_holding
from engine.rules.audit import record
from engine.rules.worklist import COMPLETED, OPEN
from engine.spiff.properties import PRIORITY_NAMES
from engine.store.tables import Case, HumanTask, TaskCandidate
from engine.store.uow import UnitOfWork

REVIEW = "review"
COMITATO_ROLE = "coordinator"


def open_review(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any]:
    """Open a task for the Comitato tecnico operativo on the stuck case and task."""
    review = HumanTask(
        case_id=case.id,
        kind=REVIEW,
        spiff_task_id=None,
        element_id=f"review_{task.element_id}"[:120],
        name=f"Revisione caso fermo: {task.name}"[:255],
        process_id=task.process_id,
        candidate_groups=[COMITATO_ROLE],
        organization_id=None,
        status=OPEN,
        priority=PRIORITY_NAMES["high"],
        due_at=None,
        escalation=None,
        escalation_level=0,
        next_escalation_at=None,
        data={"stuck_task_id": task.id, "stuck_element_id": task.element_id},
        created_at=uow.now,
    )
    uow.session.add(review)
    uow.session.flush()
    uow.session.add(TaskCandidate(task_id=review.id, role=COMITATO_ROLE))
    audience = Audience(users_holding(uow, [COMITATO_ROLE]), "Comitato tecnico operativo")
    tell(uow, audience, "review_opened", case, review)
    return {"review_task_id": review.id, "notified": audience.usernames}


def complete_review(
    uow: UnitOfWork, case: Case, task: HumanTask, data: dict[str, Any], actor: Actor
) -> None:
    """Close a review task with its outcome; the workflow is not touched."""
    task.status = COMPLETED
    task.completed_at = uow.now
    task.completed_by = actor.user_id
    task.assignee_id = task.assignee_id or actor.user_id
    task.data = {**(task.data or {}), "outcome": data}
    task.draft = None
    record(
        uow,
        case,
        "review_completed",
        actor,
        {"task_id": task.id, "stuck_task_id": (task.data or {}).get("stuck_task_id")},
        task.element_id,
    )
