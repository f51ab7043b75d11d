"""Parallel joins keep what every branch did, not the last branch's copy of the case data.

SpiffWorkflow merges the branches at a join one over the other, the last to arrive on top: a
name that the last branch never touched still overwrites what an earlier branch wrote (a
boolean goes back to its default, a list is cut to the last branch's length). So a disability
case whose SIL project (with its services) was written before the ASST opinion lost its
services when the opinion arrived, and no service was activated; the same for a violence case
whose work plan came before the Reddito di libertà. Here each branch brings only the names it
changed since the branches parted; where two branches changed the same name, the one that
arrived last wins, as before. Installed once, like the engine clock (clock.py).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState


def _ancestors(task: Any) -> list[Any]:
    """The task and its ancestors, nearest first."""
    found = []
    while task is not None:
        found.append(task)
        task = task.parent
    return found


def _parting(branches: list[Any]) -> Any:
    """The nearest task every branch descends from (where they parted), if any."""
    others = [{t.id for t in _ancestors(b)} for b in branches[:-1]]
    for task in _ancestors(branches[-1]):
        if all(task.id in ids for ids in others):
            return task
    return None


def _run_hook(self: UnstructuredJoin, my_task: Any) -> bool:
    arrived = sorted(
        (
            t
            for t in my_task.workflow.tasks.values()
            if t.task_spec == self
            and t.has_state(TaskState.FINISHED_MASK)
            and not my_task.is_descendant_of(t)
        ),
        key=lambda t: t.last_state_change,
    )
    branches = [t.parent for t in arrived] + [my_task.parent]
    base = _parting(branches)
    before = base.data if base is not None else {}
    merged = deepcopy(before)
    for branch in branches:
        for name, value in branch.data.items():
            if name not in before or before[name] != value:
                merged[name] = deepcopy(value)
    for task in arrived:
        # SpiffWorkflow's own step: after a reset inside a branch, the branch completed before
        # must not leave its descendants in the tree.
        if task.has_state(TaskState.COMPLETED):
            task._drop_children(force=True)
    my_task.data = merged
    return True


UnstructuredJoin._run_hook = _run_hook
