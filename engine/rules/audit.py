"""The audit trail: append-only case events, hash-chained per case so that tampering shows.

How links are hashed and checked is `engine.rules.chain`; this module writes them. Each event
chains the digest of its payload, and each case's newest link is anchored in `audit_head`
(written with the command's other rows). A payload is only ever replaced by `redact`, which
records which events it replaced and with what.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from engine.actors import Actor
from engine.errors import Conflict
from engine.rules.chain import (
    GENESIS,
    REDACTION,
    ChainCheck,
    check_links,
    columns,
    link_hash,
    payload_digest,
)
from engine.store.tables import EXPORTED, READ_KINDS, RESTRICTED_READ, AuditHead, Case, CaseEvent
from engine.store.uow import UnitOfWork

EVENTS = cast(Table, CaseEvent.__table__)
HEADS = cast(Table, AuditHead.__table__)
RESEALED = "chain_resealed"

__all__ = [
    "EXPORTED",
    "GENESIS",
    "READ_KINDS",
    "RESTRICTED_READ",
    "ChainCheck",
    "load_heads",
    "note_head",
    "record",
    "redact",
    "verify_chain",
]


class ChainBroken(Conflict):
    """A case's audit chain does not verify: it may not be resealed or redacted."""

    title = "Audit chain broken"


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
    body = json.loads(json.dumps(payload or {}, default=str))
    event: dict[str, Any] = {
        "case_id": case.id,
        "seq": seq,
        "at": uow.now,
        "actor_id": actor.user_id,
        "actor_name": actor.username,
        "kind": kind,
        "element_id": element_id,
        "payload": body,
        "payload_digest": payload_digest(body),
        "prev_hash": prev,
    }
    event["hash"] = link_hash(prev, event)
    uow.append(EVENTS, event)  # written with the command's other writes
    _move_head(uow, case.id, seq, event["hash"])


def _move_head(uow: UnitOfWork, case_id: int, seq: int, digest: str) -> None:
    """Remember the case's new head; it is anchored when the unit of work writes its rows."""
    uow.chain_heads[case_id] = (seq, digest)
    uow.moved_heads.add(case_id)
    uow.at_flush("audit_head", _anchor_heads)


def _anchor_heads(uow: UnitOfWork) -> None:
    """Write the moved heads to `audit_head` (one statement); a head never moves back."""
    moved, uow.moved_heads = uow.moved_heads, set()
    if not moved:
        return
    rows = [
        {
            "case_id": case_id,
            "seq": uow.chain_heads[case_id][0],
            "hash": uow.chain_heads[case_id][1],
        }
        for case_id in sorted(moved)
    ]
    uow.session.connection().execute(_upsert(uow.settings.is_sqlite), rows)


_UPSERTS: dict[bool, Insert] = {}


def _upsert(is_sqlite: bool) -> Insert:
    statement = _UPSERTS.get(is_sqlite)
    if statement is None:
        base = (sqlite if is_sqlite else postgresql).insert(HEADS)
        statement = _UPSERTS[is_sqlite] = base.on_conflict_do_update(
            index_elements=[HEADS.c.case_id],
            set_={"seq": base.excluded.seq, "hash": base.excluded.hash},
            where=HEADS.c.seq < base.excluded.seq,
        )
    return statement


def start_chain(uow: UnitOfWork, case_id: int) -> None:
    """A case created in this transaction has no events yet: its chain starts at genesis."""
    uow.chain_heads[case_id] = (0, GENESIS)


def note_head(uow: UnitOfWork, case_id: int, seq: int, digest: str) -> None:
    """The anchored head of a locked case, read with its row: its next event follows it (a
    head this unit of work wrote or read already stays)."""
    uow.chain_heads.setdefault(case_id, (seq, digest))


def load_heads(uow: UnitOfWork, case_ids: list[int]) -> None:
    """Read the chain heads of many locked cases in one query (a batch of commands needs them)."""
    connection = uow.session.connection()
    heads = {
        case_id: (seq, digest)
        for case_id, seq, digest in connection.execute(
            select(AuditHead.case_id, AuditHead.seq, AuditHead.hash).where(
                uow.among(AuditHead.case_id, case_ids)
            )
        )
    }
    unanchored = [c for c in case_ids if c not in heads]
    if unanchored:
        heads.update(_heads_from_events(uow, unanchored))
    uow.chain_heads.update(heads)


def _heads_from_events(uow: UnitOfWork, case_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The newest event of cases without an anchor (genesis for cases without events)."""
    latest = (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .where(uow.among(CaseEvent.case_id, case_ids))
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
    return heads


_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.case_id == bindparam("case_id"))


def _next_link(uow: UnitOfWork, case_id: int) -> tuple[int, str]:
    """The next sequence number and previous hash; read once per command, then remembered.

    The head is read from the anchor, not from the newest event row: after a deletion of the
    newest events, the next event still follows the anchored head and the gap stays visible."""
    head = uow.chain_heads.get(case_id)
    if head is None:
        anchored = uow.session.connection().execute(_HEAD, {"case_id": case_id}).first()
        if anchored is not None:
            head = (anchored[0], anchored[1])
        else:
            head = _heads_from_events(uow, [case_id])[case_id]
        uow.chain_heads[case_id] = head
    return head[0] + 1, head[1]


def case_chain(uow: UnitOfWork, case_id: int) -> tuple[list[CaseEvent], tuple[int, str] | None]:
    """A case's events in order and its anchored head."""
    uow.flush()  # events appended in this unit of work are part of the chain
    events = list(
        uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )
    head = uow.session.connection().execute(_HEAD, {"case_id": case_id}).first()
    return events, (head[0], head[1]) if head is not None else None


def verify_chain(uow: UnitOfWork, case_id: int) -> ChainCheck:
    """Recompute the case's chain and compare its end with the anchored head."""
    events, head = case_chain(uow, case_id)
    return check_links(list(events), head)


def redact(
    uow: UnitOfWork,
    case: Case,
    replacements: Mapping[int, dict[str, Any]],
    reason: str,
    actor: Actor,
) -> int:
    """Replace the payloads of earlier events, recording which and with what in one `redaction`
    event; the chain keeps verifying. Returns how many payloads changed (locked case)."""
    if not replacements:
        return 0
    events, head = case_chain(uow, case.id)
    if any(e.payload_digest is None for e in events):
        events = _reseal(uow, case, events, head, actor)
    by_seq = {e.seq: e for e in events}
    changed: dict[str, str] = {}
    for seq, payload in sorted(replacements.items()):
        event = by_seq.get(seq)
        body = json.loads(json.dumps(payload, default=str))
        if event is None or event.kind == REDACTION or body == event.payload:
            continue
        uow.session.execute(update(CaseEvent).where(CaseEvent.id == event.id).values(payload=body))
        changed[str(seq)] = payload_digest(body)
    if changed:
        record(uow, case, REDACTION, actor, {"reason": reason, "events": changed})
    return len(changed)


def _reseal(
    uow: UnitOfWork,
    case: Case,
    events: list[CaseEvent],
    head: tuple[int, str] | None,
    actor: Actor,
) -> list[CaseEvent]:
    """Rehash a chain that has events older than payload digests, after checking it holds.

    Their hash covers the payload itself, so no payload of theirs could be erased. The chain is
    checked first (a broken one is refused, and stays as it is for `audit verify` to report);
    then each event is given its payload digest and rehashed; a `chain_resealed` event records
    the head it had before."""
    check = check_links(list(events), head)
    if not check.ok:
        raise ChainBroken(
            f"the audit trail of case {case.reference} does not verify at event "
            f"{check.broken_at} ({check.reason}); it is left as it is"
        )
    legacy_seq, legacy_hash = events[-1].seq, events[-1].hash
    prev = GENESIS
    for event in events:
        event.payload_digest = event.payload_digest or payload_digest(event.payload)
        event.prev_hash = prev
        event.hash = link_hash(prev, columns(event))
        prev = event.hash
    uow.session.flush()
    _move_head(uow, case.id, legacy_seq, prev)
    legacy = {"seq": legacy_seq, "hash": legacy_hash}
    record(uow, case, RESEALED, actor, {"legacy_head": legacy, "events": len(events)})
    return events
