"""Which data names a version's model code reads, and which its steps write, from a position on.

Moving a case to another version is refused while the new version would read a name the case's
data does not hold (a gateway condition testing a field the old version never asked for): the
coordinator gives it a default. The reading is static and flow-insensitive on purpose: every
element reachable from where the case stands counts, and a name written by any of them counts
as provided (a step ahead may fill it in before it is read).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from engine.durations import is_duration
from engine.spiff.element_labels import Label, label_words, spec_label
from engine.spiff.properties import resolve_form
from engine.spiff.scripting import BUILTINS


@dataclass
class DataUse:
    """Names read (with where: an element's name and what reads it) and names written."""

    reads: dict[str, list[str]] = field(default_factory=dict)
    writes: set[str] = field(default_factory=set)

    def read(self, source: str | None, where: str) -> None:
        if not isinstance(source, str) or not source.strip():
            return
        loads, stores = names_in(source)
        self.writes |= stores
        for name in loads - stores:
            self.reads.setdefault(name, []).append(where)


@lru_cache(maxsize=4096)
def names_in(source: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names model code loads and the names it binds (assignments, loops, comprehensions)."""
    try:
        tree = ast.parse(source.strip(), mode="exec")
    except SyntaxError:
        return frozenset(), frozenset()  # refused at deploy; nothing to learn here
    loads: set[str] = set()
    stores: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, ast.arg):
            stores.add(node.arg)
    return frozenset(loads), frozenset(stores)


def data_use(
    starts: Iterable[Any],
    subprocess_specs: Mapping[str, Any],
    forms: Mapping[str, Any],
    labels: Mapping[str, Label],
) -> DataUse:
    """What the elements reachable from the task specs `starts` read and write; where a name is
    read, the element is said in words from its version's `labels`."""
    use = DataUse()
    seen: set[int] = set()
    todo = list(starts)
    while todo:
        spec = todo.pop()
        if id(spec) in seen:
            continue
        seen.add(id(spec))
        _element_use(spec, use, forms, labels)
        todo.extend(spec.outputs)
        if isinstance(spec, LoopTask):
            child = spec._wf_spec.task_specs.get(spec.task_spec)
            if child is not None:
                todo.append(child)
        if isinstance(spec, SubWorkflowTask):
            sub = subprocess_specs.get(spec.spec)
            if sub is not None:
                todo.append(sub.start)
    return use


def written_by(specs: Iterable[Any], forms: Mapping[str, Any]) -> set[str]:
    """The names these elements write (a form's fields, a script's assignments...), alone."""
    use = DataUse()
    for spec in specs:
        _element_use(spec, use, forms, {})  # only the writes are kept: no words needed
    return use.writes


def _element_use(
    spec: Any, use: DataUse, forms: Mapping[str, Any], labels: Mapping[str, Label]
) -> None:
    where = label_words(spec_label(spec, labels))
    for condition, _target in getattr(spec, "cond_task_specs", None) or []:
        args = getattr(condition, "args", None) or [None]
        use.read(args[0], f"{where}: condition")
    for attr, what in (("script", "script"), ("prescript", "script"), ("postscript", "script")):
        use.read(getattr(spec, attr, None), f"{where}: {what}")
    definition = getattr(spec, "event_definition", None)
    use.read(getattr(definition, "expression", None), f"{where}: event")
    for attr in ("message_var", "result_var"):
        if isinstance(getattr(definition, attr, None), str):
            use.writes.add(getattr(definition, attr))
    _loop_use(spec, use, where)
    _rule_use(spec, use, where)
    _service_use(spec, use, where)
    _human_use(spec, use, where, forms)


def _loop_use(spec: Any, use: DataUse, where: str) -> None:
    if not isinstance(spec, LoopTask):
        return
    for attr in ("data_input", "data_output", "input_item", "output_item"):
        item = getattr(spec, attr, None)
        name = getattr(item, "bpmn_id", None)
        if isinstance(name, str):
            if attr == "data_input":
                use.reads.setdefault(name, []).append(f"{where}: multi-instance collection")
            else:
                use.writes.add(name)
    use.read(getattr(spec, "cardinality", None), f"{where}: multi-instance cardinality")
    use.read(getattr(spec, "condition", None), f"{where}: completion condition")


def _rule_use(spec: Any, use: DataUse, where: str) -> None:
    table = getattr(getattr(spec, "dmnEngine", None), "decision_table", None)
    if table is None:
        return
    for column in table.inputs:
        use.read(getattr(column, "expression", None), f"{where}: decision input")
    for column in table.outputs:
        if isinstance(getattr(column, "name", None), str):
            use.writes.add(column.name)


def _service_use(spec: Any, use: DataUse, where: str) -> None:
    for param in (getattr(spec, "operation_params", None) or {}).values():
        value = param.get("value") if isinstance(param, dict) else None
        use.read(value, f"{where}: service parameter")
    if isinstance(getattr(spec, "result_variable", None), str):
        use.writes.add(spec.result_variable)


def _human_use(spec: Any, use: DataUse, where: str, forms: Mapping[str, Any]) -> None:
    if not getattr(spec, "manual", False):
        return
    properties = dict(getattr(spec, "extensions", {}).get("properties", {}))
    form_key = properties.get("formKey")
    stored = resolve_form(form_key, dict(forms)) if form_key else None
    schema = forms.get(stored) if stored else None
    if isinstance(schema, dict):
        use.writes |= set((schema.get("properties") or {}).keys())
    due = properties.get("dueIn") or ""
    if due and not is_duration(due):
        use.read(due, f"{where}: due date")


def missing_data(
    present: Iterable[str], use: DataUse, known: Iterable[str]
) -> dict[str, list[str]]:
    """Names `use` reads that nothing provides, with where.

    Provided: `present` (the case's data, and what the steps it went through could have
    written: an optional field left empty there is the model's business), what any reachable
    step writes, and the names the sandbox gives all model code (`known`: helpers, builtins)."""
    available = set(present) | use.writes | set(known)
    return {
        name: sorted(set(where))
        for name, where in sorted(use.reads.items())
        if name not in available
    }


def known_names(environment: Any) -> set[str]:
    """Names every piece of model code can use without the case's data: builtins, helpers."""
    return set(BUILTINS) | set(environment.globals)
