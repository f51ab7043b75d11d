"""Firing due BPMN timers: only cases whose next wake-up has passed, a group per transaction.

Cases are claimed a group at a time (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite holds its
write lock), so several schedulers share the work and each timer fires once. A group commits
together: far fewer commits when thousands fall due at once. A case that cannot be fired is
retried alone, then set aside with an incident, so it never blocks the others.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.actors import SYSTEM
from engine.commands.metering import metered
from engine.rules.audit import load_heads, record
from engine.rules.progress import RUNNING, load_instance, open_incident, settle
from engine.rules.worklist import prefetch_open_rows
from engine.spiff import Failure
from engine.store.locking import lock_case
from engine.store.tables import Case, MessageSubscription
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

log = logging.getLogger(__name__)
BATCH = 500
GROUP = 100
SQLITE_PAUSE = 0.005


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


def claim_due_cases(uow: UnitOfWork, case_ids: list[int], now: datetime) -> list[Case]:
    """Lock these cases if still due, skipping those another scheduler holds or fired already."""
    return list(
        uow.session.scalars(
            select(Case)
            .where(uow.among(Case.id, case_ids), Case.status == RUNNING, Case.next_wakeup_at < now)
            .order_by(Case.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )


@metered("fire_timer")
def fire_case_timers(uow: UnitOfWork, case: Case, subscribed: list[str] | None = None) -> None:
    """Refresh the case's timers, run what they released, and store the result.

    `subscribed`: the case's message subscription rows when the caller read them already."""
    due = case.next_wakeup_at
    if due is not None:
        uow.after_commit(lambda: _fired(uow, due))
    instance = load_instance(uow, case)
    if instance.subscribed is None and subscribed is not None:
        instance.subscribed = subscribed
    record(uow, case, "timer_fired", SYSTEM, {"due_at": due.isoformat() if due else None})
    settle(uow, case, instance, SYSTEM)


def _fired(uow: UnitOfWork, due: datetime) -> None:
    """Tell the observer how late a committed timer fired (by the clock, after the commit)."""
    uow.engine.observer.timer_fired(max((uow.engine.clock() - due).total_seconds(), 0.0))


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
        seen.update(batch)
        for start in range(0, len(batch), GROUP):
            with _collector_paused():
                fired += _fire_group(engine, batch[start : start + GROUP], moment)
            if engine.settings.is_sqlite:
                # SQLite's busy handler is not fair: pause so that web requests and the
                # lease heartbeat get the single write lock between groups.
                time.sleep(SQLITE_PAUSE)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a group fires (the collector's state is restored).

    A group's objects (its cases' workflows, rows, session) live until its commit and then die
    together. A collection meanwhile found them all alive and moved them to older generations,
    whose full collections walk every object of the process: 60 ms each, every few hundred
    timers, a third of the pass. Collected after the group, they are young garbage."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fire_group(engine: Engine, case_ids: list[int], now: datetime) -> int:
    try:
        with engine.uow(now=now) as uow:
            cases = claim_due_cases(uow, case_ids, now)
            load_heads(uow, [c.id for c in cases])
            prefetch_open_rows(uow, [c.id for c in cases])
            held = subscriptions(uow, [c.id for c in cases])
            for case in cases:
                fire_case_timers(uow, case, held.get(case.id, []))
            uow.commit()
            return len(cases)
    except Exception:  # the scheduler's job wrapper (STYLE.md): isolate the case that fails
        if len(case_ids) > 1:
            return sum(_fire_group(engine, [case_id], now) for case_id in case_ids)
        log.exception("timer of case %s could not fire", case_ids[0])
        _set_aside(engine, case_ids[0], now)
        return 0


def subscriptions(uow: UnitOfWork, case_ids: list[int]) -> dict[int, list[str]]:
    """The message names each case is subscribed to (sorted), in one query for a group."""
    rows = uow.session.execute(
        select(MessageSubscription.case_id, MessageSubscription.name)
        .where(uow.among(MessageSubscription.case_id, case_ids))
        .order_by(MessageSubscription.case_id, MessageSubscription.name)
    )
    held: dict[int, list[str]] = {}
    for case_id, name in rows:
        held.setdefault(case_id, []).append(name)
    return held


def _set_aside(engine: Engine, case_id: int, now: datetime) -> None:
    """Stop waking a case whose timer cannot fire; a coordinator retries its incident."""
    with engine.uow(now=now) as uow:
        case = lock_case(uow, case_id)
        case.next_wakeup_at = None
        error = "its timer could not fire (see the scheduler log); retry to fire it again"
        open_incident(uow, case, Failure("scheduler", None, None, error), SYSTEM)
        uow.commit()
