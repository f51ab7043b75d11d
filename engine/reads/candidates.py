"""Whom a case's managers may name to lead it, and where they may transfer it (the case page).

A Comune has hundreds of case managers: past a few dozen eligible people the page asks for a
name and proposes matches as it is typed, instead of listing everyone (as the worklist's
reassign field does with colleagues)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.errors import Forbidden, InvalidInput
from engine.rules.access import visible_case
from engine.rules.ownership import CAV, NAMED_ROLES, OWNER_KINDS, eligibility, may_manage
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
        # A bounded probe: unordered, so the database stops at the first `listed + 1`.
        probe = select(User.username, User.full_name).where(*_eligible(uow, case, role))
        people = uow.session.execute(probe.limit(listed + 1)).all()
        if len(people) > listed:
            choices["searched"].append(role)
            people = []
        choices[role] = [
            {"username": username, "full_name": full_name}
            for username, full_name in sorted(people, key=lambda p: (p[1] or "", p[0]))
        ]
    return {**choices, "owners": _owners(uow, case)}


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
        .order_by(User.full_name, User.username)
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
