"""Process-level properties a model declares (`spiffworkflow:properties` on the process
element): the case owner, restriction, the escalation ladder and the retention period."""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.durations import is_duration, parse_duration
from engine.spiff.properties import LadderInvalid, parse_escalation

# Models are parsed without entities, network, DTDs or huge trees (billion laughs, XXE).
XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)
NAMESPACES = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


def process_property(xml: str, process_id: str, name: str) -> str | None:
    """The value of a `spiffworkflow:properties` property on a process element, if set."""
    tree = etree.fromstring(xml.encode(), XML_PARSER)
    values = tree.xpath(
        "bpmn:process[@id=$pid]/bpmn:extensionElements/spiffworkflow:properties"
        "/spiffworkflow:property[@name=$name]/@value",
        namespaces=NAMESPACES,
        pid=process_id,
        name=name,
    )
    if not values:
        return None
    return str(values[0]).strip() or None


def read_restriction(process: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A process element's `restricted` and `restrictedTargetGroups` properties, and problems
    (code and value, engine/spiff/structure.py).

    A restricted process makes every case that runs it restricted (pseudonym everywhere, reads
    audited); `restrictedTargetGroups` restricts the cases whose start data's `target_group` is
    one of the listed values. The engine applies both at case creation, before model code."""
    properties = {
        str(p.get("name")): str(p.get("value") or "")
        for p in process.xpath(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
            namespaces=NAMESPACES,
        )
    }
    problems = []
    flag = properties.get("restricted", "false").strip().lower()
    if flag not in ("true", "false"):
        problems.append(("bad_restricted", flag))
    groups = [g.strip() for g in properties.get("restrictedTargetGroups", "").split(",")]
    return {"restricted": flag == "true", "target_groups": [g for g in groups if g]}, problems


def process_escalation(xml: str, process_id: str) -> tuple[dict[str, str], ...] | None:
    """The `escalation` property on a process element: the ladder of all its tasks.

    Raises LadderInvalid naming the problem when the ladder does not parse.
    """
    value = process_property(xml, process_id, "escalation")
    if value is None:
        return None
    try:
        return parse_escalation(value)
    except LadderInvalid as exc:
        raise LadderInvalid(f"process escalation: {exc}", exc.code, exc.value) from exc


def process_retention(xml: str, process_id: str) -> str | None:
    """The `retentionPeriod` property on a process element: how long after closure its cases
    keep their identity and free text (an ISO 8601 duration such as P10Y).

    Raises ValueError naming the problem when it is not a positive duration."""
    value = process_property(xml, process_id, "retentionPeriod")
    if value is None:
        return None
    text = value.strip().upper()
    if not is_duration(text) or parse_duration(text).negative or text in ("P0D", "PT0S"):
        raise ValueError(
            f"retentionPeriod {value!r} is not a positive ISO 8601 duration such as P10Y"
        )
    return text
