"""A small builder for the bundled BPMN diagrams: elements, Spiff extensions and a DI layout.

The committed .bpmn files are what counts; this only keeps them consistent and laid out.
Layout: columns by longest path from the start (back edges ignored), one row per branch.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (100, 80)}
COL, ROW, X0, Y0 = 160, 130, 120, 100
TAGS = {
    "start": "startEvent",
    "end": "endEvent",
    "user": "userTask",
    "script": "scriptTask",
    "service": "serviceTask",
    "rule": "businessRuleTask",
    "call": "callActivity",
    "sub": "subProcess",
    "xor": "exclusiveGateway",
    "par": "parallelGateway",
    "timer": "intermediateCatchEvent",
    "boundary": "boundaryEvent",
}


@dataclass
class Node:
    id: str
    kind: str
    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    props: dict[str, str] = field(default_factory=dict)
    body: str = ""
    host: str | None = None
    sub: Process | None = None

    @property
    def shape(self) -> str:
        if self.kind in ("start", "end", "timer", "boundary"):
            return "event"
        return "gateway" if self.kind in ("xor", "par") else "task"


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


class Process:
    """A process (or an embedded subprocess) under construction."""

    def __init__(self, pid: str, name: str) -> None:
        self.id, self.name = pid, name
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.props: dict[str, str] = {}  # process-level properties (e.g. restricted)

    def add(self, node: Node) -> str:
        assert node.id not in self.nodes, node.id
        self.nodes[node.id] = node
        return node.id

    def start(self, nid: str, name: str, **props: str) -> str:
        return self.add(Node(nid, "start", name, props=props))

    def end(self, nid: str, name: str) -> str:
        return self.add(Node(nid, "end", name))

    def user(self, nid: str, name: str, **props: str) -> str:
        """A user task; props are the Percorsi task properties (candidateGroups, dueIn...)."""
        return self.add(Node(nid, "user", name, props=props))

    def script(self, nid: str, name: str, script: str) -> str:
        return self.add(
            Node(nid, "script", name, body=f"<bpmn:script>{escape(script)}</bpmn:script>")
        )

    def service(self, nid: str, name: str, operation: str, result: str) -> str:
        ext = (
            f'<spiffworkflow:serviceTaskOperator id="{operation}" resultVariable="{result}">'
            "<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>"
        )
        return self.add(Node(nid, "service", name, body=_ext(ext)))

    def rule(self, nid: str, name: str, decision: str) -> str:
        ext = f"<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>"
        return self.add(Node(nid, "rule", name, body=_ext(ext)))

    def call(self, nid: str, name: str, called: str) -> str:
        return self.add(Node(nid, "call", name, attrs={"calledElement": called}))

    def xor(self, nid: str, name: str = "") -> str:
        return self.add(Node(nid, "xor", name))

    def par(self, nid: str, name: str = "") -> str:
        return self.add(Node(nid, "par", name))

    def timer(self, nid: str, name: str, kind: str, expression: str) -> str:
        return self.add(Node(nid, "timer", name, body=_timer(nid, kind, expression)))

    def boundary(
        self, nid: str, name: str, host: str, kind: str, expression: str, interrupting: bool
    ) -> str:
        attrs = {"attachedToRef": host, "cancelActivity": "true" if interrupting else "false"}
        node = Node(
            nid, "boundary", name, attrs=attrs, body=_timer(nid, kind, expression), host=host
        )
        return self.add(node)

    def subprocess(self, nid: str, name: str, loop: dict[str, str] | None = None) -> Process:
        """An embedded subprocess (drawn collapsed, with its own diagram); loop makes it MI."""
        inner = Process(nid, name)
        body = ""
        if loop:
            body = (
                '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
                f"<bpmn:loopDataInputRef>{loop['input']}</bpmn:loopDataInputRef>"
                f"<bpmn:loopDataOutputRef>{loop['output']}</bpmn:loopDataOutputRef>"
                f'<bpmn:inputDataItem id="{loop["item"]}" name="{loop["item"]}" />'
                f'<bpmn:outputDataItem id="{loop["result"]}" name="{loop["result"]}" />'
                "</bpmn:multiInstanceLoopCharacteristics>"
            )
        self.add(Node(nid, "sub", name, body=body, sub=inner))
        return inner

    def flow(self, source: str, target: str, name: str = "", condition: str | None = None) -> str:
        fid = f"flow_{source}_{target}"
        assert source in self.nodes and target in self.nodes, (source, target)
        self.flows.append(Flow(fid, source, target, name, condition))
        return fid

    def chain(self, *ids: str) -> None:
        for a, b in itertools.pairwise(ids):
            self.flow(a, b)

    def default(self, gateway: str, flow_id: str) -> None:
        self.nodes[gateway].attrs["default"] = flow_id

    # -- XML ------------------------------------------------------------------------------
    def xml(self, tag: str = "process") -> str:
        attrs = f' id="{self.id}" name={quoteattr(self.name)}'
        if tag == "process":
            attrs += ' isExecutable="true"'
        parts = [f"<bpmn:{tag}{attrs}>"]
        if self.props:
            props = "".join(
                f"<spiffworkflow:property name={quoteattr(k)} value={quoteattr(v)} />"
                for k, v in self.props.items()
            )
            parts.append(_ext(f"<spiffworkflow:properties>{props}</spiffworkflow:properties>"))
        parts += [self._node_xml(n) for n in self.nodes.values()]
        parts += [_flow_xml(f) for f in self.flows]
        parts.append(f"</bpmn:{tag}>")
        return "\n".join(parts)

    def _node_xml(self, node: Node) -> str:
        tag = TAGS[node.kind]
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in node.attrs.items())
        inner = []
        if node.props:
            post = node.props.pop("postScript", None)
            props = "".join(
                f"<spiffworkflow:property name={quoteattr(k)} value={quoteattr(v)} />"
                for k, v in node.props.items()
            )
            ext = f"<spiffworkflow:properties>{props}</spiffworkflow:properties>"
            if post:
                node.props["postScript"] = post
                ext += f"<spiffworkflow:postScript>{escape(post)}</spiffworkflow:postScript>"
            inner.append(_ext(ext))
        elif node.body.startswith("<bpmn:extensionElements"):
            inner.append(node.body)
        inner += [
            f"<bpmn:incoming>{f.id}</bpmn:incoming>" for f in self.flows if f.target == node.id
        ]
        inner += [
            f"<bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in self.flows if f.source == node.id
        ]
        if node.body and not node.body.startswith("<bpmn:extensionElements"):
            inner.append(node.body)
        if node.sub is not None:
            inner += [node.sub._node_xml(n) for n in node.sub.nodes.values()]
            inner += [_flow_xml(f) for f in node.sub.flows]
        return (
            f"<bpmn:{tag} id={quoteattr(node.id)} name={quoteattr(node.name)}{attrs}>"
            + ("\n  " + "\n  ".join(inner) + "\n" if inner else "")
            + f"</bpmn:{tag}>"
        )


def _ext(inner: str) -> str:
    return f"<bpmn:extensionElements>{inner}</bpmn:extensionElements>"


def _timer(nid: str, kind: str, expression: str) -> str:
    return (
        f'<bpmn:timerEventDefinition id="{nid}_def">'
        f"<bpmn:{kind}>{escape(expression)}</bpmn:{kind}></bpmn:timerEventDefinition>"
    )


def _flow_xml(flow: Flow) -> str:
    name = f" name={quoteattr(flow.name)}" if flow.name else ""
    ends = f'sourceRef="{flow.source}" targetRef="{flow.target}"'
    head = f'<bpmn:sequenceFlow id="{flow.id}"{name} {ends}'
    if flow.condition is None:
        return head + " />"
    return (
        head + f"><bpmn:conditionExpression>{escape(flow.condition)}</bpmn:conditionExpression>"
        "</bpmn:sequenceFlow>"
    )
