"""What a person needs beside a task to act on it: the referral, whom to contact, what a review
is about, what the case waits for, and people's names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import aliased

from engine.rules.access import may_see_identity
from engine.rules.progress import read_instance
from engine.rules.reviews import REVIEW
from engine.rules.startforms import start_form_of
from engine.spiff import Instance
from engine.spiff.forms import choices, item_labels, value_type
from engine.store.tables import (
    Case,
    CaseEvent,
    CaseParty,
    HumanTask,
    Membership,
    Organization,
    ProcessModel,
    User,
)
from engine.store.uow import UnitOfWork

CAV_ROLE = "cav_operator"
IDENTITY_FIELD = "subject"  # the start form's identity: kept apart, never shown beside a task


def open_tasks_of(uow: UnitOfWork, case: Case) -> list[HumanTask]:
    """The case's open human tasks, in the order they were opened."""
    return list(
        uow.session.scalars(
            select(HumanTask)
            .where(HumanTask.case_id == case.id, HumanTask.status == "open")
            .order_by(HumanTask.id)
        )
    )


def case_waits(uow: UnitOfWork, case: Case) -> list[dict[str, Any]]:
    """The timers and messages a running case waits for, with their dates."""
    if case.status != "running":
        return []
    waits = read_instance(uow, case, Instance.waits)
    forms = uow.facts.version(uow.session, case.version_id).forms
    return [
        {
            "element_id": w.element_id,
            "name": w.name,
            "kind": w.kind,
            "until": w.until,
            "item": {"label": item_labels(forms, w.item)} if w.item else None,
        }
        for w in waits
    ]


# Who referred a case: the referring organisation and the person who opened it, read with the
# case by `with_referrers` (organisation name, full name, username, e-mail; each may be None).
Referrers = tuple[str | None, str | None, str | None, str | None]
_REFERRING, _OPENER = aliased(Organization), aliased(User)


def with_referrers(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """`query`, which reads a case, with its `Referrers` as four more columns."""
    return (
        query.add_columns(_REFERRING.name, _OPENER.full_name, _OPENER.username, _OPENER.email)
        .outerjoin(_REFERRING, _REFERRING.id == Case.organization_id)
        .outerjoin(_OPENER, _OPENER.id == Case.opened_by)
    )


def referral_context(
    uow: UnitOfWork, actor: Any, case: Case, referrers: Referrers
) -> dict[str, Any]:
    """The referral as the start form asked it (never the identity; free text only to who may
    see the identity), the referring organisation, its contact, and for a restricted case the
    CAV operator holding it."""
    form = start_form_of(uow, case.version_id, case.process_id)
    schema = form.schema if form is not None else {}
    data = read_instance(uow, case, Instance.start_data)
    shown = may_see_identity(uow, actor, case)
    properties = {
        key: prop
        for key, prop in (schema.get("properties") or {}).items()
        if key != IDENTITY_FIELD and isinstance(prop, dict) and (shown or not _free_text(prop))
    }
    answers = {key: data[key] for key in properties if data.get(key) not in (None, "")}
    organization, full_name, username, email = referrers
    return {
        "form": {**schema, "properties": properties},
        "data": answers,
        "organization": organization,
        "referrer": {"name": full_name or username, "email": email} if username else None,
        "contact": _cav_contact(uow, case) if case.restricted else None,
    }


def _free_text(prop: dict[str, Any]) -> bool:
    return value_type(prop) == "string" and choices(prop) is None and "format" not in prop


def _organization_name(uow: UnitOfWork, organization_id: int | None) -> str | None:
    if organization_id is None:
        return None
    return uow.session.scalar(select(Organization.name).where(Organization.id == organization_id))


def _person(uow: UnitOfWork, user_id: int | None) -> dict[str, str] | None:
    user = uow.get(User, user_id)
    if user is None:
        return None
    return {"name": user.full_name or user.username, "email": user.email}


def _cav_contact(uow: UnitOfWork, case: Case) -> dict[str, Any] | None:
    """The CAV operator holding a restricted case: who referred it, else who last worked on it
    or holds one of its tasks; at least the CAV taking part in it."""
    rows = uow.session.execute(
        select(User.id, Organization.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organization, Organization.id == Membership.organization_id)
        .join(CaseParty, CaseParty.organization_id == Organization.id)
        .where(CaseParty.case_id == case.id, Membership.role == CAV_ROLE, User.active.is_(True))
    ).all()
    if not rows:
        return None
    cav = {user_id: org for user_id, org in rows}
    worked = uow.session.execute(
        select(HumanTask.completed_by, HumanTask.assignee_id)
        .where(HumanTask.case_id == case.id)
        .order_by(HumanTask.id.desc())
    ).all()
    candidates = [case.opened_by] + [u for pair in worked for u in pair]
    holder = next((u for u in candidates if u in cav), None)
    person = _person(uow, holder) if holder is not None else None
    return {"organization": cav[holder] if holder else rows[0][1], **(person or {})}


def review_context(uow: UnitOfWork, review: HumanTask) -> dict[str, Any] | None:
    """What a review task is about: the stuck task, who holds it and since when, and whether
    it was completed meanwhile."""
    if review.kind != REVIEW:
        return None
    stuck = uow.session.get(HumanTask, (review.data or {}).get("stuck_task_id") or 0)
    if stuck is None:
        return None
    holder = _person(uow, stuck.assignee_id)
    return {
        "task_id": stuck.id,
        "name": stuck.name,
        "item": stuck.item,
        "organization": _organization_name(uow, stuck.organization_id),
        "candidate_groups": list(stuck.candidate_groups),
        "holder": holder,
        "held_since": _held_since(uow, stuck) if holder else None,
        "opened_at": stuck.created_at,
        "due_at": stuck.due_at,
        "escalation_level": stuck.escalation_level,
        "status": stuck.status,
        "completed_at": stuck.completed_at,
        "completed_by": _person(uow, stuck.completed_by),
    }


def _held_since(uow: UnitOfWork, task: HumanTask) -> Any:
    """When the task's holder took it (claimed or was assigned it), from the audit trail."""
    events = uow.session.execute(
        select(CaseEvent.at, CaseEvent.payload)
        .where(
            CaseEvent.case_id == task.case_id,
            CaseEvent.kind.in_(("task_claimed", "task_assigned")),
        )
        .order_by(CaseEvent.seq.desc())
    ).all()
    return next((at for at, payload in events if (payload or {}).get("task_id") == task.id), None)


def people_names(uow: UnitOfWork, usernames: set[str]) -> dict[str, str]:
    """Full names by username (the username itself for someone without a full name)."""
    if not usernames:
        return {}
    query = select(User.username, User.full_name).where(User.username.in_(sorted(usernames)))
    rows = uow.session.execute(query).all()
    return {username: full_name or username for username, full_name in rows}


def page_names(
    uow: UnitOfWork, usernames: set[str]
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Every organisation's name by code, every deployed process's name by id, and these
    people's full names by username (the username for someone without one): what a page
    names, in one statement."""
    parts = [
        select(literal("o"), Organization.code, Organization.name),
        select(literal("p"), ProcessModel.process_id, ProcessModel.name),
    ]
    if usernames:
        parts.append(
            select(literal("u"), User.username, func.coalesce(User.full_name, User.username)).where(
                User.username.in_(sorted(usernames))
            )
        )
    found: dict[str, dict[str, str]] = {"o": {}, "p": {}, "u": {}}
    for kind, key, name in uow.session.execute(union_all(*parts)):
        found[kind][key] = name
    return found["o"], found["p"], found["u"]


def task_names(uow: UnitOfWork, element_ids: list[str]) -> dict[str, str]:
    """The name the worklist gives each of these elements (for steps a diagram does not show:
    a called sub-pathway's, a review's)."""
    if not element_ids:
        return {}
    rows = uow.session.execute(
        select(HumanTask.element_id, func.min(HumanTask.name))
        .where(HumanTask.element_id.in_(element_ids))
        .group_by(HumanTask.element_id)
    ).all()
    return {str(element): str(name) for element, name in rows}
