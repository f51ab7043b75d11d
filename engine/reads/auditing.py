"""Checking audit trails: one case, or every case in batches (`percorsi audit verify`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.errors import CaseNotFound
from engine.rules.audit import verify_chain
from engine.rules.chain import ChainCheck, check_links
from engine.store.tables import AuditHead, Case, CaseEvent
from engine.store.uow import UnitOfWork

BATCH = 200  # cases per query: about 200 x 100 events in memory at a time


@dataclass(frozen=True)
class CaseChain:
    """The outcome of checking one case's audit trail."""

    reference: str
    check: ChainCheck

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.reference, **self.check.as_dict()}


def verify_case(uow: UnitOfWork, reference: str) -> CaseChain:
    """Check the audit trail of the case with this reference."""
    case_id = uow.session.scalar(select(Case.id).where(Case.reference == reference))
    if case_id is None:
        raise CaseNotFound(f"no case {reference!r}")
    return CaseChain(reference, verify_chain(uow, case_id))


_EVENT_COLUMNS = (
    CaseEvent.case_id,
    CaseEvent.seq,
    CaseEvent.at,
    CaseEvent.actor_name,
    CaseEvent.kind,
    CaseEvent.element_id,
    CaseEvent.payload,
    CaseEvent.payload_digest,
    CaseEvent.prev_hash,
    CaseEvent.hash,
)


def verify_all(uow: UnitOfWork, batch: int = BATCH) -> Iterator[CaseChain]:
    """Check every case's audit trail, oldest case first, a batch of cases per query."""
    after = 0
    while True:
        cases = uow.session.execute(
            select(Case.id, Case.reference).where(Case.id > after).order_by(Case.id).limit(batch)
        ).all()
        if not cases:
            return
        ids = [c.id for c in cases]
        heads = {
            h.case_id: (h.seq, h.hash)
            for h in uow.session.execute(
                select(AuditHead.case_id, AuditHead.seq, AuditHead.hash).where(
                    AuditHead.case_id.in_(ids)
                )
            )
        }
        events: dict[int, list[Any]] = {case_id: [] for case_id in ids}
        rows = uow.session.execute(
            select(*_EVENT_COLUMNS)
            .where(CaseEvent.case_id.in_(ids))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        )
        for row in rows:
            events[row.case_id].append(row)
        for case_id, reference in cases:
            yield CaseChain(reference, check_links(events[case_id], heads.get(case_id)))
        after = ids[-1]
