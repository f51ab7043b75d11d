"""Review tasks: the Comitato tecnico operativo's look at a stuck case, opened by the escalation
ladder and closed with the Comitato's decision, without touching the workflow.

A review has a due date (REVIEW_DUE after it opens) and its own ladder (REVIEW_LADDER): it
reminds whoever holds it, then the whole Comitato; it never opens a review of itself.
"""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.durations import parse_duration
from engine.notices.notify import Audience, tell, users_holding
from engine.rules.audit import record
from engine.rules.worklist import COMPLETED, OPEN, first_escalation
from engine.spiff.forms import validate_data
from engine.spiff.properties import PRIORITY_NAMES
from engine.store.tables import Case, HumanTask, TaskCandidate
from engine.store.uow import UnitOfWork

REVIEW = "review"
COMITATO_ROLE = "coordinator"
REVIEW_DUE = "P14D"
REVIEW_LADDER = [
    {"after": "P0D", "action": "notify_assignee"},
    {"after": "P7D", "action": "notify_group"},
]
DECISIONS = (
    ("sollecitata", "Sollecitata l'organizzazione che detiene l'attività", "Reminded the holder"),
    ("riassegnata", "Attività riassegnata", "Task reassigned"),
    ("sbloccata", "Il caso è ripartito", "The case moved on"),
    ("nessuna_azione", "Nessuna azione necessaria", "No action needed"),
)
# The form of every review task: the Comitato's decision, and notes.
REVIEW_FORM: dict[str, Any] = {
    "type": "object",
    "title": "Decisione del Comitato tecnico operativo",
    "x-i18n": {"en": {"title": "Decision of the Comitato tecnico operativo"}},
    "required": ["decision"],
    "additionalProperties": False,
    "properties": {
        "decision": {
            "type": "string",
            "title": "Decisione",
            "x-i18n": {"en": {"title": "Decision"}},
            "oneOf": [
                {"const": code, "title": it, "x-i18n": {"en": {"title": en}}}
                for code, it, en in DECISIONS
            ],
        },
        "notes": {
            "type": "string",
            "maxLength": 1000,
            "title": "Note (senza dati della persona)",
            "x-i18n": {"en": {"title": "Notes (no personal data)"}},
        },
    },
}


def open_review(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any]:
    """Open a task for the Comitato tecnico operativo on the stuck case and task."""
    due_at = parse_duration(REVIEW_DUE).after(uow.now)
    ladder = [dict(step) for step in REVIEW_LADDER]
    review = HumanTask(
        case_id=case.id,
        kind=REVIEW,
        spiff_task_id=None,
        element_id=f"review_{task.element_id}"[:120],
        name=f"Riesame del caso fermo: {task.name}"[:255],
        process_id=task.process_id,
        candidate_groups=[COMITATO_ROLE],
        organization_id=None,
        status=OPEN,
        priority=PRIORITY_NAMES["high"],
        due_at=due_at,
        escalation=ladder,
        escalation_level=0,
        next_escalation_at=first_escalation(due_at, ladder),
        item=task.item,
        data={"stuck_task_id": task.id, "stuck_element_id": task.element_id},
        created_at=uow.now,
    )
    uow.session.add(review)
    uow.session.flush()
    uow.session.add(TaskCandidate(task_id=review.id, role=COMITATO_ROLE))
    audience = Audience(users_holding(uow, [COMITATO_ROLE]), "Comitato tecnico operativo")
    tell(uow, audience, "review_opened", case, review)
    if review.next_escalation_at is not None:
        uow.wake_at(review.next_escalation_at)
    return {"review_task_id": review.id, "notified": audience.usernames}


def review_answer(task: HumanTask) -> dict[str, Any]:
    """The Comitato's decision recorded on a completed review (without the stuck task's ids)."""
    outcome = (task.data or {}).get("outcome")
    return dict(outcome) if isinstance(outcome, dict) else {}


def complete_review(
    uow: UnitOfWork, case: Case, task: HumanTask, data: dict[str, Any], actor: Actor
) -> None:
    """Close a review task with the Comitato's decision; the workflow is not touched."""
    validate_data(REVIEW_FORM, data)
    task.status = COMPLETED
    task.completed_at = uow.now
    task.completed_by = actor.user_id
    task.assignee_id = task.assignee_id or actor.user_id
    task.data = {**(task.data or {}), "outcome": data}
    task.draft = None
    task.next_escalation_at = None
    record(
        uow,
        case,
        "review_completed",
        actor,
        {
            "task_id": task.id,
            "stuck_task_id": (task.data or {}).get("stuck_task_id"),
            "decision": data.get("decision"),
        },
        task.element_id,
    )
