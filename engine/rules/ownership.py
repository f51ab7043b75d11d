"""Who owns a case and who leads it: the owning organisation, the named case manager and, on a
case a CAV owns, the named CAV operator.

The engine gives meaning to two kinds of organisation (`organization.kind`):
- `social_service` (the Comune, the Azienda Sociale) and `cav` (an anti-violence centre) may own
  cases: a case is transferred only to one of them;
- the owner's managing role is `cav_operator` in a CAV and `case_manager` anywhere else.
On a case a CAV owns, the CAV leads (its named CAV operator) and the named case manager is a
social worker of a social service (who applies for the benefits with the CAV).

A process names its owner with the process property `caseOwner`, an expression over the start
data (and `referring_organization`); without one the referring organisation owns the case.
Tasks reach the owner with `organization` = `case_owner`, evaluated when each task opens.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select

from engine.actors import Actor
from engine.rules.audit import record
from engine.spiff.process_properties import process_property
from engine.store.tables import Case, Membership, Organization, ProcessVersion, User
from engine.store.uow import UnitOfWork

CASE_OWNER = "case_owner"  # the name a task's `organization` uses for the owning organisation
CASE_MANAGER = "case_manager"
CAV_OPERATOR = "cav_operator"
NAMED_ROLES = (CASE_MANAGER, CAV_OPERATOR)
SOCIAL_SERVICE = "social_service"
CAV = "cav"
OWNER_KINDS = frozenset({SOCIAL_SERVICE, CAV})
_OWNER_KEYS: dict[tuple[str, str], str | None] = {}  # (version sha256, process) -> caseOwner


def organization_kind(uow: UnitOfWork, organization_id: int | None) -> str | None:
    """The kind of an organisation (None for None)."""
    if organization_id is None:
        return None
    org = uow.get(Organization, organization_id)
    return org.kind if org is not None else None


def owner_code(uow: UnitOfWork, case: Case) -> str | None:
    """The code of the organisation that owns the case."""
    if case.owner_organization_id is None:
        return None
    return uow.facts.organization_code(uow.session, case.owner_organization_id)


def owned_by_cav(uow: UnitOfWork, case: Case) -> bool:
    return organization_kind(uow, case.owner_organization_id) == CAV


def managing_role(uow: UnitOfWork, case: Case) -> str:
    """The role that leads the case in its owning organisation."""
    return CAV_OPERATOR if owned_by_cav(uow, case) else CASE_MANAGER


def may_manage(uow: UnitOfWork, actor: Actor, case: Case) -> bool:
    """Administrators, coordinators and the owner's case managers (CAV operators in a CAV)."""
    if actor.is_admin or actor.has_role("coordinator"):
        return True
    owner = owner_code(uow, case)
    return owner is not None and actor.has_role(managing_role(uow, case), owner)


def social_services(uow: UnitOfWork, codes: set[str]) -> set[str]:
    """Those of the given organisations that are social services."""
    if not codes:
        return set()
    return set(
        uow.session.scalars(
            select(Organization.code).where(
                Organization.code.in_(sorted(codes)), Organization.kind == SOCIAL_SERVICE
            )
        )
    )


def eligible(
    uow: UnitOfWork, case: Case, role: str, person: Actor, social: set[str] | None = None
) -> bool:
    """Whether `person` may be the case's named `role` (see the module). `social`, when given,
    holds the social services among the organisations in question (read once for many)."""
    owner = owner_code(uow, case)
    if owner is None:
        return False
    if role == CAV_OPERATOR:
        return person.has_role(CAV_OPERATOR, owner)
    if role != CASE_MANAGER:
        return False
    if owned_by_cav(uow, case):
        orgs = {org for r, org in person.memberships if r == CASE_MANAGER}
        return bool(orgs & social if social is not None else social_services(uow, orgs))
    return person.has_role(CASE_MANAGER, owner)


def eligibility(uow: UnitOfWork, case: Case, role: str) -> ColumnElement[bool]:
    """`eligible` as a condition on `User`: the users whose memberships make them eligible for
    the case's named `role` (whether they are active is the caller's question). Pages offer
    whom to name with it; commands check `eligible`, which must agree."""
    owner = case.owner_organization_id
    if owner is None or owner_code(uow, case) is None or role not in NAMED_ROLES:
        return false()
    where = Membership.organization_id == owner
    if role == CASE_MANAGER and owned_by_cav(uow, case):
        where = Membership.organization_id.in_(
            select(Organization.id).where(Organization.kind == SOCIAL_SERVICE)
        )
    return User.id.in_(select(Membership.user_id).where(Membership.role == role, where))


def actor_of(uow: UnitOfWork, user: User) -> Actor:
    """The actor of a user, with their roles in organisations."""
    rows = uow.session.execute(
        select(Membership.role, Organization.code)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user.id)
    ).all()
    return Actor(user.id, user.username, frozenset((r, o) for r, o in rows), user.is_admin)


def named_people(uow: UnitOfWork, case: Case) -> list[Actor]:
    """The case's named case manager and CAV operator (active users), in that order."""
    people = []
    for user_id in (case.case_manager_id, case.cav_operator_id):
        user = uow.get(User, user_id)
        if user is not None and user.active:
            people.append(actor_of(uow, user))
    return people


def named_id(case: Case, role: str) -> int | None:
    """The user id of the case's named case manager or CAV operator."""
    return case.cav_operator_id if role == CAV_OPERATOR else case.case_manager_id


def named_column(role: str) -> str:
    """The case's column naming who holds `role`."""
    return "cav_operator_id" if role == CAV_OPERATOR else "case_manager_id"


def name_person(
    uow: UnitOfWork, case: Case, role: str, person: Actor, actor: Actor, reason: str
) -> None:
    """Make `person` the case's named `role` (the caller checked who may), with an event."""
    previous = named_id(case, role)
    setattr(case, named_column(role), person.user_id)
    record_naming(uow, case, role, person, actor, reason, previous)


def record_naming(
    uow: UnitOfWork,
    case: Case,
    role: str,
    person: Actor,
    actor: Actor,
    reason: str,
    previous: int | None = None,
) -> None:
    """The event of naming `person` for `role` on the case (after `previous`, if anyone)."""
    payload: dict[str, object] = {"role": role, "to": person.username, "reason": reason}
    if previous is not None:
        payload["from_user_id"] = previous
    record(uow, case, "case_manager_named", actor, payload)


def roles_taken(uow: UnitOfWork, case: Case, actor: Actor, roles: tuple[str, ...]) -> list[str]:
    """Those of `roles` nobody holds yet on the case that the actor may hold: who refers a
    case, claims or completes its task takes it in charge."""
    if actor.user_id is None:
        return []
    return [r for r in roles if named_id(case, r) is None and eligible(uow, case, r, actor)]


def take_in_charge(
    uow: UnitOfWork, case: Case, actor: Actor, roles: tuple[str, ...], reason: str
) -> None:
    """Name the actor for each of the `roles_taken` on the case."""
    for role in roles_taken(uow, case, actor, roles):
        name_person(uow, case, role, actor, actor, reason)


def owner_expression(uow: UnitOfWork, version_id: int, process_id: str) -> str | None:
    """The `caseOwner` expression of a version's process (versions are immutable: cached)."""
    sha = uow.facts.version(uow.session, version_id).sha256
    key = (sha, process_id)
    if key not in _OWNER_KEYS:
        xml = uow.session.scalar(
            select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
        )
        _OWNER_KEYS[key] = process_property(xml or "", process_id, "caseOwner")
    return _OWNER_KEYS[key]
