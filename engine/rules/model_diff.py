"""What changed between two BPMN versions of a process: elements added, removed and changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.spiff import load_xml
from engine.spiff.element_labels import Label, element_labels

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
# Children that belong to their parent's description, not elements of their own.
PART_OF_PARENT = ("EventDefinition", "conditionExpression", "laneSet", "ioSpecification")
TIMER_FIELDS = ("timeDuration", "timeDate", "timeCycle")
# Fields whose values are element ids (comma-separated): shown as the elements in words.
REFERENCES = ("source", "target", "incoming", "outgoing", "default", "attached_to")
# The order in which a changed element's fields are listed.
FIELDS = (
    "type",
    "name",
    "source",
    "target",
    "incoming",
    "outgoing",
    "condition",
    "default",
    "timer",
    "message",
    "attached_to",
    "interrupting",
    "called_element",
    "decision",
    "loop",
    "messageVariable",
    "messagePayload",
    "script",
)


@dataclass(frozen=True)
class Element:
    """One BPMN element as compared: its type, name and the fields that matter to the engine;
    `label` says it in words (engine/spiff/element_labels.py), its id never reaching a person."""

    element_id: str
    type: str
    name: str
    fields: dict[str, str] = field(default_factory=dict)
    label: Label = field(default_factory=dict)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ElementChange:
    element: Element
    changes: list[FieldChange]


@dataclass(frozen=True)
class ModelDiff:
    """Elements added, removed and changed from one version to another, by element id."""

    added: list[Element]
    removed: list[Element]
    changed: list[ElementChange]
    labels: dict[str, Label] = field(default_factory=dict)  # every element of both, in words

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def describe_elements(xml: str, max_bytes: int) -> dict[str, Element]:
    """The process elements of a BPMN document by id (parsed with the hardened loader)."""
    tree = load_xml("model.bpmn", xml.encode("utf-8"), max_bytes)
    raw: dict[str, Any] = {}
    for process in tree.iter(f"{BPMN}process"):
        for node in process.iter():
            if _is_element(node):
                raw[node.get("id")] = node
    flows = [n for n in raw.values() if _local(n) == "sequenceFlow"]
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in flows:
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow.get("id"))
        incoming.setdefault(flow.get("targetRef", ""), []).append(flow.get("id"))
    labels = element_labels(tree)
    return {
        element_id: _describe(
            node, incoming.get(element_id, []), outgoing.get(element_id, []), labels[element_id]
        )
        for element_id, node in raw.items()
    }


def _is_element(node: Any) -> bool:
    if not isinstance(node.tag, str) or not node.tag.startswith(BPMN) or node.get("id") is None:
        return False
    local = _local(node)
    return local != "process" and not any(local.endswith(p) for p in PART_OF_PARENT)


def _local(node: Any) -> str:
    return str(node.tag).rsplit("}", 1)[-1]


def _text(node: Any) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def _describe(node: Any, incoming: list[str], outgoing: list[str], label: Label) -> Element:
    fields: dict[str, str] = {}
    if _local(node) == "sequenceFlow":
        fields["source"] = node.get("sourceRef", "")
        fields["target"] = node.get("targetRef", "")
        fields["condition"] = _text(node.find(f"{BPMN}conditionExpression"))
    else:
        fields["incoming"] = ", ".join(sorted(incoming))
        fields["outgoing"] = ", ".join(sorted(outgoing))
    for attr, key in (
        ("default", "default"),
        ("attachedToRef", "attached_to"),
        ("calledElement", "called_element"),
    ):
        fields[key] = node.get(attr, "")
    if _local(node) == "boundaryEvent":  # BPMN's default: a boundary event interrupts
        fields["interrupting"] = node.get("cancelActivity", "true")
    fields["timer"] = _timer(node)
    fields["message"] = " ".join(
        d.get("messageRef", "") for d in node.findall(f"{BPMN}messageEventDefinition")
    ).strip()
    fields["loop"] = _loop(node)
    for kind in ("messageVariable", "messagePayload", "instructionsForEndUser"):
        fields[kind] = _text(node.find(f"{BPMN}extensionElements/{SPIFF}{kind}"))
    fields["script"] = _scripts(node)
    fields["decision"] = _text(node.find(f"{BPMN}extensionElements/{SPIFF}calledDecisionId"))
    fields.update({f"property:{k}": v for k, v in _properties(node).items()})
    return Element(node.get("id"), _local(node), node.get("name") or "", fields, label)


def _timer(node: Any) -> str:
    for definition in node.findall(f"{BPMN}timerEventDefinition"):
        for kind in TIMER_FIELDS:
            found = definition.find(f"{BPMN}{kind}")
            if found is not None:
                return f"{kind}: {_text(found)}"
    return ""


def _loop(node: Any) -> str:
    """A multi-instance's collection, item, results and completion, in words of the XML."""
    loop = node.find(f"{BPMN}multiInstanceLoopCharacteristics")
    if loop is None:
        return ""
    parts = [f"sequential={loop.get('isSequential', 'false')}"]
    for kind in ("loopCardinality", "loopDataInputRef", "loopDataOutputRef", "completionCondition"):
        if (found := loop.find(f"{BPMN}{kind}")) is not None:
            parts.append(f"{kind}={_text(found)}")
    for kind in ("inputDataItem", "outputDataItem"):
        if (found := loop.find(f"{BPMN}{kind}")) is not None:
            parts.append(f"{kind}={found.get('name') or found.get('id')}")
    return " ".join(parts)


def _scripts(node: Any) -> str:
    parts = [_text(node.find(f"{BPMN}script"))]
    for kind in ("preScript", "postScript"):
        parts.append(_text(node.find(f"{BPMN}extensionElements/{SPIFF}{kind}")))
    return " | ".join(p for p in parts if p)


def _properties(node: Any) -> dict[str, str]:
    found = node.findall(f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property")
    return {p.get("name", ""): p.get("value", "") for p in found if p.get("name")}


def diff_elements(before: dict[str, Element], after: dict[str, Element]) -> ModelDiff:
    """Compare two descriptions by element id."""
    added = [after[i] for i in sorted(after.keys() - before.keys())]
    removed = [before[i] for i in sorted(before.keys() - after.keys())]
    changed = []
    for element_id in sorted(before.keys() & after.keys()):
        changes = _changes(before[element_id], after[element_id])
        if changes:
            changed.append(ElementChange(after[element_id], changes))
    labels = {k: e.label for side in (before, after) for k, e in side.items()}
    return ModelDiff(added, removed, changed, labels)


def _changes(old: Element, new: Element) -> list[FieldChange]:
    found = []
    if old.type != new.type:
        found.append(FieldChange("type", old.type, new.type))
    if old.name != new.name:
        found.append(FieldChange("name", old.name, new.name))
    keys = sorted(old.fields.keys() | new.fields.keys(), key=_field_order)
    for key in keys:
        a, b = old.fields.get(key, ""), new.fields.get(key, "")
        if a != b:
            found.append(FieldChange(key, a, b))
    return found


def _field_order(key: str) -> tuple[int, str]:
    return (FIELDS.index(key) if key in FIELDS else len(FIELDS), key)


def diff_models(before_xml: str, after_xml: str, max_bytes: int) -> ModelDiff:
    """The differences between two BPMN documents."""
    return diff_elements(
        describe_elements(before_xml, max_bytes), describe_elements(after_xml, max_bytes)
    )
