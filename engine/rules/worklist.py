"""Keeping the worklist (`human_task` rows) in step with the workflow's READY human tasks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.actors import SYSTEM
from engine.durations import Duration, is_duration, parse_duration
from engine.rules.audit import record
from engine.rules.consent import PRIVATE_PARTNERS, active_scopes, is_private
from engine.rules.ownership import (
    CASE_OWNER,
    managing_role,
    named_id,
    named_people,
    owner_code,
)
from engine.spiff import (
    Instance,
    ReadyTask,
    ScriptError,
    TaskProperties,
    parse_escalation,
    task_properties,
)
from engine.spiff.forms import item_labels
from engine.spiff.process_properties import process_escalation
from engine.store.tables import Case, CaseParty, HumanTask, ProcessVersion, TaskCandidate
from engine.store.uow import UnitOfWork

OPEN = "open"
COMPLETED = "completed"
CANCELLED = "cancelled"
CANDIDATES = cast(Table, TaskCandidate.__table__)


@dataclass(frozen=True)
class Misrouted:
    """A task whose `organization` expression failed: it went to the case's owner instead."""

    element_id: str
    task_id: str
    error: str


def sync_human_tasks(
    uow: UnitOfWork,
    case: Case,
    instance: Instance,
    forms: dict[str, Any],
    misrouted: list[Misrouted] | None = None,
) -> list[HumanTask]:
    """Insert rows for new READY tasks and close rows whose task is no longer READY (the
    pathway moved on, e.g. a boundary timer: recorded on the case)."""
    ready = {t.id: t for t in instance.ready_human_tasks()}
    known = set()
    for row_id, spiff_task_id in _open_rows(uow, case, instance):
        known.add(spiff_task_id)
        if spiff_task_id not in ready:
            row = uow.session.get_one(HumanTask, row_id)
            row.status = CANCELLED
            row.completed_at = uow.now
            row.next_escalation_at = None
            payload = {"task_id": row.id, "name": row.name}
            record(uow, case, "task_closed", SYSTEM, payload, row.element_id)
    return [
        _emit(uow, case, task, forms, misrouted)
        for task_id, task in ready.items()
        if task_id not in known
    ]


def open_workflow_rows() -> ColumnElement[bool]:
    """Rows of tasks the workflow has open (`sync_human_tasks` keeps them in step with it)."""
    return and_(HumanTask.status == OPEN, HumanTask.kind == "bpmn")


_OPEN_ROWS = select(HumanTask.id, HumanTask.spiff_task_id).where(
    HumanTask.case_id == bindparam("case_id"), open_workflow_rows()
)


def note_open_rows(uow: UnitOfWork, case_id: int, rows: list[HumanTask]) -> None:
    """Keep the open workflow rows among `rows`, read with a locked case's other rows, for the
    `sync_human_tasks` of this command (rows it changes meanwhile are held by the session)."""
    uow.prefetched[("open_rows", case_id)] = [
        (row.id, row.spiff_task_id) for row in rows if row.status == OPEN and row.kind == "bpmn"
    ]


def prefetch_open_rows(uow: UnitOfWork, case_ids: list[int]) -> None:
    """Read the open workflow rows of a group of cases in one query (one round trip, not N)."""
    found: dict[int, list[tuple[int, str | None]]] = {case_id: [] for case_id in case_ids}
    rows = uow.session.connection().execute(
        select(HumanTask.case_id, HumanTask.id, HumanTask.spiff_task_id).where(
            uow.among(HumanTask.case_id, case_ids),
            HumanTask.status == OPEN,
            HumanTask.kind == "bpmn",
        )
    )
    for case_id, row_id, spiff_task_id in rows:
        found[case_id].append((row_id, spiff_task_id))
    for case_id, held in found.items():
        uow.prefetched[("open_rows", case_id)] = held


def _open_rows(uow: UnitOfWork, case: Case, instance: Instance) -> list[tuple[int, str | None]]:
    """The case's open workflow rows, as this transaction has left them (a new case has none)."""
    if instance.fresh:
        return []
    rows = uow.prefetched.pop(("open_rows", case.id), None)
    if rows is None:
        rows = uow.session.connection().execute(_OPEN_ROWS, {"case_id": case.id}).all()
    loaded, key = uow.session.identity_map, uow.session.identity_key
    return [
        (row_id, spiff_task_id)
        for row_id, spiff_task_id in rows
        if (held := loaded.get(key(HumanTask, row_id))) is None or held.status == OPEN
    ]


@dataclass(frozen=True)
class _Route:
    """Where a new task goes: its organisation, its groups, and whom it is assigned to."""

    asked: str | None  # the organisation the model asked for
    org_id: int | None
    groups: list[str]
    assignee_id: int | None
    rerouted: bool


def _route(
    uow: UnitOfWork,
    case: Case,
    task: ReadyTask,
    props: TaskProperties,
    misrouted: list[Misrouted] | None,
) -> _Route:
    asked, error = resolve_organization(uow, case, props, task.data)
    if error is not None and misrouted is not None:
        misrouted.append(Misrouted(task.element_id, task.id, error))
    org_id = uow.facts.organization_id(uow.session, asked) if asked else None
    groups = list(props.candidate_groups)
    rerouted = is_private(uow, org_id) and PRIVATE_PARTNERS not in active_scopes(uow, case.id)
    if rerouted:
        org_id, groups = case.owner_organization_id, _with_manager(uow, case, groups)
    org = uow.facts.organization_code(uow.session, org_id) if org_id else None
    assignee = _assignee(uow, case, props.assignee, groups, org) if org else None
    return _Route(asked, org_id, groups, assignee, rerouted)


def _emit(
    uow: UnitOfWork,
    case: Case,
    task: ReadyTask,
    forms: dict[str, Any],
    misrouted: list[Misrouted] | None,
) -> HumanTask:
    props = task_properties(task.spec, forms)
    route = _route(uow, case, task, props, misrouted)
    if route.org_id is not None:
        add_party(uow, case.id, route.org_id)
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
        candidate_groups=route.groups,
        organization_id=route.org_id,
        assignee_id=route.assignee_id,
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
    for role in route.groups:
        uow.append(CANDIDATES, {"task_id": row.id, "role": role})
    if route.rerouted:
        note_rerouted(uow, case, row, route.asked)
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
    unset = dict.fromkeys(("draft", "data", "completed_at", "completed_by", "substitute_for_id"))
    return uow.insert_now(HumanTask, **values, **unset)


def resolve_organization(
    uow: UnitOfWork, case: Case, props: TaskProperties, data: dict[str, Any]
) -> tuple[str | None, str | None]:
    """(organisation code, error): a code as written, else the value of the expression over
    the task data and `case_owner` (on failure: the owner, and why)."""
    text = props.organization
    if not text:
        return None, None
    if props.organization_is_name and uow.facts.organization_id(uow.session, text) is not None:
        return text, None
    owner = owner_code(uow, case)
    try:
        value = uow.runtime.environment.evaluate_checked(text, {**data, CASE_OWNER: owner})
    except ScriptError as exc:
        return owner, f"organization {exc}"
    if isinstance(value, str) and uow.facts.organization_id(uow.session, value) is not None:
        return value, None
    return owner, f"organization {text!r} gave {value!r}: not an organisation of the network"


def _assignee(
    uow: UnitOfWork, case: Case, wanted: str | None, groups: list[str], org: str | None
) -> int | None:
    """The named person the task's `assignee` asks for, if they may do it."""
    if not wanted:
        return None
    for person in named_people(uow, case):
        role_fits = wanted == "named" or person.user_id == named_id(case, wanted)
        if role_fits and person.holds_any(tuple(groups), org):
            return person.user_id
    return None


def _with_manager(uow: UnitOfWork, case: Case, groups: list[str]) -> list[str]:
    role = managing_role(uow, case)
    return groups if role in groups else [*groups, role]


def note_rerouted(uow: UnitOfWork, case: Case, row: HumanTask, org_code: str | None) -> None:
    """A private partner's task on a case without consent to share with private partners went
    to the owner's case managers: recorded, so that a later consent gives it back."""
    payload = {"task_id": row.id, "from": org_code, "reason": "no consent to share"}
    record(uow, case, "task_rerouted", SYSTEM, payload, row.element_id)


def carry_task(
    uow: UnitOfWork, case: Case, row: HumanTask, task: ReadyTask | None, forms: dict[str, Any]
) -> None:
    """A row after its case moved to another version (already set on the case).

    When its task carries over one-to-one (`task`), the row takes the new version's element,
    name, groups, organisation, form, priority and ladder, and keeps its claim, draft, due
    date and escalation level; otherwise it is closed, and settling the case gives a task
    that is still ready a new row."""
    if task is None:
        row.status, row.completed_at, row.next_escalation_at = CANCELLED, uow.now, None
        return
    props = task_properties(task.spec, forms)
    org_id = (
        uow.facts.organization_id(uow.session, props.organization) if props.organization else None
    )
    if org_id is not None:
        add_party(uow, case.id, org_id)
    ladder = ladder_for(uow, case, props, task.process_id)
    level = row.escalation_level
    groups = list(props.candidate_groups)
    if set(groups) != set(row.candidate_groups):
        uow.session.execute(delete(TaskCandidate).where(TaskCandidate.task_id == row.id))
        for role in groups:
            uow.append(CANDIDATES, {"task_id": row.id, "role": role})
    row.element_id, row.name, row.process_id = task.element_id, task.name, task.process_id
    row.candidate_groups, row.organization_id = groups, org_id
    row.priority, row.form_key, row.escalation = props.priority, props.form_key, ladder
    row.next_escalation_at = (
        parse_duration(ladder[level]["after"]).after(row.due_at)
        if row.due_at is not None and level < len(ladder)
        else None
    )


def default_ladder(uow: UnitOfWork) -> list[dict[str, str]]:
    return [dict(step) for step in _parsed_ladder(uow.settings.escalation_ladder)]


@lru_cache(maxsize=16)
def _parsed_ladder(text: str) -> tuple[dict[str, str], ...]:
    return parse_escalation(text)


_PROCESS_LADDERS: dict[tuple[str, str], tuple[dict[str, str], ...] | None] = {}


def ladder_for(
    uow: UnitOfWork, case: Case, props: TaskProperties, process_id: str
) -> list[dict[str, str]]:
    """The task's own `escalation`; on a restricted case the soft ladder of the settings (no
    legal deadline applies there: reminders, no Comitato review unless configured); else its
    process's, else the global one from settings."""
    if props.escalation:
        return list(props.escalation)
    if case.restricted:
        return [dict(step) for step in _parsed_ladder(uow.settings.restricted_escalation_ladder)]
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
    try:
        return parse_duration(ladder[0]["after"]).after(due_at)
    except ValueError:  # a ladder deployed before durations were bounded: it cannot start
        return None


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
