"""The scheduler's duties: BPMN timers, escalation steps, outbox delivery; one pass of them all."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.commands.absences import apply_due_absences
from engine.commands.migration_runs import advance_run, runs_to_advance
from engine.notices.outbox import DeliveryReport, deliver_due, next_attempt_at
from engine.rules.absences import next_absence_change
from engine.rules.progress import RUNNING
from engine.rules.worklist import OPEN
from engine.scheduling.escalation import escalate_due_tasks
from engine.scheduling.timers import fire_due_timers
from engine.store.tables import Case, HumanTask

if TYPE_CHECKING:
    from engine.core import Engine


@dataclass(frozen=True)
class TickReport:
    """What one pass did, as of `now`."""

    now: datetime
    timers: int
    escalations: int
    delivery: DeliveryReport
    absences: int = 0  # absences started or ended
    migrated: int = 0  # cases of bulk migrations worked on

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "timers": self.timers,
            "escalations": self.escalations,
            "delivery": asdict(self.delivery),
            "absences": self.absences,
            "migrated": self.migrated,
        }


def tick(engine: Engine, now: datetime | None = None) -> TickReport:
    """Fire timers, then escalation steps, then deliver notifications, all as of `now`.

    Timers go first: a boundary timer may close a task, which then needs no escalation; and
    the notifications the first two write go out in the same pass.
    """
    moment = now or engine.clock()
    absences = apply_due_absences(engine, moment)  # before the ladder: notices reach substitutes
    timers = fire_due_timers(engine, moment)
    escalations = escalate_due_tasks(engine, moment)
    migrated = sum(advance_run(engine, run, now=moment) for run in runs_to_advance(engine, moment))
    delivery = deliver_due(engine, moment)
    return TickReport(moment, timers, escalations, delivery, absences, migrated)


def next_due_at(engine: Engine) -> datetime | None:
    """The earliest moment anything is due: a case's timer, a ladder step, a notification."""
    with engine.uow(write=False) as uow:
        candidates = [
            uow.session.scalar(
                select(Case.next_wakeup_at)
                .where(Case.status == RUNNING, Case.next_wakeup_at.is_not(None))
                .order_by(Case.next_wakeup_at)
                .limit(1)
            ),
            uow.session.scalar(
                select(HumanTask.next_escalation_at)
                .where(HumanTask.status == OPEN, HumanTask.next_escalation_at.is_not(None))
                .order_by(HumanTask.next_escalation_at)
                .limit(1)
            ),
            next_attempt_at(uow),
            next_absence_change(uow),
        ]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
