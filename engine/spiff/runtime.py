"""The one place that builds SpiffWorkflow objects: parser config, serializer, spec cache."""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from typing import Any, TypeVar

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.spiff import clock as _clock  # noqa: F401  (installs the engine clock into SpiffWorkflow)
from engine.spiff import joins as _joins  # noqa: F401  (parallel joins keep every branch's changes)
from engine.spiff.instance import Instance
from engine.spiff.parsing import ExistingSource, ParsedProcess, parse_bundle
from engine.spiff.scripting import RestrictedEnvironment, RestrictedScriptEngine
from engine.spiff.task_ids import shared_ids
from engine.spiff.workflow import FlatSubWorkflow, FlatWorkflow

Specs = tuple[Any, dict[str, Any]]
T = TypeVar("T")
KEPT_INSTANCES = 256  # loaded cases kept in memory between commands (LRU)


# A task map is written from per-task JSON texts; the dict holds this token in its place.
_TOKEN = f"percorsi-tasks-{secrets.token_hex(8)}-"


class _Registry(DefaultRegistry):  # type: ignore[misc]
    """SpiffWorkflow's registry with its encoder switch and dump state per thread.

    A dump turns the registry's encoder mode on for its duration; the web server's threads and
    the scheduler's fire commands side by side, and one thread's dump must not switch another
    thread's conversions (nor collect its task maps)."""

    def __init__(self) -> None:
        self._local = threading.local()
        super().__init__()

    @property
    def _encoder_mode(self) -> bool:
        return bool(getattr(self._local, "encoder_mode", False))

    @_encoder_mode.setter
    def _encoder_mode(self, value: bool) -> None:
        self._local.encoder_mode = value

    @property
    def percorsi_task_maps(self) -> list[Any] | None:
        """The task maps the current dump leaves out of its dict (None outside a dump)."""
        maps: list[Any] | None = getattr(self._local, "task_maps", None)
        return maps

    @percorsi_task_maps.setter
    def percorsi_task_maps(self, value: list[Any] | None) -> None:
        self._local.task_maps = value


class _TaskMaps:
    """Leaves a workflow's task map out of the dict during a dump (see Runtime.dump)."""

    def mapping_to_dict(self, mapping: Any, **kwargs: Any) -> Any:
        registry = self.registry  # type: ignore[attr-defined]
        maps: list[Any] | None = getattr(registry, "percorsi_task_maps", None)
        if maps is None or not mapping or not isinstance(next(iter(mapping.values())), Task):
            return super().mapping_to_dict(mapping, **kwargs)  # type: ignore[misc]
        maps.append(mapping)
        return f"{_TOKEN}{len(maps) - 1}"


class _StateOnlyConverter(_TaskMaps, BpmnWorkflowConverter):  # type: ignore[misc]
    """Converts a workflow without its specs: they are stored once per version, not per case."""

    def __init__(self, target_class: type, registry: Any) -> None:
        super().__init__(target_class, registry, "BpmnWorkflow")  # stored as SpiffWorkflow's

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


class _SubWorkflowConverter(_TaskMaps, BpmnSubWorkflowConverter):  # type: ignore[misc]
    """A subprocess, its task map written like the top workflow's."""

    def __init__(self, target_class: type, registry: Any) -> None:
        super().__init__(target_class, registry, "BpmnSubWorkflow")


_CONFIG = deepcopy(SPIFF_CONFIG)
del _CONFIG[BpmnWorkflow], _CONFIG[BpmnSubWorkflow]
_CONFIG[FlatWorkflow] = _StateOnlyConverter  # restored as FlatWorkflow, stored as BpmnWorkflow
_CONFIG[FlatSubWorkflow] = _SubWorkflowConverter


class Runtime:
    """Parses bundles, caches parsed specs per version, and loads/dumps instances."""

    def __init__(
        self,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
        services: Mapping[str, Callable[..., Any]] | None = None,
        script_time_limit: float = 2.0,
        script_memory_mb: int = 256,
        script_workers: int = 2,
    ) -> None:
        self.environment = RestrictedEnvironment(
            helpers, services, script_time_limit, script_memory_mb, script_workers
        )
        self.script_engine = RestrictedScriptEngine(self.environment)
        registry = BpmnWorkflowSerializer.configure(_CONFIG, _Registry())
        self.serializer = BpmnWorkflowSerializer(registry)
        self._specs: dict[int, Specs] = {}
        self._restriction: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._instances: OrderedDict[int, tuple[int, Instance]] = OrderedDict()

    def begin_command(self) -> None:
        """Start the time budget that all the model code of one command shares."""
        self.environment.begin_command()

    @property
    def serializer_version(self) -> str:
        return str(self.serializer.VERSION)

    def parse(
        self, files: Mapping[str, bytes], max_bytes: int, existing: ExistingSource
    ) -> list[ParsedProcess]:
        """Validate and parse a deploy bundle."""
        return parse_bundle(
            files,
            max_bytes=max_bytes,
            services=self.environment.services,
            existing=existing,
            serialize=self.serializer.to_dict,
            callables=self.environment.callable_names(),
        )

    def specs(self, version_id: int, spec_json: Callable[[], str]) -> Specs:
        """The parsed specs of a version, restored once per process and then cached."""
        cached = self._specs.get(version_id)
        if cached is not None:
            return cached
        with self._lock:
            if version_id not in self._specs:
                payload = json.loads(spec_json())
                self._restriction[version_id] = payload.get("restriction") or {}
                restore = self.serializer.from_dict
                self._specs[version_id] = (
                    restore(payload["spec"]),
                    {k: restore(v) for k, v in payload["subprocess_specs"].items()},
                )
            return self._specs[version_id]

    def forget(self, version_ids: Iterable[int], case_ids: Iterable[int]) -> None:
        """Drop what is cached for versions and cases that were rolled back (their ids may be
        given again to other rows)."""
        with self._lock:
            for version_id in version_ids:
                self._specs.pop(version_id, None)
                self._restriction.pop(version_id, None)
            for case_id in case_ids:
                self._instances.pop(case_id, None)

    def restriction(self, version_id: int, spec_json: Callable[[], str]) -> dict[str, Any]:
        """Per process of the version (called ones included): {"restricted", "target_groups"}."""
        self.specs(version_id, spec_json)
        return self._restriction.get(version_id, {})

    def new(self, specs: Specs, data: Mapping[str, Any]) -> Instance:
        spec, subprocesses = specs
        workflow = FlatWorkflow(spec, subprocesses, script_engine=self.script_engine)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks():
            task.data.update(data)
        instance = Instance(workflow)
        instance.subscribed = []  # a new case has no subscription rows yet
        instance.fresh = True
        return instance

    def load(self, specs: Specs, state_json: str, case_id: int | None = None) -> Instance:
        """Restore an instance from its stored state and the cached specs.

        With a `case_id`, the instance kept after the case's last command is taken (not copied)
        when it matches `state_json` exactly; otherwise the JSON is parsed."""
        if case_id is not None:
            with self._lock:
                kept = self._instances.pop(case_id, None)
            if kept is not None and kept[0] == hash(state_json):
                return kept[1]
        spec, subprocesses = specs
        dct = json.loads(state_json)
        dct["spec"] = spec
        dct["subprocess_specs"] = subprocesses
        self.serializer.migrate(dct)
        with shared_ids():
            workflow = self.serializer.registry.restore(dct)
        workflow.script_engine = self.script_engine
        return Instance(workflow)

    def read_kept(self, case_id: int, state_json: str, read: Callable[[Instance], T]) -> T | None:
        """`read` applied to the instance kept for the case if it matches `state_json`, else None.

        Runs under the lock: a command takes an instance out under the same lock before changing
        it, so a kept instance is never read while it changes. The instance stays kept."""
        with self._lock:
            kept = self._instances.get(case_id)
            if kept is None or kept[0] != hash(state_json):
                return None
            return read(kept[1])

    def keep(self, case_id: int, state_json: str, instance: Instance) -> None:
        """Keep a committed instance for the case's next command (call after commit only)."""
        with self._lock:
            self._instances[case_id] = (hash(state_json), instance)
            self._instances.move_to_end(case_id)
            while len(self._instances) > KEPT_INSTANCES:
                self._instances.popitem(last=False)

    def dump(self, instance: Instance) -> str:
        """The instance's state as JSON, without its specs (they live on the version).

        A finished task's JSON is kept on the task while nothing it shows changes, so a case
        with a long history does not re-encode it on every command: its task maps are left
        out of the dict, then written from the tasks' JSON texts."""
        registry = self.serializer.registry
        registry._encoder_mode = True
        maps: list[Any] = []
        registry.percorsi_task_maps = maps
        try:
            dct = self.serializer.to_dict(instance.wf)
            dct[self.serializer.VERSION_KEY] = self.serializer.VERSION
            text = json.dumps(dct, cls=self.serializer._encoder_cls)
            for number, mapping in enumerate(maps):
                tasks = ", ".join(self._task_json(key, t) for key, t in mapping.items())
                text = text.replace(f'"{_TOKEN}{number}"', "{" + tasks + "}", 1)
        finally:
            registry._encoder_mode = False
            registry.percorsi_task_maps = None
        return text

    def _task_json(self, key: Any, task: Any) -> str:
        """`"key": {task}` (encoder mode is on); a finished task's is kept while unchanged."""
        if not task.has_state(TaskState.FINISHED_MASK):
            converted = self.serializer.registry.convert(task)
            return f'"{key}": {json.dumps(converted, cls=self.serializer._encoder_cls)}'
        stamp = (task.state, task.last_state_change, tuple(task._children))
        kept = getattr(task, "_percorsi_json", None)
        if kept is None or kept[0] != stamp:
            converted = self.serializer.registry.convert(task)
            text = json.dumps(converted, cls=self.serializer._encoder_cls)
            kept = (stamp, f'"{key}": {text}')
            task._percorsi_json = kept
        return str(kept[1])

    def services(self) -> Iterable[str]:
        return self.environment.services.keys()
