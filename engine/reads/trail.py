"""A case's audit trail: page by page for the API, and for the case page its steps with the
audited reads folded into one line per reader.

A restricted case records every read of it, so its reads soon outnumber its steps by hundreds:
neither the API nor the page loads them all. The API gives a page at a time in the case's own
order (`seq`), with or without the reads; the page shows the steps and, for each reader, how
many times and when last, counted by the database. Whoever may see the case may see its whole
trail, reads included (auditors see every case; the Cabina di Regia none), and reading it is
itself an audited read of a restricted case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, select
from sqlalchemy.sql import Select

from engine.actors import Actor
from engine.errors import Forbidden, InvalidInput
from engine.reads.context import people_names
from engine.reads.taskviews import readable_answer
from engine.rules.access import record_restricted_read, visible_case
from engine.rules.audit import READ_KINDS
from engine.store.pages import Page, check_limit, cursor_id, id_cursor
from engine.store.tables import Case, CaseEvent, HumanTask
from engine.store.uow import UnitOfWork

READS = ("include", "exclude", "only")  # the reads of the case in a page of its trail
# Written into the SQL as literals: the planners then see that the partial indexes of steps
# and of reads (engine.store.tables) hold every row asked for.
_READ_KINDS: BindParameter[Any] = bindparam(
    "read_kinds", list(READ_KINDS), expanding=True, literal_execute=True
)


@dataclass(frozen=True)
class Reads:
    """The audited reads of a case by one reader, of one kind: how many, and the last one."""

    kind: str
    actor: str
    actor_name: str
    count: int
    last_at: datetime


@dataclass(frozen=True)
class History:
    """A case's steps, oldest first, and who read it (the readers' latest read first)."""

    steps: list[dict[str, Any]]
    reads: list[Reads]


def case_events(
    uow: UnitOfWork,
    actor: Actor,
    reference: str,
    cursor: str | None = None,
    limit: int = 50,
    reads: str = "include",
) -> Page[dict[str, Any]]:
    """A page of the case's audit trail, oldest first, after the cursor's event."""
    check_limit(limit)
    if reads not in READS:
        raise InvalidInput(
            f"reads must be one of {', '.join(READS)}", [{"field": "reads", "message": "unknown"}]
        )
    after = cursor_id(cursor)
    case = _trail_case(uow, actor, reference)
    query = _events(case, reads)
    if after is not None:
        query = query.where(CaseEvent.seq > after)
    events = uow.session.scalars(query.limit(limit + 1)).all()
    rows = _rows(uow, actor, case, list(events[:limit]))
    next_cursor = id_cursor(rows[-1]["seq"]) if len(events) > limit else None
    record_restricted_read(uow, actor, case, {"what": "events"})  # commits: rows read before
    return Page(rows, next_cursor)


def case_history(uow: UnitOfWork, actor: Actor, reference: str) -> History:
    """The case's steps, and its audited reads counted per reader and kind."""
    case = _trail_case(uow, actor, reference)
    steps = list(uow.session.scalars(_events(case, "exclude")))
    counted = uow.session.execute(
        select(CaseEvent.kind, CaseEvent.actor_name, func.count(), func.max(CaseEvent.at))
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(_READ_KINDS))
        .group_by(CaseEvent.kind, CaseEvent.actor_name)
    ).all()
    names = people_names(uow, {who for _kind, who, _n, _at in counted})
    readers = [Reads(kind, who, names.get(who, who), n, at) for kind, who, n, at in counted]
    readers.sort(key=lambda r: (r.last_at, r.count), reverse=True)
    rows = _rows(uow, actor, case, steps)
    record_restricted_read(uow, actor, case, {"what": "events"})
    return History(rows, readers)


def _trail_case(uow: UnitOfWork, actor: Actor, reference: str) -> Case:
    """The case whose trail the actor asks for, if they may see it (aggregates only: never)."""
    case = visible_case(uow, actor, reference)
    if actor.has_role("cabina_viewer") and not actor.roles - {"cabina_viewer"}:
        raise Forbidden("aggregates only")
    return case


def _events(case: Case, reads: str) -> Select[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if reads == "exclude":
        query = query.where(CaseEvent.kind.not_in(_READ_KINDS))
    elif reads == "only":
        query = query.where(CaseEvent.kind.in_(_READ_KINDS))
    return query.order_by(CaseEvent.seq)


def _rows(
    uow: UnitOfWork, actor: Actor, case: Case, events: list[CaseEvent]
) -> list[dict[str, Any]]:
    """The events as the trail shows them: people and tasks named, answers cut to what the
    actor may see."""
    tasks = _event_tasks(uow, case, {(e.payload or {}).get("task_id") for e in events})
    names = people_names(uow, {e.actor_name for e in events})
    rows = [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor_name,
            "actor_name": names.get(e.actor_name),
            "kind": e.kind,
            "element_id": e.element_id,
            "payload": e.payload,
            "task": tasks.get((e.payload or {}).get("task_id")),
            "hash": e.hash,
        }
        for e in events
    ]
    _need_to_know(uow, actor, case, rows)
    return rows


def _need_to_know(uow: UnitOfWork, actor: Actor, case: Case, rows: list[dict[str, Any]]) -> None:
    """Answers recorded in the trail are cut as the task view cuts them (the hash stays the
    stored event's: an auditor checks the chain on the stored rows)."""
    answered = {
        r["payload"].get("task_id"): r
        for r in rows
        if r["kind"] == "task_completed" and isinstance(r["payload"].get("data"), dict)
    }
    if not answered:
        return
    for task in uow.session.scalars(select(HumanTask).where(HumanTask.id.in_(list(answered)))):
        row = answered[task.id]
        shown = readable_answer(uow, actor, case, task, row["payload"]["data"])
        row["payload"] = {**row["payload"], "data": shown}


def _event_tasks(uow: UnitOfWork, case: Case, ids: set[Any]) -> dict[Any, dict[str, Any]]:
    """The tasks these events mention, by id: name, kind and item."""
    wanted = sorted(i for i in ids if isinstance(i, int) and not isinstance(i, bool))
    if not wanted:
        return {}
    rows = uow.session.execute(
        select(HumanTask.id, HumanTask.name, HumanTask.kind, HumanTask.item).where(
            HumanTask.case_id == case.id, HumanTask.id.in_(wanted)
        )
    ).all()
    return {i: {"name": name, "kind": kind, "item": item} for i, name, kind, item in rows}
