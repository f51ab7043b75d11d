"""Use cases on human tasks: claim, unclaim, assign, save a draft, complete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.commands.accounts import actor_for
from engine.commands.consents import change_consent
from engine.commands.metering import metered
from engine.errors import (
    Forbidden,
    InvalidInput,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
    TaskNotReady,
    UserNotFound,
)
from engine.notices import notify
from engine.rules.absences import acting_for, away
from engine.rules.access import lock_visible_task, may_work_on
from engine.rules.audit import record
from engine.rules.consent import consent_answers
from engine.rules.ownership import NAMED_ROLES, take_in_charge
from engine.rules.progress import Outcome, load_instance, require_running, settle
from engine.rules.reviews import REVIEW, complete_review
from engine.rules.worklist import COMPLETED, OPEN, form_schema
from engine.spiff.forms import refuse_control_characters, validate_data
from engine.store.tables import Absence, Case, HumanTask, User
from engine.store.uow import UnitOfWork


def _locked_task(
    uow: UnitOfWork,
    task_id: int,
    actor: Actor,
    expected_version: int | None = None,
    *,
    settles: bool = False,
) -> tuple[HumanTask, Case]:
    """Lock the task's case, then read the task fresh: a concurrent command has finished by now.

    A task outside the actor's scope is not found (its existence is not disclosed). A command
    that `settles` the case has its open workflow rows read with the task."""
    task, case = lock_visible_task(uow, actor, task_id, expected_version, open_rows=settles)
    if not may_work_on(uow, actor, task):
        raise Forbidden(f"{actor.username} may not work on task {task_id}")
    if task.status == COMPLETED:
        raise TaskAlreadyCompleted(f"task {task_id} ({task.name}) was already completed")
    if task.status != OPEN:
        raise TaskNotReady(f"task {task_id} ({task.name}) is {task.status}")
    if task.kind != REVIEW:  # a review may still be closed once its case has ended
        require_running(case)
    return task, case


@metered("claim_task")
def claim_task(uow: UnitOfWork, task_id: int, actor: Actor) -> HumanTask:
    """Take a task for oneself; refused if someone else holds it."""
    task, case = _locked_task(uow, task_id, actor)
    if task.assignee_id not in (None, actor.user_id):
        raise TaskClaimedByOther(f"task {task_id} is claimed by someone else")
    task.assignee_id = actor.user_id
    task.substitute_for_id = None  # taken up by someone: it no longer goes back to anyone
    record(uow, case, "task_claimed", actor, {"task_id": task.id}, task.element_id)
    _takes_in_charge(uow, case, task, actor)
    uow.commit()
    return task


def _takes_in_charge(uow: UnitOfWork, case: Case, task: HumanTask, actor: Actor) -> None:
    """Claiming or completing a case-manager task of a case nobody leads yet names the actor."""
    roles = tuple(r for r in NAMED_ROLES if r in task.candidate_groups)
    if roles and task.kind == "bpmn":
        take_in_charge(uow, case, actor, roles, "took the case in charge")


@metered("unclaim_task")
def unclaim_task(uow: UnitOfWork, task_id: int, actor: Actor) -> HumanTask:
    """Give a task back to its groups."""
    task, case = _locked_task(uow, task_id, actor)
    if task.assignee_id not in (None, actor.user_id) and not _may_assign(actor, case):
        raise TaskClaimedByOther(f"task {task_id} is claimed by someone else")
    acting = acting_for(uow, task, actor)
    task.assignee_id = None  # held for an absent colleague, it still goes back to her
    record(uow, case, "task_unclaimed", actor, {"task_id": task.id, **acting}, task.element_id)
    uow.commit()
    return task


def _may_assign(actor: Actor, case: Case) -> bool:
    """Admins, coordinators and the case's own case manager (not every case manager)."""
    own_case = actor.user_id is not None and case.case_manager_id == actor.user_id
    return actor.is_admin or actor.has_role("coordinator") or own_case


@metered("assign_task")
def assign_task(uow: UnitOfWork, task_id: int, username: str, actor: Actor) -> HumanTask:
    """Give a task to a named user who holds one of its groups."""
    task, case = _locked_task(uow, task_id, actor)
    if not _may_assign(actor, case) and task.assignee_id not in (None, actor.user_id):
        raise Forbidden(f"{actor.username} may not reassign task {task_id}")
    user = uow.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise UserNotFound(f"no active user {username!r}")
    if not may_work_on(uow, actor_for(uow, user), task):
        raise InvalidInput(
            f"{username} holds none of the task's groups ({', '.join(task.candidate_groups)})",
            [{"field": "user", "message": "not in the task's groups"}],
        )
    payload: dict[str, Any] = {"task_id": task.id, "to": username}
    task.substitute_for_id = None
    absence = away(uow, user.id)
    if absence is not None:  # she is away: the task goes to her substitute, and back later
        user = _stand_in(uow, absence, task, username)
        task.substitute_for_id = absence.user_id
        payload.update(to=user.username, on_behalf_of=username)
    task.assignee_id = user.id
    record(uow, case, "task_assigned", actor, payload, task.element_id)
    if user.id != actor.user_id:
        notify.task_assigned(uow, case, task, user)
    uow.commit()
    return task


def _stand_in(uow: UnitOfWork, absence: Absence, task: HumanTask, username: str) -> User:
    """The substitute of an absent user, if he may do the task; InvalidInput otherwise."""
    substitute = uow.session.get_one(User, absence.substitute_id)
    if not substitute.active or not may_work_on(uow, actor_for(uow, substitute), task):
        raise InvalidInput(
            f"{username} is away until {absence.ends_on.isoformat()} and her substitute "
            f"{substitute.username} may not do this task: assign it to someone else",
            [{"field": "user", "message": "away, and her substitute may not do the task"}],
        )
    return substitute


@metered("remind_holder")
def remind_holder(uow: UnitOfWork, review_id: int, actor: Actor) -> HumanTask:
    """From a review task: remind whoever holds the stuck task (its assignee, else its groups)
    that it waits for them. Returns the stuck task (TaskNotReady if it is no longer open)."""
    review, case = _locked_task(uow, review_id, actor)
    stuck = uow.session.get(HumanTask, (review.data or {}).get("stuck_task_id") or 0)
    if review.kind != REVIEW or stuck is None or stuck.case_id != case.id:
        raise TaskNotReady(f"task {review_id} is not a review of a stuck task")
    if stuck.status != OPEN:
        raise TaskNotReady(f"task {stuck.id} ({stuck.name}) is {stuck.status}")
    audience = notify.task_audience(uow, stuck)
    notify.tell(uow, audience, "task_reminder", case, stuck)
    payload = {"task_id": stuck.id, "review_task_id": review.id, "notified": audience.usernames}
    record(uow, case, "task_reminded", actor, payload, stuck.element_id)
    uow.commit()
    return stuck


@metered("save_draft")
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


@metered("complete_task")
def complete_task(
    uow: UnitOfWork,
    task_id: int,
    data: dict[str, Any],
    actor: Actor,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Complete a task with its form data and advance the case (StaleCase if it moved on)."""
    task, case = _locked_task(uow, task_id, actor, expected_version, settles=True)
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
    refuse_control_characters(data)
    form = form_schema(uow, case, task)
    if form is not None:
        validate_data(form, data, uow.now.date())
    instance = load_instance(uow, case)
    if task.kind != "bpmn" or instance.task(task.spiff_task_id or "") is None:
        raise TaskNotReady(f"task {task_id} is not waiting in the workflow")
    acting = acting_for(uow, task, actor)
    instance.complete(task.spiff_task_id or "", data)
    uow.update(
        task,
        status=COMPLETED,
        completed_at=uow.now,
        completed_by=actor.user_id,
        assignee_id=task.assignee_id or actor.user_id,
        data=data,
        draft=None,
        next_escalation_at=None,
    )
    payload = {"task_id": task.id, "data": data, **acting}
    record(uow, case, "task_completed", actor, payload, task.element_id)
    _takes_in_charge(uow, case, task, actor)
    for scope, given, given_by in consent_answers(form, data):
        change_consent(uow, case, scope, given, given_by, actor, "recorded in a form")
    outcome = settle(uow, case, instance, actor)
    uow.commit()
    return outcome
