"""Moving running cases to another version of their process: each case in its own transaction.

`migrate_cases` checks the plan, selects the cases and moves (or, in a dry run, checks) them
one by one: a case that cannot move, or that fails, is reported and the others go on. Moving a
case twice is harmless: a case already on the target version is reported unchanged.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.actors import Actor
from engine.errors import EngineError
from engine.rules.access import require_coordinator
from engine.rules.migration_plans import (
    FAILED,
    MIGRATED,
    SKIPPED,
    CaseReport,
    MigrationPlan,
    Target,
    resolve_plan,
)
from engine.rules.migrations import migrate_case
from engine.rules.progress import RUNNING
from engine.spiff.positions import Problem
from engine.store.locking import lock_case
from engine.store.tables import Case, ProcessModel, ProcessVersion
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass
class MigrationReport:
    """Per case, whether it moved (or can move) and why not; the same for CLI, API and UI."""

    plan: MigrationPlan
    dry_run: bool
    cases: list[CaseReport] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(c.outcome for c in self.cases))

    def as_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "process_id": plan.process_id,
            "to": plan.to,
            "from": plan.source,
            "dry_run": self.dry_run,
            "mapping": plan.mapping,
            "defaults": plan.defaults,
            "timers": plan.timers,
            "counts": self.counts,
            "cases": [c.as_dict() for c in self.cases],
        }


def selected_cases(uow: UnitOfWork, plan: MigrationPlan, target: Target) -> list[tuple[int, str]]:
    """(id, reference) of the cases the plan names, or of every running case of the process on
    another version (on `plan.source` when given), oldest first."""
    query = select(Case.id, Case.reference).order_by(Case.id)
    if plan.cases:
        query = query.where(Case.reference.in_(plan.cases))
    else:
        query = query.where(
            Case.process_id == plan.process_id,
            Case.status == RUNNING,
            Case.version_id != target.version_id,
        )
        if plan.source is not None:
            source = uow.session.scalar(_version_id(plan.process_id, plan.source))
            query = query.where(Case.version_id == source)
    return [(row[0], row[1]) for row in uow.session.execute(query)]


def _version_id(process_id: str, number: int) -> Any:
    return (
        select(ProcessVersion.id)
        .join(ProcessModel, ProcessModel.id == ProcessVersion.model_id)
        .where(ProcessModel.process_id == process_id, ProcessVersion.number == number)
    )


def prepare(
    engine: Engine, actor: Actor, plan: MigrationPlan
) -> tuple[Target, list[tuple[int, str]]]:
    """The plan's target (checked) and the cases it selects; references it names that do not
    exist are reported by `migrate_cases`."""
    require_coordinator(actor)
    with engine.uow(write=False) as uow:
        target = resolve_plan(uow, plan)
        return target, selected_cases(uow, plan, target)


def migrate_cases(
    engine: Engine,
    actor: Actor,
    plan: MigrationPlan,
    *,
    dry_run: bool,
    progress: Progress | None = None,
) -> MigrationReport:
    """Move (or check) every case the plan selects, each in its own transaction."""
    target, cases = prepare(engine, actor, plan)
    report = MigrationReport(plan, dry_run)
    found = {reference for _id, reference in cases}
    for reference in plan.cases:
        if reference not in found:
            report.cases.append(
                CaseReport(reference, SKIPPED).refuse(
                    SKIPPED, [Problem("no_case", "no such case", {})]
                )
            )
    for done, (case_id, reference) in enumerate(cases, start=1):
        report.cases.append(migrate_one(engine, actor, case_id, reference, plan, target, dry_run))
        if progress is not None:
            progress(done, len(cases))
    return report


def migrate_one(
    engine: Engine,
    actor: Actor,
    case_id: int,
    reference: str,
    plan: MigrationPlan,
    target: Target,
    dry_run: bool,
) -> CaseReport:
    """Move (or check) one case in its own transaction, its row locked; never raises."""
    try:
        with engine.uow(write=not dry_run) as uow:
            case = lock_case(uow, case_id) if not dry_run else uow.session.get_one(Case, case_id)
            report = migrate_case(uow, case, plan, target, actor, dry_run=dry_run)
            if report.outcome == MIGRATED:
                uow.commit()
            return report
    except EngineError as exc:
        problem = Problem("error", exc.detail, {"error": exc.detail})
    except Exception as exc:  # one case's failure must not stop the others (like a scheduler job)
        log.exception("case %s could not be migrated", reference)
        error = f"{type(exc).__name__}: {exc}"
        problem = Problem("unexpected", f"unexpected error, nothing was changed: {error}", {})
    return CaseReport(reference, FAILED, target=target.number).refuse(FAILED, [problem])
