"""BpmnWorkflow whose READY/WAITING lookups read the flat task maps instead of walking the tree.

SpiffWorkflow finds the tasks to run (`get_tasks(state=READY)`) and the tasks to refresh after
every completion (`update_waiting_tasks`) by walking the whole task tree, finished history
included: a command on a long case cost in proportion to its history. Here the same tasks are
taken from the workflow's flat `tasks` dict, filtered by state, in the tree's depth-first order,
and limited to the depth SpiffWorkflow's iterator reaches (MAX_DEPTH): a task deeper than that
stays READY, as it would in SpiffWorkflow, and the engine's stall guard reports it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

MAX_DEPTH = 1000  # SpiffWorkflow's TaskIterator default: deeper tasks are never visited

# While its loggers' own level is unset, SpiffWorkflow lists every task of the workflow (and
# copies task data) into each log record's extras, even for records that are then dropped. Its
# per-state-change INFO lines are not part of Percorsi's logs (the audit trail is): its loggers
# default to WARNING here; a level configured before this import is kept.
for _name in ("spiff.workflow", "spiff.task"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)
_TASK_LOG = logging.getLogger("spiff.task")


def _set_state(self: Any, value: int) -> None:
    """Task._set_state, building its log record only for a logger that keeps it: the record's
    message and extras (two state names, eight fields) were a quarter of advancing a case."""
    if value != self.state:
        elapsed = time.time() - self.last_state_change
        self.last_state_change = time.time()
        self._state = value
        if _TASK_LOG.isEnabledFor(logging.INFO):
            extra = self.collect_log_extras({"elapsed": elapsed})
            _TASK_LOG.info(f"State changed to {TaskState.get_name(value)}", extra=extra)
    elif _TASK_LOG.isEnabledFor(logging.DEBUG):
        extra = self.collect_log_extras()
        _TASK_LOG.debug(f"State set to {TaskState.get_name(value)}", extra=extra)


Task._set_state = _set_state  # installed once, like the engine clock (clock.py)


def lineage(task: Any, scope: Any) -> list[int]:
    """The task's path from `scope`'s root (child positions; a subprocess before siblings)."""
    path: list[int] = []
    while True:
        workflow = task.workflow
        if task._parent is None:
            parent_task_id = getattr(workflow, "parent_task_id", None)
            if workflow is scope or parent_task_id is None:
                break
            path.append(-1)  # the iterator visits a subprocess's tree before the children
            task = workflow.top_workflow.get_task_from_id(parent_task_id)
            continue
        parent = workflow.tasks[task._parent]
        path.append(parent._children.index(task.id))
        task = parent
    path.reverse()
    return path


def depth(task: Any) -> int:
    """The task's depth in its workflow's tree, remembered on the tasks (a parent never changes).

    A subprocess's tasks are counted from the subprocess's parent task, as the iterator does."""
    known = getattr(task, "_percorsi_depth", None)
    if known is not None:
        return int(known)
    chain = []
    current, base = task, -1
    while current is not None:
        known = getattr(current, "_percorsi_depth", None)
        if known is not None:
            base = known
            break
        chain.append(current)
        current = parent_task(current)
    for number, item in enumerate(reversed(chain), start=base + 1):
        item._percorsi_depth = number
    return base + len(chain)


def parent_task(task: Any) -> Any:
    """The task's parent; a subprocess's root has the subprocess's parent task."""
    workflow = task.workflow
    if task._parent is not None:
        return workflow.tasks[task._parent]
    parent_task_id = getattr(workflow, "parent_task_id", None)
    return (
        None if parent_task_id is None else workflow.top_workflow.get_task_from_id(parent_task_id)
    )


def in_tree_order(tasks: list[Any], scope: Any) -> list[Any]:
    """The tasks SpiffWorkflow's iterator would reach from `scope`, in its order."""
    offset = depth(scope.task_tree)
    visible = [t for t in tasks if depth(t) - offset <= MAX_DEPTH]
    if len(visible) > 1:
        visible.sort(key=lambda t: lineage(t, scope))
    return visible


def _under(subprocess: Any, scope: Any) -> bool:
    """Whether the iterator from `scope` descends into `subprocess` (no finished parent)."""
    current = subprocess
    while current is not scope:
        parent_task_id = current.parent_task_id
        if parent_task_id is None:
            return False
        parent = current.top_workflow.get_task_from_id(parent_task_id)
        if parent is None or parent.has_state(TaskState.FINISHED_MASK):
            return False
        current = parent.workflow
    return True


def ready_tasks(scope: Any) -> list[Any]:
    """What `scope.get_tasks(state=READY)` returns, without walking finished history."""
    top = scope.top_workflow if scope.parent_task_id is not None else scope
    found = [t for t in scope.tasks.values() if t.state == TaskState.READY]
    for subprocess in top.subprocesses.values():
        if subprocess is not scope and _under(subprocess, scope):
            found.extend(t for t in subprocess.tasks.values() if t.state == TaskState.READY)
    return in_tree_order(found, scope)


class _FlatLookups:
    """Replaces the tree walk of update_waiting_tasks (run after every task completion)."""

    tasks: dict[Any, Any]

    def update_waiting_tasks(self) -> None:
        waiting = [t for t in self.tasks.values() if t.state == TaskState.WAITING]
        for task in in_tree_order(waiting, self):
            task.task_spec._update(task)


class FlatSubWorkflow(_FlatLookups, BpmnSubWorkflow):  # type: ignore[misc]
    """A subprocess with flat READY/WAITING lookups."""


class FlatWorkflow(_FlatLookups, BpmnWorkflow):  # type: ignore[misc]
    """The top workflow with flat READY/WAITING lookups."""

    def create_subprocess(self, my_task: Any, spec_name: str) -> Any:
        subprocess = FlatSubWorkflow(
            self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self
        )
        self.subprocesses[my_task.id] = subprocess
        return subprocess

    def _do_engine_steps(
        self, will_complete_task: Any = None, did_complete_task: Any = None
    ) -> bool:
        """BpmnWorkflow._do_engine_steps with ready_tasks() in place of the tree walk."""
        hooks = (will_complete_task, did_complete_task)
        active = self.get_active_subprocesses()
        for subprocess in sorted(active, key=lambda v: v.depth, reverse=True):
            while _run_ready(subprocess, *hooks) > 0:
                pass
            if subprocess.parent_task_id is not None:
                task = self.get_task_from_id(subprocess.parent_task_id)
                task.task_spec._update(task)
        count = _run_ready(self, *hooks)
        return count > 0 or len(self.get_active_subprocesses()) > len(active)


def _run_ready(scope: Any, will_complete: Any = None, did_complete: Any = None) -> int:
    """Run the READY engine tasks of `scope` once; how many ran."""
    count = 0
    for task in ready_tasks(scope):
        if not task.task_spec.manual:
            if will_complete is not None:
                will_complete(task)
            task.run()
            count += 1
            if did_complete is not None:
                did_complete(task)
    return count
