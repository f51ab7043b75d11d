"""SQL behind the indicators: cases of a breakdown, milestones, deadlines, backlog per activity.

Figures that SQL can count are counted there. What needs each case's rows (the days between
milestones, the last outcome) is streamed a chunk at a time, never held for every case at
once: the scheduler refreshes the dashboards inside a web worker, whose memory should not grow
with the number of cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, distinct, func, select

from engine.errors import InvalidInput
from engine.rules.worklist import COMPLETED, OPEN
from engine.store.tables import Case, HumanTask, Organization, ProcessVersion
from engine.store.uow import UnitOfWork

DIMENSIONS = ("target_group", "comune", "organization")
UNKNOWN = ""  # the group of cases that do not say (shown as "not stated")
CHUNK = 2000  # rows fetched at a time from a streamed query


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


def _streamed(uow: UnitOfWork, stmt: Select[Any]) -> Iterator[Any]:
    """The rows of `stmt`, CHUNK at a time (a server-side cursor on PostgreSQL)."""
    yield from uow.session.execute(stmt.execution_options(yield_per=CHUNK))


def first_milestones(
    uow: UnitOfWork, base: Subquery, milestone_of: Mapping[str, str]
) -> Iterator[tuple[int, str, datetime, dict[str, datetime]]]:
    """Per covered case with a milestone task completed: (case id, group key, opening time,
    milestone -> its first completion), from `milestone_of` (element id -> milestone)."""
    elements: dict[str, list[str]] = defaultdict(list)
    for element, milestone in milestone_of.items():
        elements[milestone].append(element)
    names = sorted(elements)
    if not names:
        return
    firsts = [
        func.min(case((HumanTask.element_id.in_(sorted(elements[n])), HumanTask.completed_at)))
        for n in names
    ]
    per_case = (
        select(HumanTask.case_id, *firsts)
        .where(HumanTask.status == COMPLETED, HumanTask.element_id.in_(sorted(milestone_of)))
        .group_by(HumanTask.case_id)
        .subquery()
    )
    stmt = select(base.c.id, base.c.key, base.c.opened_at, *list(per_case.c)[1:]).join(
        per_case, per_case.c.case_id == base.c.id
    )
    for case_id, key, opened, *times in _streamed(uow, stmt):
        reached = {n: t for n, t in zip(names, times, strict=True) if t is not None}
        yield int(case_id), str(key), opened, reached


def deadline_counts(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str], now: datetime
) -> dict[str, tuple[int, int]]:
    """Per group: (tasks with a deadline that are done or overdue, of which done in time)."""
    ids = sorted(set(elements))
    if not ids:
        return {}
    done = HumanTask.status == COMPLETED
    in_time = func.sum(case((and_(done, HumanTask.completed_at <= HumanTask.due_at), 1), else_=0))
    # Tasks without a deadline count as 0 here rather than in WHERE: a filter on due_at would
    # lead SQLite to scan every task with a deadline instead of these elements' (5 times slower).
    judged = func.sum(
        case((HumanTask.due_at.is_(None), 0), (done, 1), (HumanTask.due_at < now, 1), else_=0)
    )
    rows = uow.session.execute(
        select(base.c.key, judged, in_time)
        .join(HumanTask, HumanTask.case_id == base.c.id)
        .where(HumanTask.element_id.in_(ids), HumanTask.status.in_((COMPLETED, OPEN)))
        .group_by(base.c.key)
    ).all()
    return {key: (int(j or 0), int(t or 0)) for key, j, t in rows}


def completions_by_element(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str]
) -> list[tuple[str, str, int]]:
    """Per group and element: (key, element id, completed tasks)."""
    ids = sorted(set(elements))
    if not ids:
        return []
    rows = uow.session.execute(
        select(base.c.key, HumanTask.element_id, func.count())
        .join(HumanTask, HumanTask.case_id == base.c.id)
        .where(HumanTask.status == COMPLETED, HumanTask.element_id.in_(ids))
        .group_by(base.c.key, HumanTask.element_id)
    ).all()
    return [(str(k), str(e), int(n)) for k, e, n in rows]


def cases_completing(uow: UnitOfWork, base: Subquery, elements: Iterable[str]) -> dict[str, int]:
    """Per group: the cases that completed a task of any of `elements`."""
    ids = sorted(set(elements))
    if not ids:
        return {}
    rows = uow.session.execute(
        select(base.c.key, func.count(distinct(base.c.id)))
        .join(HumanTask, HumanTask.case_id == base.c.id)
        .where(HumanTask.status == COMPLETED, HumanTask.element_id.in_(ids))
        .group_by(base.c.key)
    ).all()
    return {str(k): int(n) for k, n in rows}


def answers(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str]
) -> Iterator[tuple[int, str, str, dict[str, Any] | None]]:
    """(case id, group key, element id, completion data) of the completed tasks of `elements`
    in covered cases, each case's together and in the order they were completed."""
    ids = sorted(set(elements))
    if not ids:
        return
    stmt = (
        select(base.c.id, base.c.key, HumanTask.element_id, HumanTask.data)
        .join(HumanTask, HumanTask.case_id == base.c.id)
        .where(HumanTask.status == COMPLETED, HumanTask.element_id.in_(ids))
        .order_by(base.c.id, HumanTask.completed_at, HumanTask.id)
    )
    for c, k, e, d in _streamed(uow, stmt):
        yield int(c), str(k), str(e), d if isinstance(d, dict) else None


def outcome_values(
    uow: UnitOfWork, base: Subquery, elements: Iterable[str], field: str
) -> Iterator[tuple[int, str, Any]]:
    """(case id, group key, the answer's `field`) of the completed outcome tasks of covered
    cases, each case's together and in the order they were completed."""
    for case_id, key, _element, data in answers(uow, base, elements):
        yield case_id, key, (data or {}).get(field)


def last_of_each_case(rows: Iterable[tuple[int, str, Any]]) -> Iterator[tuple[int, str, Any]]:
    """The last of each case's (case id, key, value) rows, from rows that keep a case's together."""
    last: tuple[int, str, Any] | None = None
    for row in rows:
        if last is not None and row[0] != last[0]:
            yield last
        last = row
    if last is not None:
        yield last


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
