"""Who may see what: organisation scoping of cases and tasks, and identity of restricted cases.

Rules (DOMAIN.md, issue 5):
- an administrator sees everything;
- coordinators (Comitato tecnico operativo) and auditors see every case, never an identity
  unless they also qualify below;
- an operator sees the cases in which one of their organisations takes part (`case_party`),
  the cases they are named on (case manager, CAV operator), and the tasks of their roles and
  organisations;
- the Cabina di Regia (`cabina_viewer`) sees aggregates only;
- a restricted case shows its subject's identity only to its named CAV operator, and to its
  named case manager while she consents to it; everyone else sees the pseudonym.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Row

from engine.actors import Actor
from engine.errors import CaseNotFound, Forbidden, InvalidInput, TaskNotFound
from engine.rules.audit import RESTRICTED_READ, load_heads, note_head, record
from engine.rules.consent import IDENTITY, consenting
from engine.rules.worklist import note_open_rows, open_workflow_rows, task_organization
from engine.store.locking import check_version, lock_case, lock_cases
from engine.store.tables import (
    AuditHead,
    Case,
    CaseParty,
    HumanTask,
    Organization,
    TaskCandidate,
)
from engine.store.uow import UnitOfWork

WIDE_ROLES = ("coordinator", "auditor")
# The roles of DOMAIN.md, in its order.
NETWORK_ROLES = (
    "case_manager",
    "equipe_member",
    "cpi_operator",
    "collocamento_operator",
    "asst_operator",
    "sil_tutor",
    "training_tutor",
    "coop_tutor",
    "cav_operator",
    "coordinator",
    "auditor",
    "cabina_viewer",
)
AGGREGATE_ONLY = "cabina_viewer"
# Roles that only read: they may not open cases or send messages on behalf of a case.
READ_ONLY_ROLES = frozenset({AGGREGATE_ONLY, "auditor"})


def check_role(role: str) -> str:
    """The role if it is one of the network's roles (DOMAIN.md); InvalidInput otherwise."""
    if role not in NETWORK_ROLES:
        raise InvalidInput(
            f"unknown role {role!r}; one of: {', '.join(NETWORK_ROLES)}",
            [{"field": "role", "message": "unknown role"}],
        )
    return role


def require_case_reader(actor: Actor) -> None:
    """Refuse actors who may read no case at all (the Cabina di Regia reads aggregates only)."""
    if actor.is_admin or actor.roles - {AGGREGATE_ONLY}:
        return
    raise Forbidden(f"{actor.username} may read aggregates only")


def _org_ids(actor: Actor) -> ColumnElement[bool] | None:
    if not actor.organizations:
        return None
    return Organization.code.in_(sorted(actor.organizations))


@lru_cache(maxsize=256)  # clauses are immutable; building them costs more than the query
def case_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the cases the actor may see."""
    if actor.is_admin or any(actor.has_role(r) for r in WIDE_ROLES):
        return true()
    orgs = _org_ids(actor)
    if orgs is None or not actor.roles - {AGGREGATE_ONLY}:
        return false()
    # A scalar subquery probed per case, not EXISTS: under the OR, PostgreSQL turns EXISTS into
    # a hash of every case the organisation takes part in (35,000 rows at 50,000 cases) before
    # the first row of a page; probed, a page costs 51 index lookups.
    party = (
        select(literal(1))
        .select_from(CaseParty)
        .join(Organization, Organization.id == CaseParty.organization_id)
        .where(CaseParty.case_id == Case.id, orgs)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    # The referrer sees a case through its organisation's part in it (withdrawn when the
    # person withdraws consent to share with private partners); named people always see it.
    mine = or_(Case.case_manager_id == actor.user_id, Case.cav_operator_id == actor.user_id)
    return or_(party, mine) if actor.user_id is not None else party


@lru_cache(maxsize=256)
def task_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the human tasks the actor may see and act on."""
    if actor.is_admin:
        return true()
    if not actor.memberships:
        return false()
    clauses = [HumanTask.assignee_id == actor.user_id]
    for role, org in sorted(actor.memberships):
        org_id = select(Organization.id).where(Organization.code == org).scalar_subquery()
        has_role = exists(
            select(TaskCandidate.task_id).where(
                TaskCandidate.task_id == HumanTask.id, TaskCandidate.role == role
            )
        )
        party = exists(
            select(CaseParty.case_id).where(
                CaseParty.case_id == HumanTask.case_id, CaseParty.organization_id == org_id
            )
        )
        in_org = HumanTask.organization_id == org_id
        unowned = and_(HumanTask.organization_id.is_(None), party)
        clauses.append(and_(has_role, or_(in_org, unowned)))
    return or_(*clauses)


Around = Callable[[Select[Case]], Select[*tuple[Any, ...]]]


@lru_cache(maxsize=256)
def _visible_by_reference(actor: Actor, around: Around | None) -> Select[*tuple[Any, ...]]:
    query = select(Case).where(Case.reference == bindparam("reference"), case_scope(actor))
    return around(query) if around is not None else query


def visible_case(uow: UnitOfWork, actor: Actor, reference: str) -> Case:
    """The case if the actor may see it; CaseNotFound otherwise (existence is not disclosed)."""
    case: Case = visible_case_with(uow, actor, reference)[0]
    return case


def visible_case_with(
    uow: UnitOfWork, actor: Actor, reference: str, around: Around | None = None
) -> Row[*tuple[Any, ...]]:
    """`visible_case`, as the first column of a row that `around` (a module-level function,
    its statement is built once per actor) adds the columns of rows around the case to."""
    require_case_reader(actor)
    found = uow.session.execute(
        _visible_by_reference(actor, around), {"reference": reference}
    ).first()
    if found is None:
        raise CaseNotFound(f"no case {reference!r}")
    return found


def lock_visible_case(
    uow: UnitOfWork, actor: Actor, reference: str, expected_version: int | None = None
) -> Case:
    """A case the actor may see, with its row locked for a command (CaseNotFound otherwise)."""
    return lock_case(uow, visible_case(uow, actor, reference).id, expected_version)


def may_see_identity(uow: UnitOfWork, actor: Actor, case: Case) -> bool:
    """True for whoever may see the subject's identity on this case: anyone who sees an
    unrestricted case; on a restricted one only the named CAV operator, and the named case
    manager while she consents to it (recorded as a consent, engine/rules/consent.py)."""
    return bool(identities_seen(uow, actor, [case]))


def identities_seen(uow: UnitOfWork, actor: Actor, cases: list[Case]) -> list[Case]:
    """The cases, among these the actor found, whose subject's identity she may see
    (`may_see_identity`, with one query for all the consents a page of cases needs)."""
    if actor.user_id is None:
        return [case for case in cases if not case.restricted]
    managed = [
        case.id
        for case in cases
        if case.restricted
        and case.cav_operator_id != actor.user_id
        and case.case_manager_id == actor.user_id
    ]
    consented = consenting(uow, managed, IDENTITY)
    return [
        case
        for case in cases
        if not case.restricted  # the caller found the case through visible_case
        or case.cav_operator_id == actor.user_id
        or case.id in consented
    ]


def require_case_opener(actor: Actor) -> None:
    """Only administrators and operators open cases (not the read-only roles)."""
    if actor.is_admin or actor.roles - READ_ONLY_ROLES:
        return
    raise Forbidden(f"{actor.username} may not open cases")


def require_case_closer(actor: Actor, case: Case) -> None:
    """Administrators, coordinators and the case's named case manager (or CAV operator) may
    cancel it."""
    if actor.is_admin or actor.has_role("coordinator"):
        return
    if actor.user_id is not None and actor.user_id in (case.case_manager_id, case.cav_operator_id):
        return
    raise Forbidden(f"{actor.username} may not cancel case {case.reference}")


@lru_cache(maxsize=256)
def task_visibility(actor: Actor) -> ColumnElement[bool]:
    """Tasks in the actor's scope or in a case they see (its case view lists them): a
    coordinator, an auditor or another party of the case reads them, without acting."""
    return or_(task_scope(actor), HumanTask.case_id.in_(select(Case.id).where(case_scope(actor))))


@lru_cache(maxsize=256)
def _task_and_case(actor: Actor) -> Select[HumanTask, Case, int, str]:
    """The task, its case and the case's anchored chain head (the command's events follow it)."""
    return (
        select(HumanTask, Case, AuditHead.seq, AuditHead.hash)
        .join(Case, Case.id == HumanTask.case_id)
        .outerjoin(AuditHead, AuditHead.case_id == Case.id)
        .where(HumanTask.id == bindparam("task_id"), task_visibility(actor))
        .execution_options(populate_existing=True)
    )


def task_readers(actor: Actor) -> ColumnElement[bool]:
    """Tasks the actor may open: those of their scope, and, read-only, every task of a case
    they see for the wide roles (coordinators, auditors). Another party of the case does not
    read a task outside its roles: its data may be another service's (health, violence)."""
    if actor.is_admin or any(actor.has_role(r) for r in WIDE_ROLES):
        return task_visibility(actor)
    return task_scope(actor)


def may_open_task(uow: UnitOfWork, actor: Actor, task: HumanTask) -> bool:
    """Whether `task_readers` lets the actor open this task (a link is worth showing)."""
    return (
        actor.is_admin
        or any(actor.has_role(r) for r in WIDE_ROLES)
        or may_work_on(uow, actor, task)
    )


def lock_visible_task(
    uow: UnitOfWork,
    actor: Actor,
    task_id: int,
    expected_version: int | None = None,
    *,
    open_rows: bool = False,
) -> tuple[HumanTask, Case]:
    """A task the actor may see, read after its case's row was locked (TaskNotFound otherwise).

    SQLite's write lock is held from BEGIN IMMEDIATE, so one read is fresh; PostgreSQL locks the
    case first, then reads the task with the case's chain head (and, for a command that will
    settle the case, its open workflow rows): a concurrent command on the case has finished by
    then, and one read after the lock costs one round trip, not three."""
    if uow.settings.is_sqlite:
        found = uow.session.execute(_task_and_case(actor), {"task_id": task_id}).first()
        if found is None:
            raise TaskNotFound(f"no task {task_id}")
        check_version(found[1], expected_version)
        if found[2] is not None:
            note_head(uow, found[1].id, found[2], found[3])
        return found[0], found[1]
    case = uow.session.scalar(_lock_task_case(actor), {"task_id": task_id})
    if case is None:
        raise TaskNotFound(f"no task {task_id}")
    check_version(case, expected_version)
    rows = uow.session.execute(
        _TASK_AND_OPEN_ROWS if open_rows else _TASK_AND_HEAD,
        {"task_id": task_id, "case_id": case.id},
    ).all()
    [task] = [row[0] for row in rows if row[0].id == task_id]
    if rows[0][1] is not None:
        note_head(uow, case.id, rows[0][1], rows[0][2])
    if open_rows and task.kind == "bpmn":  # a review settles nothing: keep nothing for it
        note_open_rows(uow, case.id, [row[0] for row in rows])
    return task, case


@lru_cache(maxsize=256)
def _lock_task_case(actor: Actor) -> Select[Case]:
    """Lock the case of a task the actor may see (built once per actor: keying a statement
    of this size costs more than running it)."""
    visible = (HumanTask.id == bindparam("task_id"), task_visibility(actor))
    case_id = select(HumanTask.case_id).where(*visible).scalar_subquery()
    return (
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


_TASK_AND_HEAD = (
    select(HumanTask, AuditHead.seq, AuditHead.hash)
    .outerjoin(AuditHead, AuditHead.case_id == HumanTask.case_id)
    .where(HumanTask.id == bindparam("task_id"))
    .execution_options(populate_existing=True)
)
_TASK_AND_OPEN_ROWS = (
    select(HumanTask, AuditHead.seq, AuditHead.hash)
    .outerjoin(AuditHead, AuditHead.case_id == HumanTask.case_id)
    .where(
        HumanTask.case_id == bindparam("case_id"),
        or_(HumanTask.id == bindparam("task_id"), open_workflow_rows()),
    )
    .execution_options(populate_existing=True)
)


def require_message_sender(uow: UnitOfWork, actor: Actor, correlation: str | None) -> None:
    """Administrators and coordinators send any message; operators only to a case they see."""
    if actor.is_admin or actor.has_role("coordinator"):
        return
    if not actor.roles - READ_ONLY_ROLES:
        raise Forbidden(f"{actor.username} may not send messages")
    if not correlation:
        raise Forbidden(
            f"{actor.username} may only send messages correlated to a case (give `correlation`)"
        )
    visible_case(uow, actor, correlation)


def record_restricted_read(
    uow: UnitOfWork, actor: Actor, case: Case, payload: dict[str, Any]
) -> None:
    """Reading a restricted case is an audit event (with the case row locked for the chain)."""
    record_restricted_reads(uow, actor, [case], payload)


def record_restricted_reads(
    uow: UnitOfWork, actor: Actor, cases: list[Case], payload: dict[str, Any]
) -> None:
    """An audit event on each restricted case read, all in one transaction (a list of cases
    commits once, not once per case)."""
    restricted = sorted((case for case in cases if case.restricted), key=lambda case: case.id)
    if not restricted:
        return
    # A read transaction that turns into a write fails on SQLite if another command committed
    # meanwhile: end the read, and begin the write with the write lock (BEGIN IMMEDIATE).
    uow.session.commit()
    uow.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    ids = [case.id for case in restricted]
    lock_cases(uow, ids)  # in id order: two lists never wait on each other
    load_heads(uow, [i for i in ids if i not in uow.chain_heads])
    for case in restricted:
        record(uow, case, RESTRICTED_READ, actor, payload)
    uow.commit()


def require_coordinator(actor: Actor) -> None:
    if not (actor.is_admin or actor.has_role("coordinator")):
        raise Forbidden(f"{actor.username} may not deploy models (coordinator role needed)")


def may_work_on(uow: UnitOfWork, actor: Actor, task: HumanTask) -> bool:
    """The assignee, or anyone holding one of the task's groups (in its organisation, if set)."""
    if actor.is_admin or (task.assignee_id is not None and task.assignee_id == actor.user_id):
        return True
    return actor.holds_any(tuple(task.candidate_groups), task_organization(uow, task))
