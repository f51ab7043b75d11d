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
    cases, next_cursor = _listed(uow, actor, f, cursor, limit)
    return Page([case_summary(c) for c in cases], next_cursor)


def _listed(
    uow: UnitOfWork, actor: Actor, f: CaseFilter, cursor: str | None, limit: int
) -> tuple[list[Case], str | None]:
    """A page of `list_cases`: its cases, and the cursor of the next page."""
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
    next_cursor = (
        encode_cursor([rows[limit - 1].opened_at.isoformat(), rows[limit - 1].id])
        if len(rows) > limit
        else None
    )
    return list(rows[:limit]), next_cursor


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

    One query for the whole page's tasks and names, never one per case. A restricted case's
    name is listed only to who may see it on the case page (its CAV operators, its case
    manager), and that read is audited on the case, as the case page's is."""
    cases, next_cursor = _listed(uow, actor, f, cursor, limit)
    if not cases:
        return Page([], next_cursor)

    def of_open_tasks(column: Any) -> Any:
        return (
            select(column)
            .where(HumanTask.case_id == Case.id, HumanTask.status == "open")
            .scalar_subquery()
        )

    found = uow.session.execute(
        select(
            Case.id,
            of_open_tasks(func.count(HumanTask.id)),
            of_open_tasks(func.min(HumanTask.due_at)),
            CaseSubject.identity,
        )
        .outerjoin(  # the names of the cases that are not restricted
            CaseSubject, and_(CaseSubject.case_id == Case.id, Case.restricted.is_(False))
        )
        .where(Case.id.in_([c.id for c in cases]))
    )
    rows = {case_id: (int(count or 0), due, identity) for case_id, count, due, identity in found}
    names = _restricted_names(uow, actor, [c for c in cases if c.restricted])
    items = []
    for case in cases:
        count, due, identity = rows.get(case.id, (0, None, None))
        items.append(
            {
                **case_summary(case),
                "open_task_count": count,
                "next_due_at": due,
                "name": _full_name(names.get(case.id, identity)),
            }
        )
    return Page(items, next_cursor)


def _restricted_names(uow: UnitOfWork, actor: Actor, cases: list[Case]) -> dict[int, Any]:
    """The identities of the listed restricted cases the actor may see, each read audited."""
    if not cases or actor.user_id is None:
        return {}
    seen = identities_seen(uow, actor, cases)
    subjects = {
        subject.case_id: subject
        for subject in uow.session.scalars(
            select(CaseSubject).where(CaseSubject.case_id.in_([case.id for case in seen]))
        )
    }
    shown = [case for case in seen if case.id in subjects]
    record_restricted_reads(uow, actor, shown, {"what": "case_list", "identity_shown": True})
    return {case.id: dict(subjects[case.id].identity) for case in shown}


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
