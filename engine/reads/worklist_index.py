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
    literal,
    select,
    text,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from engine.actors import Actor
from engine.store.pages import Beside, BoundedCount
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


def _where(
    grant: Grant, conditions: tuple[Condition, ...], group: str | None, prefix: str = ""
) -> list[ColumnElement[bool]]:
    """A grant's conditions, their values bound by name (`prefix` + the name, so that the scans
    of one statement bind their own) when the statement runs."""
    found = [E.role == grant.role, E.scope_id == grant.scope_id]
    found.extend(_condition(prefix, *condition) for condition in conditions)
    if group and grant.role != group:  # only the candidate rows say
        role: BindParameter[str] = bindparam(prefix + "group")
        found.append(exists().where(TaskCandidate.task_id == E.task_id, TaskCandidate.role == role))
    return found


def _condition(prefix: str, name: str, *held: Grant) -> ColumnElement[bool]:
    """One entry condition of a scan (see `_where` for its values)."""
    if name == "assigned":
        return E.assignee_id.is_not(None)
    if name == "unassigned":
        return E.assignee_id.is_(None)
    if name == "seen_through":
        return _seen_through(list(held))
    if name == "organization":
        return E.organization_id == bindparam(prefix + "organization_id")
    if name in ("overdue", "not_overdue"):
        now = bindparam(prefix + "now", type_=E.due_key.type)
        return E.due_key < now if name == "overdue" else E.due_key >= now
    if name == "due_before":
        return E.due_key < bindparam(prefix + "due_before", type_=E.due_key.type)
    column = {"process": E.process_id, "target_group": E.target_group}[name]
    return column == bindparam(prefix + name)


def plan_scan(uow: UnitOfWork, actor: Actor, f: Any, now: datetime) -> Scan:
    """The grants and entry conditions for a `TaskFilter` on open tasks."""
    held = grants(uow, actor)
    conditions: list[Condition] = []
    params: dict[str, Any] = {}
    nothing = Scan((), (), empty=True)
    if f.state == "claimed":
        conditions.append(("assigned",))
    if f.state == "unclaimed" or f.assignee == "none":
        conditions.append(("unassigned",))
        held = [g for g in held if g.role != ASSIGNEE]  # that grant holds assigned tasks only
    if f.assignee == "me":
        if actor.user_id is None:
            return nothing
        held = [Grant(ASSIGNEE, actor.user_id)]  # the actor sees what is assigned to them
    elif f.assignee and f.assignee != "none":
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


def page_ids(shape: tuple[Any, ...], sort: str, keyset: bool, size: int) -> Select[int, Any]:
    """(task_id, k) of the next `size` entries of a scan of this shape, in the page's order,
    after the entry bound as (`after_key`, `after_id`) when `keyset` (the page statement
    around it is built once per shape: taskviews._page_query)."""
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


def bounded_counts(uow: UnitOfWork, scans: list[Scan], *beside: Beside) -> list[int]:
    """How many open tasks match each scan, up to COUNT_CAP (BoundedCounts), then the values of
    the subqueries `beside`: one statement for all of them (a page's tabs, its header's overdue
    tasks and unread notifications are one round trip), built once per shape of scans."""
    if not scans and not beside:
        return []
    query = _counts_query(tuple(scan.shape for scan in scans), beside)
    params: dict[str, Any] = {}
    for n, scan in enumerate(scans):
        params.update((f"s{n}_{name}", value) for name, value in scan.params.items())
    for extra in beside:
        params.update(extra.params)
    found = uow.rows(query, params).one()
    counts: list[int] = [BoundedCount(int(v or 0), COUNT_CAP) for v in found[: len(scans)]]
    return counts + [int(v or 0) for v in found[len(scans) :]]


@lru_cache(maxsize=512)  # the request's values are bound (building the statement costs more)
def _counts_query(shapes: tuple[tuple[Any, ...], ...], beside: tuple[Beside, ...]) -> Any:
    columns = [_count_of(shape, f"s{n}_") for n, shape in enumerate(shapes)]
    columns.extend(extra.column for extra in beside)
    return select(*(c.label(f"c{n}") for n, c in enumerate(columns)))


def _count_of(shape: tuple[Any, ...], prefix: str) -> Any:
    """The bounded count of one scan, as a scalar subquery."""
    held, conditions, group = shape
    if not held:
        return literal(0)
    # In the due index's order: PostgreSQL otherwise guesses a grant's rows are spread over
    # the table and scans it whole to find COUNT_CAP of a grant that has fewer.
    branches = [
        select(E.task_id)
        .where(*_where(grant, conditions, group, prefix))
        .order_by(E.due_key, E.task_id)
        .limit(COUNT_CAP)
        for grant in held
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
