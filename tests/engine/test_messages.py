"""The engine as message router: to a waiting case by correlation, or kept until one waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Engine
from engine.commands.messages import deliver_message
from engine.errors import InvalidInput
from engine.reads.queries import find_case
from engine.rules.progress import load_instance
from engine.store.tables import Message, MessageSubscription
from tests.support import Driver, FakeClock


@pytest.fixture
def drive(network: Engine) -> Driver:
    drive = Driver(network)
    drive.deploy("message_catch.bpmn")
    return drive


def deliver(drive: Driver, correlation: str | None, payload: dict[str, object]) -> list[str]:
    with drive.engine.uow() as uow:
        return deliver_message(uow, "esito_cpi", correlation, payload, drive.actor())


def task_data(drive: Driver, reference: str) -> dict[str, object]:
    with drive.engine.uow(write=False) as uow:
        [ready] = load_instance(uow, find_case(uow, reference)).ready_human_tasks()
        return ready.data


def stored_messages(drive: Driver) -> list[Message]:
    with drive.engine.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(Message).order_by(Message.id)))
        uow.session.expunge_all()
        return rows


def test_a_waiting_case_receives_its_correlated_message(drive: Driver) -> None:
    ref = drive.start("message_catch")
    other = drive.start("message_catch")
    assert drive.open_elements(ref) == []
    assert drive.case(ref)["active_elements"] == ["wait_esito"]

    assert deliver(drive, ref, {"esito": "patto firmato"}) == [ref]
    assert drive.open_elements(ref) == ["after"]
    assert task_data(drive, ref)["esito_cpi"] == {"esito": "patto firmato"}
    assert drive.open_elements(other) == []
    assert stored_messages(drive) == []
    assert "message_received" in [h["kind"] for h in drive.case(ref)["history"]]
    with drive.engine.uow(write=False) as uow:
        subscribed = uow.session.scalars(select(MessageSubscription.correlation)).all()
    assert subscribed == [other]


def test_an_unmatched_message_is_kept_and_consumed_when_a_case_waits(
    drive: Driver, clock: FakeClock
) -> None:
    assert deliver(drive, "CR-2026-000001", {"esito": "in anticipo"}) == []
    [kept] = stored_messages(drive)
    assert kept.consumed_at is None
    assert kept.expires_at == clock.now + timedelta(days=drive.engine.settings.message_ttl_days)

    clock.advance(days=1)
    ref = drive.start("message_catch")
    assert ref == "CR-2026-000001"
    assert drive.open_elements(ref) == ["after"]
    assert task_data(drive, ref)["esito_cpi"] == {"esito": "in anticipo"}
    [consumed] = stored_messages(drive)
    assert consumed.consumed_at == clock.now
    with drive.engine.uow(write=False) as uow:
        assert consumed.consumed_by == find_case(uow, ref).id


def test_a_kept_message_for_another_case_or_expired_is_not_consumed(
    drive: Driver, clock: FakeClock
) -> None:
    deliver(drive, "CR-2026-999999", {"esito": "altro"})
    deliver(drive, "CR-2026-000001", {"esito": "scaduto"})
    clock.advance(days=drive.engine.settings.message_ttl_days + 1)
    ref = drive.start("message_catch")
    assert ref == "CR-2026-000001"
    assert drive.open_elements(ref) == []
    assert [m.consumed_at for m in stored_messages(drive)] == [None, None]


def test_a_message_needs_a_name_and_an_object_payload(drive: Driver) -> None:
    with pytest.raises(InvalidInput), drive.engine.uow() as uow:
        deliver_message(uow, "", None, {}, drive.actor())
    with pytest.raises(InvalidInput), drive.engine.uow() as uow:
        deliver_message(uow, "esito_cpi", None, [1], drive.actor())  # type: ignore[arg-type]


def test_a_thrown_message_reaches_the_waiting_case_once(drive: Driver) -> None:
    drive.deploy("message_throw.bpmn")
    waiting = drive.start("message_catch")
    sender = drive.start("message_throw", {"target": waiting})
    assert drive.open_elements(waiting) == ["after"]
    assert task_data(drive, waiting)["esito_cpi"] == {
        "correlation": waiting,
        "esito": "patto firmato",
    }
    drive.complete(sender, "first")
    drive.complete(sender, "second")
    assert stored_messages(drive) == []  # not thrown again by later commands on the sender
    sent = [h["kind"] for h in drive.case(sender)["history"]].count("message_sent")
    assert sent == 1


def test_a_cancelled_case_no_longer_waits_for_messages(drive: Driver) -> None:
    from engine.commands.cases import cancel_case

    ref = drive.start("message_catch")
    with drive.engine.uow() as uow:
        cancel_case(uow, find_case(uow, ref).id, drive.actor())
    with drive.engine.uow(write=False) as uow:
        assert uow.session.scalars(select(MessageSubscription)).all() == []
    assert deliver(drive, ref, {"esito": "tardi"}) == []
    assert len(stored_messages(drive)) == 1
