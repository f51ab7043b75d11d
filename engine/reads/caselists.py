"""Lists of cases: the case list with its filters and keyset pages, and the UI's list with
each case's open tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, union
from sqlalchemy.orm import defer

from engine.actors import Actor
from engine.reads.caseviews import case_summary
from engine.rules.access import (
    case_scope,
    identities_seen,
    record_restricted_reads,
    require_case_reader,
)
from engine.store.pages import Page, check_limit, cursor_key, encode_cursor
from engine.store.tables import (
    Case,
    CaseParty,
    CaseSubject,
    HumanTask,
    Organization,
)
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    process: str | None = None
    target_group: str | None = None
    organization: str | None = None
    opened_after: datetime | None = None
    opened_before: datetime | None = None
    mine: bool = False  # opened or managed by the actor, or holding a task assigned to them


def list_cases(
    uow: UnitOfWork, actor: Actor, f: CaseFilter, cursor: str | None = None, limit: int = 50
) -> Page[dict[str, Any]]:
    """Cases the actor may see, newest first."""
    require_case_reader(actor)
    check_limit(limit)
    query = select(Case).where(case_scope(actor)).options(defer(Case.state_json))
    for column, value in (
        (Case.status, f.status),
        (Case.process_id, f.process),
        (Case.target_group, f.target_group),
    ):
        if value:
            query = query.where(column == value)
    if f.organization:
        query = query.where(
            exists(
                select(CaseParty.case_id)
                .join(Organization, Organization.id == CaseParty.organization_id)
                .where(CaseParty.case_id == Case.id, Organization.code == f.organization)
            )
        )
    if f.mine:
        query = query.where(_mine(actor))
    if f.opened_after:
        query = query.where(Case.opened_at >= f.opened_after)
    if f.opened_before:
        query = query.where(Case.opened_at < f.opened_before)
    after = cursor_key(cursor, _aware)
    if after is not None:
        at, last_id = after
        query = query.where(or_(Case.opened_at < at, and_(Case.opened_at == at, Case.id < last_id)))
    rows = uow.session.scalars(
        query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit + 1)
    ).all()
    items = [case_summary(c) for c in rows[:limit]]
    next_cursor = (
        encode_cursor([rows[limit - 1].opened_at.isoformat(), rows[limit - 1].id])
        if len(rows) > limit
        else None
    )
    return Page(items, next_cursor)


def _mine(actor: Actor) -> Any:
    """Cases the actor opened, manages or holds as the CAV operator, or in which a task is
    assigned to them or was completed by them (the CAV operator who took a case in charge)."""
    if actor.user_id is None:
        return false()
    # Three small index lookups, instead of testing each of the scope's cases in turn.
    me = actor.user_id
    return Case.id.in_(
        union(
            select(Case.id).where(Case.opened_by == me),
            select(Case.id).where(Case.case_manager_id == me),
            select(Case.id).where(Case.cav_operator_id == me),
            select(HumanTask.case_id).where(
                HumanTask.assignee_id == me, HumanTask.status == "open"
            ),
            select(HumanTask.case_id).where(HumanTask.completed_by == me),
        )
    )


def list_cases_with_tasks(
    uow: UnitOfWork, actor: Actor, f: CaseFilter, cursor: str | None = None, limit: int = 50
) -> Page[dict[str, Any]]:
    """`list_cases`, each case with its open tasks, next due date and name.

    Two queries for the whole page, never one per case. A restricted case's name is listed only
    to who may see it on the case page (its CAV operators, its case manager), and that read is
    audited on the case, as the case page's is."""
    page = list_cases(uow, actor, f, cursor, limit)
    references = [c["reference"] for c in page.items]
    if not references:
        return page
    tasks = {
        ref: (int(count), due)
        for ref, count, due in uow.session.execute(
            select(Case.reference, func.count(HumanTask.id), func.min(HumanTask.due_at))
            .join(HumanTask, HumanTask.case_id == Case.id)
            .where(Case.reference.in_(references), HumanTask.status == "open")
            .group_by(Case.reference)
        )
    }
    names = {
        ref: identity
        for ref, identity in uow.session.execute(
            select(Case.reference, CaseSubject.identity)
            .join(CaseSubject, CaseSubject.case_id == Case.id)
            .where(Case.reference.in_(references), Case.restricted.is_(False))
        )
    }
    names.update(_restricted_names(uow, actor, [c for c in page.items if c["restricted"]]))
    for item in page.items:
        count, due = tasks.get(item["reference"], (0, None))
        item.update(
            open_task_count=count, next_due_at=due, name=_full_name(names.get(item["reference"]))
        )
    return page


def _restricted_names(uow: UnitOfWork, actor: Actor, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The identities of the listed restricted cases the actor may see, each read audited."""
    if not items or actor.user_id is None:
        return {}
    references = [item["reference"] for item in items]
    cases = uow.session.scalars(
        select(Case).where(Case.reference.in_(references)).options(defer(Case.state_json))
    ).all()
    seen = identities_seen(uow, actor, list(cases))
    subjects = {
        subject.case_id: subject
        for subject in uow.session.scalars(
            select(CaseSubject).where(CaseSubject.case_id.in_([case.id for case in seen]))
        )
    }
    shown = [case for case in seen if case.id in subjects]
    record_restricted_reads(uow, actor, shown, {"what": "case_list", "identity_shown": True})
    return {case.reference: dict(subjects[case.id].identity) for case in shown}


def _full_name(identity: Any) -> str | None:
    if not isinstance(identity, dict):
        return None
    parts = [str(identity.get(k) or "").strip() for k in ("given_name", "family_name")]
    return " ".join(p for p in parts if p) or None


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment
