"""The outbox: nothing lost while SMTP is down, nothing delivered twice once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import Engine, Settings
from engine.notices.outbox import deliver_due, enqueue, outbox_rows, retry_failed
from engine.scheduling.duties import tick
from engine.store.tables import Notification, Outbox
from tests.mailbox import SmtpServer, free_port
from tests.support import Driver, FakeClock
from web.composition import build_engine


@pytest.fixture
def down_port() -> int:
    return free_port()  # nothing listens here until the test starts a server on it


@pytest.fixture
def mail_settings(settings: Settings, down_port: int) -> Settings:
    return replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=down_port,
        smtp_timeout=2.0,
        outbox_backoff_seconds=60,
        outbox_max_attempts=4,
    )


@pytest.fixture
def smtp(down_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(down_port)  # not started: SMTP is down
    yield server
    server.stop()


def in_app_count(engine: Engine) -> int:
    with engine.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Notification)) or 0)


def start_cases(engine: Engine, count: int) -> list[str]:
    drive = Driver(engine)
    drive.deploy("three_tasks.bpmn", "intake.json")
    return [drive.start("three_tasks", organization="comune_cremona") for _ in range(count)]


def test_smtp_down_then_up_delivers_everything_once(
    mail_engine: Engine, clock: FakeClock, smtp: SmtpServer
) -> None:
    refs = start_cases(mail_engine, 5)  # each task: anna and bruno, in-app and by e-mail
    first = tick(mail_engine, clock.now).delivery
    assert (first.in_app, first.emailed, first.retried) == (10, 0, 10)
    assert "unavailable" in first.errors[0]
    assert in_app_count(mail_engine) == 10  # in-app notifications do not wait for SMTP
    with mail_engine.uow(write=False) as uow:
        pending = outbox_rows(uow)
    assert {r.channel for r in pending} == {"email"} and len(pending) == 10

    clock.advance(seconds=30)  # still backing off: no attempt before the minute
    assert tick(mail_engine, clock.now).delivery.total == 0
    clock.advance(seconds=31)
    assert tick(mail_engine, clock.now).delivery.retried == 10  # second attempt, still down

    smtp.start()
    clock.advance(minutes=2)
    assert tick(mail_engine, clock.now).delivery.emailed == 10
    for _ in range(5):
        clock.advance(hours=1)
        assert tick(mail_engine, clock.now).delivery.total == 0
    assert len(smtp.mailbox.messages) == 10
    assert set(smtp.mailbox.copies().values()) == {1}
    assert {m["To"] for m in smtp.mailbox.messages} == {"anna@example.it", "bruno@example.it"}
    assert all(any(ref in m.get_content() for ref in refs) for m in smtp.mailbox.messages)
    with mail_engine.uow(write=False) as uow:
        assert outbox_rows(uow) == []


def test_a_notification_that_keeps_failing_is_marked_and_can_be_retried(
    mail_engine: Engine, clock: FakeClock, smtp: SmtpServer
) -> None:
    start_cases(mail_engine, 1)
    for _ in range(4):  # max attempts: 4, backing off 1, 2, 4 minutes
        tick(mail_engine, clock.now)
        clock.advance(minutes=10)
    with mail_engine.uow(write=False) as uow:
        failed = outbox_rows(uow, failed=True)
    assert len(failed) == 2
    assert all(r.attempts == 4 and r.failed_at is not None for r in failed)
    assert all("unavailable" in (r.last_error or "") for r in failed)
    clock.advance(days=1)
    assert tick(mail_engine, clock.now).delivery.total == 0  # given up: no more attempts

    smtp.start()
    with mail_engine.uow() as uow:
        assert retry_failed(uow) == 2
    assert deliver_due(mail_engine, clock.now).emailed == 2
    assert len(smtp.mailbox.messages) == 2


def test_without_smtp_only_in_app_notifications_are_written(
    settings: Settings, clock: FakeClock, network: Engine
) -> None:
    engine = build_engine(settings, clock=clock)
    drive = Driver(engine)
    drive.deploy("three_tasks.bpmn", "intake.json")
    drive.start("three_tasks", organization="comune_cremona")
    report = tick(engine, clock.now + timedelta(seconds=1)).delivery
    assert (report.in_app, report.emailed, report.retried) == (1, 0, 0)  # giulia's
    engine.dispose()


def test_notifications_written_together_are_stored_as_given(
    engine: Engine, clock: FakeClock
) -> None:
    payloads = [
        {"kind": "notice", "n": n, "text": "Perché\\t\t\n", "nested": {"list": [1, None, "ü"]}}
        for n in range(12)  # enough for one COPY on PostgreSQL
    ]
    with engine.uow() as uow:
        for n, payload in enumerate(payloads):
            enqueue(uow, "in_app", f"user-{n}", None, payload)
        uow.commit()
    with engine.uow(write=False) as uow:
        rows = uow.session.scalars(select(Outbox).order_by(Outbox.id)).all()
        stored = [
            (r.payload, r.recipient, r.kind, r.channel, r.attempts, r.case_id, r.created_at)
            for r in rows
        ]
        unsent = [(r.next_attempt_at, r.delivered_at, r.last_error) for r in rows]
    assert [s[:2] for s in stored] == [(p, f"user-{n}") for n, p in enumerate(payloads)]
    assert {s[2:] for s in stored} == {("notice", "in_app", 0, None, clock.now)}
    assert set(unsent) == {(clock.now, None, None)}
