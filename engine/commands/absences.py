"""Recording absences and applying them: at once when they start today, else by the scheduler.

A user records her own absence; a coordinator records one for anyone of her organisations; an
administrator for anyone. The substitute must be an active colleague of the same organisation
who holds the roles of her open tasks; a refusal names what he lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.actors import SYSTEM, Actor
from engine.commands.accounts import actor_for
from engine.errors import Forbidden, InvalidInput, NotFound, UserNotFound
from engine.rules.absences import (
    ACTIVE,
    CANCELLED,
    PLANNED,
    bounds,
    current_absence,
    due_absences,
    give_back,
    hand_over,
    local_day,
    missing_roles,
    overlapping,
)
from engine.store.tables import Absence, User
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

MAX_DAYS = 366


@dataclass(frozen=True)
class AbsenceRequest:
    """An absence as asked for: from one day to another (both included), and who stands in."""

    starts_on: date
    ends_on: date
    substitute: str
    note: str = ""


def active_user(uow: UnitOfWork, username: str, field: str | None = None) -> User:
    """The named active user; UserNotFound, or InvalidInput on `field` when given."""
    user = uow.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is not None:
        return user
    if field is None:
        raise UserNotFound(f"no active user {username!r}")
    raise InvalidInput(
        f"no active user {username!r}",
        [{"field": field, "code": "unknown_user", "message": "no such active user"}],
    )


def require_absence_manager(uow: UnitOfWork, actor: Actor, user: User) -> Actor:
    """The user's actor, if the actor may record her absences: herself, a coordinator of one of
    her organisations, or an administrator."""
    person = actor_for(uow, user)
    coordinator_orgs = {org for role, org in actor.memberships if role == "coordinator"}
    if actor.is_admin or actor.user_id == user.id or coordinator_orgs & person.organizations:
        return person
    raise Forbidden(f"{actor.username} may not manage the absences of {user.username}")


def set_absence(uow: UnitOfWork, actor: Actor, username: str, request: AbsenceRequest) -> Absence:
    """Record (or replace) the user's absence; it starts at once when it starts today."""
    user = active_user(uow, username)
    person = require_absence_manager(uow, actor, user)
    starts_at, ends_at = _check_dates(uow, request)
    substitute = active_user(uow, request.substitute, "substitute")
    stand_in = actor_for(uow, substitute)
    _check_substitute(uow, person, stand_in, starts_at, ends_at)
    existing = current_absence(uow, user.id)
    if _extends(existing, substitute, starts_at, uow.now):
        assert existing is not None
        existing.ends_on, existing.ends_at, existing.note = request.ends_on, ends_at, request.note
        uow.commit()
        return existing  # a running absence with the same substitute: only its end moves
    if existing is not None:
        _withdraw(uow, existing, actor)
    absence = Absence(
        user_id=user.id,
        substitute_id=substitute.id,
        starts_on=request.starts_on,
        ends_on=request.ends_on,
        starts_at=starts_at,
        ends_at=ends_at,
        status=PLANNED,
        note=request.note[:500],
        created_by=actor.user_id,
        created_at=uow.now,
    )
    uow.session.add(absence)
    uow.session.flush()
    if starts_at <= uow.now:
        hand_over(uow, absence, actor, stand_in)
    else:
        uow.wake_at(starts_at)
    uow.commit()
    return absence


def _extends(
    existing: Absence | None, substitute: User, starts_at: datetime, now: datetime
) -> bool:
    return (
        existing is not None
        and existing.status == ACTIVE
        and existing.substitute_id == substitute.id
        and starts_at <= now
    )


def _check_dates(uow: UnitOfWork, request: AbsenceRequest) -> tuple[datetime, datetime]:
    problems = []
    if request.ends_on < request.starts_on:
        problems.append({"field": "to", "code": "order", "message": "ends before it starts"})
    elif request.ends_on < local_day(uow.now):
        problems.append({"field": "to", "code": "past", "message": "is in the past"})
    elif request.ends_on - request.starts_on >= timedelta(days=MAX_DAYS):
        message = f"an absence lasts at most {MAX_DAYS} days"
        problems.append({"field": "to", "code": "too_long", "message": message})
    elif request.starts_on > local_day(uow.now) + timedelta(days=2 * MAX_DAYS):
        message = "starts more than two years from now"
        problems.append({"field": "from", "code": "too_far", "message": message})
    if problems:
        first = problems[0]
        raise InvalidInput(f"the absence's dates: {first['field']} {first['message']}", problems)
    return bounds(request.starts_on, request.ends_on)


def _check_substitute(
    uow: UnitOfWork, person: Actor, stand_in: Actor, starts_at: datetime, ends_at: datetime
) -> None:
    """Same organisation, not herself, not away meanwhile, holding her tasks' roles."""
    who = stand_in.username
    if stand_in.user_id == person.user_id:
        _refuse(f"{who} cannot stand in for {person.username}: choose a colleague", "same_person")
    shared = person.organizations & stand_in.organizations
    if not shared and not stand_in.is_admin:
        orgs = ", ".join(sorted(person.organizations)) or "none"
        _refuse(f"{who} is not in {person.username}'s organisation ({orgs})", "other_organization")
    assert stand_in.user_id is not None
    if overlapping(uow, stand_in.user_id, starts_at, ends_at):
        _refuse(f"{who} is away during these days too: choose another colleague", "away")
    assert person.user_id is not None
    missing = missing_roles(uow, stand_in, person.user_id)
    if missing:
        needs = "; ".join(m.describe() for m in missing)
        roles = [{"groups": list(m.groups), "organization": m.organization} for m in missing]
        _refuse(
            f"{who} lacks the roles of {person.username}'s open tasks: {needs}",
            "missing_roles",
            {"substitute": who, "absent": person.username, "roles": roles},
        )


def _refuse(message: str, code: str, params: dict[str, Any] | None = None) -> None:
    problem = {"field": "substitute", "code": code, "message": message, "params": params or {}}
    raise InvalidInput(message, [problem])


def _withdraw(uow: UnitOfWork, absence: Absence, actor: Actor) -> None:
    """End a running absence (tasks go back) or cancel a planned one."""
    if absence.status == ACTIVE:
        give_back(uow, absence, actor)
    else:
        absence.status, absence.ended_at = CANCELLED, uow.now


def end_absence(uow: UnitOfWork, actor: Actor, username: str) -> Absence:
    """End the user's running absence now, or cancel her planned one."""
    user = active_user(uow, username)
    require_absence_manager(uow, actor, user)
    absence = current_absence(uow, user.id)
    if absence is None:
        raise NotFound(f"{username} has no current or planned absence")
    _withdraw(uow, absence, actor)
    uow.commit()
    return absence


def apply_due_absences(engine: Engine, now: datetime | None = None) -> int:
    """End the absences whose last day is over, then start those whose first day has come, each
    in its own transaction (the scheduler's duty). How many changed."""
    moment = now or engine.clock()
    with engine.uow(write=False, now=moment) as uow:
        due = due_absences(uow, moment)
    for absence_id, action in due:
        with engine.uow(now=moment) as uow:
            absence = uow.session.scalars(
                select(Absence)
                .where(Absence.id == absence_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
            if action == "end" and absence.status == ACTIVE:
                give_back(uow, absence, SYSTEM)
            elif action == "start" and absence.status == PLANNED:
                substitute = uow.session.get_one(User, absence.substitute_id)
                hand_over(uow, absence, SYSTEM, actor_for(uow, substitute))
            uow.commit()
    return len(due)
