"""Operations on a workflow's task tree that moving an instance needs and SpiffWorkflow lacks.

Each keeps the tree as SpiffWorkflow would have built it on the target version: a task re-enters
its element with its own data; a finished task leaves the tree, its children taking its place;
what follows a running subprocess is predicted again; boundary events wait on their task."""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.spiff.positions import ACTIVE, AHEAD, FINISHED


def same_join(workflow: Any, spec: Any) -> list[Any]:
    """The tasks of one join element that a branch has reached or will reach."""
    return [
        t
        for t in workflow.tasks.values()
        if t.task_spec is spec and t.parent is not None and t.has_state(ACTIVE | AHEAD | FINISHED)
    ]


def find_task(workflow: Any, task_id: Any) -> Any:
    """A task of the workflow or of one of its subprocesses, or None."""
    for scope in (workflow, *workflow.subprocesses.values()):
        if task_id in scope.tasks:
            return scope.tasks[task_id]
    return None


def reenter(task: Any, keep_due: bool) -> None:
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


def splice(workflow: Any, task: Any) -> None:
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


def arm_boundaries(task: Any) -> None:
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


def predict_after(task: Any) -> None:
    """A running subprocess or multi-instance: what follows it is predicted from the target.

    Its instances (SpiffWorkflow marks them `triggered`) and definite children stay."""
    for child in list(task.children):
        if not child.triggered and child.has_state(AHEAD):
            task.workflow._remove_task(child.id)
    task.task_spec._predict(task, mask=TaskState.STARTED | AHEAD)
