"""Use cases on the person's consents: record one, withdraw one (engine/rules/consent.py).

Who may: whoever may change who leads the case (its owner's case managers, coordinators), and
the case's named case manager and CAV operator. Withdrawing consent to share with private
partners stops that sharing at once: they stop taking part in the case and their open tasks go
to the owner's case managers; giving it (again) gives those tasks back.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from engine.actors import SYSTEM, Actor
from engine.commands.metering import metered
from engine.errors import Forbidden
from engine.rules.access import lock_visible_case
from engine.rules.audit import record
from engine.rules.consent import PRIVATE_PARTNERS, give, private_parties, withdraw
from engine.rules.ownership import managing_role, may_manage
from engine.rules.worklist import OPEN, add_party, note_rerouted
from engine.store.tables import Case, CaseEvent, CaseParty, HumanTask, TaskCandidate
from engine.store.uow import UnitOfWork


def _locked(uow: UnitOfWork, reference: str, actor: Actor, version: int | None) -> Case:
    case = lock_visible_case(uow, actor, reference, version)
    named = actor.user_id is not None and actor.user_id in (
        case.case_manager_id,
        case.cav_operator_id,
    )
    if not (named or may_manage(uow, actor, case)):
        raise Forbidden(f"{actor.username} may not record consents on case {reference}")
    return case


@metered("give_consent")
def give_consent(
    uow: UnitOfWork,
    reference: str,
    scope: str,
    actor: Actor,
    *,
    given_by: str = "interessato",
    expected_version: int | None = None,
) -> Case:
    """Record that the person (or a parent or guardian) consents to `scope`."""
    case = _locked(uow, reference, actor, expected_version)
    change_consent(uow, case, scope, True, given_by, actor)
    case.lock_version += 1
    uow.commit()
    return case


@metered("withdraw_consent")
def withdraw_consent(
    uow: UnitOfWork,
    reference: str,
    scope: str,
    actor: Actor,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Record that the person withdrew a consent; what depended on it stops."""
    case = _locked(uow, reference, actor, expected_version)
    change_consent(uow, case, scope, False, "interessato", actor, reason)
    case.lock_version += 1
    uow.commit()
    return case


def change_consent(
    uow: UnitOfWork,
    case: Case,
    scope: str,
    given: bool,
    given_by: str,
    actor: Actor,
    reason: str = "",
) -> None:
    """Give or withdraw a consent on a locked case, with its effects (also from task forms)."""
    if given:
        if give(uow, case, scope, given_by, actor) is not None and scope == PRIVATE_PARTNERS:
            _share_again(uow, case)
    elif withdraw(uow, case, scope, actor, reason) and scope == PRIVATE_PARTNERS:
        _stop_sharing(uow, case)


def _stop_sharing(uow: UnitOfWork, case: Case) -> None:
    """Private partners stop taking part; their open tasks go to the owner's case managers."""
    private = private_parties(uow, case.id)
    if not private:
        return
    role = managing_role(uow, case)
    tasks = uow.session.scalars(
        select(HumanTask).where(
            HumanTask.case_id == case.id,
            HumanTask.status == OPEN,
            HumanTask.organization_id.in_(private),
        )
    ).all()
    for task in tasks:
        origin = uow.facts.organization_code(uow.session, task.organization_id or 0)
        task.organization_id, task.assignee_id = case.owner_organization_id, None
        if role not in task.candidate_groups:
            task.candidate_groups = [*task.candidate_groups, role]
            uow.session.add(TaskCandidate(task_id=task.id, role=role))
        note_rerouted(uow, case, task, origin)
    uow.session.execute(
        delete(CaseParty).where(
            CaseParty.case_id == case.id, CaseParty.organization_id.in_(private)
        )
    )


def _share_again(uow: UnitOfWork, case: Case) -> None:
    """Tasks that went to the owner for want of consent go back to their private partner."""
    for event in uow.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "task_rerouted")
    ):
        task_id, origin = event.payload.get("task_id"), event.payload.get("from")
        task = uow.session.get(HumanTask, task_id) if isinstance(task_id, int) else None
        org_id = uow.facts.organization_id(uow.session, origin) if origin else None
        if task is None or task.status != OPEN or org_id is None:
            continue
        if task.organization_id != case.owner_organization_id:
            continue  # already given back, or moved since
        task.organization_id, task.assignee_id = org_id, None
        add_party(uow, case.id, org_id)
        payload = {"task_id": task.id, "to": origin}
        record(uow, case, "task_returned", SYSTEM, payload, task.element_id)
