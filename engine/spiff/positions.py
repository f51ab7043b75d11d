"""Where a loaded instance stands, as moving it to another version sees it: its active
elements and their kinds, the target's names for its specs, its waiting timers.

Shared by the move itself (`engine/spiff/migration.py`) and the rules that check a plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine.spiff.element_labels import Label, label_words, spec_label
from engine.spiff.instance import Instance

# Tasks SpiffWorkflow adds around an element are named after it with one of these suffixes.
SUFFIXES = (".BoundaryEventSplit", ".BoundaryEventJoin", ".EndJoin", " [child]")
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
AHEAD = TaskState.FUTURE | TaskState.PREDICTED_MASK
FINISHED = TaskState.FINISHED_MASK
STATE_NAMES = {
    TaskState.READY: "ready",
    TaskState.WAITING: "waiting",
    TaskState.STARTED: "started",
    TaskState.ERROR: "failed",
}
Specs = tuple[Any, dict[str, Any]]


@dataclass(frozen=True)
class Position:
    """An element where the case stands: waiting for a person, an event, a branch, a step."""

    element_id: str
    name: str  # in words: the element's name, or its kind and place when it has none
    kind: str
    state: str
    task_id: str
    label: Label = field(default_factory=dict)


@dataclass(frozen=True)
class Move:
    """Where one active element goes in the target version (None: cancelled there)."""

    source: Position
    target_id: str | None
    target_name: str | None
    target_label: Label | None = None


@dataclass(frozen=True)
class TimerChange:
    """A waiting timer's due value before and after the move (None: it did not exist)."""

    element_id: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Problem:
    """Why a case cannot move: a message, and a code with parameters for other languages."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


def kind_of(spec: Any) -> str:
    """What an element is, as far as moving a case is concerned."""
    if isinstance(spec, LoopTask):
        return "multi-instance activity"
    if isinstance(spec, SubWorkflowTask):
        return "subprocess"
    if getattr(spec, "manual", False):
        return "human task"
    if isinstance(spec, CatchingEvent):
        definition = spec.event_definition
        if isinstance(definition, TimerEventDefinition):
            return "timer"
        return type(definition).__name__.removesuffix("EventDefinition").lower() + " event"
    if isinstance(spec, Join):
        return "join"
    return "automatic step"


def position(task: Any, labels: Mapping[str, Label]) -> Position:
    """Where `task` stands, named in words from its version's `labels`."""
    spec = task.task_spec
    name = spec.bpmn_name
    if name is None and isinstance(spec, LoopTask):  # the name is on its instances' spec
        name = getattr(spec._wf_spec.task_specs.get(spec.task_spec), "bpmn_name", None)
    label = {"name": name} if name else spec_label(spec, labels)
    return Position(
        element_id=str(spec.bpmn_id or spec.name),
        name=label_words(label),
        kind=kind_of(spec),
        state=STATE_NAMES.get(task.state, TaskState.get_name(task.state).lower()),
        task_id=str(task.id),
        label=label,
    )


def target_name(name: str, mapping: Mapping[str, str | None]) -> str | None:
    """The target's spec name for a spec name: mapped, derived from a mapped element, or the
    same."""
    if name in mapping:
        return mapping[name]
    for suffix in SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and base in mapping:
            mapped = mapping[base]
            return None if mapped is None else mapped + suffix
    return name


def target_specs(instance: Instance, target: Specs, mapping: Mapping[str, str | None]) -> list[Any]:
    """The target's specs of the instance's active tasks (where the data check starts from)."""
    spec, subprocesses = target
    found = []
    for task in instance._all_tasks():
        if not task.has_state(ACTIVE):
            continue
        name = target_name(task.task_spec.name, mapping)
        for candidate in (spec, *subprocesses.values()):
            if name in candidate.task_specs:
                found.append(candidate.task_specs[name])
                break
    return found


def passed_specs(instance: Instance) -> list[Any]:
    """The specs of the elements the case has completed (on its current version)."""
    return list(
        {
            id(t.task_spec): t.task_spec
            for t in instance._all_tasks()
            if t.state == TaskState.COMPLETED
        }.values()
    )


def failing(instance: Instance, task_id: str) -> bool:
    """Whether the task is (still) a failed step of the instance."""
    task = instance.task(task_id)
    return task is not None and task.state == TaskState.ERROR


def timer_values(instance: Instance) -> dict[str, tuple[str, str | None]]:
    """Each waiting timer's due value (an ISO time, or a cycle's next one), by task id."""
    found = {}
    for task in instance._all_tasks():
        definition = getattr(task.task_spec, "event_definition", None)
        if task.state == TaskState.WAITING and isinstance(definition, TimerEventDefinition):
            value = task.internal_data.get("event_value")
            if isinstance(value, dict):
                value = value.get("next")
            found[str(task.id)] = (
                str(task.task_spec.bpmn_id),
                None if value is None else str(value),
            )
    return found
