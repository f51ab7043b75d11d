"""Start forms: the form a process's start event names (`formKey`), stored with its version.

A referral is typed into the start form before the case exists, so the form travels with the
version (like the tasks' forms) and a later version's start form never checks an older case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.spiff.parsing import BPMN_NS, load_xml
from engine.spiff.properties import resolve_form
from engine.store.tables import ProcessModel, ProcessVersion
from engine.store.uow import UnitOfWork

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_KEYS: dict[tuple[str, str], str | None] = {}  # (version sha256, process id) -> start form key


@dataclass(frozen=True)
class StartForm:
    """The start form of a process's newest version."""

    process_id: str
    version: int
    key: str
    schema: dict[str, Any]


def start_form_key(bpmn_xml: str, process_id: str, forms: dict[str, Any]) -> str | None:
    """The stored name of the form the process's start event names, if it names one we hold."""
    content = bpmn_xml.encode()
    root = load_xml("bpmn", content, len(content))
    for process in root.iterfind(f"{{{BPMN_NS}}}process"):
        if process.get("id") != process_id:
            continue
        for start in process.iterfind(f"{{{BPMN_NS}}}startEvent"):
            for prop in start.iter(f"{{{SPIFF_NS}}}property"):
                if prop.get("name") == "formKey" and prop.get("value"):
                    return resolve_form(str(prop.get("value")), forms)
    return None


def start_form(uow: UnitOfWork, process_id: str) -> StartForm | None:
    """The start form of the newest version of a process (None: not deployed, or no form)."""
    row = uow.session.execute(
        select(
            ProcessVersion.id, ProcessVersion.number, ProcessVersion.sha256, ProcessVersion.forms
        )
        .join(ProcessModel, ProcessModel.id == ProcessVersion.model_id)
        .where(ProcessModel.process_id == process_id)
        .order_by(ProcessVersion.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    version_id, number, sha, forms = row
    cache_key = (sha, process_id)  # versions are immutable: cache by content
    if cache_key not in _KEYS:
        xml = uow.session.scalar(
            select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
        )
        _KEYS[cache_key] = start_form_key(xml or "", process_id, dict(forms or {}))
    key = _KEYS[cache_key]
    schema = (forms or {}).get(key) if key else None
    if key is None or not isinstance(schema, dict):
        return None
    return StartForm(process_id, int(number), key, dict(schema))


def version_start_form(uow: UnitOfWork, version_id: int, process_id: str) -> dict[str, Any] | None:
    """The start form a case's own version opened it with (None if it has none)."""
    facts = uow.facts.version(uow.session, version_id)
    cache_key = (facts.sha256, process_id)
    if cache_key not in _KEYS:
        xml = uow.session.scalar(
            select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
        )
        _KEYS[cache_key] = start_form_key(xml or "", process_id, dict(facts.forms or {}))
    key = _KEYS[cache_key]
    schema = facts.forms.get(key) if key else None
    return dict(schema) if isinstance(schema, dict) else None
