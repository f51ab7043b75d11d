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
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine.spiff.element_labels import Label, label_words, spec_label
from engine.spiff.instance import Instance, _describe
from engine.spiff.positions import (
    ACTIVE,
    AHEAD,
    FINISHED,
    Move,
    Problem,
    Specs,
    TimerChange,
    kind_of,
    position,
    target_name,
    timer_values,
)
from engine.spiff.sandbox import ResourceLimit
from engine.spiff.scripting import ScriptRejected
from engine.spiff.task_tree import (
    arm_boundaries,
    find_task,
    predict_after,
    reenter,
    same_join,
    splice,
)


@dataclass
class Moved:
    """A moved instance, or the problems that prevent the move."""

    instance: Instance | None
    problems: list[Problem] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)


def move_instance(
    instance: Instance,
    target: Specs,
    mapping: Mapping[str, str | None],
    defaults: Mapping[str, Any],
    *,
    keep_timers: bool,
    restore: Callable[[Instance], Instance],
    labels: tuple[Mapping[str, Label], Mapping[str, Label]],
) -> Moved:
    """Move `instance` (loaded for this purpose only: it is changed) onto `target`'s specs.

    `restore` dumps an instance and loads it again on the target's specs; `labels` name the
    elements of the instance's version and of the target in words."""
    mover = _Mover(instance, target, mapping, labels)
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


class _Mover:
    """The steps of moving one instance; problems are collected, never raised."""

    def __init__(
        self,
        instance: Instance,
        target: Specs,
        mapping: Mapping[str, str | None],
        labels: tuple[Mapping[str, Label], Mapping[str, Label]],
    ):
        self.wf = instance.wf
        self.labels, self.target_labels = labels
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
        parent = find_task(self.wf, sub.parent_task_id)
        name = getattr(parent.task_spec, "spec", None) if parent is not None else None
        spec = self.subprocess_specs.get(name) if isinstance(name, str) else None
        if spec is not None:
            self._respec_workflow(sub, spec)
            sub.spec = spec
        elif parent is None or parent.has_state(TaskState.FINISHED_MASK):
            self.wf.subprocesses.pop(sub.parent_task_id, None)  # finished: history only
        else:
            label = spec_label(parent.task_spec, self.labels)
            message = (
                f"the subprocess {label_words(label, True)} the case is in has no counterpart "
                "in the target version"
            )
            params = {"name": label_words(label), "label": label, "process": sub.spec.name}
            self.problems.append(Problem("subprocess", message, params))

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
            splice(workflow, task)
        if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
            workflow.last_task = None

    def _place(self, task: Any, name: str | None, new: Any) -> Any:
        """Check an active task's target; None when it has none (a problem, or cancelled)."""
        spec = task.task_spec
        here = position(task, self.labels) if getattr(spec, "bpmn_id", None) else None
        label = here.label if here else spec_label(spec, self.labels)
        named = {"name": label_words(label), "label": label}
        if new is None and name is None and isinstance(spec, BoundaryEvent):
            self.cancelled.append(task)
            if here is not None:
                self.moves.append(Move(here, None, None))
            return None
        if new is None:
            missing = name or (here.element_id if here else spec.name)
            advice = "; name an element of the target version for it" if here else ""
            where = f"{label_words(label, True)} ({here.state})" if here else label_words(label)
            message = f"{where}: the target version has no counterpart{advice}"
            params = {**named, "state": here.state if here else "", "missing": missing}
            self.problems.append(Problem("no_target", message, params))
            return None
        if kind_of(spec) != kind_of(new):
            other = spec_label(new, self.target_labels)
            message = (
                f"{label_words(label, True)} is a {kind_of(spec)}, but "
                f"{label_words(other, True)} in the target version is a {kind_of(new)}"
            )
            params = {**named, "kind": kind_of(spec), "target": label_words(other)}
            params |= {"target_label": other, "target_kind": kind_of(new)}
            self.problems.append(Problem("kind", message, params))
            return None
        definition = getattr(spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            self.timer_kinds[task.id] = type(definition)
        if here is not None and not spec.name.endswith(" [child]"):
            other = spec_label(new, self.target_labels)
            self.moves.append(Move(here, str(new.bpmn_id), label_words(other), other))
        return new

    def check_joins(self) -> None:
        """A waiting join needs each branch that arrived to end in one of its inputs."""
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            for task in workflow.tasks.values():
                if task.state != TaskState.WAITING or not isinstance(task.task_spec, Join):
                    continue
                arrived = task.parent.task_spec if task.parent is not None else None
                if arrived is not None and arrived not in task.task_spec.inputs:
                    label = spec_label(task.task_spec, self.target_labels)
                    message = (
                        f"a branch reached {label_words(label, True)} through an element the "
                        "target version no longer has there: name which of the join's incoming "
                        "steps it stands for"
                    )
                    params = {"name": label_words(label), "label": label}
                    self.problems.append(Problem("join_arrival", message, params))

    def check_branches(self) -> None:
        """A parallel join ahead must have a branch for each of its incoming flows: one the case
        never started would keep it waiting for ever."""
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            arriving: dict[Any, set[Any]] = {}
            for task in workflow.tasks.values():
                spec = task.task_spec
                if isinstance(spec, ParallelGateway) and not task.has_state(FINISHED):
                    found = arriving.setdefault(spec, set())
                    found.update(t.parent.task_spec for t in same_join(workflow, spec))
            for spec, found in arriving.items():
                for missing in [i for i in spec.inputs if i not in found]:
                    label = spec_label(spec, self.target_labels)
                    step = spec_label(missing, self.target_labels)
                    message = (
                        f"{label_words(label, True)} would wait for ever for the branch through "
                        f"{label_words(step, True)}, which this case never started"
                    )
                    params = {"name": label_words(label), "label": label}
                    params |= {"step": label_words(step), "step_label": step}
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
                    arm_boundaries(task)
                if task.has_state(TaskState.STARTED):
                    predict_after(task)
                elif task.has_state(TaskState.READY | TaskState.WAITING | TaskState.ERROR):
                    kind = self.timer_kinds.get(task.id)
                    definition = getattr(task.task_spec, "event_definition", None)
                    keep = keep_timers and kind is not None and isinstance(definition, kind)
                    reenter(task, keep)

    def fill(self, defaults: Mapping[str, Any]) -> None:
        """Give the unfinished tasks and the workflows each default their data lacks."""
        for workflow in [self.wf, *self.wf.subprocesses.values()]:
            targets = [workflow.data] + [
                t.data for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)
            ]
            for data in targets:
                for key, value in defaults.items():
                    data.setdefault(key, copy.deepcopy(value))
