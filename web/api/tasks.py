"""Tasks: the worklist, one task with its form, and the commands on it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine.commands.tasks import assign_task, claim_task, complete_task, save_draft, unclaim_task
from engine.reads.incidentviews import incident_row
from engine.reads.taskrows import summarize_task
from engine.reads.taskviews import TaskFilter, list_tasks, task_detail
from engine.rules.progress import Outcome
from engine.store.uow import UnitOfWork

from .calls import IF_MATCH, call, expected_version, filters, read
from .schemas import (
    AssignSchema,
    CompleteSchema,
    DraftSchema,
    OutcomeSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSummarySchema,
)

PATH = "/tasks"
blp = Blueprint("tasks", __name__, description="Tasks: the worklist and its commands")


@blp.get("")
@blp.arguments(TaskQuerySchema(), location="query")
@blp.response(200, TaskPageSchema)
def index(args: dict[str, Any]) -> Any:
    """The caller's worklist, by due date or priority (cursor pagination)."""
    return read(
        lambda uow, actor: list_tasks(
            uow, actor, filters(args, TaskFilter), args.get("cursor"), args["limit"]
        )
    )


@blp.get("/<int:task_id>")
@blp.response(200, TaskDetailSchema)
def show(task_id: int) -> Any:
    """One task with its JSON Schema form, draft, data and the case's earlier answers."""
    return read(lambda uow, actor: task_detail(uow, actor, task_id))


@blp.post("/<int:task_id>/claim")
@blp.response(200, TaskSummarySchema)
def claim(task_id: int) -> Any:
    """Take the task for oneself (409 if someone else holds it)."""
    return call(lambda uow, actor: summarize_task(uow, claim_task(uow, task_id, actor)))


@blp.post("/<int:task_id>/unclaim")
@blp.response(200, TaskSummarySchema)
def unclaim(task_id: int) -> Any:
    """Give the task back to its groups."""
    return call(lambda uow, actor: summarize_task(uow, unclaim_task(uow, task_id, actor)))


@blp.post("/<int:task_id>/assign")
@blp.arguments(AssignSchema())
@blp.response(200, TaskSummarySchema)
def assign(body: dict[str, Any], task_id: int) -> Any:
    """Give the task to a user who holds one of its groups."""
    return call(
        lambda uow, actor: summarize_task(uow, assign_task(uow, task_id, body["user"], actor))
    )


@blp.put("/<int:task_id>/draft")
@blp.arguments(DraftSchema())
@blp.response(200, TaskSummarySchema)
def draft(body: dict[str, Any], task_id: int) -> Any:
    """Save form data without completing the task."""
    return call(
        lambda uow, actor: summarize_task(uow, save_draft(uow, task_id, body["data"], actor))
    )


@blp.post("/<int:task_id>/complete")
@blp.arguments(CompleteSchema(), required=False)
@blp.response(200, OutcomeSchema)
@blp.doc(parameters=[IF_MATCH])
def complete(body: dict[str, Any], task_id: int) -> Any:
    """Complete the task with its form data (422 lists the fields that do not match)."""
    version = expected_version(body)
    return call(
        lambda uow, actor: outcome_view(
            uow,
            complete_task(uow, task_id, body.get("data", {}), actor, expected_version=version),
        )
    )


def outcome_view(uow: UnitOfWork, outcome: Outcome) -> dict[str, Any]:
    """What a command did: the case's status and the tasks it emitted."""
    case = outcome.case
    return {
        "case": case.reference,
        "status": case.status,
        "lock_version": case.lock_version,
        "emitted": [summarize_task(uow, t) for t in outcome.emitted],
        "incident": incident_row(outcome.incident, case.reference) if outcome.incident else None,
    }
