"""Reading the worklist: filtered, scoped to the actor, paginated by cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, or_, select

from engine.actors import Actor
from engine.errors import InvalidInput, TaskNotFound
from engine.reads.context import referral_context, review_context, with_referrers
from engine.reads.taskrows import (
    SUMMARY_COLUMNS,
    TaskQuery,
    task_summary,
    with_names,
)
from engine.reads.worklist_index import (
    INDEXED_STATES,
    bounded_counts,
    facets,
    page_ids,
    page_params,
    plan_scan,
)
from engine.rules.access import (
    may_work_on,
    record_restricted_read,
    require_case_reader,
    task_readers,
    task_scope,
)
from engine.rules.ownership import owner_code
from engine.rules.reviews import REVIEW, REVIEW_FORM, review_answer
from engine.rules.visibility import reader_for, restricted_fields, visible
from engine.rules.worklist import form_schema, task_organization
from engine.store.pages import Beside, Page, check_limit, cursor_key, encode_cursor
from engine.store.tables import Case, HumanTask, Organization, TaskCandidate, User
from engine.store.uow import UnitOfWork
from engine.store.worklist_entries import FAR_FUTURE

STATES = ("open", "claimed", "unclaimed", "completed", "cancelled", "all")


@dataclass(frozen=True)
class TaskFilter:
    """What the worklist is narrowed to; every field optional."""

    assignee: str | None = None  # "me", "none" or a username
    group: str | None = None
    organization: str | None = None
    case: str | None = None
    process: str | None = None
    target_group: str | None = None
    overdue: bool | None = None
    due_before: datetime | None = None
    state: str = "open"
    sort: str = "due"


@lru_cache(maxsize=256)  # immutable; building the joins costs more than reading one task
def _base(actor: Actor) -> TaskQuery:
    return with_names(
        select(*SUMMARY_COLUMNS).join(Case, Case.id == HumanTask.case_id).where(task_scope(actor))
    )


def _check_state(f: TaskFilter) -> None:
    if f.state not in STATES:
        raise InvalidInput(
            f"state must be one of {', '.join(STATES)}", [{"field": "state", "message": "unknown"}]
        )


def _filtered(query: TaskQuery, f: TaskFilter, actor: Actor, now: datetime) -> TaskQuery:
    _check_state(f)
    status = {"claimed": "open", "unclaimed": "open", "all": None}.get(f.state, f.state)
    conditions = [HumanTask.status == status] if status else []
    if f.state == "claimed":
        conditions.append(HumanTask.assignee_id.is_not(None))
    if f.state == "unclaimed":
        conditions.append(HumanTask.assignee_id.is_(None))
    if f.assignee == "me":
        conditions.append(HumanTask.assignee_id == actor.user_id)
    elif f.assignee == "none":
        conditions.append(HumanTask.assignee_id.is_(None))
    elif f.assignee:
        conditions.append(User.username == f.assignee)
    if f.group:
        conditions.append(
            HumanTask.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.role == f.group))
        )
    for column, value in (
        (Organization.code, f.organization),
        (Case.reference, f.case),
        (Case.process_id, f.process),
        (Case.target_group, f.target_group),
    ):
        if value:
            conditions.append(column == value)
    if f.overdue is not None:
        late = and_(HumanTask.due_at.is_not(None), HumanTask.due_at < now)
        conditions.append(
            late if f.overdue else or_(HumanTask.due_at.is_(None), HumanTask.due_at >= now)
        )
    if f.due_before is not None:
        conditions.append(HumanTask.due_at < f.due_before)
    return query.where(*conditions)


def list_tasks(
    uow: UnitOfWork, actor: Actor, f: TaskFilter, cursor: str | None = None, limit: int = 50
) -> Page[dict[str, Any]]:
    """The actor's worklist, by due date (no due date last) or by priority."""
    require_case_reader(actor)
    check_limit(limit)
    if f.sort not in ("due", "priority"):
        raise InvalidInput(
            "sort must be due or priority", [{"field": "sort", "message": "unknown"}]
        )
    after = cursor_key(cursor, _aware if f.sort == "due" else _small_int)
    _check_state(f)
    if _indexed(f):
        rows = _indexed_page(uow, actor, f, after, limit + 1)
    else:
        rows = _rows_page(uow, actor, f, after, limit + 1)
    # a row holds the task's and its case's columns under their fields' names
    items = [
        task_summary(r, r, r.organization, r.assignee, r.substitute_for, uow.now)
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        sort_value = (last.due_at or FAR_FUTURE).isoformat() if f.sort == "due" else -last.priority
        next_cursor = encode_cursor([sort_value, last.id])
    return Page(items, next_cursor)


def _rows_page(
    uow: UnitOfWork, actor: Actor, f: TaskFilter, after: tuple[Any, int] | None, size: int
) -> list[Any]:
    """A page of one case's tasks, or of closed ones, read from the task rows."""
    key = (
        func.coalesce(HumanTask.due_at, literal(FAR_FUTURE, HumanTask.due_at.type))
        if f.sort == "due"
        else -HumanTask.priority
    )
    query = _filtered(_base(actor), f, actor, uow.now)
    if after is not None:
        value, last_id = after
        query = query.where(or_(key > value, and_(key == value, HumanTask.id > last_id)))
    return list(uow.rows(query.order_by(key, HumanTask.id).limit(size)))


def _indexed(f: TaskFilter) -> bool:
    """Open tasks are read from the worklist index; one case's or closed tasks from the rows."""
    return f.state in INDEXED_STATES and not f.case


def _indexed_page(
    uow: UnitOfWork, actor: Actor, f: TaskFilter, after: tuple[Any, int] | None, size: int
) -> list[Any]:
    scan = plan_scan(uow, actor, f, uow.now)
    if scan.empty:
        return []
    query = _page_query(scan.shape, f.sort, after is not None, size)
    return list(uow.rows(query, page_params(scan, after)))


@lru_cache(maxsize=512)  # one statement per shape of scan; the request's values are bound
def _page_query(shape: tuple[Any, ...], sort: str, keyset: bool, size: int) -> TaskQuery:
    page = page_ids(shape, sort, keyset, size).subquery("page")
    return with_names(
        select(*SUMMARY_COLUMNS)
        .join(page, page.c.task_id == HumanTask.id)
        .join(Case, Case.id == HumanTask.case_id)
    ).order_by(page.c.k, page.c.task_id)


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment


def _small_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**31:
        raise ValueError("not a priority")
    return value


def task_detail(uow: UnitOfWork, actor: Actor, task_id: int) -> dict[str, Any]:
    """One task with its form, draft and data, the case's earlier answers and the referral.

    Visible to whoever may act on it, and read-only to a coordinator or an auditor who sees
    its case."""
    require_case_reader(actor)
    row = uow.session.execute(_task_query(actor), {"task_id": task_id}).first()
    if row is None:
        raise TaskNotFound(f"no task {task_id}")
    task, case, org, user, substitute_for, *referrers = row
    detail = task_summary(task, case, org, user, substitute_for, uow.now)
    review = task.kind == REVIEW
    detail.update(
        case_version=case.lock_version,
        case_process_id=case.process_id,
        form=REVIEW_FORM if review else form_schema(uow, case, task),
        draft=task.draft,
        data=review_answer(task) if review else task.data,
        may_act=may_work_on(uow, actor, task) and task.status == "open",
        history=_earlier_answers(uow, actor, case, task.id),
        referral=referral_context(uow, actor, case, tuple(referrers)),
        review=review_context(uow, task),
        completed_by_name=_name_of(uow, task.completed_by),
    )
    record_restricted_read(uow, actor, case, {"what": "task", "task_id": task.id})
    return detail


@lru_cache(maxsize=256)  # immutable: one task, bound at each read, among those the actor reads
def _task_query(actor: Actor) -> Select[*tuple[Any, ...]]:
    """The task, its case, the names its row shows, and who referred the case."""
    return with_referrers(
        with_names(select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)).where(
            HumanTask.id == bindparam("task_id"), task_readers(actor)
        )
    )


def _name_of(uow: UnitOfWork, user_id: int | None) -> str | None:
    user = uow.get(User, user_id)
    return (user.full_name or user.username) if user is not None else None


_EARLIER = (
    select(HumanTask, User.username, User.full_name)
    .outerjoin(User, User.id == HumanTask.completed_by)
    .where(
        HumanTask.case_id == bindparam("case_id"),
        HumanTask.status == "completed",
        HumanTask.id != bindparam("task_id"),
    )
    .order_by(HumanTask.completed_at)
)


def _earlier_answers(
    uow: UnitOfWork, actor: Actor, case: Case, task_id: int
) -> list[dict[str, Any]]:
    """The case's completed tasks with their answers, each cut to what the actor may read."""
    rows = uow.session.execute(_EARLIER, {"case_id": case.id, "task_id": task_id}).all()
    return [
        {
            "id": t.id,
            "name": t.name,
            "element_id": t.element_id,
            "item": t.item,
            "completed_at": t.completed_at,
            "completed_by": who,
            "completed_by_name": full_name or who,
            "data": review_answer(t) if t.kind == REVIEW else readable_answer(uow, actor, case, t),
            "form": REVIEW_FORM if t.kind == REVIEW else form_schema(uow, case, t),
        }
        for t, who, full_name in rows
    ]


def readable_answer(
    uow: UnitOfWork, actor: Actor, case: Case, task: HumanTask, data: Any = None
) -> Any:
    """A completed task's answer (or `data` given for it) as the actor may read it: need to
    know, by the form's x-visibility."""
    answer = task.data if data is None else data
    if task.completed_by is not None and task.completed_by == actor.user_id:
        return answer
    schema = form_schema(uow, case, task)
    if not restricted_fields(schema):
        return answer
    orgs = {task_organization(uow, task), owner_code(uow, case)}
    return visible(schema, answer, reader_for(actor, orgs))


def count_tasks(uow: UnitOfWork, actor: Actor, f: TaskFilter) -> int:
    """How many tasks of the actor's worklist match the filter (e.g. the overdue ones).

    Open tasks are counted up to COUNT_CAP: the result is then a BoundedCount, shown "99+"."""
    _check_state(f)
    if _indexed(f):
        return count_open_tasks(uow, actor, [f])[0]
    query = _filtered(_base(actor), f, actor, uow.now)
    count = uow.session.scalar(query.with_only_columns(func.count(HumanTask.id)))
    return int(count or 0)


def count_open_tasks(
    uow: UnitOfWork, actor: Actor, filters: list[TaskFilter], *also: Beside
) -> list[int]:
    """The bounded counts of several filters on open tasks, then the values of the subqueries
    `also`, in one statement (a page's tabs and its header)."""
    for f in filters:
        _check_state(f)
        if not _indexed(f):
            raise ValueError(f"not a filter on open tasks: {f}")
    return bounded_counts(uow, [plan_scan(uow, actor, f, uow.now) for f in filters], *also)


def worklist_facets(uow: UnitOfWork, actor: Actor) -> dict[str, list[str]]:
    """The processes and target groups among the actor's open tasks, to offer as filters."""
    return facets(uow, actor)
