"""Keeping the worklist (`human_task` rows) in step with the workflow's READY human tasks."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.durations import Duration, is_duration, parse_duration
from engine.spiff import (
    Instance,
    ReadyTask,
    ScriptError,
    TaskProperties,
    parse_escalation,
    task_properties,
)
from engine.spiff.forms import item_labels
from engine.spiff.parsing import process_escalation
from engine.store.tables import Case, CaseParty, HumanTask, ProcessVersion, TaskCandidate
from engine.store.uow import UnitOfWork

OPEN = "open"
COMPLETED = "completed"
CANCELLED = "cancelled"
CANDIDATES = cast(Table, TaskCandidate.__table__)


def sync_human_tasks(
    uow: UnitOfWork, case: Case, instance: Instance, forms: dict[str, Any]
) -> list[HumanTask]:
    """Insert rows for new READY tasks and close rows whose task is no longer READY."""
    ready = {t.id: t for t in instance.ready_human_tasks()}
    known = set()
    for row_id, spiff_task_id in _open_rows(uow, case, instance):
        known.add(spiff_task_id)
        if spiff_task_id not in ready:
            row = uow.session.get_one(HumanTask, row_id)
            row.status = CANCELLED
            row.completed_at = uow.now
            row.next_escalation_at = None
    return [
        _emit(uow, case, task, forms) for task_id, task in ready.items() if task_id not in known
    ]


_OPEN_ROWS = select(HumanTask.id, HumanTask.spiff_task_id).where(
    HumanTask.case_id == bindparam("case_id"), HumanTask.status == OPEN, HumanTask.kind == "bpmn"
)


def _open_rows(uow: UnitOfWork, case: Case, instance: Instance) -> list[tuple[int, str | None]]:
    """The case's open workflow rows, as this transaction has left them (a new case has none)."""
    if instance.fresh:
        return []
    rows = uow.session.connection().execute(_OPEN_ROWS, {"case_id": case.id}).all()
    loaded, key = uow.session.identity_map, uow.session.identity_key
    return [
        (row_id, spiff_task_id)
        for row_id, spiff_task_id in rows
        if (held := loaded.get(key(HumanTask, row_id))) is None or held.status == OPEN
    ]


def _emit(uow: UnitOfWork, case: Case, task: ReadyTask, forms: dict[str, Any]) -> HumanTask:
    props = task_properties(task.spec, forms)
    org_id = (
        uow.facts.organization_id(uow.session, props.organization) if props.organization else None
    )
    if org_id is not None:
        add_party(uow, case.id, org_id)
    try:
        due_at = resolve_due(uow, props, task.data)
    except (ScriptError, ValueError):
        due_at = None  # the task is still emitted; a coordinator sees it has no due date
    ladder = ladder_for(uow, case, props, task.process_id)
    row = _insert_task(
        uow,
        case_id=case.id,
        kind="bpmn",
        spiff_task_id=task.id,
        element_id=task.element_id,
        name=task.name,
        process_id=task.process_id,
        candidate_groups=list(props.candidate_groups),
        organization_id=org_id,
        status=OPEN,
        priority=props.priority,
        due_at=due_at,
        escalation=ladder,
        escalation_level=0,
        next_escalation_at=first_escalation(due_at, ladder),
        form_key=props.form_key,
        item=_plain(_labelled(task.item, forms)),
        created_at=uow.now,
    )
    for role in props.candidate_groups:
        uow.append(CANDIDATES, {"task_id": row.id, "role": role})
    return row


def _labelled(item: dict[str, Any] | None, forms: dict[str, Any]) -> dict[str, Any] | None:
    """The item with its label in words (both languages), from the version's forms."""
    if item is None:
        return None
    return {**item, "label": item_labels(forms, item)}


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A value as JSON can hold it (dates in task data become ISO text)."""
    return None if value is None else dict(json.loads(json.dumps(value, default=str)))


def _insert_task(uow: UnitOfWork, **values: Any) -> HumanTask:
    """Insert a row at once: its id goes into the events and notices that follow."""
    unset = dict.fromkeys(("assignee_id", "draft", "data", "completed_at", "completed_by"))
    return uow.insert_now(HumanTask, **values, **unset)


def default_ladder(uow: UnitOfWork) -> list[dict[str, str]]:
    return [dict(step) for step in _parsed_ladder(uow.settings.escalation_ladder)]


@lru_cache(maxsize=16)
def _parsed_ladder(text: str) -> tuple[dict[str, str], ...]:
    return parse_escalation(text)


_PROCESS_LADDERS: dict[tuple[str, str], tuple[dict[str, str], ...] | None] = {}


def ladder_for(
    uow: UnitOfWork, case: Case, props: TaskProperties, process_id: str
) -> list[dict[str, str]]:
    """The task's own `escalation`, else its process's, else the global one from settings."""
    if props.escalation:
        return list(props.escalation)
    key = (uow.facts.version(uow.session, case.version_id).sha256, process_id)
    if key not in _PROCESS_LADDERS:  # versions are immutable: cached by content
        xml = uow.session.scalar(
            select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == case.version_id)
        )
        try:
            _PROCESS_LADDERS[key] = process_escalation(xml or "", process_id)
        except ValueError:  # refused at deploy; an older version falls back to the default
            _PROCESS_LADDERS[key] = None
    found = _PROCESS_LADDERS[key]
    return list(found) if found else default_ladder(uow)


def first_escalation(due_at: datetime | None, ladder: list[dict[str, str]]) -> datetime | None:
    if due_at is None or not ladder:
        return None
    return parse_duration(ladder[0]["after"]).after(due_at)


def resolve_due(uow: UnitOfWork, props: TaskProperties, data: dict[str, Any]) -> datetime | None:
    """The due time from `dueIn`: a duration from now, or an expression over the task data."""
    if not props.due_in:
        return None
    if is_duration(props.due_in):
        return parse_duration(props.due_in).after(uow.now)
    value = uow.runtime.environment.evaluate_checked(props.due_in, dict(data))
    return _as_due(uow, value)


def _as_due(uow: UnitOfWork, value: Any) -> datetime | None:
    if isinstance(value, Duration):
        return value.after(uow.now)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=uow.now.tzinfo)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59), uow.now.tzinfo)
    if isinstance(value, str) and value:
        if is_duration(value):
            return parse_duration(value).after(uow.now)
        return _as_due(uow, datetime.fromisoformat(value))
    return None


_ADD_PARTY = {
    "sqlite": sqlite_insert(CaseParty).on_conflict_do_nothing(),
    "postgresql": postgresql_insert(CaseParty).on_conflict_do_nothing(),
}


def add_party(uow: UnitOfWork, case_id: int, organization_id: int) -> None:
    """Make an organisation a party of the case (nothing if it is one already)."""
    connection = uow.session.connection()
    statement = _ADD_PARTY[connection.dialect.name]
    connection.execute(statement, {"case_id": case_id, "organization_id": organization_id})


def task_organization(uow: UnitOfWork, task: HumanTask) -> str | None:
    """The code of the organisation the task belongs to, if any."""
    if task.organization_id is None:
        return None
    return uow.facts.organization_code(uow.session, task.organization_id)


def form_schema(uow: UnitOfWork, case: Case, task: HumanTask) -> dict[str, Any] | None:
    """The JSON Schema of the task's form, from the case's version."""
    if not task.form_key:
        return None
    schema = uow.facts.version(uow.session, case.version_id).forms.get(task.form_key)
    return dict(schema) if isinstance(schema, dict) else None
