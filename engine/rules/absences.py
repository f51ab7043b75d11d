"""Absences and substitutes: while a user is away, her assigned tasks are her substitute's.

The worklist's queries are untouched: an absence moves each of her open assigned tasks to the
substitute (`assignee_id`), and the row remembers whom it was taken from (`substitute_for_id`),
which the pages show as "in sostituzione di ..." and which gives the task back when she
returns, unless it was completed meanwhile or someone deliberately took it over. A task the
substitute may not do goes back to its groups' queue while she is away. Every move is an
audit event on the task's case, under the case's row lock.

Absences run by whole days of the network's time zone (Europe/Rome), both dates included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from engine.actors import Actor
from engine.notices import notify
from engine.rules.audit import record
from engine.rules.ownership import actor_of
from engine.rules.worklist import OPEN, task_organization
from engine.store.locking import lock_case
from engine.store.tables import Absence, Case, HumanTask, User
from engine.store.uow import UnitOfWork

LOCAL_ZONE = ZoneInfo("Europe/Rome")
PLANNED, ACTIVE, ENDED, CANCELLED = "planned", "active", "ended", "cancelled"
CURRENT = (PLANNED, ACTIVE)


def day_start(day: date) -> datetime:
    """The first moment of a day in the network's time zone."""
    return datetime.combine(day, time(0, 0), LOCAL_ZONE)


def local_day(moment: datetime) -> date:
    """The network's calendar day of a moment."""
    return moment.astimezone(LOCAL_ZONE).date()


def bounds(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """When an absence from one day to another (both included) starts and ends."""
    return day_start(starts_on), day_start(ends_on + timedelta(days=1))


def current_absence(uow: UnitOfWork, user_id: int) -> Absence | None:
    """The user's running absence, else her next planned one."""
    return uow.session.scalar(
        select(Absence)
        .where(Absence.user_id == user_id, Absence.status.in_(CURRENT))
        .order_by(Absence.status == PLANNED, Absence.starts_at)
        .limit(1)
    )


def away(uow: UnitOfWork, user_id: int) -> Absence | None:
    """The user's running absence, if she is away now."""
    return uow.session.scalar(
        select(Absence).where(Absence.user_id == user_id, Absence.status == ACTIVE).limit(1)
    )


@dataclass(frozen=True)
class MissingRole:
    """Groups a task needs (one of them, in its organisation) that the substitute lacks."""

    groups: tuple[str, ...]
    organization: str | None
    tasks: tuple[tuple[str, str], ...]  # (task name, case reference), a few examples

    def describe(self) -> str:
        where = f" in {self.organization}" if self.organization else ""
        example = ", ".join(f"{name!r} of {ref}" for name, ref in self.tasks[:2])
        return f"{' or '.join(self.groups) or 'a named assignee'}{where} (e.g. {example})"


def held_tasks(uow: UnitOfWork, user_id: int) -> list[tuple[HumanTask, str]]:
    """The user's open assigned tasks with their case references, as a handover sees them."""
    rows = uow.session.execute(
        select(HumanTask, Case.reference)
        .join(Case, Case.id == HumanTask.case_id)
        .where(HumanTask.status == OPEN, HumanTask.assignee_id == user_id)
        .order_by(HumanTask.case_id, HumanTask.id)
    ).all()
    return [(task, reference) for task, reference in rows]


def missing_roles(uow: UnitOfWork, substitute: Actor, user_id: int) -> list[MissingRole]:
    """What the substitute lacks to take each of the user's open assigned tasks."""
    found: dict[tuple[tuple[str, ...], str | None], list[tuple[str, str]]] = {}
    for task, reference in held_tasks(uow, user_id):
        if not _may_take(uow, substitute, task):
            key = (tuple(task.candidate_groups), task_organization(uow, task))
            found.setdefault(key, []).append((task.name, reference))
    return [MissingRole(g, org, tuple(tasks)) for (g, org), tasks in found.items()]


def _may_take(uow: UnitOfWork, substitute: Actor, task: HumanTask) -> bool:
    groups, org = tuple(task.candidate_groups), task_organization(uow, task)
    return substitute.is_admin or (bool(groups) and substitute.holds_any(groups, org))


def hand_over(uow: UnitOfWork, absence: Absence, actor: Actor, stand_in: Actor) -> int:
    """Start an absence: her open assigned tasks go to the substitute (`stand_in`, with his
    roles); those he may not do go back to their groups' queue. How many he took."""
    absent = uow.session.get_one(User, absence.user_id)
    substitute = uow.session.get_one(User, absence.substitute_id)
    moved = 0
    for task, case in _locked(uow, HumanTask.assignee_id == absent.id):
        payload = {"task_id": task.id, "absent": absent.username, "until": str(absence.ends_on)}
        task.substitute_for_id = task.substitute_for_id or absent.id
        if _may_take(uow, stand_in, task):
            task.assignee_id = substitute.id
            record(uow, case, "task_substituted", actor, {**payload, "to": substitute.username})
            notify.task_substituted(uow, case, task, substitute)
            moved += 1
        else:  # back to its groups' queue while she is away
            task.assignee_id = None
            record(uow, case, "task_substituted", actor, {**payload, "to": None})
    absence.status, absence.started_at = ACTIVE, uow.now
    return moved


def cover_new_task(uow: UnitOfWork, case: Case, task: HumanTask, actor: Actor) -> None:
    """A task the pathway assigns, as it opens, to someone away goes to her substitute if he
    may do it (to its groups' queue otherwise), held for her like the tasks she had."""
    absence = away(uow, task.assignee_id) if task.assignee_id is not None else None
    if absence is None:
        return
    absent = uow.session.get_one(User, absence.user_id)
    substitute = uow.session.get_one(User, absence.substitute_id)
    payload = {"task_id": task.id, "absent": absent.username, "until": str(absence.ends_on)}
    taken = substitute.active and _may_take(uow, actor_of(uow, substitute), task)
    uow.update(task, assignee_id=substitute.id if taken else None, substitute_for_id=absent.id)
    record(
        uow,
        case,
        "task_substituted",
        actor,
        {**payload, "to": substitute.username if taken else None},
    )
    if taken:
        notify.task_substituted(uow, case, task, substitute)


def give_back(uow: UnitOfWork, absence: Absence, actor: Actor) -> int:
    """End an absence: the tasks held for her go back to her, unless completed; how many."""
    absent = uow.session.get_one(User, absence.user_id)
    returned = 0
    for task, case in _locked(uow, HumanTask.substitute_for_id == absent.id):
        holder = uow.session.get(User, task.assignee_id) if task.assignee_id else None
        task.assignee_id, task.substitute_for_id = absent.id, None
        payload = {"task_id": task.id, "to": absent.username}
        record(uow, case, "task_given_back", actor, {**payload, "from": _name(holder)})
        returned += 1
    absence.status, absence.ended_at = ENDED, uow.now
    return returned


def _name(user: User | None) -> str | None:
    return user.username if user is not None else None


def _locked(uow: UnitOfWork, condition: Any) -> list[tuple[HumanTask, Case]]:
    """Open tasks meeting `condition`, each read after its case's row was locked."""
    open_task = (HumanTask.status == OPEN, condition)
    case_ids = sorted(set(uow.session.scalars(select(HumanTask.case_id).where(*open_task))))
    cases = {case_id: lock_case(uow, case_id) for case_id in case_ids}
    tasks = uow.session.scalars(
        select(HumanTask)
        .where(HumanTask.case_id.in_(case_ids), *open_task)
        .order_by(HumanTask.case_id, HumanTask.id)
        .execution_options(populate_existing=True)
    ).all()
    return [(task, cases[task.case_id]) for task in tasks]


def acting_for(uow: UnitOfWork, task: HumanTask, actor: Actor) -> dict[str, Any]:
    """`{"on_behalf_of": her}` when the actor works a task as her substitute (for the audit)."""
    if task.substitute_for_id is None or task.assignee_id != actor.user_id:
        return {}
    absent = uow.session.get(User, task.substitute_for_id)
    return {"on_behalf_of": absent.username} if absent is not None else {}


def overlapping(uow: UnitOfWork, user_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether the user has a current absence overlapping the period."""
    found = uow.session.scalar(
        select(Absence.id).where(
            Absence.user_id == user_id,
            Absence.status.in_(CURRENT),
            Absence.starts_at < ends_at,
            Absence.ends_at > starts_at,
        )
    )
    return found is not None


def due_absences(uow: UnitOfWork, now: datetime) -> list[tuple[int, str]]:
    """(absence id, what to do) for absences to end or start now: ends first."""
    rows = uow.session.execute(
        select(Absence.id, Absence.status)
        .where(
            or_(
                (Absence.status == ACTIVE) & (Absence.ends_at <= now),
                (Absence.status == PLANNED) & (Absence.starts_at <= now),
            )
        )
        .order_by(Absence.status == PLANNED, Absence.id)
    ).all()
    return [(row[0], "end" if row[1] == ACTIVE else "start") for row in rows]


def next_absence_change(uow: UnitOfWork) -> datetime | None:
    """When the next absence starts or ends (the scheduler sleeps until then at most)."""
    starts = uow.session.scalar(
        select(func.min(Absence.starts_at)).where(Absence.status == PLANNED)
    )
    ends = uow.session.scalar(select(func.min(Absence.ends_at)).where(Absence.status == ACTIVE))
    found = [m for m in (starts, ends) if m is not None]
    return min(found) if found else None
