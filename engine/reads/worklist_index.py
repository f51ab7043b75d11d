"""Worklist pages, counts and facets read from the `worklist_entry` index.

Each grant the actor holds (engine/store/worklist_entries.py) is one index range scan in the
page's order; the scans are cut at the page size, merged, and cut again, so a page costs the
same at 200 tasks or at a million, and page 50 the same as page 1 (keyset paging, no OFFSET).
Counts stop at `COUNT_CAP` (the UI shows "99+"); facets are read with a loose index scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    func,
    literal,
    select,
    text,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from engine.actors import Actor
from engine.store.pages import BoundedCount
from engine.store.tables import TaskCandidate, User
from engine.store.tables import WorklistEntry as E
from engine.store.uow import UnitOfWork
from engine.store.worklist_entries import ALL, ASSIGNEE

COUNT_CAP = 100
INDEXED_STATES = ("open", "claimed", "unclaimed")


@dataclass(frozen=True)
class Grant:
    role: str
    scope_id: int


def grants(uow: UnitOfWork, actor: Actor) -> list[Grant]:
    """The grants whose entries make up the actor's worklist (as `task_scope` says)."""
    if actor.is_admin:
        return [Grant(ALL, 0)]
    if not actor.memberships:
        return []
    found = [Grant(ASSIGNEE, actor.user_id)] if actor.user_id is not None else []
    for role, org in sorted(actor.memberships):
        org_id = uow.facts.organization_id(uow.session, org)
        if org_id is not None:
            found.append(Grant(role, org_id))
    return found


@dataclass(frozen=True)
class Scan:
    """The grants to scan and the conditions on each entry; `empty` when nothing can match."""

    grants: list[Grant]
    conditions: list[ColumnElement[bool]]
    group: str | None = None
    empty: bool = False

    def where(self, grant: Grant) -> list[ColumnElement[bool]]:
        """The conditions of one grant's range scan."""
        found = [E.role == grant.role, E.scope_id == grant.scope_id, *self.conditions]
        if self.group and grant.role != self.group:  # only the candidate rows say
            found.append(
                exists().where(TaskCandidate.task_id == E.task_id, TaskCandidate.role == self.group)
            )
        return found


def plan_scan(uow: UnitOfWork, actor: Actor, f: Any, now: datetime) -> Scan:
    """The grants and entry conditions for a `TaskFilter` on open tasks."""
    held = grants(uow, actor)
    conditions: list[ColumnElement[bool]] = []
    if f.state == "claimed":
        conditions.append(E.assignee_id.is_not(None))
    if f.state == "unclaimed" or f.assignee == "none":
        conditions.append(E.assignee_id.is_(None))
        held = [g for g in held if g.role != ASSIGNEE]  # that grant holds assigned tasks only
    if f.assignee == "me":
        if actor.user_id is None:
            return Scan([], [], empty=True)
        held = [Grant(ASSIGNEE, actor.user_id)]  # the actor sees what is assigned to them
    elif f.assignee and f.assignee != "none":
        user_id = uow.session.scalar(select(User.id).where(User.username == f.assignee))
        if user_id is None or not held:
            return Scan([], [], empty=True)
        if not actor.is_admin:  # of that user's tasks, those the actor sees through a grant
            conditions.append(_seen_through(held))
        held = [Grant(ASSIGNEE, user_id)]
    if f.organization:
        org_id = uow.facts.organization_id(uow.session, f.organization)
        if org_id is None:
            return Scan([], [], empty=True)
        conditions.append(E.organization_id == org_id)
    if f.process:
        conditions.append(E.process_id == f.process)
    if f.target_group:
        conditions.append(E.target_group == f.target_group)
    if f.overdue is not None:
        conditions.append(E.due_key < now if f.overdue else E.due_key >= now)
    if f.due_before is not None:
        conditions.append(E.due_key < f.due_before)
    return Scan(held, conditions, group=f.group or None, empty=not held)


def _seen_through(held: list[Grant]) -> ColumnElement[bool]:
    """The entry's task has an entry for one of these grants too (a primary-key lookup)."""
    other = aliased(E)
    pairs = [(g.role, g.scope_id) for g in held]
    return exists().where(other.task_id == E.task_id, tuple_(other.role, other.scope_id).in_(pairs))


def page_ids(scan: Scan, sort: str, after: tuple[Any, int] | None, size: int) -> Select[int, Any]:
    """(task_id, key) of the next `size` entries after `after`, in the page's order."""
    key = E.due_key if sort == "due" else E.priority_rank
    keyset: list[ColumnElement[bool]] = []
    if after is not None:
        value, last_id = after
        keyset.append(tuple_(key, E.task_id) > tuple_(literal(value, key.type), literal(last_id)))
    branches = [
        select(E.task_id.label("task_id"), key.label("k"))
        .where(*scan.where(grant), *keyset)
        .order_by(key, E.task_id)
        .limit(size)
        for grant in scan.grants
    ]
    if len(branches) == 1:
        return branches[0]
    merged = union_all(*(select(b.subquery()) for b in branches)).subquery("merged")
    return (
        select(merged.c.task_id, merged.c.k)
        .distinct()
        .order_by(merged.c.k, merged.c.task_id)
        .limit(size)
    )


def bounded_counts(uow: UnitOfWork, scans: list[Scan], *also: Any) -> list[int]:
    """How many open tasks match each scan, up to COUNT_CAP (BoundedCounts), then the values of
    the scalar subqueries `also`: one statement for all of them (a page's tabs, its header's
    overdue tasks and unread notifications are one round trip)."""
    columns = [*(_count_of(scan) for scan in scans), *also]
    if not columns:
        return []
    found = uow.session.execute(select(*(c.label(f"c{n}") for n, c in enumerate(columns)))).one()
    counts: list[int] = [BoundedCount(int(v or 0), COUNT_CAP) for v in found[: len(scans)]]
    return counts + [int(v or 0) for v in found[len(scans) :]]


def _count_of(scan: Scan) -> Any:
    """The bounded count of one scan, as a scalar subquery."""
    if scan.empty:
        return literal(0)
    # In the due index's order: PostgreSQL otherwise guesses a grant's rows are spread over
    # the table and scans it whole to find COUNT_CAP of a grant that has fewer.
    branches = [
        select(E.task_id).where(*scan.where(grant)).order_by(E.due_key, E.task_id).limit(COUNT_CAP)
        for grant in scan.grants
    ]
    if len(branches) == 1:
        rows = branches[0].subquery()
    else:
        rows = union(*(select(b.subquery()) for b in branches)).subquery()
    return select(func.count()).select_from(rows).scalar_subquery()


# The distinct values of a column among a grant's entries: a loose index scan, one seek per
# value, the same at 200 tasks or at a million.
_DISTINCT = """
{name}(v) AS (
  SELECT min({col}) FROM worklist_entry WHERE role = :role{n} AND scope_id = :scope{n}
  UNION ALL
  SELECT (SELECT min({col}) FROM worklist_entry
          WHERE role = :role{n} AND scope_id = :scope{n} AND {col} > {name}.v)
  FROM {name} WHERE {name}.v IS NOT NULL
)"""
FACET_COLUMNS = {"process_id": "processes", "target_group": "target_groups"}


def facets(uow: UnitOfWork, actor: Actor) -> dict[str, list[str]]:
    """The processes and target groups among the actor's open tasks: every grant's loose index
    scans in one statement."""
    found: dict[str, set[str]] = {facet: set() for facet in FACET_COLUMNS.values()}
    held = grants(uow, actor)
    if held:
        scans, selects, params = [], [], {}
        for n, grant in enumerate(held):
            params.update({f"role{n}": grant.role, f"scope{n}": grant.scope_id})
            for column in FACET_COLUMNS:
                name = f"{column}{n}"
                scans.append(_DISTINCT.format(name=name, col=column, n=n))
                selects.append(f"SELECT '{column}', v FROM {name} WHERE v IS NOT NULL")
        statement = "WITH RECURSIVE" + ",".join(scans) + "\n" + "\nUNION ALL\n".join(selects)
        for column, value in uow.session.connection().execute(text(statement), params):
            if value:
                found[FACET_COLUMNS[column]].add(value)
    return {facet: sorted(values) for facet, values in found.items()}
