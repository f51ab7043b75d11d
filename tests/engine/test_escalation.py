"""The escalation ladder: overdue at the due date, coordinators at +3 days, a review at +7."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine
from engine.errors import Forbidden, FormDataInvalid
from engine.scheduling.duties import tick
from engine.store.tables import CaseEvent, HumanTask, Notification, User
from tests.mailbox import SmtpServer
from tests.support import FIXTURES, Driver, FakeClock


@pytest.fixture
def drive(mail_engine: Engine) -> Driver:
    return Driver(mail_engine)


def escalations(engine: Engine, task_id: int) -> list[dict[str, Any]]:
    with engine.uow(write=False) as uow:
        events = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "task_escalated").order_by(CaseEvent.id)
        ).all()
        return [e.payload for e in events if e.payload["task_id"] == task_id]


def task_row(engine: Engine, task_id: int) -> HumanTask:
    with engine.uow(write=False) as uow:
        row = uow.session.get_one(HumanTask, task_id)
        uow.session.expunge(row)
        return row


def sweep_many(engine: Engine, clock: FakeClock, days: int) -> None:
    """Run the scheduler's pass every 6 hours for `days` days, as a live scheduler would."""
    for _ in range(days * 4):
        clock.advance(hours=6)
        tick(engine, clock.now)


def start_restricted(drive: Driver) -> str:
    subject = {"name": "Maria Bianchi", "health": "diagnosi riservata"}
    return drive.start(
        "three_tasks", {"restricted": True, "subject": subject}, organization="comune_cremona"
    )


def test_ladder_fires_each_step_once_and_mails_the_right_people(
    drive: Driver, mail_engine: Engine, clock: FakeClock, smtp: SmtpServer
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    start = clock.now
    ref = start_restricted(drive)
    task = drive.task(ref, "intake")
    assert task.due_at == start + timedelta(days=10)

    tick(mail_engine, clock.now)
    assert smtp.mailbox.subjects("anna@example.it") == [
        f"[Percorsi] Nuova attività «Intake» - {ref}"
    ]
    assert smtp.mailbox.to("marco@example.it") == []  # not in the task's group or organisation

    sweep_many(mail_engine, clock, 9)  # day 9: not yet due
    assert task_row(mail_engine, task.id).escalation_level == 0
    assert escalations(mail_engine, task.id) == []

    clock.now = start + timedelta(days=10)
    tick(mail_engine, clock.now)
    overdue = task_row(mail_engine, task.id)
    assert overdue.escalation_level == 1
    assert overdue.next_escalation_at == start + timedelta(days=13)
    assert [e["action"] for e in escalations(mail_engine, task.id)] == ["notify_assignee"]
    assert escalations(mail_engine, task.id)[0]["notified"] == ["anna", "bruno"]
    assert smtp.mailbox.subjects("anna@example.it")[-1].startswith("[Percorsi] Attività scaduta")

    sweep_many(mail_engine, clock, 3)  # day 13
    assert task_row(mail_engine, task.id).escalation_level == 2
    step2 = escalations(mail_engine, task.id)[1]
    assert step2["notified"] == ["paolo"]
    assert "comune_cremona" in step2["audience"]
    assert len(smtp.mailbox.to("paolo@example.it")) == 1
    assert smtp.mailbox.to("sara@example.it") == []  # coordinator of another organisation

    sweep_many(mail_engine, clock, 4)  # day 17
    assert task_row(mail_engine, task.id).escalation_level == 3
    [review] = [t for t in drive.tasks(ref) if t.element_id == "review_intake"]
    assert review.candidate_groups == ["coordinator"]
    with mail_engine.uow(write=False) as uow:
        stored = uow.session.get_one(HumanTask, review.id)
        assert (stored.kind, stored.spiff_task_id) == ("review", None)
        assert stored.data == {"stuck_task_id": task.id, "stuck_element_id": "intake"}
    assert {m["To"] for m in smtp.mailbox.messages if "Comitato" in str(m["Subject"])} == {
        "paolo@example.it",
        "sara@example.it",
    }

    sweep_many(mail_engine, clock, 20)  # many more sweeps: nothing fires again
    assert [e["level"] for e in escalations(mail_engine, task.id)] == [1, 2, 3]
    assert task_row(mail_engine, task.id).next_escalation_at is None
    assert max(smtp.mailbox.copies().values()) == 1

    for message in smtp.mailbox.messages:
        body = message.get_content()
        assert "Maria" not in body and "Bianchi" not in body and "diagnosi" not in body
        assert ref in body and "https://percorsi.example.it/tasks/" in body


def test_review_task_completes_without_touching_the_workflow(
    drive: Driver, mail_engine: Engine, clock: FakeClock
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", organization="comune_cremona")
    clock.advance(days=30)
    tick(mail_engine, clock.now)
    assert drive.open_elements(ref) == ["intake", "review_intake"]
    decision = {"decision": "sollecitata", "notes": "Sollecitato il servizio."}
    with pytest.raises(Forbidden):
        drive.complete(ref, "review_intake", decision, as_user="anna")
    with pytest.raises(FormDataInvalid):  # the Comitato's decision is a choice of its form
        drive.complete(ref, "review_intake", {"note": "sollecitato"}, as_user="paolo")
    drive.complete(ref, "review_intake", decision, as_user="paolo")
    assert drive.open_elements(ref) == ["intake"]
    kinds = [h["kind"] for h in drive.case(ref)["history"]]
    assert kinds[-1] == "review_completed"
    assert drive.case(ref)["status"] == "running"


def test_completing_the_task_stops_its_ladder(
    drive: Driver, mail_engine: Engine, clock: FakeClock
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", organization="comune_cremona")
    intake = drive.task(ref, "intake")
    clock.advance(days=11)
    tick(mail_engine, clock.now)
    assert task_row(mail_engine, intake.id).escalation_level == 1
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="anna")
    assert task_row(mail_engine, intake.id).next_escalation_at is None
    sweep_many(mail_engine, clock, 10)
    assert len(escalations(mail_engine, intake.id)) == 1
    assess = drive.task(ref, "assess")
    assert task_row(mail_engine, assess.id).next_escalation_at == assess.due_at


def test_after_downtime_every_due_step_fires_at_once_in_order(
    drive: Driver, mail_engine: Engine, clock: FakeClock
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", organization="comune_cremona")
    intake = drive.task(ref, "intake")
    clock.advance(days=40)
    report = tick(mail_engine, clock.now)
    assert report.escalations == 3
    assert [e["action"] for e in escalations(mail_engine, intake.id)] == [
        "notify_assignee",
        "notify_coordinators",
        "review_task",
    ]


def test_task_and_process_ladders_override_the_global_one(
    drive: Driver, mail_engine: Engine, clock: FakeClock
) -> None:
    drive.deploy("own_ladder.bpmn")
    ref = drive.start("own_ladder", organization="comune_cremona")
    by_task, by_process = drive.task(ref, "by_task"), drive.task(ref, "by_process")
    assert task_row(mail_engine, by_task.id).escalation == [
        {"after": "-P1D", "action": "notify_group"},
        {"after": "P1D", "action": "review_task"},
    ]
    assert task_row(mail_engine, by_process.id).escalation == [
        {"after": "PT12H", "action": "notify_group"}
    ]
    clock.advance(days=1, minutes=1)  # one day before the due date: the reminder step
    tick(mail_engine, clock.now)
    assert [e["action"] for e in escalations(mail_engine, by_task.id)] == ["notify_group"]
    assert escalations(mail_engine, by_process.id) == []
    clock.advance(days=2)
    tick(mail_engine, clock.now)
    assert [e["level"] for e in escalations(mail_engine, by_task.id)] == [1, 2]
    assert escalations(mail_engine, by_process.id)[0]["notified"] == ["marco"]


def test_unassigned_overdue_task_of_a_case_without_organisation_reaches_all_coordinators(
    drive: Driver, mail_engine: Engine, clock: FakeClock
) -> None:
    drive.deploy("routing.bpmn", "route_decision.dmn")
    [task] = [t for t in drive.tasks(drive.start("routing", {"work_ready": False}))]
    with mail_engine.uow() as uow:
        row = uow.session.get_one(HumanTask, task.id)
        row.due_at, row.next_escalation_at = clock.now, clock.now
        row.escalation = [{"after": "PT0S", "action": "notify_coordinators"}]
        uow.commit()
    tick(mail_engine, clock.now + timedelta(seconds=1))
    [step] = escalations(mail_engine, task.id)
    assert step["notified"] == ["paolo", "sara"]
    assert step["audience"].startswith("all coordinators")


def test_assignment_and_incidents_are_notified_in_app_and_by_mail(
    drive: Driver, mail_engine: Engine, clock: FakeClock, smtp: SmtpServer
) -> None:
    from engine.commands.tasks import assign_task

    source = (FIXTURES / "script_task.bpmn").read_text().replace("SCRIPT", "x = 1 / 0")
    drive.deploy(files={"script_task.bpmn": source.encode()})
    ref = drive.start("script_task", organization="comune_cremona")
    fill = drive.task(ref, "fill")
    with mail_engine.uow() as uow:
        assign_task(uow, fill.id, "bruno", drive.actor("anna"))
    drive.complete(ref, "fill", as_user="bruno")
    tick(mail_engine, clock.now)
    assert any("Attività assegnata" in s for s in smtp.mailbox.subjects("bruno@example.it"))
    assert smtp.mailbox.subjects("paolo@example.it") == [f"[Percorsi] Anomalia su un caso - {ref}"]
    assert "ZeroDivision" not in smtp.mailbox.to("paolo@example.it")[0].get_content()
    with mail_engine.uow(write=False) as uow:
        bruno = uow.session.scalar(select(User).where(User.username == "bruno"))
        assert bruno is not None
        kinds = uow.session.scalars(
            select(Notification.kind).where(Notification.user_id == bruno.id)
        ).all()
    assert sorted(kinds) == ["task_assigned", "task_emitted"]


def test_a_review_has_a_due_date_and_its_own_ladder(
    drive: Driver, mail_engine: Engine, clock: FakeClock, smtp: SmtpServer
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", organization="comune_cremona")
    start = clock.now
    sweep_many(mail_engine, clock, 17)  # the task's ladder opens a review at +7 days
    review = drive.task(ref, "review_intake")
    with mail_engine.uow(write=False) as uow:
        stored = uow.session.get_one(HumanTask, review.id)
        opened = stored.created_at
        assert stored.due_at == opened + timedelta(days=14)
        assert stored.escalation == [
            {"after": "P0D", "action": "notify_assignee"},
            {"after": "P7D", "action": "notify_group"},
        ]
    clock.now = opened + timedelta(days=14)
    tick(mail_engine, clock.now)
    assert task_row(mail_engine, review.id).escalation_level == 1
    assert smtp.mailbox.subjects("paolo@example.it")[-1].startswith(
        "[Percorsi] Attività scaduta «Riesame del caso fermo: Intake»"
    )
    sweep_many(mail_engine, clock, 30)
    assert task_row(mail_engine, review.id).escalation_level == 2  # and never a review of it
    assert [t.element_id for t in drive.tasks(ref)].count("review_intake") == 1
    assert not [t for t in drive.tasks(ref) if t.element_id.startswith("review_review")]
    assert clock.now > start
