"""Use cases on who leads a case: name its case manager (or CAV operator), transfer it.

Who may: administrators, coordinators and the owner's case managers (CAV operators on a case a
CAV owns; see engine/rules/ownership.py). Each change is an audit event; the people concerned
are told; open tasks move with the case.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.actors import Actor
from engine.commands.metering import metered
from engine.errors import Forbidden, InvalidInput, UserNotFound
from engine.notices import notify
from engine.rules.access import lock_visible_case, may_work_on
from engine.rules.audit import record
from engine.rules.ownership import (
    CAV,
    NAMED_ROLES,
    OWNER_KINDS,
    actor_of,
    eligible,
    managing_role,
    may_manage,
    name_person,
    named_id,
    organization_kind,
    owner_code,
    social_services,
)
from engine.rules.progress import require_running
from engine.rules.worklist import OPEN, add_party
from engine.store.tables import Case, CaseParty, HumanTask, Organization, User
from engine.store.uow import UnitOfWork


def _locked(uow: UnitOfWork, reference: str, actor: Actor, version: int | None) -> Case:
    case = lock_visible_case(uow, actor, reference, version)
    if not may_manage(uow, actor, case):
        raise Forbidden(
            f"{actor.username} may not change who leads case {reference}: only its owner's "
            "case managers and the coordinators may"
        )
    return case


def _person(uow: UnitOfWork, username: str) -> tuple[User, Actor]:
    user = uow.session.scalar(select(User).where(User.username == username, User.active))
    if user is None:
        raise UserNotFound(f"no active user {username!r}")
    return user, actor_of(uow, user)


@metered("set_case_manager")
def set_case_manager(
    uow: UnitOfWork,
    reference: str,
    username: str,
    actor: Actor,
    *,
    role: str = "case_manager",
    expected_version: int | None = None,
) -> Case:
    """Name (or change) the case manager, or on a case a CAV owns its CAV operator."""
    if role not in NAMED_ROLES:
        raise InvalidInput(
            f"role must be one of {', '.join(NAMED_ROLES)}", [{"field": "role", "message": role}]
        )
    case = _locked(uow, reference, actor, expected_version)
    require_running(case)
    _name(uow, case, username, role, actor)
    case.lock_version += 1
    uow.commit()
    return case


def _name(uow: UnitOfWork, case: Case, username: str, role: str, actor: Actor) -> Actor:
    """Name an eligible person for the role: their tasks follow, they are told."""
    user, person = _person(uow, username)
    if not eligible(uow, case, role, person):
        raise InvalidInput(
            f"{username} may not be this case's {role.replace('_', ' ')}: {_who(uow, case, role)}",
            [{"field": "user", "message": "not eligible"}],
        )
    previous = named_id(case, role)
    if previous == person.user_id:
        return person
    name_person(uow, case, role, person, actor, "named")
    _join(uow, case, person, role)
    _hand_over(uow, case, previous, person)
    notify.case_assigned(uow, case, user)
    return person


def _who(uow: UnitOfWork, case: Case, role: str) -> str:
    owner = owner_code(uow, case)
    if role == "cav_operator":
        return f"a CAV operator of {owner} is needed"
    if organization_kind(uow, case.owner_organization_id) == CAV:
        return "a case manager of a social service (Comune or Azienda Sociale) is needed"
    return f"a case manager of {owner} is needed"


def _join(uow: UnitOfWork, case: Case, person: Actor, role: str) -> None:
    """The named person's organisation takes part in the case (a CAV case's social service)."""
    orgs = {org for r, org in person.memberships if r == role}
    if role == "case_manager" and organization_kind(uow, case.owner_organization_id) == CAV:
        orgs = social_services(uow, orgs)
    for code in sorted(orgs)[:1]:
        org_id = uow.facts.organization_id(uow.session, code)
        if org_id is not None:
            add_party(uow, case.id, org_id)


def _hand_over(uow: UnitOfWork, case: Case, previous: int | None, person: Actor) -> None:
    """Open tasks the previous person held go to the new one (or back to their groups)."""
    if previous is None:
        return
    held = uow.session.scalars(
        select(HumanTask).where(
            HumanTask.case_id == case.id,
            HumanTask.status == OPEN,
            HumanTask.assignee_id == previous,
        )
    ).all()
    for task in held:
        task.assignee_id = person.user_id if may_work_on(uow, person, task) else None


@metered("transfer_case")
def transfer_case(
    uow: UnitOfWork,
    reference: str,
    organization: str,
    actor: Actor,
    *,
    reason: str,
    case_manager: str | None = None,
    comune: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move a case to another owning organisation, with its open case-manager tasks."""
    case = _locked(uow, reference, actor, expected_version)
    require_running(case)
    target = _target(uow, case, organization)
    if not reason.strip():
        raise InvalidInput("say why the case moves", [{"field": "reason", "message": "required"}])
    old_owner, old_role = case.owner_organization_id, managing_role(uow, case)
    case.owner_organization_id = target.id
    moved = _move_tasks(uow, case, old_owner, old_role, target.id)
    add_party(uow, case.id, target.id)
    _leave(uow, case, old_owner)
    if comune:
        case.comune = comune[:80]
    record(uow, case, "case_transferred", actor, _payload(uow, old_owner, target, reason, moved))
    _renamed(uow, case, actor)
    if case_manager:
        person = _name(uow, case, case_manager, managing_role(uow, case), actor)
        for task in uow.session.scalars(select(HumanTask).where(HumanTask.id.in_(moved))):
            task.assignee_id = person.user_id if may_work_on(uow, person, task) else None
    else:
        _tell_new_owner(uow, case, target)
    case.lock_version += 1
    uow.commit()
    return case


def _target(uow: UnitOfWork, case: Case, code: str) -> Organization:
    target = uow.session.scalar(select(Organization).where(Organization.code == code))
    if target is None or target.kind not in OWNER_KINDS:
        raise InvalidInput(
            f"{code!r} cannot own cases: only a social service or an anti-violence centre can",
            [{"field": "organization", "message": "not an owner"}],
        )
    if target.id == case.owner_organization_id:
        raise InvalidInput(
            f"{code} already owns case {case.reference}",
            [{"field": "organization", "message": "same owner"}],
        )
    if case.restricted != (target.kind == CAV):
        raise InvalidInput(
            "a restricted case stays with an anti-violence centre, and only a restricted case "
            f"goes to one: {code} cannot own case {case.reference}",
            [{"field": "organization", "message": "restricted cases stay with a CAV"}],
        )
    return target


def _move_tasks(
    uow: UnitOfWork, case: Case, old_owner: int | None, old_role: str, new_owner: int
) -> list[int]:
    """The old owner's open tasks its case managers do go to the new owner, unassigned."""
    moved = []
    for task in uow.session.scalars(
        select(HumanTask).where(
            HumanTask.case_id == case.id,
            HumanTask.status == OPEN,
            HumanTask.organization_id == old_owner,
        )
    ):
        if old_role in task.candidate_groups:
            task.organization_id, task.assignee_id = new_owner, None
            moved.append(task.id)
    return moved


def _leave(uow: UnitOfWork, case: Case, old_owner: int | None) -> None:
    """The old owner stops taking part, unless it referred the case or still has a task."""
    if old_owner is None or old_owner == case.organization_id:
        return
    busy = uow.session.scalar(
        select(HumanTask.id).where(
            HumanTask.case_id == case.id,
            HumanTask.status == OPEN,
            HumanTask.organization_id == old_owner,
        )
    )
    if busy is None:
        party = uow.session.get(CaseParty, (case.id, old_owner))
        if party is not None:
            uow.session.delete(party)


def _payload(
    uow: UnitOfWork, old: int | None, target: Organization, reason: str, moved: list[int]
) -> dict[str, object]:
    before = uow.facts.organization_code(uow.session, old) if old is not None else None
    return {"from": before, "to": target.code, "reason": reason, "tasks_moved": moved}


def _renamed(uow: UnitOfWork, case: Case, actor: Actor) -> None:
    """Named people who cannot lead the case for its new owner are no longer named."""
    for role in NAMED_ROLES:
        user_id = named_id(case, role)
        user = uow.session.get(User, user_id) if user_id is not None else None
        if user is not None and not eligible(uow, case, role, actor_of(uow, user)):
            if role == "cav_operator":
                case.cav_operator_id = None
            else:
                case.case_manager_id = None
            record(uow, case, "case_manager_unnamed", actor, {"role": role, "user": user.username})


def _tell_new_owner(uow: UnitOfWork, case: Case, target: Organization) -> None:
    role = managing_role(uow, case)
    users = notify.users_holding(uow, [role], target.id)
    notify.case_transferred(uow, case, notify.Audience(users, f"{role} of {target.code}"))
