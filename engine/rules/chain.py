"""The hash chain of a case's audit trail: how a link is hashed, and how a chain is checked.

Each event's hash covers the previous event's hash and the event's fields. Two link formats:
- events written before payload digests existed (their `payload_digest` is NULL) hash the
  payload itself, exactly as they were written, so old chains keep verifying;
- every newer event hashes the sha256 of its payload (`payload_digest`) instead. A payload may
  then be replaced by a recorded `redaction` event, which names each replaced event and the
  digest of what replaced it: the chain still verifies, and the replacement itself is checked.

A chain's newest link (sequence and hash) is also kept apart from the events (`audit_head`):
deleting the newest events of a case leaves the head pointing past them, which shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

GENESIS = "0" * 64
REDACTION = "redaction"


class Link(Protocol):
    """What checking needs of an event (a CaseEvent row, or a dict of its columns)."""

    case_id: int
    seq: int
    at: datetime
    actor_name: str
    kind: str
    element_id: str | None
    payload: dict[str, Any]
    payload_digest: str | None
    prev_hash: str
    hash: str


def canonical(value: Any) -> str:
    """The one JSON text of a value that digests are taken of."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def payload_digest(payload: Any) -> str:
    """The sha256 of a payload, as chained by the event (and named by redactions)."""
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """An event's hash: the previous hash and its fields; `event` holds the columns.

    With a `payload_digest` the digest is hashed; without one (older events) the payload is."""
    fields = {
        "case": event["case_id"],
        "seq": event["seq"],
        "at": event["at"].isoformat(),
        "actor": event["actor_name"],
        "kind": event["kind"],
        "element": event["element_id"],
    }
    if event.get("payload_digest") is None:
        fields["payload"] = event["payload"]
    else:
        fields["payload_digest"] = event["payload_digest"]
    return hashlib.sha256(f"{prev_hash}|{canonical(fields)}".encode()).hexdigest()


def columns(event: Link) -> dict[str, Any]:
    """The hashed columns of an event row."""
    return {
        "case_id": event.case_id,
        "seq": event.seq,
        "at": event.at,
        "actor_name": event.actor_name,
        "kind": event.kind,
        "element_id": event.element_id,
        "payload": event.payload,
        "payload_digest": event.payload_digest,
    }


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of checking one case's chain: `checked` events held before `broken_at`."""

    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str | None = None
    redacted: int = 0  # events whose payload a recorded redaction replaced

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "redacted": self.redacted,
        }


def redactions(events: Iterable[Link]) -> dict[int, str]:
    """seq -> digest of the payload that replaced it, from intact redaction events (latest wins)."""
    replaced: dict[int, str] = {}
    for event in events:
        if event.kind != REDACTION or event.payload_digest is None:
            continue
        if payload_digest(event.payload) != event.payload_digest:
            continue  # an altered redaction event vouches for nothing (and breaks the chain)
        for seq, digest in dict(event.payload.get("events") or {}).items():
            if str(seq).isdigit() and int(seq) < event.seq:
                replaced[int(seq)] = str(digest)
    return replaced


def check_links(events: list[Link], head: tuple[int, str] | None) -> ChainCheck:
    """Recompute a case's chain (events in sequence order) against its anchored head."""
    replaced = redactions(events)
    prev, redacted = GENESIS, 0
    for expected, event in enumerate(events, start=1):
        if event.seq != expected:
            return ChainCheck(False, expected - 1, event.seq, "an event is missing")
        if event.payload_digest is not None:
            actual = payload_digest(event.payload)
            if actual != event.payload_digest:
                if replaced.get(event.seq) != actual:
                    return ChainCheck(False, expected - 1, event.seq, "event payload altered")
                redacted += 1
        if event.prev_hash != prev or link_hash(prev, columns(event)) != event.hash:
            return ChainCheck(False, expected - 1, event.seq, "event altered")
        prev = event.hash
    return _check_head(len(events), prev, head, redacted)


def _check_head(
    count: int, last_hash: str, head: tuple[int, str] | None, redacted: int
) -> ChainCheck:
    if head is None:
        if count == 0:
            return ChainCheck(False, 0, 1, "the case has no audit trail")
        return ChainCheck(False, count, count, "the chain's head is not anchored")
    seq, digest = head
    if seq > count:
        return ChainCheck(False, count, count + 1, f"the newest {seq - count} event(s) are missing")
    if seq < count:
        return ChainCheck(False, count, seq + 1, "events were added after the anchored head")
    if digest != last_hash:
        return ChainCheck(False, count, count, "the newest event differs from the anchored head")
    return ChainCheck(True, count, redacted=redacted)
