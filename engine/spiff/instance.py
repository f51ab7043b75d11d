"""Operations on one loaded workflow instance. Nothing outside engine/spiff sees BpmnWorkflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.spiff.sandbox import ResourceLimit
from engine.spiff.scripting import ScriptRejected
from engine.spiff.workflow import parent_task


@dataclass(frozen=True)
class ReadyTask:
    """A READY user or manual task, as the worklist sees it."""

    id: str
    element_id: str
    name: str
    process_id: str
    lane: str | None
    spec: Any
    data: dict[str, Any]
    item: dict[str, Any] | None = None  # the multi-instance item the task works on, if any


@dataclass(frozen=True)
class Wait:
    """A timer or message the case waits for: a wait, not work for someone."""

    element_id: str
    name: str
    kind: str  # "timer" or "message"
    until: datetime | None
    item: dict[str, Any] | None = None  # inside a multi-instance activity: its item


@dataclass(frozen=True)
class Failure:
    """Why advancing a workflow stopped: a failing element, or a stall."""

    kind: str
    element_id: str | None
    task_id: str | None
    error: str


@dataclass(frozen=True)
class ThrownMessage:
    name: str
    payload: dict[str, Any]


class Instance:
    """A loaded BpmnWorkflow with the few verbs the engine needs."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self.wf = workflow
        self._pending: Failure | None = None
        # The message names stored as the case's subscriptions, when known (None: unknown).
        self.subscribed: list[str] | None = None
        self.fresh = False  # a new case's instance, not yet stored: it has no rows at all
        self._unfinished: list[Any] | None = None  # one pass per change, shared by the reads

    # -- reading -------------------------------------------------------------------------
    def _all_tasks(self) -> list[Any]:
        """Every task of the instance, including those SpiffWorkflow's iterator cannot reach."""
        tasks = list(self.wf.tasks.values())
        for sub in self.wf.subprocesses.values():
            tasks.extend(sub.tasks.values())
        return tasks

    def _live(self) -> list[Any]:
        """The unfinished tasks (a long case's few), found in one pass after each change."""
        if self._unfinished is None:
            self._unfinished = [
                t for t in self._all_tasks() if not t.has_state(TaskState.FINISHED_MASK)
            ]
        return self._unfinished

    def _changing(self) -> None:
        """Forget the unfinished tasks: a verb is about to change the instance."""
        self._unfinished = None

    def ready_human_tasks(self) -> list[ReadyTask]:
        return [
            ReadyTask(
                id=str(t.id),
                element_id=t.task_spec.bpmn_id,
                name=t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                process_id=t.workflow.spec.name,
                lane=getattr(t.task_spec, "lane", None),
                spec=t.task_spec,
                data=dict(t.data),
                item=_item(t),
            )
            for t in self._live()
            if t.state == TaskState.READY and t.task_spec.manual
        ]

    def start_data(self) -> dict[str, Any]:
        """The data the case was started with (the referral, without the subject)."""
        return dict(self.wf.task_tree.data)

    def waits(self) -> list[Wait]:
        """The timers and messages the case waits for, soonest first (undated ones last)."""
        found = []
        for task in self._live():
            event = getattr(task.task_spec, "event_definition", None)
            if task.state != TaskState.WAITING or event is None:
                continue
            if isinstance(event, TimerEventDefinition):
                kind, until = "timer", _timer_due(event.details(task).value)
            elif isinstance(event, MessageEventDefinition):
                kind, until = "message", None
            else:
                continue
            spec = task.task_spec
            name = spec.bpmn_name or event.name or spec.bpmn_id
            found.append(Wait(str(spec.bpmn_id), str(name), kind, until, _item(task)))
        return sorted(found, key=lambda w: (w.until is None, w.until or datetime.min, w.name))

    @property
    def completed(self) -> bool:
        """Ended: SpiffWorkflow saw its End, or nothing is left (an activity with no outgoing
        flow is an implicit end in BPMN, and then SpiffWorkflow never sets `completed`)."""
        if self.wf.completed:
            return True
        # newest first: an open case's unfinished tasks are at the end of the map
        tasks = reversed(self.wf.tasks.values())
        return all(t.has_state(TaskState.FINISHED_MASK) for t in tasks)

    @property
    def data(self) -> dict[str, Any]:
        """The process data as the model sees it: the workflow's, overlaid with its active tasks'.

        Scripts write task data, not `wf.data` (SpiffWorkflow copies that only at the end), so a
        flag such as `restricted` set by the first script of a process must be read from there.
        """
        merged = dict(self.wf.data)
        active = [
            t
            for t in self._live()
            if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
        ]
        for task in sorted(active, key=lambda t: t.last_state_change):  # the newest wins
            merged.update(task.data)
        return merged

    def element_ids(self) -> tuple[list[str], list[str]]:
        """Completed and active BPMN element ids (for highlighting the diagram)."""
        done: set[str] = set()
        active: set[str] = set()
        for task in self._all_tasks():
            element = getattr(task.task_spec, "bpmn_id", None)
            if element is None:
                continue
            if task.state == TaskState.COMPLETED:
                done.add(element)
            elif task.state in (
                TaskState.READY,
                TaskState.WAITING,
                TaskState.STARTED,
                TaskState.ERROR,
            ):
                active.add(element)
        return sorted(done), sorted(active)

    def next_timer(self) -> datetime | None:
        """The earliest due time among the instance's waiting timers."""
        due: list[datetime] = []
        for event in self.wf.waiting_events():
            value = event.value
            if isinstance(value, dict):
                value = value.get("next")
            if isinstance(value, str):
                try:
                    due.append(TimerEventDefinition.get_datetime(value))
                except ValueError:
                    continue
        return min(due) if due else None

    def called_processes(self) -> set[str]:
        """The process ids of the call activities the case has entered."""
        return {sub.spec.name for sub in self.wf.subprocesses.values()}

    def waiting_messages(self) -> list[str]:
        return sorted(
            {e.name for e in self.wf.waiting_events() if e.event_type.startswith("Message")}
        )

    def thrown_messages(self) -> list[ThrownMessage]:
        return [
            ThrownMessage(e.event_definition.name, dict(e.payload or {}))
            for e in self.wf.get_events()
            if isinstance(e.event_definition, MessageEventDefinition)
        ]

    def task(self, task_id: str) -> Any:
        try:
            return self.wf.get_task_from_id(UUID(task_id))
        except (ValueError, SpiffWorkflowException):
            return None

    # -- changing ------------------------------------------------------------------------
    def advance(self) -> Failure | None:
        """Run engine steps and timers until only people or time can move the case."""
        self._changing()
        if self._pending is not None:
            failure, self._pending = self._pending, None
            return failure
        if self._guard(self.wf.refresh_timers) or self._guard(self.wf.do_engine_steps):
            return self.advance()
        return self._stall()

    def _guard(self, action: Callable[[], Any]) -> bool:
        """Run a step that may evaluate model code; keep its failure for advance()."""
        try:
            action()
        except (SpiffWorkflowException, ScriptRejected, ResourceLimit, ArithmeticError) as exc:
            self._pending = self._failure(exc)  # ArithmeticError: e.g. a timer date overflowing
            return True
        finally:
            self._changing()
        return False

    def _failure(self, exc: Exception) -> Failure:
        task = getattr(exc, "task", None)
        failed = task or next((t for t in self._all_tasks() if t.state == TaskState.ERROR), None)
        return Failure(
            kind="script" if failed is not None else "engine",
            element_id=getattr(failed.task_spec, "bpmn_id", None) if failed else None,
            task_id=str(failed.id) if failed else None,
            error=_describe(exc),
        )

    def _stall(self) -> Failure | None:
        """READY engine tasks left after do_engine_steps were hidden by the depth limit."""
        self._changing()
        stuck = [t for t in self._live() if t.state == TaskState.READY and not t.task_spec.manual]
        if not stuck:
            return None
        task = stuck[0]
        return Failure(
            kind="stall",
            element_id=getattr(task.task_spec, "bpmn_id", None),
            task_id=str(task.id),
            error=(
                f"{len(stuck)} ready step(s) were not run: the case's task tree is deeper than "
                "SpiffWorkflow can walk (a loop turned too many times)"
            ),
        )

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        """Complete a READY user/manual task; a failure of what follows waits for advance()."""
        task = self.task(task_id)
        task.data.update(data)
        self._guard(task.run)

    def retry(self, task_id: str | None) -> None:
        """Run a failed task again: ERROR goes back to READY, a waiting task re-evaluates."""
        task = self.task(task_id) if task_id else None
        if task is None:
            return
        if task.state == TaskState.ERROR:
            task._set_state(TaskState.READY)
            self._changing()
        elif not task.has_state(TaskState.FINISHED_MASK | TaskState.READY):
            self._guard(lambda: task.task_spec._update(task))

    def catch_message(self, name: str, payload: dict[str, Any]) -> bool:
        """Deliver a message to a waiting catch event; False when none waits for it."""
        for task in self._live():
            event = getattr(task.task_spec, "event_definition", None)
            if (
                task.state == TaskState.WAITING
                and isinstance(event, MessageEventDefinition)
                and event.name == name
            ):
                self._guard(partial(self.wf.catch, BpmnEvent(event, payload=payload)))
                return True
        return False

    def cancel(self) -> None:
        self.wf.cancel()
        self._changing()

    def correct(self, changes: dict[str, tuple[Any, Any]]) -> int:
        """Replace {name: (before, after)} where the live steps still hold `before` (a rectified
        answer, for the steps to come); how many values changed. Steps run are not re-run."""
        changed = 0
        for data in (self.wf.data, *(t.data for t in self._live())):
            for name, (before, after) in changes.items():
                if name in data and data[name] == before:
                    data[name] = after
                    changed += 1
        return changed


def _item(task: Any) -> dict[str, Any] | None:
    """The item of the nearest multi-instance activity around the task: {"collection": the
    input collection's name, "name": the item's name, "value": the task's copy of it}."""
    current = task
    while current is not None:
        spec = current.task_spec
        item, collection = getattr(spec, "input_item", None), getattr(spec, "data_input", None)
        if current is not task and item is not None:
            name = str(item.bpmn_id)
            return {
                "collection": str(collection.bpmn_id) if collection is not None else None,
                "name": name,
                "value": task.data.get(name),
            }
        current = parent_task(current)
    return None


def _timer_due(value: Any) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        due = TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None
    return datetime.fromtimestamp(due.timestamp(), UTC)  # a plain datetime, in UTC


def _describe(exc: Exception) -> str:
    """The error text, with its cause; SpiffWorkflow's own __str__ can fail on a None note."""
    try:
        text = str(exc)
    except TypeError:
        text = str(exc.args[0]) if exc.args else type(exc).__name__
    cause = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in text:
        text = f"{text}: {type(cause).__name__}: {cause}"
    return text
