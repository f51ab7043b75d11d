"""Moving a loaded instance onto the specs of another version of its process.

The plan and its checks on data, people and rows live in `engine/rules/migrations.py`; this
module does what needs SpiffWorkflow. It points every task of the instance at the target's
task spec (the same element id, or the one the plan names), refuses what it cannot place,
predicts again what lies ahead from the target's flows, and hands back an instance restored
from its own serialization, so that what is stored is exactly what loads.

- An element where the case stands (a ready task, a waiting event or join, a running
  subprocess, a failed step) needs a target of the same kind, or the case is refused.
- A waiting boundary event the plan maps to nothing is cancelled; no other active element may
  be dropped.
- Finished elements the target no longer has leave the history (their data lives on in the
  tasks after them); predicted ones are predicted again from the target's flows.
- Ready and waiting tasks keep their ids (a user task's worklist row stays the same row), and
  re-enter their element as the target defines it; a waiting timer keeps its due time unless
  the plan asks to recompute it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.spiff.instance import Instance, _describe
from engine.spiff.sandbox import ResourceLimit
from engine.spiff.scripting import ScriptRejected

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
    name: str
    kind: str
    state: str
    task_id: str


@dataclass(frozen=True)
class Move:
    """Where one active element goes in the target version (None: cancelled there)."""

    source: Position
    target_id: str | None
    target_name: str | None


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


@dataclass
class Moved:
    """A moved instance, or the problems that prevent the move."""

    instance: Instance | None
    problems: list[Problem] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)


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


def positions(instance: Instance) -> list[Position]:
    """Where the case stands: its active BPMN elements, in the tree's order."""
    return [
        _position(task)
        for task in instance._all_tasks()
        if task.has_state(ACTIVE)
        and getattr(task.task_spec, "bpmn_id", None) is not None
        and not task.task_spec.name.endswith(" [child]")  # its multi-instance stands for it
    ]


def _position(task: Any) -> Position:
    spec = task.task_spec
    name = spec.bpmn_name
    if name is None and isinstance(spec, LoopTask):  # the name is on its instances' spec
        name = getattr(spec._wf_spec.task_specs.get(spec.task_spec), "bpmn_name", None)
    return Position(
        element_id=str(spec.bpmn_id or spec.name),
        name=str(name or spec.bpmn_id or spec.name),
        kind=kind_of(spec),
        state=STATE_NAMES.get(task.state, TaskState.get_name(task.state).lower()),
        task_id=str(task.id),
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


def move_instance(
    instance: Instance,
    target: Specs,
    mapping: Mapping[str, str | None],
    defaults: Mapping[str, Any],
    *,
    keep_timers: bool,
    restore: Callable[[Instance], Instance],
) -> Moved:
    """Move `instance` (loaded for this purpose only: it is changed) onto `target`'s specs.

    `restore` dumps an instance and loads it again on the target's specs."""
    mover = _Mover(instance, target, mapping)
    before = timer_values(instance)
    mover.respec()
    if not mover.problems:
        mover.check_joins()
    if mover.problems:
        return Moved(None, mover.problems, mover.moves)
    try:
        mover.repredict(keep_timers)
    except (SpiffWorkflowException, ScriptRejected, ResourceLimit) as exc:
        error = _describe(exc)
        message = f"the target version fails where the case stands: {error}"
        return Moved(None, [Problem("target_fails", message, {"error": error})])
    mover.check_branches()
    if mover.problems:
        return Moved(None, mover.problems, mover.moves)
    mover.fill(defaults)
    moved = restore(instance)
    after = timer_values(moved)
    timers = [
        TimerChange(element, before.get(task_id, (element, None))[1], value)
        for task_id, (element, value) in after.items()
        if before.get(task_id, (element, None))[1] != value
    ]
    return Moved(moved, [], mover.moves, timers)


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


class _Mover:
    """The steps of moving one instance; problems are collected, never raised."""

    def __init__(self, instance: Instance, target: Specs, mapping: Mapping[str, str | None]):
        self.wf = instance.wf
        self.spec, self.subprocess_specs = target
        self.mapping = mapping
        self.problems: list[Problem] = []
        self.moves: list[Move] = []
        self.cancelled: list[Any] = []
        self.timer_kinds: dict[Any, type] = {}  # task id -> its timer's kind before the move

    def respec(self) -> None:
        """Point every task at its target spec, workflow by workflow, parents first."""
        self._respec_workflow(self.wf, self.spec)
        pending = dict(self.wf.subprocesses)
        while pending:
            held = {task_id for sub in pending.values() for task_id in sub.tasks}
            ready = [s for s in pending.values() if s.parent_task_id not in held]
            for sub in ready or list(pending.values()):
                del pending[sub.parent_task_id]
                self._respec_subprocess(sub)
        self.wf.spec = self.spec
        self.wf.subprocess_specs = dict(self.subprocess_specs)

    def _respec_subprocess(self, sub: Any) -> None:
        parent = _find(self.wf, sub.parent_task_id)
        name = getattr(parent.task_spec, "spec", None) if parent is not None else None
        spec = self.subprocess_specs.get(name) if isinstance(name, str) else None
        if spec is not None:
            self._respec_workflow(sub, spec)
            sub.spec = spec
        elif parent is None or parent.has_state(TaskState.FINISHED_MASK):
            self.wf.subprocesses.pop(sub.parent_task_id, None)  # finished: history only
        else:
            message = (
                f"the subprocess {sub.spec.name!r} the case is in has no counterpart in the "
                "target version"
            )
            self.problems.append(Problem("subprocess", message, {"name": sub.spec.name}))

    def _respec_workflow(self, workflow: Any, spec: Any) -> None:
        spliced: list[Any] = []
        for task in list(workflow.tasks.values()):
            if task.id not in workflow.tasks:
                continue  # removed with a predicted ancestor
            task.__dict__.pop("_percorsi_json", None)  # its kept JSON names the old spec
            name = target_name(task.task_spec.name, self.mapping)
            new = spec.task_specs.get(name) if name is not None else None
            if task.has_state(ACTIVE):
                new = self._place(task, name, new)
            elif new is None and task.has_state(AHEAD):
                workflow._remove_task(task.id)
            elif new is None:
                spliced.append(task)
            if new is not None:
                task.task_spec = new
        for task in spliced:
            _splice(workflow, task)
        if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
            workflow.last_task = None

    def _place(self, task: Any, name: str | None, new: Any) -> Any:
        """Check an active task's target; None when it has none (a problem, or cancelled)."""
        spec = task.task_spec
        here = _position(task) if getattr(spec, "bpmn_id", None) else None
        label = here.name if here else spec.name
        if new is None and name is None and isinstance(spec, BoundaryEvent):
            self.cancelled.append(task)
            if here is not None:
                self.moves.append(Move(here, None, None))
            return None
        if new is None:
            missing = name or (here.element_id if here else spec.name)
            advice = "; name an element of the target version for it" if here else ""
            where = f"{label} ({here.element_id}, {here.state})" if here else label
            message = f"{where}: the target version has no {missing!r}{advice}"
            params = {"name": label, "state": here.state if here else "", "missing": missing}
            self.problems.append(Problem("no_target", message, params))
            return None
        if kind_of(spec) != kind_of(new):
            target = getattr(new, "bpmn_id", None) or new.name
            message = (
                f"{label} is a {kind_of(spec)}, but {target!r} in the target version is a "
                f"{kind_of(new)}"
            )
            params = {"name": label, "kind": kind_of(spec), "target": target}
            self.problems.append(Problem("kind", message, {**params, "target_kind": kind_of(new)}))
            return None
        definition = getattr(spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            self.timer_kinds[task.id] = type(definition)
        if here is not None and not spec.name.endswith(" [child]"):
            self.moves.append(Move(here, str(new.bpmn_id), str(new.bpmn_name or new.bpmn_id)))
        return new

    def check_joins(self) -> None:
        """A waiting join needs each branch that arrived to end in one of its inputs."""
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            for task in workflow.tasks.values():
                if task.state != TaskState.WAITING or not isinstance(task.task_spec, Join):
                    continue
                arrived = task.parent.task_spec if task.parent is not None else None
                if arrived is not None and arrived not in task.task_spec.inputs:
                    label = task.task_spec.bpmn_name or task.task_spec.bpmn_id or "a join"
                    message = (
                        f"a branch reached {label} through an element the target version no "
                        "longer has there: name which of the join's incoming steps it stands for"
                    )
                    self.problems.append(Problem("join_arrival", message, {"name": label}))

    def check_branches(self) -> None:
        """A parallel join ahead must have a branch for each of its incoming flows: one the case
        never started would keep it waiting for ever."""
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            arriving: dict[Any, set[Any]] = {}
            for task in workflow.tasks.values():
                spec = task.task_spec
                if isinstance(spec, ParallelGateway) and not task.has_state(FINISHED):
                    found = arriving.setdefault(spec, set())
                    found.update(t.parent.task_spec for t in _same_join(workflow, spec))
            for spec, found in arriving.items():
                for missing in [i for i in spec.inputs if i not in found]:
                    label = spec.bpmn_name or spec.bpmn_id
                    step = missing.bpmn_name or missing.bpmn_id or missing.name
                    message = (
                        f"{label} would wait for ever for the branch through {step}, which this "
                        "case never started"
                    )
                    params = {"name": label, "step": step}
                    self.problems.append(Problem("join_never", message, params))

    def repredict(self, keep_timers: bool) -> None:
        """Predict what lies ahead from the target's flows; ready and waiting tasks re-enter."""
        for task in self.cancelled:  # the target has no such event: it stops waiting, and goes
            task.workflow.top_workflow.event_manager.remove_task(task)
            if task.id in task.workflow.tasks:
                task.workflow._remove_task(task.id)
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            for task in list(workflow.tasks.values()):
                if task.id not in workflow.tasks:
                    continue
                if task.has_state(TaskState.READY | TaskState.STARTED):
                    _arm_boundaries(task)
                if task.has_state(TaskState.STARTED):
                    _predict_after(task)
                elif task.has_state(TaskState.READY | TaskState.WAITING | TaskState.ERROR):
                    kind = self.timer_kinds.get(task.id)
                    definition = getattr(task.task_spec, "event_definition", None)
                    keep = keep_timers and kind is not None and isinstance(definition, kind)
                    _reenter(task, keep)

    def fill(self, defaults: Mapping[str, Any]) -> None:
        """Give the unfinished tasks and the workflows each default their data lacks."""
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            targets = [workflow.data] + [
                t.data for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)
            ]
            for data in targets:
                for key, value in defaults.items():
                    data.setdefault(key, copy.deepcopy(value))


def _same_join(workflow: Any, spec: Any) -> list[Any]:
    """The tasks of one join element that a branch has reached or will reach."""
    return [
        t
        for t in workflow.tasks.values()
        if t.task_spec is spec and t.parent is not None and t.has_state(ACTIVE | AHEAD | FINISHED)
    ]


def _find(workflow: Any, task_id: Any) -> Any:
    """A task of the workflow or of one of its subprocesses, or None."""
    for scope in (workflow, *workflow.subprocesses.values()):
        if task_id in scope.tasks:
            return scope.tasks[task_id]
    return None


def _reenter(task: Any, keep_due: bool) -> None:
    """SpiffWorkflow's reset_branch, keeping the task's data (a history step it came through
    may have left the tree) and, when asked, a timer's due time."""
    data = copy.deepcopy(task.data)
    internal = {k: v for k, v in task.internal_data.items() if k == "event_value"}
    task._drop_children(force=True)
    task._set_state(TaskState.FUTURE)
    task.internal_data = internal if keep_due else {}
    task.data = data
    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    task.task_spec._update(task)
    task.data = {**task.data, **data}


def _splice(workflow: Any, task: Any) -> None:
    """Take a finished task out of the tree, its children taking its place under its parent."""
    parent = task.parent
    children = list(task._children)
    for child_id in children:
        child = workflow.tasks.get(child_id)
        if child is not None:
            child._parent = parent.id if parent is not None else None
    if parent is not None:
        at = parent._children.index(task.id)
        parent._children[at : at + 1] = children
    elif children:
        workflow.task_tree = workflow.tasks[children[0]]
    workflow.tasks.pop(task.id, None)


def _arm_boundaries(task: Any) -> None:
    """The boundary events the target attaches to an active element wait on it: a split above
    it where the source had none, and a waiting task for each event it lacks (a timer counts
    from the move)."""
    split_spec = task.workflow.spec.task_specs.get(f"{task.task_spec.name}.BoundaryEventSplit")
    if split_spec is None or task.parent is None:
        return
    split = task.parent
    if split.task_spec is not split_spec:
        split = _insert_above(task, split_spec)
    present = {child.task_spec for child in split.children}
    for event_spec in split_spec.outputs:
        if event_spec not in present:
            event = split._add_child(event_spec, TaskState.FUTURE)
            event.data = copy.deepcopy(task.data)
            event_spec._update(event)
            event_spec._predict(event, mask=TaskState.WAITING | AHEAD)


def _insert_above(task: Any, split_spec: Any) -> Any:
    """A completed split between the task and its parent, as if it had run on the way."""
    parent = task.parent
    split = Task(task.workflow, split_spec, parent, state=TaskState.COMPLETED)
    parent._children.remove(split.id)
    parent._children[parent._children.index(task.id)] = split.id
    split._children.append(task.id)
    split.thread_id, split.data = task.thread_id, copy.deepcopy(task.data)
    task._parent = split.id
    return split


def _predict_after(task: Any) -> None:
    """A running subprocess or multi-instance: what follows it is predicted from the target.

    Its instances (SpiffWorkflow marks them `triggered`) and definite children stay."""
    for child in list(task.children):
        if not child.triggered and child.has_state(AHEAD):
            task.workflow._remove_task(child.id)
    task.task_spec._predict(task, mask=TaskState.STARTED | AHEAD)
