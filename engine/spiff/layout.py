"""A diagram (BPMN DI) for the processes of a model that has none, so that the Modeler and the
viewers can open models written by hand or by other tools (SpiffWorkflow runs them without DI).

Layout: columns by longest path from the start (back edges ignored), one row per branch,
boundary events on their host's lower edge, each subprocess collapsed with a diagram of its own.
Only DI is added: the process elements are left exactly as they were.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.spiff.parsing import BPMN_NS, load_xml

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DD_NS = "http://www.omg.org/spec/DD/20100524/DI"
NSMAP = {"bpmndi": DI_NS, "dc": DC_NS, "di": DD_NS}
COL, ROW, X0, Y0 = 160, 130, 120, 100
Box = tuple[float, float, float, float]


def _local(node: Any) -> str:
    return str(node.tag).rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def _size(node: Any) -> tuple[int, int]:
    local = _local(node)
    if local.endswith("Event"):
        return 36, 36
    if local.endswith("Gateway"):
        return 50, 50
    return 100, 80


def _is_node(node: Any) -> bool:
    local = _local(node)
    return str(node.tag).startswith(f"{{{BPMN_NS}}}") and (
        local.endswith(("Task", "Event", "Gateway"))
        or local in ("task", "subProcess", "callActivity", "transaction")
    )


def with_diagram(xml: str, max_bytes: int) -> str:
    """The BPMN XML with a diagram for each process level that has no shapes; unchanged when
    every level is drawn already."""
    tree = load_xml("model.bpmn", xml.encode("utf-8"), max_bytes)
    drawn = {e.get("bpmnElement") for e in tree.iter(f"{{{DI_NS}}}BPMNShape")}
    levels = [
        proc
        for proc in tree.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess")
        if not any(n.get("id") in drawn for n in proc if _is_node(n))
        and any(_is_node(n) for n in proc)
    ]
    if not levels:
        return xml
    for level in levels:
        tree.append(_diagram(level, collapsed={id(sub) for sub in levels}))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(
        etree.tostring(tree, encoding="unicode")
    )


def _diagram(level: Any, collapsed: set[int]) -> Any:
    nodes = {n.get("id"): n for n in level if _is_node(n)}
    flows = [
        (f.get("id"), f.get("sourceRef"), f.get("targetRef"))
        for f in level.iterfind(f"{{{BPMN_NS}}}sequenceFlow")
        if f.get("sourceRef") in nodes and f.get("targetRef") in nodes
    ]
    boxes = _layout(nodes, flows)
    diagram = etree.Element(f"{{{DI_NS}}}BPMNDiagram", nsmap=NSMAP, id=f"diagram_{level.get('id')}")
    plane = etree.SubElement(
        diagram, f"{{{DI_NS}}}BPMNPlane", id=f"plane_{level.get('id')}", bpmnElement=level.get("id")
    )
    for node_id, (x, y, w, h) in boxes.items():
        shape = etree.SubElement(
            plane, f"{{{DI_NS}}}BPMNShape", id=f"{node_id}_di", bpmnElement=node_id
        )
        if _local(nodes[node_id]) == "subProcess":
            shape.set("isExpanded", "false" if id(nodes[node_id]) in collapsed else "true")
        if _local(nodes[node_id]) == "exclusiveGateway":
            shape.set("isMarkerVisible", "true")
        etree.SubElement(
            shape, f"{{{DC_NS}}}Bounds", x=f"{x:g}", y=f"{y:g}", width=f"{w:g}", height=f"{h:g}"
        )
    for flow_id, source, target in flows:
        edge = etree.SubElement(
            plane, f"{{{DI_NS}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id
        )
        for px, py in _waypoints(boxes[source], boxes[target], nodes[source]):
            etree.SubElement(edge, f"{{{DD_NS}}}waypoint", x=f"{px:g}", y=f"{py:g}")
    return diagram


def _layout(nodes: dict[str, Any], flows: list[tuple[str, str, str]]) -> dict[str, Box]:
    host = {n_id: n.get("attachedToRef") for n_id, n in nodes.items() if n.get("attachedToRef")}
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for _f, source, target in flows:
        succ[source].append(target)
    for boundary, on in host.items():  # a boundary event's successors follow its host
        if on in succ:
            succ[on].append(boundary)
    targets = {t for _f, _s, t in flows}
    roots = [n for n in nodes if n not in targets and n not in host] or list(nodes)[:1]
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(n: str) -> None:  # depth first: back edges and a reverse post-order
        state[n] = 1
        for t in succ[n]:
            if state.get(t) == 1:
                back.add((n, t))
            elif t not in state:
                visit(t)
        state[n] = 2
        order.append(n)

    for root in [*roots, *nodes]:
        if root not in state:
            visit(root)
    col = dict.fromkeys(nodes, 0)
    for n in reversed(order):
        for t in succ[n]:
            if (n, t) not in back:
                col[t] = max(col[t], col[n] + (0 if t in host else 1))
    row: dict[str, int] = {}
    next_row = [0]

    def place(n: str, r: int) -> None:
        row[n] = r
        for i, t in enumerate(s for s in succ[n] if s not in host):
            if t not in row:
                if i > 0:
                    next_row[0] += 1
                place(t, r if i == 0 else next_row[0])
        for b in (b for b, on in host.items() if on == n and b not in row):
            row[b] = r
            next_row[0] += 1
            for t in succ[b]:
                if t not in row:
                    place(t, next_row[0])

    for n in [*roots, *nodes]:
        if n not in row and n not in host:
            place(n, next_row[0])
            next_row[0] += 1
    boxes: dict[str, Box] = {}
    for n, node in nodes.items():
        if n in host:
            continue
        w, h = _size(node)
        cx, cy = X0 + col[n] * COL + 50, Y0 + row[n] * ROW + 40
        boxes[n] = (cx - w / 2, cy - h / 2, w, h)
    per_host: dict[str, int] = {}
    for boundary, on in host.items():
        hx, hy, _hw, hh = boxes.get(on, (X0, Y0, 100, 80))
        k = per_host[on] = per_host.get(on, -1) + 1
        boxes[boundary] = (hx + 15 + 40 * k, hy + hh - 18, 36, 36)
    return boxes


def _waypoints(s: Box, t: Box, source: Any) -> list[tuple[float, float]]:
    sx, sy = s[0] + s[2] / 2, s[1] + s[3] / 2
    tx, ty = t[0] + t[2] / 2, t[1] + t[3] / 2
    if source.get("attachedToRef"):  # from a boundary event: down, then across
        return [(sx, s[1] + s[3]), (sx, ty), (t[0], ty)]
    if t[0] <= s[0]:  # back edge: over the top
        top = min(s[1], t[1]) - 25
        return [(sx, s[1]), (sx, top), (tx, top), (tx, t[1])]
    if abs(sy - ty) < 1:
        return [(s[0] + s[2], sy), (t[0], ty)]
    mx = t[0] - 20
    return [(s[0] + s[2], sy), (mx, sy), (mx, ty), (t[0], ty)]
