"""A worklist row: what a list shows of a task, read as plain columns for a page or from the
objects a command has just changed; never the subject's identity, only the case's pseudonym."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select
from sqlalchemy.orm import aliased

from engine.rules.worklist import task_organization
from engine.store.tables import Case, HumanTask, Organization, User
from engine.store.uow import UnitOfWork


class TaskFields(Protocol):
    """What a worklist row shows of a task: a HumanTask, or a page's row of its columns."""

    id: int
    kind: str
    name: str
    element_id: str
    process_id: str
    candidate_groups: list[Any]
    status: str
    priority: int
    due_at: datetime | None
    escalation_level: int
    form_key: str | None
    item: dict[str, Any] | None
    created_at: datetime
    completed_at: datetime | None


class CaseFields(Protocol):
    """What a worklist row shows of the task's case: a Case, or a page's row of its columns."""

    reference: str
    subject_pseudonym: str
    target_group: str | None
    restricted: bool


# A page reads just these columns, named as the fields above, as plain rows (`uow.rows`):
# building a HumanTask and a Case for each row cost about 1 ms of a 50-row page. The case's
# workflow state (about 26 KB a case) and the tasks' answers stay in the database.
SUMMARY_COLUMNS = (
    *(getattr(HumanTask, name).label(name) for name in TaskFields.__annotations__),
    *(getattr(Case, name).label(name) for name in CaseFields.__annotations__),
)
TaskQuery = Select[*tuple[Any, ...]]  # SUMMARY_COLUMNS, then `with_names`' three
_SUBSTITUTE = aliased(User)


def with_names(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """`query`, which reads a task, with the names its worklist row shows as three more
    columns: its organisation's code, its assignee's username, and whom she holds it for."""
    return (
        query.add_columns(
            Organization.code.label("organization"),
            User.username.label("assignee"),
            _SUBSTITUTE.username.label("substitute_for"),
        )
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .outerjoin(_SUBSTITUTE, _SUBSTITUTE.id == HumanTask.substitute_for_id)
    )


def task_summary(
    task: TaskFields,
    case: CaseFields,
    org: str | None,
    assignee: str | None,
    substitute_for: str | None,
    now: datetime,
) -> dict[str, Any]:
    """A worklist row: never the subject's identity, only the case's pseudonym."""
    return {
        "id": task.id,
        "kind": task.kind,
        "name": task.name,
        "element_id": task.element_id,
        "process_id": task.process_id,
        "case": case.reference,
        "case_subject": case.subject_pseudonym,
        "target_group": case.target_group,
        "restricted": case.restricted,
        "candidate_groups": list(task.candidate_groups),
        "organization": org,
        "assignee": assignee,
        # whom the assignee holds it for while she is away ("in sostituzione di ...")
        "substitute_for": substitute_for,
        "status": task.status,
        "priority": task.priority,
        "due_at": task.due_at,
        "overdue": bool(task.status == "open" and task.due_at and task.due_at < now),
        "escalation_level": task.escalation_level,
        "form_key": task.form_key,
        "item": task.item,
        "created_at": task.created_at,
        "completed_at": task.completed_at,
    }


def summarize_task(uow: UnitOfWork, task: HumanTask, case: Case | None = None) -> dict[str, Any]:
    """The worklist row of a task a command has just changed."""
    case = case or uow.session.get_one(Case, task.case_id)
    org = task_organization(uow, task)
    assignee, held_for = uow.get(User, task.assignee_id), uow.get(User, task.substitute_for_id)
    return task_summary(task, case, org, _username(assignee), _username(held_for), uow.now)


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None
