"""BPMN DI for a Process built with bpmn_dsl: shapes, edges and one diagram per subprocess."""

from __future__ import annotations

from .bpmn_dsl import COL, ROW, SIZES, X0, Y0, Flow, Node, Process

Box = tuple[float, float, float, float]  # x, y, width, height


def _order(proc: Process) -> tuple[dict[str, int], set[str]]:
    """Columns by longest path over forward edges; the ids of back edges."""
    succ: dict[str, list[Flow]] = {n: [] for n in proc.nodes}
    for f in proc.flows:
        succ[f.source].append(f)
    for node in proc.nodes.values():  # a boundary event follows its host
        if node.host:
            succ[node.host].append(Flow(f"_b_{node.id}", node.host, node.id))
    back: set[str] = set()
    state: dict[str, int] = {}

    def visit(n: str) -> None:
        state[n] = 1
        for f in succ[n]:
            if state.get(f.target) == 1:
                back.add(f.id)
            elif f.target not in state:
                visit(f.target)
        state[n] = 2

    for root in _roots(proc):
        if root not in state:
            visit(root)
    col = {n: 0 for n in proc.nodes}
    for n in _topological(proc, succ, back):
        for f in succ[n]:
            if f.id not in back:
                step = 0 if f.id.startswith("_b_") else 1
                col[f.target] = max(col[f.target], col[n] + step)
    return col, back


def _roots(proc: Process) -> list[str]:
    targets = {f.target for f in proc.flows}
    return [n.id for n in proc.nodes.values() if n.id not in targets and not n.host]


def _topological(proc: Process, succ: dict[str, list[Flow]], back: set[str]) -> list[str]:
    indeg = {n: 0 for n in proc.nodes}
    for flows in succ.values():
        for f in flows:
            if f.id not in back:
                indeg[f.target] += 1
    ready = [n for n, d in indeg.items() if d == 0]
    out: list[str] = []
    while ready:
        n = ready.pop(0)
        out.append(n)
        for f in succ[n]:
            if f.id not in back:
                indeg[f.target] -= 1
                if indeg[f.target] == 0:
                    ready.append(f.target)
    return out


def _rows(proc: Process, col: dict[str, int], back: set[str]) -> dict[str, int]:
    """Depth-first: a node's first successor keeps its row, the others open new rows."""
    row: dict[str, int] = {}
    counter = [0]
    succ: dict[str, list[str]] = {n: [] for n in proc.nodes}
    for f in proc.flows:
        if f.id not in back:
            succ[f.source].append(f.target)
    boundaries = [(n.host, n.id) for n in proc.nodes.values() if n.host]

    def place(n: str, r: int) -> None:
        if n in row:
            return
        row[n] = r
        for i, t in enumerate(succ[n]):
            if t not in row:
                if i > 0:
                    counter[0] += 1
                place(t, r if i == 0 else counter[0])
        for host, b in boundaries:
            if host == n and b not in row:
                row[b] = r
                counter[0] += 1
                for t in succ[b]:
                    place(t, counter[0])

    for root in _roots(proc):
        if root not in row:
            place(root, counter[0])
            counter[0] += 1
    return row


def layout(proc: Process) -> dict[str, Box]:
    """Boxes of every node of one process level."""
    col, back = _order(proc)
    row = _rows(proc, col, back)
    boxes: dict[str, Box] = {}
    for node in proc.nodes.values():
        if node.host:
            continue
        w, h = SIZES[node.shape]
        cx, cy = X0 + col[node.id] * COL + 50, Y0 + row[node.id] * ROW + 40
        boxes[node.id] = (cx - w / 2, cy - h / 2, w, h)
    hosts: dict[str, int] = {}
    for node in proc.nodes.values():
        if node.host:
            hx, hy, _hw, hh = boxes[node.host]
            k = hosts.get(node.host, 0)
            hosts[node.host] = k + 1
            boxes[node.id] = (hx + 15 + 40 * k, hy + hh - 18, 36, 36)
    return boxes


def _mid(box: Box) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def waypoints(
    flow: Flow, boxes: dict[str, Box], nodes: dict[str, Node]
) -> list[tuple[float, float]]:
    """Orthogonal waypoints: straight when aligned, down-then-across for branches."""
    s, t = boxes[flow.source], boxes[flow.target]
    (sx, sy), (tx, ty) = _mid(s), _mid(t)
    if nodes[flow.source].host:  # from a boundary event: down, then across
        return [(sx, s[1] + s[3]), (sx, ty), (t[0], ty)]
    if t[0] <= s[0]:  # back edge: over the top
        top = min(s[1], t[1]) - 25
        return [(sx, s[1]), (sx, top), (tx, top), (tx, t[1])]
    if abs(sy - ty) < 1:
        return [(s[0] + s[2], sy), (t[0], ty)]
    if nodes[flow.source].shape == "gateway" and ty > sy:
        return [(sx, s[1] + s[3]), (sx, ty), (t[0], ty)]
    if nodes[flow.target].shape == "gateway":
        return [(s[0] + s[2], sy), (tx, sy), (tx, t[1] + t[3] if ty < sy else t[1])]
    mx = t[0] - 20
    return [(s[0] + s[2], sy), (mx, sy), (mx, ty), (t[0], ty)]


def diagram_xml(proc: Process, plane_for: str, index: int) -> list[str]:
    """BPMNDiagram elements for this level and, recursively, each embedded subprocess."""
    boxes = layout(proc)
    out = [f'<bpmndi:BPMNDiagram id="diagram_{index}_{proc.id}">']
    out.append(f'<bpmndi:BPMNPlane id="plane_{proc.id}" bpmnElement="{plane_for}">')
    for nid, (x, y, w, h) in boxes.items():
        node = proc.nodes[nid]
        extra = ' isExpanded="false"' if node.kind == "sub" else ""
        extra += ' isMarkerVisible="true"' if node.kind == "xor" else ""
        out.append(
            f'<bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"{extra}>'
            f'<dc:Bounds x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" />'
            + _label(node, x, y, w, h)
            + "</bpmndi:BPMNShape>"
        )
    for f in proc.flows:
        points = "".join(
            f'<di:waypoint x="{px:g}" y="{py:g}" />' for px, py in waypoints(f, boxes, proc.nodes)
        )
        out.append(
            f'<bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">{points}</bpmndi:BPMNEdge>'
        )
    out += ["</bpmndi:BPMNPlane>", "</bpmndi:BPMNDiagram>"]
    for node in proc.nodes.values():
        if node.sub is not None:
            index += 1
            out += diagram_xml(node.sub, node.id, index)
    return out


def _label(node: Node, x: float, y: float, w: float, h: float) -> str:
    if node.shape == "task" or not node.name:
        return ""
    return (
        f'<bpmndi:BPMNLabel><dc:Bounds x="{x - 30:g}" y="{y + h + 4:g}" width="{w + 60:g}" '
        'height="27" /></bpmndi:BPMNLabel>'
    )


def definitions(proc: Process) -> str:
    """The whole .bpmn file: definitions, the process and its DI."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        f'id="defs_{proc.id}" targetNamespace="https://percorsi.example/bpmn" '
        'exporter="percorsi tools/build_models.py" exporterVersion="1">'
    )
    return "\n".join([head, proc.xml(), *diagram_xml(proc, proc.id, 1), "</bpmn:definitions>", ""])
