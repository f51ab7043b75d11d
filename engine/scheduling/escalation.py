"""The escalation ladder of overdue human tasks: each step fires once, under the case's lock.

A ladder is a list of steps {"after": ISO duration from the due date, "action": ...}; the task's
`escalation_level` counts the steps fired and `next_escalation_at` is when the next one is due.
Actions: notify_assignee (the assignee, or the groups if nobody holds the task), notify_group,
notify_coordinators (of the task's organisation, falling back to the case's, then to all), and
review_task (a task for the Comitato tecnico operativo, linked to the stuck case and task).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.actors import SYSTEM
from engine.commands.metering import metered
from engine.durations import parse_duration
from engine.notices.notify import Audience, coordinators, task_audience, tell, users_holding
from engine.rules.audit import record
from engine.rules.progress import RUNNING, open_incident
from engine.rules.reviews import open_review
from engine.rules.worklist import OPEN
from engine.spiff import Failure
from engine.store.tables import Case, HumanTask
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

BATCH = 200
log = logging.getLogger(__name__)


def step_due_at(task: HumanTask, level: int) -> datetime | None:
    """When step `level` (0-based) of the task's ladder is due; None past the last step."""
    ladder = task.escalation or []
    if task.due_at is None or level >= len(ladder):
        return None
    return parse_duration(str(ladder[level]["after"])).after(task.due_at)


def due_task_ids(uow: UnitOfWork, now: datetime, limit: int = BATCH) -> list[tuple[int, int]]:
    """(task id, case id) of open tasks whose next step is due, oldest first."""
    rows = uow.session.execute(
        select(HumanTask.id, HumanTask.case_id)
        .where(HumanTask.status == OPEN, HumanTask.next_escalation_at <= now)
        .order_by(HumanTask.next_escalation_at, HumanTask.id)
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def _claim(uow: UnitOfWork, task_id: int, case_id: int, now: datetime) -> HumanTask | None:
    """Lock the case (skipping it if another process holds it), then re-read the task."""
    case = uow.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if case is None:
        return None
    task = uow.session.scalar(
        select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True)
    )
    if task is None or task.status != OPEN or task.next_escalation_at is None:
        return None
    return task if task.next_escalation_at <= now else None


def escalate_due_tasks(engine: Engine, now: datetime | None = None) -> int:
    """Fire every escalation step due at `now`; returns how many steps fired."""
    moment = now or engine.clock()
    fired = 0
    seen: set[int] = set()
    while True:
        with engine.uow(write=False, now=moment) as uow:
            batch = [(t, c) for t, c in due_task_ids(uow, moment) if t not in seen]
        if not batch:
            return fired
        for task_id, case_id in batch:
            seen.add(task_id)
            with engine.uow(now=moment) as uow:
                task = _claim(uow, task_id, case_id, moment)
                if task is None:
                    continue
                fired += escalate_task(uow, uow.session.get_one(Case, case_id), task)
                uow.commit()


@metered("escalate_task")
def escalate_task(uow: UnitOfWork, case: Case, task: HumanTask) -> int:
    """Fire each step of the task's ladder that is due (catching up after downtime).

    Each step runs in its own savepoint: a step that fails is undone alone, becomes an incident
    on its case, and stops that task's ladder; the scheduler's pass goes on with the others."""
    fired = 0
    while task.next_escalation_at is not None and task.next_escalation_at <= uow.now:
        savepoint = uow.session.begin_nested()
        try:
            fire_step(uow, case, task)
            uow.flush()
        except Exception as exc:  # the scheduler's job wrapper (STYLE.md): isolate the step
            savepoint.rollback()
            log.exception("escalation of task %s of case %s failed", task.id, case.reference)
            _set_aside(uow, case, task, exc)
            return fired
        savepoint.commit()
        fired += 1
    return fired


def _set_aside(uow: UnitOfWork, case: Case, task: HumanTask, exc: Exception) -> None:
    """Stop the ladder of a task whose step failed, with an incident a coordinator sees."""
    uow.session.refresh(task)
    uow.session.refresh(case)
    level = task.escalation_level
    task.next_escalation_at = None
    error = f"escalation step {level + 1} of task {task.name!r} failed: {type(exc).__name__}: {exc}"
    failure = Failure("escalation", task.element_id, task.spiff_task_id, error)
    open_incident(uow, case, failure, SYSTEM)


def fire_step(uow: UnitOfWork, case: Case, task: HumanTask) -> None:
    """Run the task's next step, record it on the case, and move the ladder on."""
    level = task.escalation_level
    step = dict((task.escalation or [])[level])
    action = str(step["action"])
    details = _ACTIONS[action](uow, case, task)
    task.escalation_level = level + 1
    task.next_escalation_at = step_due_at(task, level + 1)
    payload = {
        "task_id": task.id,
        "level": level + 1,
        "after": step["after"],
        "action": action,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "running_case": case.status == RUNNING,
        **details,
    }
    record(uow, case, "task_escalated", SYSTEM, payload, task.element_id)


def _notify(kind: str, audience: Audience, uow: UnitOfWork, case: Case, task: HumanTask) -> Any:
    tell(uow, audience, kind, case, task)
    return {"notified": audience.usernames, "audience": audience.scope}


def _notify_assignee(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any]:
    return dict(_notify("task_overdue", task_audience(uow, task), uow, case, task))


def _notify_group(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any]:
    users = users_holding(uow, task.candidate_groups, task.organization_id)
    audience = Audience(users, f"groups {', '.join(task.candidate_groups) or '-'}")
    return dict(_notify("task_overdue", audience, uow, case, task))


def _notify_coordinators(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any]:
    return dict(_notify("task_escalated", coordinators(uow, case, task), uow, case, task))


_ACTIONS = {
    "notify_assignee": _notify_assignee,
    "notify_group": _notify_group,
    "notify_coordinators": _notify_coordinators,
    "review_task": open_review,
}
