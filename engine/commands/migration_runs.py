"""Bulk migrations worked through in batches, for the coordinator's page and the scheduler.

A run is a row with its plan and one item per selected case. Whoever advances it (the page
showing its progress, or a scheduler pass, whichever comes first) takes a short lease on the run
with a conditional UPDATE, which one caller wins among web workers and scheduler processes on
SQLite and PostgreSQL alike; it then works through a batch of pending items, each case in its
own transaction, records their outcomes and gives the lease back. A crashed worker's lease
expires. A dry run's items say what would happen; confirming it starts a real run over the
cases it found movable, with the same plan (each case is checked again as it moves).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Table, and_, func, or_, select, update

from engine.actors import SYSTEM, Actor
from engine.commands.accounts import actor_for
from engine.commands.migrations import migrate_one, selected_cases
from engine.errors import InvalidInput, NotFound
from engine.rules.access import require_coordinator
from engine.rules.migration_plans import MOVABLE, MigrationPlan, resolve_plan
from engine.rules.worklist import OPEN
from engine.store.tables import Case, HumanTask, MigrationItem, MigrationRun, User
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

RUNNING, DONE, CANCELLED = "running", "done", "cancelled"
PENDING = "pending"
LEASE = timedelta(seconds=60)
BATCH = 50
BUDGET_SECONDS = 2.0
ITEMS = cast(Table, MigrationItem.__table__)


@dataclass(frozen=True)
class CaseSelection:
    """Which running cases a run takes, beyond the plan's version: all, or filtered."""

    target_group: str | None = None
    waiting_at: str | None = None  # an element where an open task of the case waits
    references: tuple[str, ...] = ()


def start_run(
    uow: UnitOfWork,
    actor: Actor,
    plan: MigrationPlan,
    *,
    dry_run: bool,
    selection: CaseSelection = CaseSelection(),
) -> MigrationRun:
    """Record a run over the cases the plan and the selection name; InvalidInput if none."""
    require_coordinator(actor)
    target = resolve_plan(uow, plan)
    plan = MigrationPlan(**{**plan.as_dict(), "cases": selection.references})
    cases = _filtered(uow, selected_cases(uow, plan, target), selection)
    return _record(uow, actor, plan, dry_run, cases, None)


def confirm_run(uow: UnitOfWork, actor: Actor, process_id: str, checked_id: int) -> MigrationRun:
    """A real run over the cases a finished dry run found movable, with its plan."""
    require_coordinator(actor)
    checked = _run(uow, process_id, checked_id)
    if not checked.dry_run or checked.status != DONE:
        raise InvalidInput(
            "only a finished dry run can be confirmed", [{"field": "run", "message": "not done"}]
        )
    plan = MigrationPlan.from_dict(checked.plan)
    resolve_plan(uow, plan)
    rows = uow.session.execute(
        select(MigrationItem.case_id, MigrationItem.reference)
        .where(MigrationItem.run_id == checked.id, MigrationItem.outcome == MOVABLE)
        .order_by(MigrationItem.id)
    ).all()
    return _record(uow, actor, plan, False, [(r[0], r[1]) for r in rows], checked.id)


def _filtered(
    uow: UnitOfWork, cases: list[tuple[int, str]], selection: CaseSelection
) -> list[tuple[int, str]]:
    if not cases or not (selection.target_group or selection.waiting_at):
        return cases
    query = select(Case.id).where(Case.id.in_([c for c, _r in cases]))
    if selection.target_group:
        query = query.where(Case.target_group == selection.target_group)
    if selection.waiting_at:
        waiting = select(HumanTask.case_id).where(
            HumanTask.status == OPEN, HumanTask.element_id == selection.waiting_at
        )
        query = query.where(Case.id.in_(waiting))
    kept = set(uow.session.scalars(query))
    return [(c, r) for c, r in cases if c in kept]


def _record(
    uow: UnitOfWork,
    actor: Actor,
    plan: MigrationPlan,
    dry_run: bool,
    cases: list[tuple[int, str]],
    checked_id: int | None,
) -> MigrationRun:
    if not cases:
        raise InvalidInput(
            "no running case matches this choice: there is nothing to move",
            [{"field": "cases", "message": "no case selected"}],
        )
    run = MigrationRun(
        process_id=plan.process_id,
        from_number=plan.source,
        to_number=plan.to,
        dry_run=dry_run,
        plan=plan.as_dict(),
        status=RUNNING,
        total=len(cases),
        checked_run_id=checked_id,
        created_by=actor.user_id,
        created_at=uow.now,
    )
    uow.session.add(run)
    uow.session.flush()
    for case_id, reference in cases:
        uow.append(
            ITEMS,
            {"run_id": run.id, "case_id": case_id, "reference": reference, "outcome": PENDING},
        )
    uow.commit()
    return run


def _run(uow: UnitOfWork, process_id: str, run_id: int) -> MigrationRun:
    run = uow.session.get(MigrationRun, run_id)
    if run is None or run.process_id != process_id:
        raise NotFound(f"no migration {run_id} of {process_id}")
    return run


def cancel_run(uow: UnitOfWork, actor: Actor, process_id: str, run_id: int) -> MigrationRun:
    """Stop a run: cases already moved stay moved; the others are left where they are."""
    require_coordinator(actor)
    run = _run(uow, process_id, run_id)
    if run.status == RUNNING:
        run.status, run.finished_at = CANCELLED, uow.now
        uow.commit()
    return run


def advance_run(
    engine: Engine, run_id: int, *, now: datetime | None = None, budget: float = BUDGET_SECONDS
) -> int:
    """Work a batch of the run's pending cases if no one else is; how many were done."""
    moment = now or engine.clock()
    claimed = _claim(engine, run_id, moment)
    if claimed is None:
        return 0
    plan, dry_run, actor, items = claimed
    with engine.uow(write=False) as uow:
        target = resolve_plan(uow, plan)
    deadline = time.monotonic() + budget
    done: list[tuple[int, str, dict[str, Any]]] = []
    for item_id, case_id, reference in items:
        report = migrate_one(engine, actor, case_id, reference, plan, target, dry_run)
        done.append((item_id, report.outcome, report.as_dict()))
        if time.monotonic() > deadline:
            break
    _release(engine, run_id, done, moment)
    return len(done)


def _claim(
    engine: Engine, run_id: int, now: datetime
) -> tuple[MigrationPlan, bool, Actor, list[tuple[int, int, str]]] | None:
    """Take the run's lease and read a batch of its pending items; None if it is not free."""
    with engine.uow(now=now) as uow:
        free = or_(MigrationRun.lease_until.is_(None), MigrationRun.lease_until < now)
        taken = uow.session.execute(
            update(MigrationRun)
            .where(MigrationRun.id == run_id, MigrationRun.status == RUNNING, free)
            .values(lease_until=now + LEASE)
        )
        if cast(CursorResult[Any], taken).rowcount != 1:
            return None
        run = uow.session.get_one(MigrationRun, run_id)
        creator = uow.session.get(User, run.created_by) if run.created_by else None
        actor = actor_for(uow, creator) if creator is not None else SYSTEM
        items = uow.session.execute(
            select(MigrationItem.id, MigrationItem.case_id, MigrationItem.reference)
            .where(MigrationItem.run_id == run_id, MigrationItem.outcome == PENDING)
            .order_by(MigrationItem.id)
            .limit(BATCH)
        ).all()
        plan, dry_run = MigrationPlan.from_dict(run.plan), run.dry_run
        uow.commit()
    return plan, dry_run, actor, [(i[0], i[1], i[2]) for i in items]


def _release(
    engine: Engine, run_id: int, done: list[tuple[int, str, dict[str, Any]]], now: datetime
) -> None:
    """Record the batch's outcomes, give the lease back, and close the run when nothing is left."""
    with engine.uow(now=now) as uow:
        for item_id, outcome, report in done:
            uow.session.execute(
                update(MigrationItem)
                .where(MigrationItem.id == item_id)
                .values(outcome=outcome, report=report)
            )
        left = uow.session.scalar(
            select(func.count())
            .select_from(MigrationItem)
            .where(MigrationItem.run_id == run_id, MigrationItem.outcome == PENDING)
        )
        values: dict[str, Any] = {"lease_until": None}
        if not left:
            values.update(status=DONE, finished_at=uow.now)
        uow.session.execute(
            update(MigrationRun)
            .where(and_(MigrationRun.id == run_id, MigrationRun.status == RUNNING))
            .values(**values)
        )
        uow.commit()


def runs_to_advance(engine: Engine, now: datetime) -> list[int]:
    """Runs with pending cases that nobody is working on (for the scheduler)."""
    with engine.uow(write=False, now=now) as uow:
        free = or_(MigrationRun.lease_until.is_(None), MigrationRun.lease_until < now)
        return list(
            uow.session.scalars(
                select(MigrationRun.id)
                .where(MigrationRun.status == RUNNING, free)
                .order_by(MigrationRun.id)
            )
        )
