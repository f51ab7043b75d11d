"""The audit trail: append-only case events, hash-chained per case so that tampering shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select

from engine.actors import Actor
from engine.store.tables import Case, CaseEvent
from engine.store.uow import UnitOfWork

GENESIS = "0" * 64
EVENTS = cast(Table, CaseEvent.__table__)
_HASHED = ("case_id", "seq", "at", "actor_name", "kind", "element_id", "payload")


def _digest(prev_hash: str, event: dict[str, Any]) -> str:
    """The event's hash: its fields and the previous event's hash (`event` holds the columns)."""
    body = json.dumps(
        {
            "case": event["case_id"],
            "seq": event["seq"],
            "at": event["at"].isoformat(),
            "actor": event["actor_name"],
            "kind": event["kind"],
            "element": event["element_id"],
            "payload": event["payload"],
        },
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def record(
    uow: UnitOfWork,
    case: Case,
    kind: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    element_id: str | None = None,
) -> None:
    """Append one event to the case's chain (the case row is locked by the caller)."""
    seq, prev = _next_link(uow, case.id)
    event: dict[str, Any] = {
        "case_id": case.id,
        "seq": seq,
        "at": uow.now,
        "actor_id": actor.user_id,
        "actor_name": actor.username,
        "kind": kind,
        "element_id": element_id,
        "payload": json.loads(json.dumps(payload or {}, default=str)),
        "prev_hash": prev,
    }
    event["hash"] = _digest(prev, event)
    uow.append(EVENTS, event)  # written with the command's other writes
    uow.chain_heads[case.id] = (seq, event["hash"])


def start_chain(uow: UnitOfWork, case_id: int) -> None:
    """A case created in this transaction has no events yet: its chain starts at genesis."""
    uow.chain_heads[case_id] = (0, GENESIS)


def load_heads(uow: UnitOfWork, case_ids: list[int]) -> None:
    """Read the chain heads of many locked cases in one query (a batch of commands needs them)."""
    latest = (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .where(CaseEvent.case_id.in_(case_ids))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    rows = uow.session.connection().execute(
        select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash).join(
            latest, and_(CaseEvent.case_id == latest.c.case_id, CaseEvent.seq == latest.c.seq)
        )
    )
    heads = {case_id: (0, GENESIS) for case_id in case_ids}
    heads.update({case_id: (seq, digest) for case_id, seq, digest in rows})
    uow.chain_heads.update(heads)


_HEAD = (
    select(CaseEvent.seq, CaseEvent.hash)
    .where(CaseEvent.case_id == bindparam("case_id"))
    .order_by(CaseEvent.seq.desc())
    .limit(1)
)


def _next_link(uow: UnitOfWork, case_id: int) -> tuple[int, str]:
    """The next sequence number and previous hash; read once per command, then remembered."""
    head = uow.chain_heads.get(case_id)
    if head is None:
        last = uow.session.connection().execute(_HEAD, {"case_id": case_id}).first()
        head = (last[0], last[1]) if last else (0, GENESIS)
    return head[0] + 1, head[1]


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str | None = None


def verify_chain(uow: UnitOfWork, case_id: int) -> ChainCheck:
    """Recompute the case's chain; report the first event whose hash does not hold."""
    prev = GENESIS
    events = uow.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
    ).all()
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainCheck(False, expected_seq - 1, event.seq, "an event is missing")
        columns = {c: getattr(event, c) for c in _HASHED}
        if event.prev_hash != prev or _digest(prev, columns) != event.hash:
            return ChainCheck(False, expected_seq - 1, event.seq, "event altered")
        prev = event.hash
    return ChainCheck(True, len(events))
