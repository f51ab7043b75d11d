"""Deploy-time parsing: hardened XML, SpiffWorkflow's parser, and Percorsi's own model checks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.errors import ModelInvalid, UploadRejected, UploadTooLarge
from engine.spiff.code_checks import check_task_code, code_problem, refusal
from engine.spiff.dmn_checks import check_dmn
from engine.spiff.element_labels import Label
from engine.spiff.problem_words import SPIFF_REFUSALS
from engine.spiff.process_properties import XML_PARSER as _XML_PARSER
from engine.spiff.process_properties import (
    process_escalation,
    process_property,
    process_retention,
    read_restriction,
)
from engine.spiff.properties import LadderInvalid, TaskProperties, parse_properties
from engine.spiff.structure import (
    check_structure,
    display_name,
    named_problem,
    problem,
    tree_labels,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")

# Given a process id missing from the bundle, the latest deployed (file name, BPMN XML, DMN files).
ExistingSource = Callable[[str], "tuple[str, str, dict[str, str]] | None"]


@dataclass
class ParsedProcess:
    """One executable process of a bundle, ready to be stored as a version."""

    process_id: str
    name: str
    bpmn_file: str
    bpmn_xml: str
    spec_json: str
    dmn: dict[str, str]
    forms: dict[str, Any]
    tasks: dict[str, TaskProperties] = field(default_factory=dict)
    # Names a task's `organization` may read: multi-instance items and form fields.
    data_names: frozenset[str] = frozenset()


def load_xml(filename: str, content: bytes, max_bytes: int) -> Any:
    """Parse an uploaded XML file with entities, DTDs and the network off."""
    if len(content) > max_bytes:
        raise UploadTooLarge(
            f"{filename} is {len(content)} bytes; the limit is {max_bytes}",
            [{"file": filename, "message": "file too large"}],
        )
    if any(marker in content for marker in FORBIDDEN_MARKUP):
        raise UploadRejected(
            f"{filename} declares a DOCTYPE or entities, which are not accepted",
            [{"file": filename, "message": "DOCTYPE and ENTITY declarations are not allowed"}],
        )
    try:
        tree = etree.fromstring(content, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ModelInvalid(
            f"{filename} is not well-formed XML: {exc.msg}",
            [{"file": filename, "line": exc.lineno, "message": exc.msg}],
        ) from exc
    except ValueError as exc:  # e.g. an encoding lxml does not know
        raise ModelInvalid(
            f"{filename} cannot be read: {exc}", [{"file": filename, "message": str(exc)}]
        ) from exc
    if tree.getroottree().docinfo.doctype:  # the byte check above misses UTF-16 markup
        raise UploadRejected(
            f"{filename} declares a DOCTYPE or entities, which are not accepted",
            [{"file": filename, "message": "DOCTYPE and ENTITY declarations are not allowed"}],
        )
    return tree


def xml_text(content: bytes, tree: Any) -> str:
    """The text of an uploaded XML file: as sent when UTF-8, else re-serialized from its tree
    (a UTF-16 or Latin-1 file is stored as text; its encoding declaration goes with it)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return str(etree.tostring(tree, encoding="unicode"))


def parse_bundle(
    files: Mapping[str, bytes],
    *,
    max_bytes: int,
    services: Iterable[str],
    existing: ExistingSource,
    serialize: Callable[[Any], dict[str, Any]],
    callables: Iterable[str] = (),
) -> list[ParsedProcess]:
    """Validate a bundle of .bpmn/.dmn/.json files and return its executable processes.

    `callables`: the helpers and builtins model code may call (none given: not checked)."""
    bpmn, dmn, forms = _split(files, max_bytes)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    sources: dict[str, tuple[str, str]] = {}
    trees = {name: load_xml(name, content, max_bytes) for name, content in bpmn.items()}
    for name, tree in trees.items():
        _check_flows(name, tree)
    in_upload = {p.get("id") for t in trees.values() for p in t.iterfind(f"{{{BPMN_NS}}}process")}
    shape = [
        found
        for name, tree in trees.items()
        for found in check_structure(
            name, tree, lambda pid: pid in in_upload or bool(existing(pid))
        )
    ]
    if shape:
        raise ModelInvalid(f"{len(shape)} problem(s); first: {shape[0]['message']}", shape)
    for name, tree in trees.items():
        _guard(name, partial(parser.add_bpmn_xml, tree, name))
        for proc in tree.iterfind(f"{{{BPMN_NS}}}process"):
            sources[proc.get("id")] = (name, xml_text(bpmn[name], tree))
    dmn_text: dict[str, str] = {}
    for name, content in dmn.items():
        tree = load_xml(name, content, max_bytes)
        check_dmn(name, tree)
        _guard(name, partial(parser.add_dmn_xml, tree, name))
        dmn_text[name] = xml_text(content, tree)
    _add_existing_dependencies(parser, existing, dmn_text)
    processes = [pid for pid in parser.get_process_ids() if pid in sources]
    if not processes:
        raise ModelInvalid("the bundle holds no executable BPMN process", [])
    return [
        _parse_process(
            parser, pid, sources[pid], dmn_text, forms, services, serialize, frozenset(callables)
        )
        for pid in processes
    ]


def _check_flows(filename: str, tree: Any) -> None:
    """Sequence flows join elements of their own process, and every incoming/outgoing names a
    flow (SpiffWorkflow names the wrong element for the first, and silently ignores the second)."""
    problems: list[dict[str, Any]] = []
    for proc in tree.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess"):
        ids = {child.get("id") for child in proc}
        flows = {f.get("id") for f in proc.iterfind(f"{{{BPMN_NS}}}sequenceFlow")}
        for flow in proc.iterfind(f"{{{BPMN_NS}}}sequenceFlow"):
            for end, code in (("sourceRef", "flow_no_source"), ("targetRef", "flow_no_target")):
                if flow.get(end) not in ids:
                    problems.append(problem(filename, flow, code, str(flow.get(end) or "")))
        for node in proc:
            for ref in (
                *node.iterchildren(f"{{{BPMN_NS}}}incoming"),
                *node.iterchildren(f"{{{BPMN_NS}}}outgoing"),
            ):
                if (ref.text or "").strip() not in flows:
                    found = problem(filename, node, "unknown_flow_ref", (ref.text or "").strip())
                    problems.append({**found, "line": ref.sourceline})
    if problems:
        first = problems[0]
        raise ModelInvalid(f"{filename}:{first['line']}: {first['message']}", problems)


def _split(
    files: Mapping[str, bytes], max_bytes: int
) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, Any]]:
    bpmn: dict[str, bytes] = {}
    dmn: dict[str, bytes] = {}
    forms: dict[str, Any] = {}
    for name, content in files.items():
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if base.endswith(".bpmn"):
            bpmn[base] = content
        elif base.endswith(".dmn"):
            dmn[base] = content
        elif base.endswith(".json"):
            forms[base] = load_form(base, content, max_bytes)
        else:
            raise UploadRejected(
                f"{base}: only .bpmn, .dmn and .json (form) files can be deployed",
                [{"file": base, "message": "unsupported file type"}],
            )
    if not bpmn:
        raise ModelInvalid("the bundle holds no .bpmn file", [])
    return bpmn, dmn, forms


def load_form(name: str, content: bytes, max_bytes: int) -> Any:
    """A form file's JSON Schema, checked as a deploy checks it (ModelInvalid otherwise)."""
    from engine.spiff.form_checks import (
        check_schema,  # form_checks knows jsonschema; imported late to stay one-way
    )

    if len(content) > max_bytes:
        raise UploadTooLarge(f"{name} is {len(content)} bytes; the limit is {max_bytes}")
    try:
        schema = json.loads(content)
    except RecursionError as exc:
        raise ModelInvalid(
            f"{name} is nested too deeply", [{"file": name, "message": "nested too deeply"}]
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelInvalid(
            f"{name} is not valid JSON: {exc}", [{"file": name, "message": str(exc)}]
        ) from exc
    check_schema(name, schema)
    return schema


def _guard(filename: str, action: Callable[[], None], parser: Any = None) -> None:
    """Run a SpiffWorkflow parser step, turning its errors into ModelInvalid with file and line
    (with a code when the refusal has one and `parser` knows the element)."""
    try:
        action()
    except ValidationException as exc:
        if (coded := _coded(parser, filename, exc)) is not None:
            first = f"{filename}: 1 problem(s); first: {coded['message']}"
            raise ModelInvalid(first, [coded]) from exc
        raise ModelInvalid(
            f"{filename}: {exc}",
            [
                {
                    "file": exc.file_name or filename,
                    "element_id": getattr(exc, "id", "") or None,
                    "line": getattr(exc, "line_number", "") or None,
                    "message": str(exc).split("\n")[0],
                }
            ],
        ) from exc
    except SpiffWorkflowException as exc:
        raise ModelInvalid(f"{filename}: {exc}", [{"file": filename, "message": str(exc)}]) from exc
    except (LookupError, TypeError, ValueError, AttributeError) as exc:  # malformed beyond XSD
        message = f"cannot be parsed: {type(exc).__name__}: {exc}"
        raise ModelInvalid(
            f"{filename} {message}", [{"file": filename, "message": message}]
        ) from exc


def _add_existing_dependencies(
    parser: Any, existing: ExistingSource, dmn_text: dict[str, str]
) -> None:
    """Called processes missing from the bundle come from their latest deployed version."""
    seen: set[str] = set()
    while True:
        missing = [
            p
            for p in parser.get_process_dependencies()
            if p not in parser.process_parsers and p not in seen
        ]
        if not missing:
            return
        for pid in missing:
            seen.add(pid)
            found = existing(pid)
            if found is None:
                continue
            name, xml, dmns = found
            parser.add_bpmn_xml(load_xml(name, xml.encode(), len(xml.encode()) + 1), name)
            for dname, dxml in dmns.items():
                if dname not in dmn_text:
                    parser.add_dmn_xml(load_xml(dname, dxml.encode(), len(dxml) * 4 + 1), dname)
                    dmn_text[dname] = dxml


def _parse_process(
    parser: Any,
    process_id: str,
    source: tuple[str, str],
    dmn_text: dict[str, str],
    forms: dict[str, Any],
    services: Iterable[str],
    serialize: Callable[[Any], dict[str, Any]],
    callables: frozenset[str] = frozenset(),
) -> ParsedProcess:
    filename, xml = source
    spec = _guard_value(filename, lambda: parser.get_spec(process_id), parser)
    subprocesses = _guard_value(filename, lambda: parser.get_subprocess_specs(process_id), parser)
    problems: list[dict[str, Any]] = []
    tasks: dict[str, TaskProperties] = {}
    names = {str(k) for form in forms.values() for k in (form.get("properties") or {})}
    for wf_spec in [spec, *subprocesses.values()]:
        document = _document(parser, wf_spec.name)
        for task_spec in wf_spec.task_specs.values():
            label = _label(document, getattr(task_spec, "bpmn_id", None) or task_spec.name)
            problems.extend(check_task_code(filename, task_spec, set(services), callables, label))
            item = getattr(task_spec, "input_item", None)
            if item is not None and getattr(item, "bpmn_id", None):
                names.add(str(item.bpmn_id))
            if getattr(task_spec, "manual", False):
                props, errors = parse_properties(task_spec, forms, filename, label)
                tasks[task_spec.bpmn_id] = props
                problems.extend(errors)
    problems.extend(_process_problems(parser, filename, xml, process_id))
    restriction: dict[str, Any] = {}
    for name in [process_id, *subprocesses]:
        found = parser.process_parsers.get(name)
        if found is not None:
            restriction[name], refused = read_restriction(found.node)
            problems.extend(problem(filename, found.node, code, v) for code, v in refused)
    if problems:
        first = problems[0]
        where = "" if "code" in first else f"{first.get('element_id')}: "  # coded: named already
        raise ModelInvalid(
            f"{filename}: {len(problems)} problem(s); first: {where}{first['message']}", problems
        )
    payload = {
        "spec": serialize(spec),
        "subprocess_specs": {k: serialize(v) for k, v in subprocesses.items()},
        "restriction": restriction,
    }
    return ParsedProcess(
        process_id=process_id,
        name=spec.description or process_id,
        bpmn_file=filename,
        bpmn_xml=xml,
        spec_json=json.dumps(payload, sort_keys=True),
        dmn=dict(dmn_text),
        forms=dict(forms),
        tasks=tasks,
        data_names=frozenset(names),
    )


def _process_problems(
    parser: Any, filename: str, xml: str, process_id: str
) -> list[dict[str, Any]]:
    """The problems of the process's own properties: escalation, case owner, retention."""
    found = parser.process_parsers.get(process_id)
    node = found.node if found is not None else None
    name = display_name(node) or process_id
    problems: list[dict[str, Any]] = []
    try:
        process_escalation(xml, process_id)
    except LadderInvalid as exc:
        problems.append(
            named_problem(filename, process_id, name, exc.code, exc.value, detail=f"{exc}")
        )
    owner = process_property(xml, process_id, "caseOwner")
    if owner and (refused := refusal(owner, expression=True)) is not None:
        problems.append(code_problem(filename, process_id, name, "caseOwner", refused))
    try:
        process_retention(xml, process_id)
    except ValueError:
        period = process_property(xml, process_id, "retentionPeriod") or ""
        problems.append(named_problem(filename, process_id, name, "bad_retention", period))
    return problems


def _guard_value(filename: str, action: Callable[[], Any], parser: Any = None) -> Any:
    box: list[Any] = []
    _guard(filename, lambda: box.append(action()), parser)
    return box[0]


def _coded(parser: Any, filename: str, exc: ValidationException) -> dict[str, Any] | None:
    """A SpiffWorkflow refusal as a coded problem about its element, when it has a code."""
    code = next((c for words, c in SPIFF_REFUSALS if str(exc).startswith(words)), None)
    element = getattr(exc, "id", "")
    if parser is None or code is None or not element:
        return None
    roots = {p.node.getroottree().getroot() for p in parser.process_parsers.values()}
    nodes = [n for root in roots for n in root.xpath("//*[@id=$id]", id=element)]
    return problem(exc.file_name or filename, nodes[0], code) if nodes else None


def _document(parser: Any, process_id: str) -> Any:
    """The root of the document a process was read from, as uploaded (or as deployed, for a
    called process taken from its latest version): not parsed again."""
    found = parser.process_parsers.get(process_id)
    return None if found is None else found.node.getroottree().getroot()


def _label(document: Any, element: str) -> Label | None:
    """The element's label in its document (engine/spiff/element_labels.py), when known."""
    return None if document is None else tree_labels(document).get(element)
