"""SQL behind the indicators: cases of a breakdown, milestones, deadlines, backlog per activity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, distinct, func, select

from engine.errors import InvalidInput
from engine.rules.worklist import COMPLETED, OPEN
from engine.store.tables import Case, HumanTask, Organization, ProcessVersion
from engine.store.uow import UnitOfWork

DIMENSIONS = ("target_group", "comune", "organization")
UNKNOWN = ""  # the group of cases that do not say (shown as "not stated")


@dataclass(frozen=True)
class DashboardQuery:
    """Which cases the indicators cover, and how they are broken down."""

    by: str = "target_group"
    process: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None

    def check(self) -> None:
        if self.by not in DIMENSIONS:
            raise InvalidInput(
                f"breakdown must be one of {', '.join(DIMENSIONS)}, not {self.by!r}",
                [{"field": "by", "message": "unknown breakdown"}],
            )


def _dimension(by: str) -> ColumnElement[Any]:
    column = {
        "target_group": Case.target_group,
        "comune": Case.comune,
        "organization": Organization.code,
    }[by]
    return func.coalesce(column, UNKNOWN)


def case_base(q: DashboardQuery) -> Subquery:
    """The covered cases: id, group key, version, status, opening and closing times."""
    stmt = select(
        Case.id.label("id"),
        _dimension(q.by).label("key"),
        Case.reference.label("reference"),
        Case.process_id.label("process_id"),
        Case.version_id.label("version_id"),
        Case.status.label("status"),
        Case.restricted.label("restricted"),
        Case.target_group.label("target_group"),
        Case.comune.label("comune"),
        Organization.code.label("organization"),
        Case.opened_at.label("opened_at"),
        Case.closed_at.label("closed_at"),
    ).outerjoin(Organization, Organization.id == Case.organization_id)
    if q.process:
        stmt = stmt.where(Case.process_id == q.process)
    if q.opened_from:
        stmt = stmt.where(Case.opened_at >= q.opened_from)
    if q.opened_to:
        stmt = stmt.where(Case.opened_at < q.opened_to)
    return stmt.subquery("covered")


def count_by_key(uow: UnitOfWork, base: Subquery) -> dict[str, tuple[int, int]]:
    """Per group: (cases referred, cases closed)."""
    closed = func.sum(case((base.c.closed_at.is_not(None), 1), else_=0))
    rows = uow.session.execute(select(base.c.key, func.count(), closed).group_by(base.c.key)).all()
    return {key: (int(n), int(c or 0)) for key, n, c in rows}


def milestone_times(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str]
) -> list[tuple[int, str, datetime]]:
    """(case id, element id, first completion) of the given elements, for covered cases."""
    ids = sorted(set(elements))
    if not ids:
        return []
    rows = uow.session.execute(
        select(HumanTask.case_id, HumanTask.element_id, func.min(HumanTask.completed_at))
        .join(base, base.c.id == HumanTask.case_id)
        .where(HumanTask.status == COMPLETED, HumanTask.element_id.in_(ids))
        .group_by(HumanTask.case_id, HumanTask.element_id)
    ).all()
    return [(int(c), str(e), t) for c, e, t in rows if t is not None]


def deadline_counts(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str], now: datetime
) -> dict[str, tuple[int, int]]:
    """Per group: (tasks with a deadline that are done or overdue, of which done in time)."""
    ids = sorted(set(elements))
    if not ids:
        return {}
    done = HumanTask.status == COMPLETED
    in_time = func.sum(case((and_(done, HumanTask.completed_at <= HumanTask.due_at), 1), else_=0))
    judged = func.sum(case((done, 1), (HumanTask.due_at < now, 1), else_=0))
    rows = uow.session.execute(
        select(base.c.key, judged, in_time)
        .join(HumanTask, HumanTask.case_id == base.c.id)
        .where(
            HumanTask.element_id.in_(ids),
            HumanTask.due_at.is_not(None),
            HumanTask.status.in_((COMPLETED, OPEN)),
        )
        .group_by(base.c.key)
    ).all()
    return {key: (int(j or 0), int(t or 0)) for key, j, t in rows}


def outcome_values(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str]
) -> list[tuple[int, str, dict[str, Any] | None]]:
    """(case id, group key, completion data) of the outcome tasks of covered cases."""
    ids = sorted(set(elements))
    if not ids:
        return []
    rows = uow.session.execute(
        select(base.c.id, base.c.key, HumanTask.data)
        .join(HumanTask, HumanTask.case_id == base.c.id)
        .where(HumanTask.status == COMPLETED, HumanTask.element_id.in_(ids))
        .order_by(HumanTask.completed_at)
    ).all()
    return [(int(c), str(k), d if isinstance(d, dict) else None) for c, k, d in rows]


def backlog_by_organization(
    uow: UnitOfWork, base: Subquery, now: datetime
) -> list[tuple[str, int, int, int]]:
    """Per organisation owning open tasks: (code, open, overdue, escalated)."""
    overdue = func.sum(case((HumanTask.due_at < now, 1), else_=0))
    escalated = func.sum(case((HumanTask.escalation_level > 0, 1), else_=0))
    org = func.coalesce(Organization.code, UNKNOWN)
    rows = uow.session.execute(
        select(org, func.count(), overdue, escalated)
        .select_from(HumanTask)
        .join(base, base.c.id == HumanTask.case_id)
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .where(HumanTask.status == OPEN)
        .group_by(org)
        .order_by(org)
    ).all()
    return [(str(o), int(n), int(d or 0), int(e or 0)) for o, n, d, e in rows]


def active_by_element(uow: UnitOfWork, base: Subquery) -> dict[str, int]:
    """Per BPMN element: how many running cases have an open task there."""
    rows = uow.session.execute(
        select(HumanTask.element_id, func.count(distinct(HumanTask.case_id)))
        .join(base, base.c.id == HumanTask.case_id)
        .where(HumanTask.status == OPEN)
        .group_by(HumanTask.element_id)
    ).all()
    return {str(e): int(n) for e, n in rows}


def case_rows(uow: UnitOfWork, base: Subquery) -> list[Any]:
    """The covered cases, oldest first, with their version number (for the per-case export)."""
    return list(
        uow.session.execute(
            select(base, ProcessVersion.number.label("version"))
            .join(ProcessVersion, ProcessVersion.id == base.c.version_id)
            .order_by(base.c.opened_at, base.c.id)
        ).all()
    )
