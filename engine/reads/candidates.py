"""Whom a person may name: a colleague to take a task (the worklist's reassign field), someone
to lead a case, and where a case may be transferred (the case page).

A Comune has hundreds of case managers: past a few dozen people a page asks for a name and
proposes matches as it is typed, instead of listing everyone (`few_people`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from engine.actors import Actor
from engine.errors import Forbidden, InvalidInput
from engine.rules.access import visible_case
from engine.rules.ownership import CAV, NAMED_ROLES, OWNER_KINDS, eligibility, may_manage
from engine.rules.people import by_name, colleague_of
from engine.store.folding import fold
from engine.store.tables import Case, Organization, User
from engine.store.uow import UnitOfWork


def ownership_choices(
    uow: UnitOfWork, actor: Actor, reference: str, *, listed: int
) -> dict[str, Any]:
    """Who may be named on a case (by name, for each role with at most `listed` of them; the
    roles with more are `searched`), and where it may be transferred."""
    case = visible_case(uow, actor, reference)
    if not may_manage(uow, actor, case):
        return {"case_manager": [], "cav_operator": [], "owners": [], "searched": []}
    choices: dict[str, Any] = {"searched": []}
    for role in NAMED_ROLES:
        people = few_people(uow, listed, *_eligible(uow, case, role))
        if people is None:
            choices["searched"].append(role)
        choices[role] = [
            {"username": username, "full_name": full_name} for username, full_name in people or []
        ]
    return {**choices, "owners": _owners(uow, case)}


def few_colleagues(uow: UnitOfWork, actor: Actor, listed: int) -> list[tuple[str, str]] | None:
    """The colleagues `colleagues` lists, by name, or None past `listed` of them."""
    if not actor.organizations:
        return []
    return few_people(uow, listed, colleague_of(actor))


def few_people(
    uow: UnitOfWork, listed: int, *where: ColumnElement[bool]
) -> list[tuple[str, str]] | None:
    """(username, full name) of the users matching `where`, by name, or None when more than
    `listed` match (the page then asks for a name). One bounded read: unordered, so that the
    database stops at the first `listed + 1`, then sorted here as people read names (neither
    case nor accents matter)."""
    found = uow.session.execute(
        select(User.username, User.full_name).where(*where).limit(listed + 1)
    )
    people = [(username, full_name or username) for username, full_name in found]
    if len(people) > listed:
        return None
    return sorted(people, key=lambda p: (fold(p[1]), p[1], p[0]))


def ownership_candidates(
    uow: UnitOfWork, actor: Actor, reference: str, role: str, search: str, *, limit: int
) -> list[tuple[str, str]]:
    """(username, full name) of up to `limit` people who may be named the case's `role`, whose
    name or username contains `search` (as `colleagues` matches), by name; for who may
    manage the case."""
    if role not in NAMED_ROLES:
        raise InvalidInput(
            f"role must be one of {', '.join(NAMED_ROLES)}", [{"field": "role", "message": role}]
        )
    case = visible_case(uow, actor, reference)
    if not may_manage(uow, actor, case):
        raise Forbidden("only the case's managers name who leads it")
    typed = uow.contains_folded(search, User.username, User.full_name)
    if typed is None:
        return []
    found = uow.session.execute(
        select(User.username, User.full_name)
        .where(*_eligible(uow, case, role), typed)
        .order_by(*by_name(uow))
        .limit(limit)
    )
    return [(username, full_name or username) for username, full_name in found]


def _eligible(uow: UnitOfWork, case: Case, role: str) -> tuple[Any, ...]:
    return (User.active.is_(True), eligibility(uow, case, role))


def _owners(uow: UnitOfWork, case: Case) -> list[str]:
    """The organisations the case may be transferred to: a restricted case to a CAV, any other
    case to a social service (not the one that owns it)."""
    targets = uow.session.scalars(
        select(Organization)
        .where(
            Organization.kind.in_(sorted(OWNER_KINDS)),
            Organization.id != (case.owner_organization_id or 0),
        )
        .order_by(Organization.name)
    )
    return [o.code for o in targets if (o.kind == CAV) == bool(case.restricted)]
