"""Reading absences: one user's, those in the actor's scope, and whom she may choose to stand in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from engine.actors import Actor
from engine.errors import Forbidden, UserNotFound
from engine.rules.absences import CURRENT, current_absence, held_tasks, missing_roles
from engine.store.tables import Absence, Membership, Organization, User
from engine.store.uow import UnitOfWork


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"no user {username!r}")
    return user


def _memberships(uow: UnitOfWork, user_id: int) -> frozenset[tuple[str, str]]:
    rows = uow.session.execute(
        select(Membership.role, Organization.code)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user_id)
    ).all()
    return frozenset((role, org) for role, org in rows)


def _coordinated(actor: Actor) -> set[str]:
    return {org for role, org in actor.memberships if role == "coordinator"}


def may_manage(uow: UnitOfWork, actor: Actor, user: User) -> bool:
    """The user herself, a coordinator of one of her organisations, or an administrator."""
    if actor.is_admin or actor.user_id == user.id:
        return True
    return bool(_coordinated(actor) & {org for _r, org in _memberships(uow, user.id)})


def absence_view(absence: Absence, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": absence.id,
        "user": names.get(absence.user_id),
        "substitute": names.get(absence.substitute_id),
        "from": absence.starts_on,
        "to": absence.ends_on,
        "status": absence.status,
        "note": absence.note,
        "created_by": names.get(absence.created_by) if absence.created_by else None,
        "created_at": absence.created_at,
        "started_at": absence.started_at,
        "ended_at": absence.ended_at,
    }


def _names(uow: UnitOfWork, absences: list[Absence]) -> dict[int, str]:
    ids = {i for a in absences for i in (a.user_id, a.substitute_id, a.created_by) if i}
    rows = uow.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {row[0]: row[1] for row in rows}


def describe_absence(uow: UnitOfWork, absence: Absence) -> dict[str, Any]:
    """An absence in words (usernames, not ids), e.g. right after a command changed it."""
    return absence_view(absence, _names(uow, [absence]))


def user_absence(uow: UnitOfWork, actor: Actor, username: str) -> dict[str, Any] | None:
    """The user's running or next planned absence (for her, her substitute, her coordinators)."""
    user = _user(uow, username)
    absence = current_absence(uow, user.id)
    may_read = may_manage(uow, actor, user) or (
        absence is not None and absence.substitute_id == actor.user_id
    )
    if not may_read:
        raise Forbidden(f"{actor.username} may not read the absences of {username}")
    return describe_absence(uow, absence) if absence is not None else None


def list_absences(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Running and planned absences the actor may see: her own, those she stands in for, and,
    for coordinators, those of their organisations' people (administrators: everyone's)."""
    query = select(Absence).where(Absence.status.in_(CURRENT))
    if not actor.is_admin:
        mine = (Absence.user_id == actor.user_id) | (Absence.substitute_id == actor.user_id)
        orgs = sorted(_coordinated(actor))
        member = aliased(Membership)
        colleagues = (
            select(member.user_id)
            .join(Organization, Organization.id == member.organization_id)
            .where(Organization.code.in_(orgs))
        )
        query = query.where(mine | Absence.user_id.in_(colleagues) if orgs else mine)
    absences = list(uow.session.scalars(query.order_by(Absence.starts_at, Absence.id)))
    names = _names(uow, absences)
    return [absence_view(a, names) for a in absences]


def manageable_people(uow: UnitOfWork, actor: Actor) -> list[dict[str, str]]:
    """The active users whose absence the actor may record (herself first)."""
    query = select(User).where(User.active.is_(True)).order_by(User.username)
    if not actor.is_admin:
        orgs = sorted(_coordinated(actor))
        in_orgs = (
            select(Membership.user_id)
            .join(Organization, Organization.id == Membership.organization_id)
            .where(Organization.code.in_(orgs))
        )
        query = query.where((User.id == actor.user_id) | User.id.in_(in_orgs))
    people = [
        {"username": u.username, "full_name": u.full_name} for u in uow.session.scalars(query)
    ]
    people.sort(key=lambda p: p["username"] != actor.username)
    return people


def substitute_choices(uow: UnitOfWork, actor: Actor, username: str) -> list[dict[str, Any]]:
    """Active colleagues sharing an organisation with the user, and for each the roles of her
    open tasks he lacks (none: he can take them all)."""
    user = _user(uow, username)
    if not may_manage(uow, actor, user):
        raise Forbidden(f"{actor.username} may not manage the absences of {username}")
    orgs = sorted({org for _r, org in _memberships(uow, user.id)})
    colleagues = uow.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Organization.code.in_(orgs), User.active.is_(True), User.id != user.id)
        .distinct()
        .order_by(User.username)
    ).all()
    open_tasks = len(held_tasks(uow, user.id))
    choices = []
    for colleague in colleagues:
        stand_in = Actor(colleague.id, colleague.username, _memberships(uow, colleague.id))
        lacking = missing_roles(uow, stand_in, user.id) if open_tasks else []
        choices.append(
            {
                "username": colleague.username,
                "full_name": colleague.full_name,
                "missing": [m.describe() for m in lacking],
            }
        )
    return choices
