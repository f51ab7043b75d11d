"""An element of a BPMN diagram in words: its name, or, for one drawn without a name, its kind
and where it stands (after which named steps, on which flow, on which task's border). People
read these words; an element's id is for machines only.

A label is a small dict, the same in every language: `{"name": ...}` for a named element, else
`{"kind": <BPMN tag>}` with what the diagram says of its place: `after` and `before` (the
nearest named elements upstream and downstream), `flow` (the name or condition of the one flow
that leads to it), `on` (the task a boundary event sits on). `label_words` says it in English,
for the API and the engine's messages; the UI says it in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
Label = dict[str, Any]
LOOK_AROUND = 5  # unnamed elements walked through to find a named neighbour
KINDS = {
    "eventBasedGateway": "event-based gateway",
    "intermediateCatchEvent": "intermediate event",
    "intermediateThrowEvent": "intermediate event",
    "callActivity": "call activity",
    "subProcess": "subprocess",
    "sequenceFlow": "flow",
}


def element_labels(tree: Any) -> dict[str, Label]:
    """The label of each element of the document's processes, by element id."""
    nodes = {
        node.get("id"): node
        for process in tree.iter(f"{BPMN}process")
        for node in process.iter()
        if node is not process
        and isinstance(node.tag, str)
        and node.tag.startswith(BPMN)
        and node.get("id")
    }
    around = _Neighbours(nodes)
    return {element_id: around.label(node) for element_id, node in nodes.items()}


class _Neighbours:
    """The flows in and out of each element, to say where an unnamed one stands."""

    def __init__(self, nodes: dict[str, Any]) -> None:
        self.nodes = nodes
        self.into: dict[str, list[Any]] = {}
        self.out_of: dict[str, list[Any]] = {}
        for node in nodes.values():
            if _local(node) == "sequenceFlow":
                self.out_of.setdefault(node.get("sourceRef", ""), []).append(node)
                self.into.setdefault(node.get("targetRef", ""), []).append(node)

    def label(self, node: Any) -> Label:
        if name := _name(node):
            return {"name": name}
        kind = _local(node)
        if kind == "sequenceFlow":
            found: Label = {"kind": kind, "after": self._named(node.get("sourceRef"), "up")}
            found["before"] = self._named(node.get("targetRef"), "down")
            return {k: v for k, v in _with_flow(found, node).items() if v}
        found = {"kind": kind}
        if attached := node.get("attachedToRef"):
            found["on"] = _name(self.nodes.get(attached))
        found["after"] = self._named(node.get("id"), "up", start=True)
        flows = self.into.get(node.get("id"), [])
        if len(flows) == 1:
            _with_flow(found, flows[0])
        if not found["after"] and not found.get("on"):
            found["before"] = self._named(node.get("id"), "down", start=True)
        return {k: v for k, v in found.items() if v}

    def _named(self, element_id: str | None, way: str, start: bool = False) -> list[str]:
        """The nearest named elements upstream or downstream of `element_id`, in order."""
        found: list[str] = []
        seen: set[str] = set()
        todo = [(element_id, 0)]
        while todo:
            current, depth = todo.pop(0)
            node = self.nodes.get(current or "")
            if node is None or current in seen or depth > LOOK_AROUND:
                continue
            seen.add(str(current))
            name = _name(node) if depth or not start else ""
            if name:
                if name not in found:
                    found.append(name)
                continue
            flows = self.into if way == "up" else self.out_of
            key = "sourceRef" if way == "up" else "targetRef"
            todo += [(f.get(key), depth + 1) for f in flows.get(str(current), [])]
        return found


def _with_flow(found: Label, flow: Any) -> Label:
    condition = flow.find(f"{BPMN}conditionExpression")
    text = _name(flow) or " ".join((condition.text or "").split() if condition is not None else [])
    if text:
        found["flow"] = text
    return found


def _name(node: Any) -> str:
    return " ".join(str(node.get("name") or "").split()) if node is not None else ""


def _local(node: Any) -> str:
    return str(node.tag).rsplit("}", 1)[-1]


def spec_label(spec: Any, labels: Mapping[str, Label]) -> Label:
    """A task spec's element in words: its label, else its name (a spec of no element)."""
    element = getattr(spec, "bpmn_id", None)
    found = labels.get(element) if element else None
    return found or {"name": getattr(spec, "bpmn_name", None) or element or spec.name}


def label_words(label: Mapping[str, Any], quoted: bool = False) -> str:
    """The label in English: the name («quoted» inside a sentence), or the unnamed element's
    kind and place."""
    if label.get("name"):
        return f"«{label['name']}»" if quoted else str(label["name"])
    kind = str(label.get("kind", ""))
    words = KINDS.get(kind) or re.sub(r"(?<!^)([A-Z])", r" \1", kind).lower()
    parts = [f"the unnamed {words}"]
    places = ("from", "to") if kind == "sequenceFlow" else ("after", "before")
    for key, word in (("on", "on"), ("after", places[0]), ("before", places[1])):
        if label.get(key):
            parts.append(f"{word} {_names(label[key])}")
    if label.get("flow"):
        parts.append(f"(flow «{label['flow']}»)")
    return " ".join(parts)


def _names(names: str | list[str]) -> str:
    quoted = [f"«{n}»" for n in ([names] if isinstance(names, str) else names)]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
