"""Moving one running case to another version of its process, under its row lock.

The case is checked before anything moves (its current positions placed in the target, the
data the target would read, the joins ahead); a case the plan cannot place is reported with
the reasons and left exactly as it was. Otherwise the version, the worklist rows, the audit
event and the settled instance are written in the caller's transaction. The plan and the
report are `engine/rules/migration_plans.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.rules.audit import record
from engine.rules.migration_plans import (
    KEEP,
    MIGRATED,
    MOVABLE,
    REFUSED,
    SKIPPED,
    UNCHANGED,
    CaseReport,
    MigrationPlan,
    Target,
)
from engine.rules.progress import RUNNING, case_specs, settle
from engine.rules.worklist import OPEN, carry_task
from engine.spiff import Instance, ReadyTask
from engine.spiff.dataflow import data_use, known_names, missing_data, written_by
from engine.spiff.migration import Moved, move_instance
from engine.spiff.positions import Problem, failing, passed_specs, target_specs
from engine.store.tables import Case, HumanTask, Incident
from engine.store.uow import UnitOfWork


def migrate_case(
    uow: UnitOfWork,
    case: Case,
    plan: MigrationPlan,
    target: Target,
    actor: Actor,
    *,
    dry_run: bool,
) -> CaseReport:
    """Check one case (locked by the caller, unless a dry run) and, unless a dry run, move it.

    The caller commits when the outcome is MIGRATED."""
    source = uow.facts.version(uow.session, case.version_id).number
    report = CaseReport(case.reference, REFUSED, source, target.number)
    skipped = _skip_reason(case, plan, target, source)
    if skipped is not None:
        return report.refuse(*skipped)
    instance = uow.runtime.load(case_specs(uow, case), case.state_json)  # a copy: moving changes it
    missing = _missing(uow, case, instance, plan, target)  # all the reasons in one report
    report.defaults = sorted(k for k in plan.defaults if k not in instance.data)
    moved = move_instance(
        instance,
        target.specs,
        plan.mapping,
        plan.defaults,
        keep_timers=plan.timers == KEEP,
        restore=lambda i: uow.runtime.load(target.specs, uow.runtime.dump(i)),
        labels=(target.source_labels(uow, case.version_id), target.labels),
    )
    _describe(report, moved)
    if moved.instance is None or missing:
        return report.refuse(REFUSED, [*moved.problems, *missing])
    ready = {t.id: t for t in moved.instance.ready_human_tasks()}
    carried = _carried_rows(uow, case, ready)
    report.tasks = [_task_line(row, kept, ready) for row, kept in carried]
    if dry_run:
        report.outcome = MOVABLE
        return report
    _move(uow, case, target, moved.instance, carried, ready, actor, report, plan)
    report.outcome = MIGRATED
    return report


def _skip_reason(
    case: Case, plan: MigrationPlan, target: Target, source: int
) -> tuple[str, list[Problem]] | None:
    if case.process_id != plan.process_id:
        message = f"the case runs {case.process_id}, not {plan.process_id}"
        return SKIPPED, [Problem("other_process", message, {"process": case.process_id})]
    if case.status != RUNNING:
        message = f"the case is {case.status}"
        return SKIPPED, [Problem("status", message, {"status": case.status})]
    if case.version_id == target.version_id:
        message = f"the case is already on version {target.number}"
        return UNCHANGED, [Problem("already", message, {"to": target.number})]
    if plan.source is not None and source != plan.source:
        message = f"the case is on version {source}, not {plan.source}"
        params = {"version": source, "source": plan.source}
        return SKIPPED, [Problem("other_version", message, params)]
    return None


def _missing(
    uow: UnitOfWork, case: Case, instance: Instance, plan: MigrationPlan, target: Target
) -> list[Problem]:
    """The data the target would read from where the case stands, and the case lacks."""
    forms = uow.facts.version(uow.session, case.version_id).forms
    passed = written_by(passed_specs(instance), forms)  # optional there: absence is expected
    present = set(instance.data) | set(plan.defaults) | passed
    starts = target_specs(instance, target.specs, plan.mapping)
    key = frozenset(id(spec) for spec in starts)  # specs are cached per version: ids are stable
    if key not in target.uses:
        target.uses[key] = data_use(starts, target.specs[1], target.forms, target.labels)
    found = missing_data(present, target.uses[key], known_names(uow.runtime.environment))
    return [
        Problem(
            "missing_data",
            f"version {target.number} reads {name!r} ({'; '.join(where)}), which the case's "
            "data does not hold: give it a default",
            {"name": name, "where": where, "to": target.number},
        )
        for name, where in found.items()
    ]


def _describe(report: CaseReport, moved: Moved) -> None:
    report.moves = [
        {
            "from": m.source.element_id,
            "from_name": m.source.name,
            "from_label": m.source.label,
            "to": m.target_id,
            "to_name": m.target_name,
            "to_label": m.target_label,
            "kind": m.source.kind,
            "state": m.source.state,
        }
        for m in moved.moves
    ]
    report.timers = [
        {"element_id": t.element_id, "before": t.before, "after": t.after} for t in moved.timers
    ]


def _carried_rows(
    uow: UnitOfWork, case: Case, ready: dict[str, ReadyTask]
) -> list[tuple[HumanTask, bool]]:
    """The case's open worklist rows, each with whether it carries over unchanged in identity:
    its task is still ready, and no other open row went to the same element (one-to-one)."""
    rows = uow.session.scalars(
        select(HumanTask)
        .where(HumanTask.case_id == case.id, HumanTask.status == OPEN, HumanTask.kind == "bpmn")
        .order_by(HumanTask.id)
    ).all()
    landing: dict[str, int] = {}
    for row in rows:
        task = ready.get(row.spiff_task_id or "")
        if task is not None:
            landing[task.element_id] = landing.get(task.element_id, 0) + 1
    carried = []
    for row in rows:
        task = ready.get(row.spiff_task_id or "")
        carried.append((row, task is not None and landing[task.element_id] == 1))
    return carried


def _task_line(row: HumanTask, kept: bool, ready: dict[str, ReadyTask]) -> dict[str, Any]:
    task = ready.get(row.spiff_task_id or "")
    return {
        "task_id": row.id,
        "name": row.name,
        "element_id": row.element_id,
        "to": task.element_id if task is not None else None,
        "to_name": task.name if task is not None else None,
        "kept": kept,
    }


def _move(
    uow: UnitOfWork,
    case: Case,
    target: Target,
    instance: Instance,
    carried: list[tuple[HumanTask, bool]],
    ready: dict[str, ReadyTask],
    actor: Actor,
    report: CaseReport,
    plan: MigrationPlan,
) -> None:
    """Store the moved case: its version, its worklist, the audit event, then settle it."""
    uow.update(case, version_id=target.version_id)
    for row, kept in carried:
        carry_task(uow, case, row, ready[row.spiff_task_id or ""] if kept else None, target.forms)
    record(
        uow,
        case,
        "case_migrated",
        actor,
        {
            "process_id": case.process_id,
            "from_version": report.source,
            "to_version": report.target,
            "mapping": {m["from"]: m["to"] for m in report.moves},
            "plan_mapping": plan.mapping,
            "timers": plan.timers,
            "timer_changes": report.timers,
            "defaults": report.defaults,
            "tasks_kept": [t["task_id"] for t in report.tasks if t["kept"]],
            "tasks_reopened": [t["task_id"] for t in report.tasks if not t["kept"]],
        },
    )
    outcome = settle(uow, case, instance, actor)
    _close_mended_incidents(uow, case, instance, outcome.incident, actor)


def _close_mended_incidents(
    uow: UnitOfWork, case: Case, instance: Instance, opened: Incident | None, actor: Actor
) -> None:
    """Incidents whose failed step no longer fails on the new version are resolved."""
    for incident in uow.session.scalars(
        select(Incident).where(Incident.case_id == case.id, Incident.resolved_at.is_(None))
    ):
        if opened is not None and incident.id == opened.id:
            continue
        if incident.spiff_task_id and failing(instance, incident.spiff_task_id):
            continue
        incident.resolved_at, incident.resolved_by = uow.now, actor.user_id
        record(
            uow,
            case,
            "incident_resolved",
            actor,
            {"incident_id": incident.id, "by": "migration"},
            incident.element_id,
        )
