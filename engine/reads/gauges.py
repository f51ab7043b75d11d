"""Operational counts read from the database for the metrics page: each one an index range scan
bounded by what is open or due, never a scan of a whole history table.

What each query reads (the indexes are those of engine/store/tables/):
- open and overdue tasks by organisation: the open tasks only (`ix_human_task_open_due`), one
  pass over them grouped by organisation;
- timers due: the cases whose wake-up has passed (a case that ends forgets its wake-up), read in
  wake-up order
  (`ix_case_next_wakeup_at`) and counted up to 10,001: normally none or a handful, it is the
  scheduler's backlog;
- escalation steps due: the open tasks whose next step has passed (`ix_human_task_escalation`);
- outbox pending and failed: the undelivered rows only (`ix_outbox_pending`);
- incidents open: the incident table, which holds failures only (small by nature).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from engine.rules.worklist import OPEN
from engine.store.tables import Case, HumanTask, Incident, Organization, Outbox
from engine.store.uow import UnitOfWork

NO_ORGANIZATION = "none"
TIMERS_BOUND = 10_000  # a backlog past this counts as 10,001: an alarm either way


@dataclass(frozen=True)
class Gauges:
    """What is open, overdue and waiting, as of `now`."""

    now: datetime
    open_tasks: dict[str, int] = field(default_factory=dict)  # by organisation code
    overdue_tasks: dict[str, int] = field(default_factory=dict)
    timers_due: int = 0
    oldest_timer_due: datetime | None = None
    escalations_due: int = 0
    outbox_pending: int = 0
    outbox_failed: int = 0
    incidents_open: int = 0


def read_gauges(uow: UnitOfWork) -> Gauges:
    """Count what is open and due, in six small queries."""
    now = uow.now
    open_tasks, overdue = _tasks_by_organization(uow, now)
    # A case that ends forgets its wake-up, so no status test: the wake-up index alone is read,
    # in its order, and only up to the bound.
    due = (
        select(Case.next_wakeup_at)
        .where(Case.next_wakeup_at < now)
        .order_by(Case.next_wakeup_at)
        .limit(TIMERS_BOUND + 1)
        .subquery()
    )
    timers, oldest = uow.session.execute(select(func.count(), func.min(due.c.next_wakeup_at))).one()
    return Gauges(
        now=now,
        open_tasks=open_tasks,
        overdue_tasks=overdue,
        timers_due=int(timers or 0),
        oldest_timer_due=oldest,
        escalations_due=_count(
            uow, HumanTask.id, HumanTask.status == OPEN, HumanTask.next_escalation_at <= now
        ),
        outbox_pending=_count(
            uow, Outbox.id, Outbox.delivered_at.is_(None), Outbox.failed_at.is_(None)
        ),
        outbox_failed=_count(
            uow, Outbox.id, Outbox.delivered_at.is_(None), Outbox.failed_at.is_not(None)
        ),
        incidents_open=_count(uow, Incident.id, Incident.resolved_at.is_(None)),
    )


def _count(uow: UnitOfWork, column: Any, *where: ColumnElement[bool]) -> int:
    return int(uow.session.scalar(select(func.count(column)).where(*where)) or 0)


def _tasks_by_organization(uow: UnitOfWork, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    late = func.sum(case((HumanTask.due_at < now, 1), else_=0))
    rows = uow.session.execute(
        select(Organization.code, func.count(), late)
        .select_from(HumanTask)
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .where(HumanTask.status == OPEN)
        .group_by(Organization.code)
    ).all()
    open_tasks = {code or NO_ORGANIZATION: int(n) for code, n, _late in rows}
    overdue = {code or NO_ORGANIZATION: int(d or 0) for code, _n, d in rows}
    return open_tasks, overdue
