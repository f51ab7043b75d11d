"""What the coordinator's migration page shows: the choices for a plan, and a run's progress."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from engine.actors import Actor
from engine.errors import NotFound
from engine.rules.access import require_coordinator
from engine.rules.migration_plans import version_labels
from engine.rules.model_diff import Element, describe_elements
from engine.rules.progress import RUNNING
from engine.rules.versions import latest_version, version_of
from engine.rules.worklist import OPEN
from engine.store.tables import (
    Case,
    HumanTask,
    MigrationItem,
    MigrationRun,
    ProcessModel,
    ProcessVersion,
    User,
)
from engine.store.uow import UnitOfWork

PENDING = "pending"
# Elements where a case can stand (wait, run, fail): those a plan may need to map.
STANDING = (
    "userTask",
    "manualTask",
    "task",
    "receiveTask",
    "scriptTask",
    "serviceTask",
    "businessRuleTask",
    "sendTask",
    "callActivity",
    "subProcess",
    "intermediateCatchEvent",
    "boundaryEvent",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)
SHOWN_ITEMS = 200


@dataclass(frozen=True)
class MappingRow:
    """An element of a source version that the target version lacks, and where it could go."""

    element: Element
    versions: list[int]  # the source versions that have it
    running: int  # running cases with an open task there (others may still wait at it)
    targets: list[Element]  # the target's elements of a compatible type


def migration_choices(
    uow: UnitOfWork, actor: Actor, process_id: str, to: int | None, source: int | None
) -> dict[str, Any]:
    """Versions with their running cases, where cases wait, and the elements to map."""
    require_coordinator(actor)
    latest = latest_version(uow, process_id)
    target = version_of(uow, process_id, to) if to else latest
    counts = dict(
        uow.session.execute(
            select(ProcessVersion.number, func.count(Case.id))
            .join(Case, Case.version_id == ProcessVersion.id)
            .where(Case.process_id == process_id, Case.status == RUNNING)
            .group_by(ProcessVersion.number)
        ).all()
    )
    versions = [
        {"number": n, "running": int(counts.get(n, 0))} for n in range(latest.number, 0, -1)
    ]
    sources = (
        [source] if source else [v["number"] for v in versions if v["number"] != target.number]
    )
    return {
        "process_id": process_id,
        "name": uow.session.get_one(ProcessModel, latest.model_id).name,
        "versions": versions,
        "to": target.number,
        "from": source,
        "movable": sum(int(counts.get(n, 0)) for n in sources),
        "waiting_at": _waiting_at(uow, process_id, target.id),
        "target_groups": _target_groups(uow, process_id),
        "mapping": _mapping_rows(uow, process_id, target, sources),
        "runs": recent_runs(uow, process_id),
    }


def model_title(uow: UnitOfWork, actor: Actor, process_id: str) -> dict[str, str]:
    """The model's id and name (ModelNotFound if it is not deployed)."""
    require_coordinator(actor)
    latest = latest_version(uow, process_id)
    return {
        "process_id": process_id,
        "name": uow.session.get_one(ProcessModel, latest.model_id).name,
    }


def _waiting_at(uow: UnitOfWork, process_id: str, target_id: int) -> list[dict[str, Any]]:
    """Where running cases not on the target wait for a person, with how many cases."""
    rows = uow.session.execute(
        select(HumanTask.element_id, HumanTask.name, func.count(func.distinct(Case.id)))
        .join(Case, Case.id == HumanTask.case_id)
        .where(
            Case.process_id == process_id,
            Case.status == RUNNING,
            Case.version_id != target_id,
            HumanTask.status == OPEN,
            HumanTask.kind == "bpmn",
        )
        .group_by(HumanTask.element_id, HumanTask.name)
        .order_by(HumanTask.name)
    ).all()
    return [{"element_id": e, "name": n, "cases": int(c)} for e, n, c in rows]


def _target_groups(uow: UnitOfWork, process_id: str) -> list[str]:
    rows = uow.session.scalars(
        select(Case.target_group)
        .where(
            Case.process_id == process_id, Case.status == RUNNING, Case.target_group.is_not(None)
        )
        .distinct()
    ).all()
    return sorted(g for g in rows if g)


def _elements(uow: UnitOfWork, version: ProcessVersion) -> dict[str, Element]:
    found = describe_elements(version.bpmn_xml, uow.settings.max_upload_bytes)
    return {k: e for k, e in found.items() if e.type in STANDING}


def _mapping_rows(
    uow: UnitOfWork, process_id: str, target: ProcessVersion, sources: list[int]
) -> list[MappingRow]:
    """Elements of the source versions the target lacks, each with the target's candidates."""
    target_elements = _elements(uow, target)
    missing: dict[str, tuple[Element, list[int]]] = {}
    for number in sources:
        for element_id, element in _elements(uow, version_of(uow, process_id, number)).items():
            if element_id not in target_elements:
                missing.setdefault(element_id, (element, []))[1].append(number)
    waiting = {w["element_id"]: w["cases"] for w in _waiting_at(uow, process_id, target.id)}
    return [
        MappingRow(
            element, numbers, waiting.get(element_id, 0), _compatible(element, target_elements)
        )
        for element_id, (element, numbers) in sorted(missing.items(), key=lambda i: i[1][0].name)
    ]


def _family(kind: str) -> str:
    if kind in ("userTask", "manualTask"):
        return "human"
    if kind in ("callActivity", "subProcess"):
        return "subprocess"
    if kind.endswith("Event"):
        return "event"
    if kind.endswith("Gateway"):
        return "gateway"
    return "step"


def _compatible(element: Element, targets: dict[str, Element]) -> list[Element]:
    family = _family(element.type)
    return sorted(
        (e for e in targets.values() if _family(e.type) == family),
        key=lambda e: e.name or e.element_id,
    )


def recent_runs(uow: UnitOfWork, process_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """The process's latest migration runs, newest first."""
    runs = uow.session.scalars(
        select(MigrationRun)
        .where(MigrationRun.process_id == process_id)
        .order_by(MigrationRun.id.desc())
        .limit(limit)
    ).all()
    return [_run_summary(uow, run) for run in runs]


def _run_summary(uow: UnitOfWork, run: MigrationRun) -> dict[str, Any]:
    counts = dict(
        uow.session.execute(
            select(MigrationItem.outcome, func.count())
            .where(MigrationItem.run_id == run.id)
            .group_by(MigrationItem.outcome)
        ).all()
    )
    creator = uow.session.get(User, run.created_by) if run.created_by else None
    return {
        "id": run.id,
        "dry_run": run.dry_run,
        "status": run.status,
        "from": run.from_number,
        "to": run.to_number,
        "total": run.total,
        "processed": run.total - int(counts.get(PENDING, 0)),
        "counts": {k: int(v) for k, v in counts.items() if k != PENDING},
        "created_by": creator.username if creator else "system",
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "checked_run_id": run.checked_run_id,
    }


def _mapping_words(uow: UnitOfWork, run: MigrationRun) -> list[dict[str, Any]]:
    """The plan's mapping with each element in words: a source's from the newest version that
    has it, a target's from the target version."""
    mapping: dict[str, str | None] = dict(run.plan.get("mapping") or {})
    if not mapping:
        return []
    versions = uow.session.scalars(
        select(ProcessVersion)
        .join(ProcessModel, ProcessModel.id == ProcessVersion.model_id)
        .where(ProcessModel.process_id == run.process_id)
        .order_by(ProcessVersion.number.desc())
    ).all()
    labels = {v.number: version_labels(uow, v) for v in versions}
    sources = [labels[n] for n in sorted(labels, reverse=True) if n != run.to_number]
    return [
        {
            "from": source,
            "from_label": next((found[source] for found in sources if source in found), None),
            "to": target,
            "to_label": labels[run.to_number].get(target) if target else None,
        }
        for source, target in sorted(mapping.items())
    ]


def run_view(uow: UnitOfWork, actor: Actor, process_id: str, run_id: int) -> dict[str, Any]:
    """A run: its plan, progress, the cases refused or failed with why, and those moved."""
    require_coordinator(actor)
    run = uow.session.get(MigrationRun, run_id)
    if run is None or run.process_id != process_id:
        raise NotFound(f"no migration {run_id} of {process_id}")
    summary = _run_summary(uow, run)
    items = uow.session.execute(
        select(MigrationItem.reference, MigrationItem.outcome, MigrationItem.report)
        .where(MigrationItem.run_id == run.id, MigrationItem.outcome != PENDING)
        .order_by(MigrationItem.outcome.in_(("refused", "failed")).desc(), MigrationItem.id)
        .limit(SHOWN_ITEMS)
    ).all()
    reasons = Counter(
        json.dumps(problem, sort_keys=True)
        for report in uow.session.scalars(
            select(MigrationItem.report).where(
                MigrationItem.run_id == run.id, MigrationItem.outcome.in_(("refused", "failed"))
            )
        )
        for problem in (report or {}).get("problems", [])
    )
    confirmed = uow.session.scalar(
        select(MigrationRun.id).where(MigrationRun.checked_run_id == run.id).limit(1)
    )
    return {
        **summary,
        "plan": dict(run.plan),
        "mapping": _mapping_words(uow, run),
        "items": [{"reference": r, "outcome": o, "report": rep or {}} for r, o, rep in items],
        "reasons": [(json.loads(k), n) for k, n in reasons.most_common(20)],
        "confirmed_by": confirmed,
        "done": run.status != RUNNING,
    }
