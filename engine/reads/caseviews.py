"""Reading one case: its tasks and diagram state, who leads it (its audit trail: `trail`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import aliased

from engine.actors import Actor
from engine.reads.context import case_waits
from engine.reads.taskrows import summarize_task, task_summary, with_names
from engine.rules.access import (
    may_open_task,
    may_see_identity,
    record_restricted_read,
    visible_case,
    visible_case_with,
)
from engine.rules.consent import consent_rows
from engine.rules.ownership import may_manage, owner_code
from engine.rules.progress import Outcome, element_ids
from engine.spiff.parsing import load_xml
from engine.store.tables import (
    Case,
    CaseConsent,
    CaseSubject,
    HumanTask,
    Incident,
    Organization,
    ProcessVersion,
    User,
)
from engine.store.uow import UnitOfWork

# Statements built once (building and keying one costs about what running it does).
_OWNER, _MANAGER, _OPERATOR = aliased(Organization), aliased(User), aliased(User)


def _around(query: Select[Case]) -> Select[Case, Organization, User, User, CaseSubject]:
    """A case's `query` with the rows around it: its owner (whose kind says who leads it), its
    named people and, unless the case is restricted, its subject (a restricted case's is read
    only for who may see it)."""
    return (
        query.add_columns(_OWNER, _MANAGER, _OPERATOR, CaseSubject)
        .outerjoin(_OWNER, _OWNER.id == Case.owner_organization_id)
        .outerjoin(_MANAGER, _MANAGER.id == Case.case_manager_id)
        .outerjoin(_OPERATOR, _OPERATOR.id == Case.cav_operator_id)
        .outerjoin(CaseSubject, and_(CaseSubject.case_id == Case.id, Case.restricted.is_(False)))
    )


_AROUND_BY_ID = _around(select(Case)).where(Case.id == bindparam("case_id"))
_INCIDENTS = select(Incident).where(Incident.case_id == bindparam("case_id")).order_by(Incident.id)
_OPEN_TASKS = (
    with_names(select(HumanTask))
    .where(HumanTask.case_id == bindparam("case_id"), HumanTask.status == "open")
    .order_by(HumanTask.id)
)


def case_summary(case: Case) -> dict[str, Any]:
    """A case as lists show it: the subject is always the pseudonym here."""
    return {
        "reference": case.reference,
        "process_id": case.process_id,
        "status": case.status,
        "target_group": case.target_group,
        "comune": case.comune,
        "restricted": case.restricted,
        "subject": case.subject_pseudonym,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "next_wakeup_at": case.next_wakeup_at,
        "lock_version": case.lock_version,
    }


def case_detail(uow: UnitOfWork, actor: Actor, reference: str | Case) -> dict[str, Any]:
    """One case: status, open tasks, diagram state, incidents; identity only to who may see it.

    Give the Case itself when the caller holds it already and the actor may see it (the case
    a command has just opened for them), to spare looking it up again."""
    # The rows around the case, held while the detail is built: `ownership` asks for them.
    if isinstance(reference, Case):
        case = reference
        around = uow.session.execute(_AROUND_BY_ID, {"case_id": case.id}).one()
    else:
        around = visible_case_with(uow, actor, reference, _around)
        case = around[0]
    subject = around[4]
    done, active = element_ids(uow, case)
    incidents = uow.session.scalars(_INCIDENTS, {"case_id": case.id}).all()
    failing = sorted({i.element_id for i in incidents if i.resolved_at is None and i.element_id})
    detail = case_summary(case)
    detail.update(
        version=_version_number(uow, case),
        open_tasks=_open_tasks(uow, actor, case),
        completed_elements=done,
        active_elements=active,
        incident_elements=failing,
        incidents=[_incident(i) for i in incidents],
        identity=_identity(uow, actor, case, subject),
        **ownership(uow, actor, case),
    )
    record_restricted_read(uow, actor, case, {"identity_shown": detail["identity"] is not None})
    detail["waits"] = case_waits(uow, case)
    return detail


def ownership(
    uow: UnitOfWork, actor: Actor, case: Case, consents: list[CaseConsent] | None = None
) -> dict[str, Any]:
    """Who owns and leads the case, the consents on record (read unless given), and whether
    the actor may change who leads it (or record consents: the named people may too)."""
    named = (case.case_manager_id, case.cav_operator_id)
    manages = may_manage(uow, actor, case)
    return {
        "owner": owner_code(uow, case),
        "case_manager": _person(uow, case.case_manager_id),
        "cav_operator": _person(uow, case.cav_operator_id),
        "consents": [
            {
                "scope": c.scope,
                "given_by": c.given_by,
                "given_at": c.given_at,
                "withdrawn_at": c.withdrawn_at,
            }
            for c in (consent_rows(uow, case.id) if consents is None else consents)
        ],
        "may_manage": manages,
        "may_record_consents": manages or (actor.user_id is not None and actor.user_id in named),
    }


def _person(uow: UnitOfWork, user_id: int | None) -> dict[str, str] | None:
    user = uow.get(User, user_id)
    if user is None:
        return None
    return {"username": user.username, "full_name": user.full_name or user.username}


def started_case_detail(uow: UnitOfWork, actor: Actor, outcome: Outcome) -> dict[str, Any]:
    """`case_detail` of a case the actor has just opened, from what the command wrote.

    Its open tasks are those it emitted, its incident the one it opened, its subject and
    consents those it stored, its named people those it read: nothing is read back after the
    command's transaction. A restricted case's detail is an audited read, made the ordinary
    way."""
    case = outcome.case
    if case.restricted:
        return case_detail(uow, actor, case)
    done, active = element_ids(uow, case)
    incidents = [outcome.incident] if outcome.incident is not None else []
    detail = case_summary(case)
    detail.update(
        version=_version_number(uow, case),
        open_tasks=[summarize_task(uow, t, case) for t in outcome.emitted if t.status == "open"],
        completed_elements=done,
        active_elements=active,
        incident_elements=sorted({i.element_id for i in incidents if i.element_id}),
        incidents=[_incident(i) for i in incidents],
        identity=dict(outcome.subject.identity) if outcome.subject is not None else None,
        **ownership(uow, actor, case, outcome.consents),
    )
    return detail


def _identity(
    uow: UnitOfWork, actor: Actor, case: Case, subject: CaseSubject | None
) -> dict[str, Any] | None:
    """The subject's identity if the actor may see it (`subject`: read with the case unless
    the case is restricted, whose identity is read only for who may see it)."""
    if not may_see_identity(uow, actor, case):
        return None
    if case.restricted:
        subject = uow.session.get(CaseSubject, case.id)
    return dict(subject.identity) if subject else None


def _version_number(uow: UnitOfWork, case: Case) -> int:
    return uow.facts.version(uow.session, case.version_id).number


def _open_tasks(uow: UnitOfWork, actor: Actor, case: Case) -> list[dict[str, Any]]:
    """The case's open tasks, each saying whether the actor may open it."""
    rows = uow.session.execute(_OPEN_TASKS, {"case_id": case.id}).all()
    return [
        {
            **task_summary(t, case, org, user, held_for, uow.now),
            "may_open": may_open_task(uow, actor, t),
        }
        for t, org, user, held_for in rows
    ]


def _incident(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "element_id": i.element_id,
        "kind": i.kind,
        "error": i.error,
        "attempts": i.attempts,
        "opened_at": i.opened_at,
        "resolved_at": i.resolved_at,
    }


def case_diagram(uow: UnitOfWork, actor: Actor, reference: str) -> str:
    """The BPMN XML of the version a visible case runs on (for drawing its diagram); reading
    it for a restricted case is audited like any other read of that case."""
    case = visible_case(uow, actor, reference)
    xml = uow.session.get_one(ProcessVersion, case.version_id).bpmn_xml
    record_restricted_read(uow, actor, case, {"what": "diagram"})
    return xml


def element_names(uow: UnitOfWork, actor: Actor, reference: str) -> dict[str, str]:
    """The names of the BPMN elements of a visible case's version, by element id (read with
    the case's page, whose read is the one audited)."""
    case = visible_case(uow, actor, reference)
    xml = uow.session.get_one(ProcessVersion, case.version_id).bpmn_xml.encode()
    root = load_xml("diagram", xml, max(len(xml), 1))
    return {
        str(node.get("id")): str(node.get("name"))
        for node in root.iter()
        if node.get("id") and node.get("name")
    }
