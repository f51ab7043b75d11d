"""Deploying what a coordinator drew in the Modeler, with the DMN its versions already use."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from engine.actors import Actor
from engine.commands.deployment import Deployed, deploy_model
from engine.commands.metering import metered
from engine.errors import InvalidInput, ModelInvalid, ModelNotFound
from engine.rules.access import require_coordinator
from engine.rules.model_diff import BPMN, describe_elements, diff_models
from engine.rules.versions import latest_version
from engine.spiff import load_xml
from engine.spiff.parsing import load_form
from engine.spiff.structure import named_problem
from engine.store.tables import ProcessModel
from engine.store.uow import UnitOfWork

DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,119}$")


@metered("deploy_model")
def deploy_edited(
    uow: UnitOfWork,
    actor: Actor,
    xml: str,
    *,
    dry_run: bool = False,
    forms: Mapping[str, Any] | None = None,
) -> list[Deployed]:
    """Validate (dry run) or deploy the Modeler's BPMN, with the DMN its versions already use
    and the forms edited with it (checked as any deployed form, stored with the version)."""
    require_coordinator(actor)
    edited = {key: _form_file(key, schema) for key, schema in (forms or {}).items()}
    content = xml.encode("utf-8")
    ids = _process_ids(uow, content)
    filename = f"{ids[0]}.bpmn"
    files: dict[str, bytes] = {}
    max_bytes = uow.settings.max_upload_bytes
    drawn = set(describe_elements(xml, max_bytes))
    touched = {process_id: drawn for process_id in ids}
    same: list[Deployed] = []
    for process_id in ids:
        try:
            latest = latest_version(uow, process_id)
        except ModelNotFound:
            continue
        if not edited and _same_model(latest.bpmn_xml, xml, max_bytes):
            name = uow.session.get_one(ProcessModel, latest.model_id).name
            same.append(Deployed(process_id, name, latest.number, latest.id, False))
        filename = latest.bpmn_file
        files.update({name: text.encode("utf-8") for name, text in latest.dmn.items()})
        touched[process_id] = _touched(latest.bpmn_xml, xml, max_bytes)
    files[filename] = content
    files.update(edited)

    def complete(process_id: str, element_id: str) -> bool:
        """Tasks the coordinator draws need a name, a form, a due date and groups."""
        return element_id in touched.get(process_id, set())

    if not dry_run and len(same) == len(ids):
        return same  # the diagram as published, re-serialised by bpmn-js: nothing to publish
    return deploy_model(uow, files, actor, dry_run=dry_run, complete=complete)


def _same_model(before: str, after: str, max_bytes: int) -> bool:
    """Whether two BPMN texts describe the same elements drawn at the same places (bpmn-js
    writes a loaded diagram back with other attribute order, prefixes and spacing)."""
    if not diff_models(before, after, max_bytes).empty:
        return False
    return _drawing(before, max_bytes) == _drawing(after, max_bytes)


def _drawing(xml: str, max_bytes: int) -> set[tuple[str, ...]]:
    """Every shape, edge and label of the diagram with its coordinates."""
    tree = load_xml("model.bpmn", xml.encode("utf-8"), max_bytes)
    found: set[tuple[str, ...]] = set()
    found |= {("plane", str(p.get("bpmnElement"))) for p in tree.iter(f"{DI}BPMNPlane")}
    for node in tree.iter(f"{DI}BPMNShape", f"{DI}BPMNEdge"):
        points = [
            f"{float(p.get('x', 0)):g},{float(p.get('y', 0)):g}"
            + (
                f",{float(p.get('width', 0)):g},{float(p.get('height', 0)):g}"
                if p.get("width")
                else ""
            )
            for p in node.iter()
            if p is not node and p.get("x") is not None
        ]
        flags = [f"{k}={node.get(k)}" for k in ("isExpanded", "isMarkerVisible") if node.get(k)]
        found.add((str(node.get("bpmnElement")), *points, *flags))
    return found


def _touched(before: str, after: str, max_bytes: int) -> set[str]:
    """The ids of the elements drawn since `before` (tasks already published keep what they
    were published with, when only their properties change)."""
    return {e.element_id for e in diff_models(before, after, max_bytes).added}


FORM_KEY = re.compile(r"^[a-z0-9_]{1,100}\.json$")


def _form_file(key: str, schema: Any) -> bytes:
    """An edited form as the file a deploy takes, or a clear error naming a bad key."""
    if not FORM_KEY.match(key):
        raise InvalidInput(
            f"form name {key!r} must be lower-case letters, digits and _ ending in .json",
            [{"field": "forms", "message": "invalid form name"}],
        )
    return json.dumps(schema, ensure_ascii=False).encode("utf-8")


def check_form(actor: Actor, key: str, schema: Any) -> None:
    """Refuse a form the task page could not draw, or that a deploy would refuse."""
    require_coordinator(actor)
    load_form(key, _form_file(key, schema), MAX_FORM_BYTES)


MAX_FORM_BYTES = 200_000


def _process_ids(uow: UnitOfWork, content: bytes) -> list[str]:
    tree = load_xml("model.bpmn", content, uow.settings.max_upload_bytes)
    processes = list(tree.iterfind(f"{BPMN}process"))
    ids = [p.get("id") or "" for p in processes]
    bad = [
        named_problem("model.bpmn", p.get("id") or None, p.get("name") or "", "bad_process_id", i)
        for p, i in zip(processes, ids, strict=True)
        if not PROCESS_ID.match(i)
    ]
    if bad:
        raise ModelInvalid(f"{len(bad)} problem(s); first: {bad[0]['message']}", bad)
    if not ids:
        raise InvalidInput("the diagram holds no BPMN process", [])
    return ids
