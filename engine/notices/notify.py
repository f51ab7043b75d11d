"""Who hears about what: notices written to the outbox in the same transaction as their cause.

Recipients are resolved when the notice is written, not when it is delivered: the audit event
of the cause then names exactly who was told, each person's copy is retried (and marked
delivered) on its own, and one bad address never makes the others receive a copy twice. The
price: someone who joins a group between the cause and the delivery (normally seconds) is not
told.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from engine.notices.outbox import APP, EMAIL, enqueue
from engine.store.tables import Case, HumanTask, Incident, Membership, User
from engine.store.uow import UnitOfWork

COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Recipient:
    """A user as a notice needs them."""

    id: int
    username: str
    email: str
    locale: str | None = None

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(user.id, user.username, user.email, user.locale)


@dataclass(frozen=True)
class Audience:
    """The users told, and in words whom they stand for (for the audit trail)."""

    users: list[Recipient]
    scope: str

    @property
    def usernames(self) -> list[str]:
        return [u.username for u in self.users]


_HOLDING = (
    select(User.id, User.username, User.email, User.locale)
    .join(Membership, Membership.user_id == User.id)
    .where(Membership.role.in_(bindparam("roles", expanding=True)), User.active.is_(True))
    .distinct()
    .order_by(User.id)
)
_HOLDING_IN = _HOLDING.where(Membership.organization_id == bindparam("organization_id"))


def users_holding(
    uow: UnitOfWork, roles: Iterable[str], organization_id: int | None = None
) -> list[Recipient]:
    """Active users holding any of `roles` (in that organisation, when one is given)."""
    roles = list(roles)
    if not roles:
        return []
    if organization_id is None:
        rows = uow.session.connection().execute(_HOLDING, {"roles": roles})
    else:
        params = {"roles": roles, "organization_id": organization_id}
        rows = uow.session.connection().execute(_HOLDING_IN, params)
    return [Recipient(*row) for row in rows]


def task_audience(uow: UnitOfWork, task: HumanTask) -> Audience:
    """The assignee (and, while she is away, the colleague the assignee stands in for), or the
    task's candidate groups when nobody holds it."""
    if task.assignee_id is not None:
        user = uow.session.get(User, task.assignee_id)
        if user is not None and user.active:
            absent = (
                uow.session.get(User, task.substitute_for_id) if task.substitute_for_id else None
            )
            if absent is not None and absent.active:
                both = [Recipient.of(user), Recipient.of(absent)]
                return Audience(both, f"assignee, standing in for {absent.username}")
            return Audience([Recipient.of(user)], "assignee")
    groups = ", ".join(task.candidate_groups) or "-"
    return Audience(
        users_holding(uow, task.candidate_groups, task.organization_id), f"groups {groups}"
    )


def coordinators(uow: UnitOfWork, case: Case, task: HumanTask | None = None) -> Audience:
    """Coordinators of the task's organisation, else the case's, else all coordinators."""
    for org_id, whose in ((task and task.organization_id, "task"), (case.organization_id, "case")):
        if org_id:
            users = users_holding(uow, [COORDINATOR], org_id)
            code = uow.facts.organization_code(uow.session, org_id)
            if users:
                return Audience(users, f"coordinators of {code} (the {whose}'s organisation)")
    return Audience(
        users_holding(uow, [COORDINATOR]),
        "all coordinators (no coordinator in the task's or the case's organisation)",
    )


def payload_for(
    uow: UnitOfWork, kind: str, case: Case, task: HumanTask | None, **extra: Any
) -> dict[str, Any]:
    """What a notice may carry: reference, task name (and which item of a parallel step), due
    date, link, how many tasks it stands for. Nothing about the person."""
    base = uow.settings.base_url.rstrip("/")
    payload: dict[str, Any] = {"kind": kind, "reference": case.reference, "count": 1, **extra}
    if task is not None:
        label = (task.item or {}).get("label")
        payload.update(
            task_id=task.id,
            task_name=task.name,
            element_id=task.element_id,
            item=label if isinstance(label, dict) else None,
            due_at=task.due_at.isoformat() if task.due_at else None,
            link=f"{base}/tasks/{task.id}",
        )
    if task is None or payload["count"] > 1:
        payload["link"] = f"{base}/cases/{case.reference}"
    return payload


def tell(
    uow: UnitOfWork,
    audience: Audience,
    kind: str,
    case: Case,
    task: HumanTask | None,
    *,
    count: int = 1,
) -> None:
    """One in-app row per user, and one e-mail row per user with an address (if SMTP is set);
    `count` says how many tasks of the same step the notice stands for."""
    mail_on = bool(uow.settings.smtp_host)
    for user in audience.users:
        payload = payload_for(uow, kind, case, task, user_id=user.id, count=count)
        enqueue(uow, APP, user.username, case.id, payload)
        if mail_on and user.email:
            enqueue(uow, EMAIL, user.email, case.id, {**payload, "locale": user.locale})


def tasks_emitted(
    uow: UnitOfWork, case: Case, tasks: list[HumanTask], actor_id: int | None
) -> None:
    """Tell the new tasks' assignees or groups, one notice per step (a parallel step's tasks
    together), never the person whose action emitted them (she is told on the page); and
    wake the scheduler for their ladders."""
    steps: dict[tuple[str, int | None, int | None], list[HumanTask]] = {}
    for task in tasks:
        steps.setdefault((task.element_id, task.organization_id, task.assignee_id), []).append(task)
        if task.next_escalation_at is not None:
            uow.wake_at(task.next_escalation_at)
    for same in steps.values():
        audience = task_audience(uow, same[0])
        others = [u for u in audience.users if actor_id is None or u.id != actor_id]
        if others:
            tell(
                uow,
                Audience(others, audience.scope),
                "task_emitted",
                case,
                same[0],
                count=len(same),
            )


def task_emitted(uow: UnitOfWork, case: Case, task: HumanTask) -> None:
    """Tell a new task's assignee or groups; and wake the scheduler for its ladder."""
    tasks_emitted(uow, case, [task], None)


def task_assigned(uow: UnitOfWork, case: Case, task: HumanTask, assignee: User) -> None:
    tell(uow, Audience([Recipient.of(assignee)], "assignee"), "task_assigned", case, task)


def task_substituted(uow: UnitOfWork, case: Case, task: HumanTask, substitute: User) -> None:
    """Tell a substitute that an absent colleague's task is now his."""
    tell(uow, Audience([Recipient.of(substitute)], "substitute"), "task_substituted", case, task)


def incident_opened(uow: UnitOfWork, case: Case, incident: Incident) -> None:
    """Tell the coordinators that a case needs them (the error text stays in the app)."""
    tell(uow, coordinators(uow, case), "incident", case, None)


def case_assigned(uow: UnitOfWork, case: Case, user: User) -> None:
    """Tell a person they are now the case's named case manager (or CAV operator)."""
    tell(uow, Audience([Recipient.of(user)], "named person"), "case_assigned", case, None)


def case_transferred(uow: UnitOfWork, case: Case, audience: Audience) -> None:
    """Tell the new owner's case managers (or its named case manager) about a transferred case."""
    tell(uow, audience, "case_transferred", case, None)
