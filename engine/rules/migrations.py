"""Moving running cases to another version of their process: the plan, and one case's move.

A plan names the target version, optionally the source version and the cases; how elements of
the source map to the target (the same id by default, others named); defaults for data the
target needs and the case lacks; and whether waiting timers keep their due time or are
computed again by the target. Each case is checked before anything moves; a case the plan
cannot place is reported with the reasons and left exactly as it was.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.errors import InvalidInput, ModelNotFound
from engine.rules.audit import record
from engine.rules.progress import RUNNING, case_specs, settle
from engine.rules.versions import latest_version_number, version_of
from engine.rules.worklist import OPEN, carry_task
from engine.spiff import Instance, ReadyTask
from engine.spiff.dataflow import DataUse, data_use, known_names, missing_data, written_by
from engine.spiff.migration import (
    Moved,
    Problem,
    failing,
    move_instance,
    passed_specs,
    target_specs,
)
from engine.store.tables import Case, HumanTask, Incident, ProcessVersion
from engine.store.uow import UnitOfWork

KEEP, RECOMPUTE = "keep", "recompute"
TIMER_POLICIES = (KEEP, RECOMPUTE)
MIGRATED = "migrated"  # moved to the target version
MOVABLE = "can_migrate"  # a dry run found it can move
REFUSED = "refused"  # the plan cannot place it: it stays where it is
UNCHANGED = "unchanged"  # already on the target version
SKIPPED = "skipped"  # not running, or not a case the plan selects
FAILED = "failed"  # an unexpected error; nothing of it was stored
OUTCOMES = (MIGRATED, MOVABLE, REFUSED, UNCHANGED, SKIPPED, FAILED)


@dataclass(frozen=True)
class MigrationPlan:
    """How the running cases of a process move from their version to version `to`."""

    process_id: str
    to: int
    source: int | None = None  # only cases on this version (default: any other version)
    cases: tuple[str, ...] = ()  # only these references (default: every selected case)
    mapping: dict[str, str | None] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    timers: str = KEEP

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["cases"] = list(self.cases)
        return found

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MigrationPlan:
        return cls(**{**values, "cases": tuple(values.get("cases") or ())})


@dataclass(frozen=True)
class Target:
    """The version cases move to, as a move needs it."""

    version_id: int
    number: int
    specs: Any
    forms: dict[str, Any]
    elements: dict[str, str]  # element id -> its name in the target version
    # What the target reads and writes from a set of positions: the same for many cases.
    uses: dict[frozenset[int], DataUse] = field(default_factory=dict, compare=False)


@dataclass
class CaseReport:
    """What a migration did (or, in a dry run, would do) to one case, in words."""

    reference: str
    outcome: str
    source: int | None = None
    target: int | None = None
    reasons: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # the reasons, as codes
    moves: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def refuse(self, outcome: str, problems: list[Problem]) -> CaseReport:
        self.outcome = outcome
        self.reasons = [p.message for p in problems]
        self.problems = [asdict(p) for p in problems]
        return self


def resolve_plan(uow: UnitOfWork, plan: MigrationPlan) -> Target:
    """The plan's target version, once its parts are checked; InvalidInput names each problem."""
    latest_version_number(uow, plan.process_id)  # ModelNotFound for an unknown process
    problems: list[dict[str, Any]] = []
    if plan.timers not in TIMER_POLICIES:
        problems.append(
            {"field": "timers", "message": f"must be one of {', '.join(TIMER_POLICIES)}"}
        )
    version = _version(uow, plan.process_id, plan.to, "to", problems)
    if plan.source is not None:
        _version(uow, plan.process_id, plan.source, "from", problems)
    target = _target(uow, version) if version is not None else None
    if target is not None:
        for source, element in plan.mapping.items():
            if element is not None and element not in target.elements:
                problems.append(
                    {
                        "field": f"mapping.{source}",
                        "message": f"version {target.number} has no element {element!r}",
                    }
                )
    reserved = known_names(uow.runtime.environment)
    for name in plan.defaults:
        if not name.isidentifier() or name in reserved or name.startswith("_"):
            problems.append(
                {"field": f"defaults.{name}", "message": "not a name the model's data can hold"}
            )
    if problems or target is None:
        raise InvalidInput(
            "the migration plan cannot be used: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems),
            problems,
        )
    return target


def _version(
    uow: UnitOfWork, process_id: str, number: int, name: str, problems: list[dict[str, Any]]
) -> ProcessVersion | None:
    try:
        return version_of(uow, process_id, number)
    except ModelNotFound as exc:
        problems.append({"field": name, "message": exc.detail})
        return None


def _target(uow: UnitOfWork, version: ProcessVersion) -> Target:
    specs = uow.runtime.specs(version.id, lambda: version.spec_json)
    spec, subprocesses = specs
    elements: dict[str, str] = {}
    for wf_spec in (spec, *subprocesses.values()):
        for task_spec in wf_spec.task_specs.values():
            element = getattr(task_spec, "bpmn_id", None)
            if element and element not in elements:
                elements[element] = str(task_spec.bpmn_name or element)
    return Target(version.id, version.number, specs, dict(version.forms), elements)


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
    missing = _missing(uow, case, instance, plan, target)
    if missing:
        return report.refuse(REFUSED, missing)
    report.defaults = sorted(k for k in plan.defaults if k not in instance.data)
    moved = move_instance(
        instance,
        target.specs,
        plan.mapping,
        plan.defaults,
        keep_timers=plan.timers == KEEP,
        restore=lambda i: uow.runtime.load(target.specs, uow.runtime.dump(i)),
    )
    _describe(report, moved)
    if moved.instance is None:
        return report.refuse(REFUSED, moved.problems)
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
        target.uses[key] = data_use(starts, target.specs[1], target.forms)
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
            "to": m.target_id,
            "to_name": m.target_name,
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
    uow.update_now(case, version_id=target.version_id)
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
