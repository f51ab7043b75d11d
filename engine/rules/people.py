"""Who counts as a colleague, and the order in which people read a list of names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from engine.actors import Actor
from engine.store.tables import Membership, Organization, User
from engine.store.uow import UnitOfWork


def by_name(uow: UnitOfWork) -> tuple[Any, ...]:
    """Users in the order people read a list of names: neither case nor accents matter, and
    a user without a full name goes by their username (as `few_people` sorts them)."""
    name = func.coalesce(User.full_name, User.username)
    return uow.folded(name), name, User.username


def colleague_of(actor: Actor) -> ColumnElement[bool]:
    """An active user with a membership in one of the actor's organisations (a semi-join: each
    user once, however many roles they hold, with no DISTINCT to sort)."""
    members = (
        select(Membership.user_id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Organization.code.in_(sorted(actor.organizations)))
    )
    return and_(User.active.is_(True), User.id.in_(members))
