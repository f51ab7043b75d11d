"""Worklist pages, counts and facets read from the `worklist_entry` index.

Each grant the actor holds (engine/store/worklist_entries.py) is one index range scan in the
page's order; the scans are cut at the page size, merged, and cut again, so a page costs the
same at 200 tasks or at a million, and page 50 the same as page 1 (keyset paging, no OFFSET).
Counts stop at `COUNT_CAP` (the UI shows "99+"); facets are read with a loose index scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    exists,
    func,
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


# An entry condition of a scan, by name (and, for `seen_through`, the grants it names); its
# values are bound when the statement runs, so that one statement serves every request of a
# shape (building and keying a statement costs more than running it).
Condition = tuple[Any, ...]


@dataclass(frozen=True)
class Scan:
    """The grants to scan and the conditions on each entry, with the values they bind;
    `empty` when nothing can match."""

    grants: tuple[Grant, ...]
    conditions: tuple[Condition, ...]
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    group: str | None = None
    empty: bool = False

    @property
    def shape(self) -> tuple[Any, ...]:
        """What the scan's statements are built from (not the values they bind)."""
        return (self.grants, self.conditions, self.group)

    def where(self, grant: Grant) -> list[ColumnElement[bool]]:
        """The conditions of one grant's range scan."""
        return _where(grant, self.conditions, self.group)


def _where(
    grant: Grant, conditions: tuple[Condition, ...], group: str | None
) -> list[ColumnElement[bool]]:
    found = [E.role == grant.role, E.scope_id == grant.scope_id]
    found.extend(_condition(*condition) for condition in conditions)
    if group and grant.role != group:  # only the candidate rows say
        found.append(
            exists().where(
                TaskCandidate.task_id == E.task_id, TaskCandidate.role == bindparam("group")
            )
        )
    return found


def _condition(name: str, *held: Grant) -> ColumnElement[bool]:
    """One entry condition of a scan, its values bound by name."""
    if name == "assigned":
        return E.assignee_id.is_not(None)
    if name == "unassigned":
        return E.assignee_id.is_(None)
    if name == "seen_through":
        return _seen_through(list(held))
    if name == "organization":
        return E.organization_id == bindparam("organization_id")
    if name == "overdue":
        return E.due_key < bindparam("now", type_=E.due_key.type)
    if name == "not_overdue":
        return E.due_key >= bindparam("now", type_=E.due_key.type)
    if name == "due_before":
        return E.due_key < bindparam("due_before", type_=E.due_key.type)
    column = {"process": E.process_id, "target_group": E.target_group}[name]
    return column == bindparam(name)


def plan_scan(uow: UnitOfWork, actor: Actor, f: Any, now: datetime) -> Scan:
    """The grants and entry conditions for a `TaskFilter` on open tasks."""
    held = grants(uow, actor)
    conditions: list[Condition] = []
    params: dict[str, Any] = {}
    nothing = Scan((), (), empty=True)
    if f.state == "claimed":
        conditions.append(("assigned",))
    elif f.state == "unclaimed":
        conditions.append(("unassigned",))
    if f.assignee == "me":
        if actor.user_id is None:
            return nothing
        held = [Grant(ASSIGNEE, actor.user_id)]  # the actor sees what is assigned to them
    elif f.assignee == "none":
        conditions.append(("unassigned",))
    elif f.assignee:
        user_id = uow.session.scalar(select(User.id).where(User.username == f.assignee))
        if user_id is None or not held:
            return nothing
        if not actor.is_admin:  # of that user's tasks, those the actor sees through a grant
            conditions.append(("seen_through", *held))
        held = [Grant(ASSIGNEE, user_id)]
    if f.organization:
        params["organization_id"] = uow.facts.organization_id(uow.session, f.organization)
        if params["organization_id"] is None:
            return nothing
        conditions.append(("organization",))
    for name in ("process", "target_group"):
        if getattr(f, name):
            conditions.append((name,))
            params[name] = getattr(f, name)
    if f.overdue is not None:
        conditions.append(("overdue",) if f.overdue else ("not_overdue",))
        params["now"] = now
    if f.due_before is not None:
        conditions.append(("due_before",))
        params["due_before"] = f.due_before
    if f.group:
        params["group"] = f.group
    return Scan(tuple(held), tuple(conditions), params, f.group or None, empty=not held)


def _seen_through(held: list[Grant]) -> ColumnElement[bool]:
    """The entry's task has an entry for one of these grants too (a primary-key lookup)."""
    other = aliased(E)
    pairs = [(g.role, g.scope_id) for g in held]
    return exists().where(other.task_id == E.task_id, tuple_(other.role, other.scope_id).in_(pairs))


def page_params(scan: Scan, after: tuple[Any, int] | None) -> dict[str, Any]:
    """The values `page_ids`'s statement binds."""
    if after is None:
        return scan.params
    return {**scan.params, "after_key": after[0], "after_id": after[1]}


@lru_cache(maxsize=512)
def page_ids(shape: tuple[Any, ...], sort: str, keyset: bool, size: int) -> Select[int, Any]:
    """(task_id, k) of the next `size` entries of a scan of this shape, in the page's order,
    after the entry bound as (`after_key`, `after_id`) when `keyset`; built once per shape."""
    held, conditions, group = shape
    key = E.due_key if sort == "due" else E.priority_rank
    after: list[ColumnElement[bool]] = []
    if keyset:
        bound = tuple_(bindparam("after_key", type_=key.type), bindparam("after_id"))
        after.append(tuple_(key, E.task_id) > bound)
    branches = [
        select(E.task_id.label("task_id"), key.label("k"))
        .where(*_where(grant, conditions, group), *after)
        .order_by(key, E.task_id)
        .limit(size)
        for grant in held
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


def bounded_count(uow: UnitOfWork, scan: Scan) -> BoundedCount:
    """How many open tasks match, up to COUNT_CAP."""
    if scan.empty:
        return BoundedCount(0, COUNT_CAP)
    # In the due index's order: PostgreSQL otherwise guesses a grant's rows are spread over
    # the table and scans it whole to find COUNT_CAP of a grant that has fewer.
    branches = [
        select(E.task_id).where(*scan.where(grant)).order_by(E.due_key, E.task_id).limit(COUNT_CAP)
        for grant in scan.grants
    ]
    if len(branches) == 1:
        rows = branches[0].subquery()
    else:
        rows = union(*(select(b.subquery()) for b in branches)).subquery("seen")
    found = uow.session.scalar(select(func.count()).select_from(rows), scan.params)
    return BoundedCount(int(found or 0), COUNT_CAP)


_DISTINCT = """
WITH RECURSIVE seen(v) AS (
  SELECT min({col}) FROM worklist_entry WHERE role = :role AND scope_id = :scope
  UNION ALL
  SELECT (SELECT min({col}) FROM worklist_entry
          WHERE role = :role AND scope_id = :scope AND {col} > seen.v)
  FROM seen WHERE seen.v IS NOT NULL
)
SELECT v FROM seen WHERE v IS NOT NULL
"""
_FACETS = {column: text(_DISTINCT.format(col=column)) for column in ("process_id", "target_group")}


def facets(uow: UnitOfWork, actor: Actor) -> dict[str, list[str]]:
    """The processes and target groups among the actor's open tasks (a few index seeks each)."""
    found: dict[str, set[str]] = {"process_id": set(), "target_group": set()}
    connection = uow.session.connection()
    for grant in grants(uow, actor):
        params = {"role": grant.role, "scope": grant.scope_id}
        for column, statement in _FACETS.items():
            found[column].update(v for (v,) in connection.execute(statement, params) if v)
    return {
        "processes": sorted(found["process_id"]),
        "target_groups": sorted(found["target_group"]),
    }
