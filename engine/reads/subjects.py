"""Everything held about one person, found by tax code: the right of access (GDPR art. 15).

For each of the person's cases: the identity, the case's facts, the referral data, every task
with its answers (and the form that asked them, to put them in words), the organisations
involved, and the audit trail: who read the case (reads are recorded for restricted cases),
who did what and when. Producing it is itself recorded on each case (`subject_exported`).

Who may: administrators, coordinators, the data protection officer (`auditor`) and CAV
operators, each for the cases they may see. A restricted case is included only for whoever may
see its person (its CAV, its named case manager) and for administrators: anyone else's export
leaves it out without a word, since saying so would tell that the person is in the violence
pathway. Cases anonymised by retention hold no identity any more and are not found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.errors import Forbidden, InvalidInput
from engine.rules.access import case_scope, may_see_identity
from engine.rules.audit import EXPORTED, READ_KINDS, record
from engine.rules.progress import load_instance
from engine.rules.startforms import start_form_key
from engine.spiff.parsing import load_xml
from engine.store.locking import lock_case
from engine.store.tables import (
    Case,
    CaseEvent,
    CaseParty,
    CaseSubject,
    HumanTask,
    Organization,
    ProcessModel,
    ProcessVersion,
    User,
)
from engine.store.uow import UnitOfWork

EXPORTERS = ("coordinator", "auditor", "cav_operator")
_TAX_CODE = re.compile(r"[A-Z0-9]{11,16}")


@dataclass(frozen=True)
class Answered:
    """A task of the person's case, with its answers and the form that asked them."""

    name: str
    element_id: str
    status: str
    organization: str | None
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    answers: dict[str, Any] | None
    form: dict[str, Any] | None


@dataclass(frozen=True)
class Logged:
    """One audit event, as the person may read it."""

    at: datetime
    actor: str
    kind: str
    element_id: str | None


@dataclass(frozen=True)
class SubjectCase:
    reference: str
    pathway: str
    version: int
    status: str
    target_group: str | None
    comune: str | None
    restricted: bool
    opened_at: datetime
    closed_at: datetime | None
    identity: dict[str, Any]
    case_manager: str | None
    organizations: list[str]
    referral: dict[str, Any]
    referral_form: dict[str, Any] | None
    tasks: list[Answered]
    reads: list[Logged]
    events: list[Logged]
    names: dict[str, str]  # BPMN element names by id, to name the steps of the events


@dataclass(frozen=True)
class SubjectRecord:
    tax_code: str
    produced_at: datetime
    produced_by: str
    cases: list[SubjectCase] = field(default_factory=list)


def normalized_tax_code(text: str) -> str:
    """The tax code in capitals without spaces; InvalidInput if it cannot be one."""
    code = re.sub(r"\s+", "", text or "").upper()
    if not _TAX_CODE.fullmatch(code):
        raise InvalidInput(
            "a tax code has 16 letters and digits (or 11 digits)",
            [{"field": "tax_code", "code": "tax_code", "message": "not a tax code"}],
        )
    return code


def require_exporter(actor: Actor) -> None:
    if actor.is_admin or any(actor.has_role(r) for r in EXPORTERS):
        return
    raise Forbidden(f"{actor.username} may not export a person's data")


def subject_record(uow: UnitOfWork, actor: Actor, tax_code: str, fmt: str) -> SubjectRecord:
    """Everything held about the person with this tax code; recorded on each case (commits)."""
    require_exporter(actor)
    code = normalized_tax_code(tax_code)
    found = uow.session.execute(
        select(Case, CaseSubject.identity)
        .join(CaseSubject, CaseSubject.case_id == Case.id)
        .where(CaseSubject.identity["tax_code"].as_string() == code, case_scope(actor))
        .order_by(Case.opened_at, Case.id)
    ).all()
    shown = [
        (case, dict(identity))
        for case, identity in found
        if not case.restricted or actor.is_admin or may_see_identity(uow, actor, case)
    ]
    record_of = SubjectRecord(code, uow.now, actor.username)
    for case, identity in shown:
        record_of.cases.append(_case(uow, case, identity))
    for case, _identity in shown:
        record(uow, lock_case(uow, case.id), EXPORTED, actor, {"format": fmt})
    uow.commit()
    return record_of


def _case(uow: UnitOfWork, case: Case, identity: dict[str, Any]) -> SubjectCase:
    version = uow.session.get_one(ProcessVersion, case.version_id)
    pathway = uow.session.scalar(
        select(ProcessModel.name).where(ProcessModel.id == version.model_id)
    )
    key = start_form_key(version.bpmn_xml, case.process_id, dict(version.forms or {}))
    referral_form = (version.forms or {}).get(key) if key else None
    data = load_instance(uow, case).data
    fields = (referral_form or {}).get("properties") or {}
    events = _events(uow, case)
    return SubjectCase(
        reference=case.reference,
        pathway=pathway or case.process_id,
        version=version.number,
        status=case.status,
        target_group=case.target_group,
        comune=case.comune,
        restricted=case.restricted,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        identity=identity,
        case_manager=_user_name(uow, case.case_manager_id),
        organizations=_organizations(uow, case),
        referral={k: v for k, v in data.items() if k in fields and k != "subject"},
        referral_form=referral_form,
        tasks=_tasks(uow, case, dict(version.forms or {})),
        reads=[e for e in events if e.kind in READ_KINDS],
        events=[e for e in events if e.kind not in READ_KINDS],
        names=_element_names(version.bpmn_xml),
    )


def _element_names(xml: str) -> dict[str, str]:
    content = xml.encode()
    root = load_xml("diagram", content, max(len(content), 1))
    return {
        str(node.get("id")): str(node.get("name"))
        for node in root.iter()
        if node.get("id") and node.get("name")
    }


def _user_name(uow: UnitOfWork, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = uow.session.get(User, user_id)
    return (user.full_name or user.username) if user else None


def _organizations(uow: UnitOfWork, case: Case) -> list[str]:
    """The organisations taking part in the case or owning one of its tasks, by name."""
    ids = set(
        uow.session.scalars(select(CaseParty.organization_id).where(CaseParty.case_id == case.id))
    )
    ids |= {
        i
        for i in uow.session.scalars(
            select(HumanTask.organization_id).where(HumanTask.case_id == case.id)
        )
        if i is not None
    }
    if case.organization_id is not None:
        ids.add(case.organization_id)
    names = uow.session.scalars(select(Organization.name).where(Organization.id.in_(ids)))
    return sorted(names)


def _tasks(uow: UnitOfWork, case: Case, forms: dict[str, Any]) -> list[Answered]:
    assignee, finisher = User.__table__.alias("assignee"), User.__table__.alias("finisher")
    rows = uow.session.execute(
        select(HumanTask, Organization.name, assignee.c.full_name, assignee.c.username,
               finisher.c.full_name, finisher.c.username)
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .outerjoin(assignee, assignee.c.id == HumanTask.assignee_id)
        .outerjoin(finisher, finisher.c.id == HumanTask.completed_by)
        .where(HumanTask.case_id == case.id)
        .order_by(HumanTask.created_at, HumanTask.id)
    ).all()  # fmt: skip
    return [
        Answered(
            name=t.name,
            element_id=t.element_id,
            status=t.status,
            organization=org,
            assignee=a_name or a_user,
            created_at=t.created_at,
            due_at=t.due_at,
            completed_at=t.completed_at,
            completed_by=f_name or f_user,
            answers=t.data if t.kind == "bpmn" else None,
            form=forms.get(t.form_key) if t.form_key else None,
        )
        for t, org, a_name, a_user, f_name, f_user in rows
    ]


def _events(uow: UnitOfWork, case: Case) -> list[Logged]:
    rows = uow.session.execute(
        select(CaseEvent.at, CaseEvent.actor_name, CaseEvent.kind, CaseEvent.element_id)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.seq)
    ).all()
    return [Logged(at, actor, kind, element) for at, actor, kind, element in rows]
