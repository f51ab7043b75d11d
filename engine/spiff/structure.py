"""The shape of a BPMN model, checked before SpiffWorkflow parses it: every node joined to the
flow, reachable from a start and able to reach an end, exclusive gateways with a way out,
timers that parse and call activities whose process exists.

Each problem names its element by id and by name and carries a `code` and `params`, so that
the UI words it in the reader's language; `message` is the English wording for the API.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from engine.durations import parse_duration
from engine.spiff.element_labels import Label, element_labels, label_words
from engine.spiff.problem_words import EXPECTED, MESSAGES, TIMER_KINDS

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


def problem(
    filename: str, node: Any, code: str, value: str = "", expected: str = ""
) -> dict[str, Any]:
    """One problem about `node`, in English and as a code with its parameters."""
    label = tree_labels(node.getroottree().getroot()).get(node.get("id"))
    found = named_problem(
        filename, node.get("id"), display_name(node), code, value, expected, label=label
    )
    found["line"] = node.sourceline
    return found


def named_problem(
    filename: str,
    element_id: str | None,
    name: str,
    code: str,
    value: str = "",
    expected: str = "",
    *,
    label: Label | None = None,
    more: Mapping[str, str] | None = None,
    detail: str = "",
) -> dict[str, Any]:
    """One problem about the element `element_id` called `name`; with its `label`, an element
    drawn without a name is said by its kind and place (engine/spiff/element_labels.py), and
    the problem carries the label for the UI to say it in the reader's language. `more`: other
    parameters for the UI; `detail`: English words for the API's message only."""
    if label:
        name = label.get("name") or label_words(label)
    params = {"name": name or element_id or "", "value": value, "kind": expected, **(more or {})}
    words = {
        **params,
        "expected": EXPECTED.get(expected, expected),
        "at": f" at line {params['line']}" if params.get("line") else "",
        "detail": detail,
    }
    found = {
        "file": filename,
        "element_id": element_id,
        "name": params["name"],
        "code": code,
        "params": params,
        "message": MESSAGES[code].format(**words),
    }
    if label:
        found["label"] = label
    return found


@lru_cache(maxsize=8)  # a validation names several problems of one document
def tree_labels(root: Any) -> dict[str, Label]:
    """The labels of the elements of the document `root` (an lxml element), by id."""
    return element_labels(root)


def display_name(node: Any) -> str:
    """An element's name, else its id (what a coordinator sees on the diagram)."""
    if node is None:
        return ""
    return " ".join(str(node.get("name") or "").split()) or str(node.get("id") or "")


def _local(node: Any) -> str:
    return str(node.tag).rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def is_flow_node(node: Any) -> bool:
    if not isinstance(node.tag, str) or not node.tag.startswith(BPMN):
        return False
    local = _local(node)
    return local.endswith(("Task", "Event", "Gateway")) or local in (
        "task",
        "subProcess",
        "callActivity",
        "transaction",
    )


def check_structure(
    filename: str, tree: Any, process_exists: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """Every problem of shape in one BPMN file (an empty list when there is none)."""
    problems: list[dict[str, Any]] = []
    for level in tree.iter(f"{BPMN}process", f"{BPMN}subProcess"):
        if level.get("isExecutable") == "false":
            continue
        problems += _check_level(filename, level)
    for node in tree.iter(f"{BPMN}timerEventDefinition"):
        problems += _check_timer(filename, node)
    for call in tree.iter(f"{BPMN}callActivity"):
        target = str(call.get("calledElement") or "").strip()
        if target and not process_exists(target):
            problems.append(problem(filename, call, "unknown_call", target))
    return problems


def _check_level(filename: str, level: Any) -> list[dict[str, Any]]:
    nodes = {n.get("id"): n for n in level if is_flow_node(n)}
    if not nodes:
        return []
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    pred: dict[str, list[str]] = {n: [] for n in nodes}
    flows = list(level.iterfind(f"{BPMN}sequenceFlow"))
    for flow in flows:
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in nodes and target in nodes:
            succ[source].append(target)
            pred[target].append(source)
    hosts = {b: n.get("attachedToRef") for b, n in nodes.items() if n.get("attachedToRef")}
    event_sub = {
        n_id
        for n_id, n in nodes.items()
        if _local(n) == "subProcess" and n.get("triggeredByEvent") == "true"
    }
    problems: list[dict[str, Any]] = []
    starts = [n for n, node in nodes.items() if _local(node) == "startEvent"]
    if not starts and level.get("triggeredByEvent") != "true":
        problems.append(problem(filename, level, "no_start"))
    for n_id, node in nodes.items():
        local = _local(node)
        if n_id in event_sub:
            continue
        if not pred[n_id] and local not in ("startEvent", "boundaryEvent"):
            problems.append(problem(filename, node, "no_incoming"))
        if not succ[n_id] and local != "endEvent" and not _compensation(node):
            problems.append(problem(filename, node, "no_outgoing"))
    for boundary, host in hosts.items():  # a boundary event is reached through its host
        if host in succ:
            succ[host].append(boundary)
            pred[boundary].append(host)
    reached = _walk(starts, succ)
    ends = [n for n, node in nodes.items() if _local(node) == "endEvent"]
    ending = _walk(ends, pred)
    flagged = {p["element_id"] for p in problems}
    for n_id, node in nodes.items():
        if n_id in event_sub or n_id in flagged or _compensation(node):
            continue
        if starts and n_id not in reached:
            problems.append(problem(filename, node, "unreachable"))
        elif n_id not in ending:
            problems.append(problem(filename, node, "no_way_to_end"))
    problems += _check_gateways(filename, nodes, flows)
    return problems


def _compensation(node: Any) -> bool:
    return node.find(f"{BPMN}compensateEventDefinition") is not None


def _walk(roots: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(edges.get(n, []))
    return seen


def _check_gateways(filename: str, nodes: dict[str, Any], flows: list[Any]) -> list[dict[str, Any]]:
    problems = []
    for n_id, node in nodes.items():
        if _local(node) not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        out = [f for f in flows if f.get("sourceRef") == n_id]
        if len(out) < 2 or node.get("default"):
            continue
        conditions = [f.find(f"{BPMN}conditionExpression") for f in out]
        texts = [" ".join((c.text or "").split()) if c is not None else "" for c in conditions]
        if all(texts) and not any(t in ("True", "true", "1") for t in texts):
            problems.append(problem(filename, node, "no_default"))
    return problems


def _check_timer(filename: str, definition: Any) -> list[dict[str, Any]]:
    event = definition.getparent()
    for kind in TIMER_KINDS:
        found = definition.find(f"{BPMN}{kind}")
        if found is None:
            continue
        text = (found.text or "").strip()
        if not text:
            return [problem(filename, event, "bad_timer", text, kind)]
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return []  # an expression over the case data: compiled by the sandbox check
        if not isinstance(value, str) or not timer_parses(kind, value):
            return [problem(filename, event, "bad_timer", str(value), kind)]
    return []


def timer_parses(kind: str, value: str) -> bool:
    """Whether a literal timer value is what its kind needs."""
    try:
        if kind == "timeDuration":
            parse_duration(value)
        elif kind == "timeDate":
            datetime.fromisoformat(value)
        else:
            repeat, _slash, rest = value.partition("/")
            if not (repeat == "R" or (repeat[:1] == "R" and repeat[1:].isdigit())):
                return False
            parse_duration(rest.rsplit("/", 1)[-1])
    except ValueError:
        return False
    return True


def message_names(tree: Any) -> dict[str, str]:
    """The messages a BPMN document declares: id to name."""
    return {
        str(m.get("id")): str(m.get("name") or m.get("id"))
        for m in tree.iter(f"{BPMN}message")
        if m.get("id")
    }


PYTHON_BUILTINS = frozenset(dir(builtins))
THROWING = ("intermediateThrowEvent", "endEvent", "sendTask")


def message_events(tree: Any) -> list[tuple[Any, str, bool]]:
    """(element, message name, whether it sends) for each event or task using a message; a
    reference to no declared message is given as written."""
    names = message_names(tree)
    found = []
    for definition in tree.iter(f"{BPMN}messageEventDefinition"):
        ref = str(definition.get("messageRef") or "")
        event = definition.getparent()
        found.append((event, names.get(ref, ref), _local(event) in THROWING))
    for task in tree.iter(f"{BPMN}sendTask", f"{BPMN}receiveTask"):
        ref = str(task.get("messageRef") or "")
        found.append((task, names.get(ref, ref), _local(task) == "sendTask"))
    return [f for f in found if f[1]]


def unknown_calls(source: str, expression: bool, callables: frozenset[str]) -> list[str]:
    """The bare names model code calls that are neither helpers nor builtins nor defined by
    the code itself (case data holds no functions), in order of appearance. Python's own
    builtins the sandbox withholds (open, getattr, ...) are left to the sandbox, which refuses
    them when the code runs."""
    try:
        tree = ast.parse(source, mode="eval" if expression else "exec")
    except SyntaxError:
        return []
    defined = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    defined |= {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.Lambda)
        if hasattr(node, "name")
    }
    defined |= {
        a.arg for node in ast.walk(tree) if isinstance(node, ast.arguments) for a in node.args
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            known = name in callables or name in defined or name in PYTHON_BUILTINS
            if not known and name not in found:
                found.append(name)
    return found
