"""Keeping the worklist (`human_task` rows) in step with the workflow's READY human tasks."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from .durations import Duration, is_duration, parse_duration
from .models import Case, CaseParty, HumanTask, Organization, ProcessVersion, TaskCandidate
from .spiff import (
    Instance,
    ReadyTask,
    ScriptError,
    TaskProperties,
    parse_escalation,
    parse_properties,
)
from .spiff.parsing import process_escalation
from .uow import UnitOfWork

OPEN = "open"
COMPLETED = "completed"
CANCELLED = "cancelled"


def sync_human_tasks(
    uow: UnitOfWork, case: Case, instance: Instance, forms: dict[str, Any]
) -> list[HumanTask]:
    """Insert rows for new READY tasks and close rows whose task is no longer READY."""
    ready = {t.id: t for t in instance.ready_human_tasks()}
    open_rows = uow.session.scalars(
        select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.status == OPEN, HumanTask.kind == "bpmn"
        )
    ).all()
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.status = CANCELLED
            row.completed_at = uow.now
            row.next_escalation_at = None
    known = {row.spiff_task_id for row in open_rows}
    created = [
        _emit(uow, case, task, forms) for task_id, task in ready.items() if task_id not in known
    ]
    uow.session.flush()
    return created


def _emit(uow: UnitOfWork, case: Case, task: ReadyTask, forms: dict[str, Any]) -> HumanTask:
    props, _problems = parse_properties(task.spec, forms)
    org_id = _organization_id(uow, props.organization)
    if org_id is not None:
        _add_party(uow, case, org_id)
    try:
        due_at = resolve_due(uow, props, task.data)
    except (ScriptError, ValueError):
        due_at = None  # the task is still emitted; a coordinator sees it has no due date
    ladder = ladder_for(uow, case, props, task.process_id)
    row = HumanTask(
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
        created_at=uow.now,
    )
    uow.session.add(row)
    uow.session.flush()
    for role in props.candidate_groups:
        uow.session.add(TaskCandidate(task_id=row.id, role=role))
    return row


def default_ladder(uow: UnitOfWork) -> list[dict[str, str]]:
    return list(parse_escalation(uow.settings.escalation_ladder))


_PROCESS_LADDERS: dict[tuple[str, str], tuple[dict[str, str], ...] | None] = {}


def ladder_for(
    uow: UnitOfWork, case: Case, props: TaskProperties, process_id: str
) -> list[dict[str, str]]:
    """The task's own `escalation`, else its process's, else the global one from settings."""
    if props.escalation:
        return list(props.escalation)
    version = uow.session.get_one(ProcessVersion, case.version_id)
    key = (version.sha256, process_id)  # versions are immutable: cache by content
    if key not in _PROCESS_LADDERS:
        try:
            _PROCESS_LADDERS[key] = process_escalation(version.bpmn_xml, process_id)
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


def _organization_id(uow: UnitOfWork, code: str | None) -> int | None:
    if not code:
        return None
    return uow.session.scalar(select(Organization.id).where(Organization.code == code))


def _add_party(uow: UnitOfWork, case: Case, organization_id: int) -> None:
    if uow.session.get(CaseParty, (case.id, organization_id)) is None:
        uow.session.add(CaseParty(case_id=case.id, organization_id=organization_id))
