"""The audit chain's anchor and redactions: deleting the newest events shows, an erased payload
keeps the chain verifiable only through a recorded redaction, and chains written before payload
digests keep verifying after the migration (and can be redacted once resealed)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update

from engine import SYSTEM, Engine, Settings
from engine.rules.audit import ChainBroken, redact, verify_chain
from engine.store.db import connect
from engine.store.locking import lock_case
from engine.store.schema import upgrade
from engine.store.tables import AuditHead, Case, CaseEvent
from tests.support import PG_URL, Driver


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def _case(drive: Driver) -> tuple[str, int]:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    with drive.engine.uow(write=False) as uow:
        return ref, uow.session.scalar(select(Case.id).where(Case.reference == ref)) or 0


def _events(engine: Engine, case_id: int) -> list[CaseEvent]:
    with engine.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def _check(engine: Engine, case_id: int) -> Any:
    with engine.uow(write=False) as uow:
        return verify_chain(uow, case_id)


def test_every_command_anchors_the_head_of_the_chain(drive: Driver) -> None:
    _ref, cid = _case(drive)
    events = _events(drive.engine, cid)
    with drive.engine.uow(write=False) as uow:
        head = uow.session.get_one(AuditHead, cid)
        assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert all(e.payload_digest for e in events)
    check = _check(drive.engine, cid)
    assert (check.ok, check.checked) == (True, len(events))


def test_deleting_the_newest_events_is_detected_and_stays_detected(drive: Driver) -> None:
    ref, cid = _case(drive)
    last = _events(drive.engine, cid)[-1].seq
    with drive.engine.uow() as uow:
        uow.session.execute(
            delete(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.seq >= last - 1)
        )
        uow.commit()
    check = _check(drive.engine, cid)
    assert (check.ok, check.broken_at) == (False, last - 1)
    assert check.reason == "the newest 2 event(s) are missing"
    # The next command chains onto the anchored head, not onto the surviving rows: still a gap.
    drive.complete(ref, "assess", as_user="giulia")
    check = _check(drive.engine, cid)
    assert (check.ok, check.broken_at, check.reason) == (False, last + 1, "an event is missing")


def test_a_rewritten_head_is_detected(drive: Driver) -> None:
    _ref, cid = _case(drive)
    last = _events(drive.engine, cid)[-1]
    with drive.engine.uow() as uow:
        uow.session.execute(
            update(CaseEvent)
            .where(CaseEvent.id == last.id)
            .values(payload={"task_id": 1, "name": "Altro"})
        )
        uow.commit()
    check = _check(drive.engine, cid)
    assert (check.ok, check.broken_at, check.reason) == (False, last.seq, "event payload altered")


def test_a_redaction_erases_a_payload_and_the_chain_still_verifies(drive: Driver) -> None:
    _ref, cid = _case(drive)
    completed = next(e for e in _events(drive.engine, cid) if e.kind == "task_completed")
    with drive.engine.uow() as uow:
        case = lock_case(uow, cid)
        changed = redact(uow, case, {completed.seq: {"task_id": 1}}, "retention", SYSTEM)
        uow.commit()
    assert changed == 1
    events = _events(drive.engine, cid)
    assert events[completed.seq - 1].payload == {"task_id": 1}
    assert events[-1].kind == "redaction"
    assert events[-1].payload["reason"] == "retention"
    check = _check(drive.engine, cid)
    assert (check.ok, check.redacted) == (True, 1)
    # The redaction vouches for what replaced the payload, nothing else.
    with drive.engine.uow() as uow:
        uow.session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id == cid, CaseEvent.seq == completed.seq)
            .values(payload={"task_id": 1, "data": {"resident": False}})
        )
        uow.commit()
    check = _check(drive.engine, cid)
    assert (check.ok, check.broken_at) == (False, completed.seq)


def test_an_erased_payload_without_a_redaction_event_breaks_the_chain(drive: Driver) -> None:
    _ref, cid = _case(drive)
    completed = next(e for e in _events(drive.engine, cid) if e.kind == "task_completed")
    with drive.engine.uow() as uow:
        uow.session.execute(
            update(CaseEvent).where(CaseEvent.id == completed.id).values(payload={})
        )
        uow.commit()
    check = _check(drive.engine, cid)
    assert (check.ok, check.broken_at, check.reason) == (
        False,
        completed.seq,
        "event payload altered",
    )


# -- chains written before payload digests (revision 0001) ------------------------------------


def _legacy_digest(prev_hash: str, event: dict[str, Any]) -> str:
    """The hash as revision 0001 wrote it (a copy of the code of that time)."""
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


LEGACY_SCHEMA = "percorsi_legacy_chain"


@pytest.fixture
def legacy_url(tmp_path: Any) -> Iterator[str]:
    """An empty database to migrate step by step: a SQLite file or a scratch PG schema."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'legacy.db'}"
        return
    admin = connect(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {LEGACY_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {LEGACY_SCHEMA}"))
    yield f"{PG_URL}?options=-csearch_path%3D{LEGACY_SCHEMA}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {LEGACY_SCHEMA} CASCADE"))
    admin.dispose()


def _write_legacy_case(db: Any) -> None:
    """A case with three events chained the 0001 way, written on the 0001 schema."""
    at = datetime(2025, 5, 4, 10, 0, tzinfo=UTC)
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO process_model (id, process_id, name, created_at) "
                "VALUES (1, 'p', 'P', :at)"
            ),
            {"at": at.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO process_version (id, model_id, number, bpmn_file, bpmn_xml, dmn, "
                "forms, spec_json, serializer_version, sha256, deployed_at) VALUES "
                "(1, 1, 1, 'p.bpmn', '', '{}', '{}', '{}', '1', 'x', :at)"
            ),
            {"at": at.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                'INSERT INTO "case" (id, reference, version_id, process_id, status, restricted, '
                "subject_pseudonym, state_json, serializer_version, lock_version, opened_at) "
                "VALUES (1, 'CR-2025-000001', 1, 'p', 'completed', false, 'PS-1', '{}', '1', 3, "
                ":at)"
            ),
            {"at": at.replace(tzinfo=None)},
        )
        prev = "0" * 64
        payloads = [
            ("case_started", {"process_id": "p", "version": 1}),
            ("task_completed", {"task_id": 1, "data": {"note": "telefona la sera"}}),
            ("case_completed", {}),
        ]
        for seq, (kind, payload) in enumerate(payloads, start=1):
            event = {
                "case_id": 1,
                "seq": seq,
                "at": at,
                "actor_name": "system",
                "kind": kind,
                "element_id": None,
                "payload": payload,
            }
            digest = _legacy_digest(prev, event)
            conn.execute(
                text(
                    "INSERT INTO case_event (case_id, seq, at, actor_name, kind, payload, "
                    "prev_hash, hash) VALUES (1, :seq, :at, 'system', :kind, :payload, :prev, "
                    ":hash)"
                ),
                {
                    "seq": seq,
                    "at": at.replace(tzinfo=None),
                    "kind": kind,
                    "payload": json.dumps(payload),
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest


def test_chains_written_before_the_migration_verify_after_it_and_can_be_redacted(
    legacy_url: str,
) -> None:
    db = connect(legacy_url)
    upgrade(db, "0001")
    _write_legacy_case(db)
    upgrade(db)  # to head: the anchor is filled from the events
    engine = Engine(Settings.from_env({}, database_url=legacy_url), db=db)
    try:
        with engine.uow(write=False) as uow:
            assert uow.session.get_one(AuditHead, 1).seq == 3
        check = _check(engine, 1)
        assert (check.ok, check.checked) == (True, 3)
        # Erasing the free text of event 2 reseals the chain first (it hashed payloads).
        with engine.uow() as uow:
            case = lock_case(uow, 1)
            redact(uow, case, {2: {"task_id": 1}}, "retention", SYSTEM)
            uow.commit()
        events = _events(engine, 1)
        assert [e.kind for e in events] == [
            "case_started",
            "task_completed",
            "case_completed",
            "chain_resealed",
            "redaction",
        ]
        assert events[3].payload["legacy_head"]["seq"] == 3
        assert events[1].payload == {"task_id": 1}
        assert all(e.payload_digest for e in events)
        check = _check(engine, 1)
        assert (check.ok, check.checked, check.redacted) == (True, 5, 1)
    finally:
        engine.dispose()


def test_a_broken_legacy_chain_is_not_resealed(legacy_url: str) -> None:
    db = connect(legacy_url)
    upgrade(db, "0001")
    _write_legacy_case(db)
    upgrade(db)
    engine = Engine(Settings.from_env({}, database_url=legacy_url), db=db)
    try:
        with engine.uow() as uow:
            uow.session.execute(
                update(CaseEvent).where(CaseEvent.seq == 2).values(payload={"task_id": 9})
            )
            uow.commit()
        with pytest.raises(ChainBroken, match="does not verify at event 2"), engine.uow() as uow:
            redact(uow, lock_case(uow, 1), {2: {}}, "retention", SYSTEM)
        with engine.uow(write=False) as uow:
            count = uow.session.scalar(select(func.count()).select_from(CaseEvent))
        assert count == 3  # left as it was, for `audit verify` to report
        assert _check(engine, 1).broken_at == 2
    finally:
        engine.dispose()
