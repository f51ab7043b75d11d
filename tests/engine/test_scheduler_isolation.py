"""Finding 6 and part of 10 of the red-team pass: one case's poisoned escalation ladder stops
neither the scheduler's pass nor anybody else's notifications; durations and priorities beyond
sane bounds are refused at deploy; date arithmetic never overflows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from engine import Engine
from engine.durations import parse_duration
from engine.errors import ModelInvalid
from engine.scheduling.duties import tick
from engine.store.tables import HumanTask, Incident
from tests.mailbox import SmtpServer
from tests.support import FIXTURES, Driver, FakeClock, fixture_files

POISON = [
    {"after": "P0D", "action": "notify_assignee"},
    {"after": "P99999999999Y", "action": "notify_coordinators"},
]


@pytest.fixture
def drive(mail_engine: Engine) -> Driver:
    return Driver(mail_engine)


def with_task_property(name: str, value: str) -> dict[str, bytes]:
    """three_tasks with the intake task's property `name` set (replaced or added)."""
    text = (FIXTURES / "three_tasks.bpmn").read_text()
    for old in ('name="dueIn" value="P10D"', 'name="priority" value="high"'):
        if name in old:
            return {
                "three_tasks.bpmn": text.replace(old, f'name="{name}" value="{value}"').encode()
            }
    marker = '<spiffworkflow:property name="candidateGroups" value="case_manager" />'
    prop = f'<spiffworkflow:property name="{name}" value="{value}" />'
    return {"three_tasks.bpmn": text.replace(marker, marker + prop, 1).encode()}


def test_a_poisoned_ladder_becomes_an_incident_and_the_pass_goes_on(
    drive: Driver, mail_engine: Engine, clock: FakeClock, smtp: SmtpServer
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    start = clock.now
    poisoned = drive.start("three_tasks", organization="comune_cremona")
    healthy = drive.start("three_tasks", organization="comune_cremona")
    poisoned_task, healthy_task = drive.task(poisoned, "intake"), drive.task(healthy, "intake")
    with mail_engine.uow() as uow:  # a ladder stored before deploy refused such durations
        uow.session.execute(
            update(HumanTask).where(HumanTask.id == poisoned_task.id).values(escalation=POISON)
        )
        uow.commit()

    clock.now = start + timedelta(days=10)  # both tasks fall due
    report = tick(mail_engine, clock.now)

    assert report.escalations == 1  # the healthy task's first step
    overdue = [s for s in smtp.mailbox.subjects("anna@example.it") if "scaduta" in s]
    assert any(healthy in s for s in overdue)
    with mail_engine.uow(write=False) as uow:
        incidents = uow.session.execute(select(Incident.case_id, Incident.kind, Incident.error))
        [(case_id, kind, error)] = incidents.all()
        stuck = uow.session.get_one(HumanTask, poisoned_task.id)
        assert (kind, stuck.next_escalation_at, stuck.escalation_level) == ("escalation", None, 0)
        assert case_id == stuck.case_id and "longer than 100 years" in error
        assert uow.session.get_one(HumanTask, healthy_task.id).escalation_level == 1

    clock.now += timedelta(days=3)  # the next pass goes on as usual
    assert tick(mail_engine, clock.now).escalations == 1


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("escalation", "P99999999999Y:notify_coordinators", "longer than 100 years"),
        ("escalation", "P0D:notify_assignee,P101Y:review_task", "longer than 100 years"),
        ("dueIn", "P9999999999D", "at most 100 years"),
        ("priority", "1" + "0" * 30, "out of range"),
        ("priority", "-5", "out of range"),
    ],
)
def test_deploy_refuses_durations_and_priorities_out_of_bounds(
    drive: Driver, name: str, value: str, message: str
) -> None:
    with pytest.raises(ModelInvalid) as err:
        drive.deploy(files={**with_task_property(name, value), **fixture_files("intake.json")})
    assert message in str(err.value.problems)


@pytest.mark.parametrize(
    ("expression", "year"),
    [("'P' + '9' * 10 + 'D'", None), ("date(9999, 12, 31)", 9999)],
)
def test_an_overflowing_due_in_expression_does_not_break_case_starts(
    drive: Driver, clock: FakeClock, expression: str, year: int | None
) -> None:
    """Deploy accepted these, and then every case start was a 500 (or the ladder overflowed)."""
    files = with_task_property("dueIn", expression.replace("'", "&apos;"))
    drive.deploy(files={**files, **fixture_files("intake.json")})
    for _ in range(2):
        ref = drive.start("three_tasks", organization="comune_cremona")
    due = drive.task(ref, "intake").due_at
    assert (due.year if due else None) == year
    clock.now = datetime(9999, 12, 31, 12, tzinfo=UTC)
    tick(drive.engine, clock.now)  # the ladder's dates are clamped, nothing raises


def test_duration_arithmetic_is_clamped_at_the_calendar_ends() -> None:
    late = datetime(9999, 12, 1, tzinfo=UTC)
    assert parse_duration("P1Y").after(late).year == 9999
    assert parse_duration("-P1Y").after(datetime(1, 6, 1, tzinfo=UTC)).year == 1
    for text in ("P9999999999D", "P99999999999Y", "PT99999999999999H", "P" + "9" * 5000 + "D"):
        with pytest.raises(ValueError, match="100 years"):
            parse_duration(text)
