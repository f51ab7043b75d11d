"""Firing due BPMN timers: only cases whose next wake-up has passed, each in its own command."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from .actors import SYSTEM
from .audit import record
from .models import Case
from .progress import RUNNING, load_instance, settle
from .uow import UnitOfWork

if TYPE_CHECKING:
    from .core import Engine

BATCH = 200


def due_case_ids(uow: UnitOfWork, now: datetime, limit: int = BATCH) -> list[int]:
    """Cases whose wake-up is strictly past: SpiffWorkflow fires a timer only after its time."""
    return list(
        uow.session.scalars(
            select(Case.id)
            .where(Case.status == RUNNING, Case.next_wakeup_at < now)
            .order_by(Case.next_wakeup_at, Case.id)
            .limit(limit)
        )
    )


def claim_due_case(uow: UnitOfWork, case_id: int, now: datetime) -> Case | None:
    """Lock one due case, skipping it if another scheduler holds it or fired it already."""
    return uow.session.scalar(
        select(Case)
        .where(Case.id == case_id, Case.status == RUNNING, Case.next_wakeup_at < now)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def fire_case_timers(uow: UnitOfWork, case: Case) -> None:
    """Refresh the case's timers, run what they released, and store the result."""
    due = case.next_wakeup_at
    instance = load_instance(uow, case)
    record(uow, case, "timer_fired", SYSTEM, {"due_at": due.isoformat() if due else None})
    settle(uow, case, instance, SYSTEM)


def fire_due_timers(engine: Engine, now: datetime | None = None) -> int:
    """Fire every timer due at `now` (default: the engine clock); returns how many cases moved."""
    moment = now or engine.clock()
    fired = 0
    seen: set[int] = set()
    while True:
        with engine.uow(write=False, now=moment) as uow:
            batch = [i for i in due_case_ids(uow, moment) if i not in seen]
        if not batch:
            return fired
        for case_id in batch:
            seen.add(case_id)
            with engine.uow(now=moment) as uow:
                case = claim_due_case(uow, case_id, moment)
                if case is None:
                    continue
                fire_case_timers(uow, case)
                uow.commit()
                fired += 1
