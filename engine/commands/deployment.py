"""Deploying process models: validated, stored as immutable versions, never duplicated."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.commands.metering import metered
from engine.errors import ModelInvalid, ModelNotFound
from engine.rules.access import NETWORK_ROLES, READ_ONLY_ROLES, require_coordinator
from engine.rules.ownership import CASE_OWNER
from engine.rules.startforms import start_form_key
from engine.rules.versions import latest_forms, latest_sources, latest_version
from engine.spiff import ParsedProcess
from engine.spiff.element_labels import Label, element_labels
from engine.spiff.parsing import load_xml
from engine.spiff.structure import (
    message_events,
    message_names,
    named_problem,
    problem,
)
from engine.store.tables import Organization, ProcessModel, ProcessVersion
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class Deployed:
    """The outcome of deploying one process of a bundle."""

    process_id: str
    name: str
    number: int
    version_id: int
    created: bool


# Which tasks must have a form, a due date and groups: (process id, element id) -> bool.
Completeness = Callable[[str, str], bool]


def validate_model(
    uow: UnitOfWork, files: Mapping[str, bytes], *, complete: Completeness | None = None
) -> list[ParsedProcess]:
    """Parse and check a bundle without storing anything; raises ModelInvalid with the problems.

    `complete`: the user tasks that must also have a form, a due date and groups (those drawn
    in the Modeler; files deployed as they are may leave them to the defaults)."""
    base_forms = latest_forms(uow)
    merged: dict[str, bytes] = {k: json.dumps(v).encode() for k, v in base_forms.items()}
    merged.update(files)
    parsed = uow.runtime.parse(merged, uow.settings.max_upload_bytes, lambda pid: _source(uow, pid))
    _check_sizes(parsed)
    _check_organizations(uow, parsed)
    problems = _check_tasks(parsed, complete) + _check_messages(uow, parsed)
    if problems:
        raise ModelInvalid(f"{len(problems)} problem(s); first: {problems[0]['message']}", problems)
    return parsed


@metered("deploy_model")
def deploy_model(
    uow: UnitOfWork,
    files: Mapping[str, bytes],
    actor: Actor,
    *,
    dry_run: bool = False,
    complete: Completeness | None = None,
) -> list[Deployed]:
    """Validate a bundle of .bpmn/.dmn/forms and store each process as a new version."""
    require_coordinator(actor)
    parsed = validate_model(uow, files, complete=complete)
    if dry_run:
        return [Deployed(p.process_id, p.name, 0, 0, False) for p in parsed]
    deployed = [_store(uow, p, actor) for p in parsed]
    uow.commit()
    return deployed


def _store(uow: UnitOfWork, parsed: ParsedProcess, actor: Actor) -> Deployed:
    session = uow.session
    model = session.scalar(
        select(ProcessModel).where(ProcessModel.process_id == parsed.process_id).with_for_update()
    )
    if model is None:
        model = ProcessModel(process_id=parsed.process_id, name=parsed.name, created_at=uow.now)
        session.add(model)
        session.flush()
    forms = _used_forms(parsed)
    digest = hashlib.sha256(
        "\0".join([parsed.bpmn_xml, parsed.spec_json, json.dumps(forms, sort_keys=True)]).encode()
    ).hexdigest()
    latest = _latest(uow, model.id)
    if latest is not None and latest.sha256 == digest:
        return Deployed(parsed.process_id, model.name, latest.number, latest.id, False)
    model.name = parsed.name
    version = ProcessVersion(
        model_id=model.id,
        number=(latest.number + 1) if latest else 1,
        bpmn_file=parsed.bpmn_file,
        bpmn_xml=parsed.bpmn_xml,
        dmn=parsed.dmn,
        forms=forms,
        spec_json=parsed.spec_json,
        serializer_version=uow.runtime.serializer_version,
        sha256=digest,
        deployed_by=actor.user_id,
        deployed_at=uow.now,
    )
    session.add(version)
    session.flush()
    return Deployed(parsed.process_id, model.name, version.number, version.id, True)


def _used_forms(parsed: ParsedProcess) -> dict[str, Any]:
    """Only the forms the process's tasks and its start event name are stored with its version."""
    keys = {t.form_key for t in parsed.tasks.values() if t.form_key}
    start = start_form_key(parsed.bpmn_xml, parsed.process_id, parsed.forms)
    if start:
        keys.add(start)
    return {k: parsed.forms[k] for k in sorted(keys) if k in parsed.forms}


def _latest(uow: UnitOfWork, model_id: int) -> ProcessVersion | None:
    return uow.session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.model_id == model_id)
        .order_by(ProcessVersion.number.desc())
        .limit(1)
    )


def _source(uow: UnitOfWork, process_id: str) -> tuple[str, str, dict[str, str]] | None:
    try:
        version = latest_version(uow, process_id)
    except ModelNotFound:
        return None
    return version.bpmn_file, version.bpmn_xml, dict(version.dmn)


def _check_organizations(uow: UnitOfWork, parsed: list[ParsedProcess]) -> None:
    """A task's organisation is a code of the network, a name the case data holds (the case's
    owner, a multi-instance item, a form field) or an expression (checked when it compiles)."""
    known = set(uow.session.scalars(select(Organization.code)).all())
    problems: list[dict[str, Any]] = []
    for p in parsed:
        labels = _labels(p.bpmn_xml)
        problems.extend(
            named_problem(
                p.bpmn_file,
                element,
                element,
                "unknown_organization",
                props.organization or "",
                label=labels.get(element),
            )
            for element, props in p.tasks.items()
            if props.organization_is_name
            and props.organization not in known | p.data_names | {CASE_OWNER}
        )
    if problems:
        raise ModelInvalid(
            f"{len(problems)} task(s) name an unknown organisation; first: "
            f"{problems[0]['message']}",
            problems,
        )


# Longest value each stored name may have (the columns that hold them).
SIZES = {
    "process_id": 120,
    "process_name": 200,
    "element_id": 120,
    "task_name": 255,
    "group": 40,
    "form_key": 120,
}


def _check_sizes(parsed: list[ParsedProcess]) -> None:
    """Refuse names longer than the columns that store them, naming the element."""
    problems: list[dict[str, Any]] = []
    for p in parsed:
        labels = _labels(p.bpmn_xml)
        values: list[tuple[str, str, str]] = [
            ("process_id", p.process_id, p.process_id),
            ("process_name", p.name, p.process_id),
        ]
        for element, props in p.tasks.items():
            values.append(("element_id", element, element))
            values.extend(("group", group, element) for group in props.candidate_groups)
            values.append(("form_key", props.form_key or "", element))
        values.extend(("task_name", name, element) for element, name in _task_names(p))
        problems.extend(
            named_problem(
                p.bpmn_file,
                element,
                p.name[:80] if element == p.process_id else element[:80],
                "too_long",
                value[:40] + "…",
                what,
                label=_short(labels.get(element)),
                more={"size": str(SIZES[what])},
            )
            for what, value, element in values
            if len(value) > SIZES[what]
        )
    if problems:
        raise ModelInvalid(f"{problems[0]['message']} ({len(problems)} problem(s))", problems)


def _short(label: dict[str, Any] | None) -> dict[str, Any] | None:
    """A label whose name is cut short: a name too long to store is too long to read."""
    if label and len(str(label.get("name", ""))) > 80:
        return {**label, "name": str(label["name"])[:79] + "…"}
    return label


# Roles that work on tasks (the Cabina di Regia and auditors only read).
TASK_ROLES = tuple(r for r in NETWORK_ROLES if r not in READ_ONLY_ROLES)


def _check_tasks(
    parsed: list[ParsedProcess], complete: Completeness | None
) -> list[dict[str, Any]]:
    """Tasks offered to roles that work on tasks; with `complete`, each with a name, a form, a due
    date and groups."""
    problems: list[dict[str, Any]] = []
    for p in parsed:
        labels = _labels(p.bpmn_xml)
        for element, props in p.tasks.items():
            label = labels.get(element) or {}
            codes = [("unknown_role", g) for g in props.candidate_groups if g not in TASK_ROLES]
            if complete is not None and complete(p.process_id, element):
                codes += [("task_no_name", "")] if not label.get("name") else []
                codes += [("task_no_form", "")] if not props.form_key else []
                codes += [("task_no_due", "")] if not props.due_in else []
                codes += [("task_no_groups", "")] if not props.candidate_groups else []
            problems.extend(
                named_problem(p.bpmn_file, element, "", code, value, label=label)
                for code, value in codes
            )
    return problems


def _check_messages(uow: UnitOfWork, parsed: list[ParsedProcess]) -> list[dict[str, Any]]:
    """A message sent by a process of the bundle is awaited by some process (of the bundle or
    deployed); a message the model declares is sent or awaited somewhere. A message awaited
    and sent by no process may come from outside, through the API."""
    mine = {p.process_id for p in parsed}
    trees = [(p.bpmn_file, _tree(p.bpmn_xml)) for p in parsed]
    others = [_tree(xml) for pid, xml in latest_sources(uow) if pid not in mine]
    caught: set[str] = set()
    sent: set[str] = set()
    for tree in [t for _f, t in trees] + others:
        for _event, message, throws in message_events(tree):
            (sent if throws else caught).add(message)
    problems = []
    for filename, tree in trees:
        declared = message_names(tree)
        for event, message, throws in message_events(tree):
            if message not in declared.values():
                problems.append(problem(filename, event, "unknown_message", message))
            elif throws and message not in caught:
                problems.append(problem(filename, event, "message_not_caught", message))
        for name in declared.values():
            if name not in caught | sent:
                problems.append(named_problem(filename, None, "", "message_unused", name))
    return problems


def _tree(xml: str) -> Any:
    content = xml.encode()
    return load_xml("model.bpmn", content, len(content) + 1)


@lru_cache(maxsize=8)  # the checks of one deploy each name elements of the same processes
def _labels(xml: str) -> dict[str, Label]:
    """The labels of a process's elements (engine/spiff/element_labels.py), read once."""
    return element_labels(_tree(xml))


def _task_names(parsed: ParsedProcess) -> list[tuple[str, str]]:
    """(element id, name) of the process's human tasks, read from its BPMN."""
    xml = parsed.bpmn_xml.encode()
    root = load_xml(parsed.bpmn_file, xml, len(xml))
    return [
        (str(node.get("id")), str(node.get("name") or ""))
        for node in root.iter()
        if node.get("id") in parsed.tasks
    ]
