"""Use cases on human tasks: claim, unclaim, assign, save a draft, complete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from . import notify
from .access import visible_task
from .actors import Actor
from .audit import record
from .errors import (
    Forbidden,
    InvalidInput,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
    TaskNotReady,
    UserNotFound,
)
from .escalation import REVIEW, complete_review
from .forms import validate_data
from .models import Case, HumanTask, Organization, ProcessVersion, User
from .progress import Outcome, load_instance, lock_case, require_running, settle
from .uow import UnitOfWork
from .worklist import COMPLETED, OPEN


def task_organization(uow: UnitOfWork, task: HumanTask) -> str | None:
    if task.organization_id is None:
        return None
    return uow.session.scalar(
        select(Organization.code).where(Organization.id == task.organization_id)
    )


def may_work_on(uow: UnitOfWork, actor: Actor, task: HumanTask) -> bool:
    """The assignee, or anyone holding one of the task's groups (in its organisation, if set)."""
    if actor.is_admin or (task.assignee_id is not None and task.assignee_id == actor.user_id):
        return True
    return actor.holds_any(tuple(task.candidate_groups), task_organization(uow, task))


def _locked_task(
    uow: UnitOfWork, task_id: int, actor: Actor, expected_version: int | None = None
) -> tuple[HumanTask, Case]:
    """Lock the task's case, then read the task fresh: a concurrent command has finished by now.

    A task outside the actor's scope is not found (its existence is not disclosed)."""
    found = visible_task(uow, actor, task_id)
    case = lock_case(uow, found.case_id, expected_version)
    task = uow.session.scalar(
        select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True)
    )
    assert task is not None
    if not may_work_on(uow, actor, task):
        raise Forbidden(f"{actor.username} may not work on task {task_id}")
    if task.status == COMPLETED:
        raise TaskAlreadyCompleted(f"task {task_id} ({task.name}) was already completed")
    if task.status != OPEN:
        raise TaskNotReady(f"task {task_id} ({task.name}) is {task.status}")
    if task.kind != REVIEW:  # a review may still be closed once its case has ended
        require_running(case)
    return task, case


def claim_task(uow: UnitOfWork, task_id: int, actor: Actor) -> HumanTask:
    """Take a task for oneself; refused if someone else holds it."""
    task, case = _locked_task(uow, task_id, actor)
    if task.assignee_id not in (None, actor.user_id):
        raise TaskClaimedByOther(f"task {task_id} is claimed by someone else")
    task.assignee_id = actor.user_id
    record(uow, case, "task_claimed", actor, {"task_id": task.id}, task.element_id)
    uow.commit()
    return task


def unclaim_task(uow: UnitOfWork, task_id: int, actor: Actor) -> HumanTask:
    """Give a task back to its groups."""
    task, case = _locked_task(uow, task_id, actor)
    if task.assignee_id not in (None, actor.user_id) and not _may_assign(actor, case):
        raise TaskClaimedByOther(f"task {task_id} is claimed by someone else")
    task.assignee_id = None
    record(uow, case, "task_unclaimed", actor, {"task_id": task.id}, task.element_id)
    uow.commit()
    return task


def _may_assign(actor: Actor, case: Case) -> bool:
    """Admins, coordinators and the case's own case manager (not every case manager)."""
    own_case = actor.user_id is not None and case.case_manager_id == actor.user_id
    return actor.is_admin or actor.has_role("coordinator") or own_case


def assign_task(uow: UnitOfWork, task_id: int, username: str, actor: Actor) -> HumanTask:
    """Give a task to a named user who holds one of its groups."""
    task, case = _locked_task(uow, task_id, actor)
    if not _may_assign(actor, case) and task.assignee_id not in (None, actor.user_id):
        raise Forbidden(f"{actor.username} may not reassign task {task_id}")
    user = uow.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise UserNotFound(f"no active user {username!r}")
    from .accounts import (
        actor_for,
    )  # accounts imports tasks' neighbours; late import keeps it one-way

    if not may_work_on(uow, actor_for(uow, user), task):
        raise InvalidInput(
            f"{username} holds none of the task's groups ({', '.join(task.candidate_groups)})",
            [{"field": "user", "message": "not in the task's groups"}],
        )
    task.assignee_id = user.id
    record(uow, case, "task_assigned", actor, {"task_id": task.id, "to": username}, task.element_id)
    if user.id != actor.user_id:
        notify.task_assigned(uow, case, task, user)
    uow.commit()
    return task


def save_draft(uow: UnitOfWork, task_id: int, data: dict[str, Any], actor: Actor) -> HumanTask:
    """Keep typed data on the task without completing it."""
    task, _case = _locked_task(uow, task_id, actor)
    if not isinstance(data, dict):
        raise InvalidInput(
            "draft data must be a JSON object", [{"field": "data", "message": "not an object"}]
        )
    task.draft = data
    uow.commit()
    return task


def complete_task(
    uow: UnitOfWork,
    task_id: int,
    data: dict[str, Any],
    actor: Actor,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Complete a task with its form data and advance the case (StaleCase if it moved on)."""
    task, case = _locked_task(uow, task_id, actor, expected_version)
    if task.assignee_id not in (None, actor.user_id) and not actor.is_admin:
        raise TaskClaimedByOther(f"task {task_id} is claimed by someone else")
    if not isinstance(data, dict):
        raise InvalidInput(
            "task data must be a JSON object", [{"field": "data", "message": "not an object"}]
        )
    if task.kind == REVIEW:
        complete_review(uow, case, task, data, actor)
        uow.commit()
        return Outcome(case)
    form = form_schema(uow, case, task)
    if form is not None:
        validate_data(form, data)
    instance = load_instance(uow, case)
    if task.kind != "bpmn" or instance.task(task.spiff_task_id or "") is None:
        raise TaskNotReady(f"task {task_id} is not waiting in the workflow")
    instance.complete(task.spiff_task_id or "", data)
    task.status = COMPLETED
    task.completed_at = uow.now
    task.completed_by = actor.user_id
    task.assignee_id = task.assignee_id or actor.user_id
    task.data = data
    task.draft = None
    task.next_escalation_at = None
    record(uow, case, "task_completed", actor, {"task_id": task.id, "data": data}, task.element_id)
    outcome = settle(uow, case, instance, actor)
    uow.commit()
    return outcome


def form_schema(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any] | None:
    """The JSON Schema of the task's form, from the case's version."""
    if not task.form_key:
        return None
    forms = uow.session.scalar(  # the forms only: the row also holds the specs and XML
        select(ProcessVersion.forms).where(ProcessVersion.id == case.version_id)
    )
    schema = (forms or {}).get(task.form_key)
    return dict(schema) if isinstance(schema, dict) else None
