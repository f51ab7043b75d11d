""" "Prova": the Modeler's diagram run with sample data through the engine itself, in a
transaction that is rolled back. The path taken and the tasks it would emit are reported;
nothing is kept (no version, no case, no notice, no mail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.actors import SYSTEM, Actor
from engine.commands.cases import start_case
from engine.commands.modeling import deploy_edited
from engine.commands.tasks import complete_task
from engine.errors import EngineError
from engine.rules.access import require_coordinator
from engine.rules.progress import RUNNING, element_ids
from engine.rules.startforms import start_form_key
from engine.rules.versions import latest_version
from engine.rules.worklist import OPEN
from engine.spiff.forms import sample_case
from engine.store.tables import Case, HumanTask, Organization
from engine.store.uow import UnitOfWork

MAX_STEPS = 40


@dataclass(frozen=True)
class TrialTask:
    """A task the trial case would emit."""

    element_id: str
    name: str
    groups: tuple[str, ...]
    organization: str  # the organisation's name ("" when none)
    due_at: datetime | None


@dataclass
class Trial:
    """Where the trial case went: elements done and active, its open tasks, and why it stopped
    when it did (`stopped_at` names the element, `problem` says why in English)."""

    process_id: str
    start_data: dict[str, Any]
    done: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    tasks: list[TrialTask] = field(default_factory=list)
    finished: bool = False
    stopped_at: str | None = None
    stopped_name: str = ""
    problem: str | None = None


def try_model(
    uow: UnitOfWork,
    actor: Actor,
    xml: str,
    start_data: dict[str, Any] | None = None,
    answers: dict[str, dict[str, Any]] | None = None,
    steps: int = 0,
    forms: dict[str, Any] | None = None,
) -> Trial:
    """Deploy `xml`, open a case with `start_data` (a sample from the start form when None)
    and complete its tasks `steps` times with `answers` by element (a sample from each task's
    form otherwise); report, then roll everything back."""
    require_coordinator(actor)
    answers = answers or {}
    version_ids: list[int] = []
    case_ids: list[int] = []
    try:
        with uow.trial():
            deployed = deploy_edited(uow, actor, xml, forms=forms)
            version_ids = [d.version_id for d in deployed]
            process_id = deployed[0].process_id
            version = latest_version(uow, process_id)
            forms = dict(version.forms or {})
            key = start_form_key(version.bpmn_xml, process_id, forms)
            data = (
                start_data
                if start_data is not None
                else sample_case(forms, [key] if key else [], {}, uow.now.date())
            )
            trial = Trial(process_id, data)
            try:
                case = start_case(uow, process_id, dict(data), actor).case
            except EngineError as exc:
                trial.problem = f"the case cannot be opened: {exc.detail}"
                return trial
            case_ids.append(case.id)
            for _step in range(min(steps, MAX_STEPS)):
                task = _next_task(uow, case.id)
                if task is None:
                    break
                given = answers.get(task.element_id)
                filled = (
                    given
                    if given is not None
                    else sample_case(forms, [task.form_key or ""], {}, uow.now.date())
                )
                try:
                    complete_task(uow, task.id, filled, SYSTEM)
                except EngineError as exc:
                    trial.stopped_at, trial.problem = task.element_id, exc.detail
                    trial.stopped_name = task.name
                    break
            _report(uow, case.id, trial)
            return trial
    finally:
        uow.runtime.forget(version_ids, case_ids)


def _next_task(uow: UnitOfWork, case_id: int) -> HumanTask | None:
    return uow.session.scalar(
        select(HumanTask)
        .where(HumanTask.case_id == case_id, HumanTask.status == OPEN, HumanTask.kind == "bpmn")
        .order_by(HumanTask.id)
        .limit(1)
    )


def _report(uow: UnitOfWork, case_id: int, trial: Trial) -> None:
    case = uow.session.get_one(Case, case_id)
    uow.session.refresh(case)
    trial.done, trial.active = element_ids(uow, case)
    trial.finished = case.status != RUNNING
    names = {i: n for i, n in uow.session.execute(select(Organization.id, Organization.name))}
    rows = uow.session.scalars(
        select(HumanTask)
        .where(HumanTask.case_id == case_id, HumanTask.status == OPEN)
        .order_by(HumanTask.id)
    ).all()
    trial.tasks = [
        TrialTask(
            t.element_id,
            t.name,
            tuple(t.candidate_groups or ()),
            names.get(t.organization_id, "") if t.organization_id else "",
            t.due_at,
        )
        for t in rows
    ]
