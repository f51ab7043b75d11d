"""Absences: while she is away her assigned tasks are her substitute's ("in sostituzione di"),
new assignments to her go to him, overdue notices reach both, his work is audited as his acting
for her; when she returns the tasks not completed go back. A substitute without the roles, or
from another organisation, is refused with what he lacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from engine import Engine
from engine.commands.absences import AbsenceRequest, end_absence, set_absence
from engine.commands.accounts import create_user, load_actor
from engine.commands.tasks import assign_task, claim_task, complete_task
from engine.errors import Forbidden, InvalidInput
from engine.reads.absences import list_absences, substitute_choices
from engine.reads.caseviews import case_detail
from engine.reads.taskrows import summarize_task
from engine.reads.taskviews import TaskFilter, list_tasks, task_detail
from engine.scheduling.duties import tick
from engine.store.tables import CaseEvent, HumanTask, Outbox
from tests.support import Driver, FakeClock

INTAKE = {"resident": True, "urgency": "low"}


@pytest.fixture
def drive(network: Engine) -> Driver:
    """giulia (case manager) holds two intake tasks; paolo is a case manager of her Comune."""
    with network.uow() as uow:
        create_user(uow, "paolo", memberships=[("comune_cremona", "case_manager")])
        create_user(uow, "ettore", memberships=[("comune_cremona", "equipe_member")])
        uow.commit()
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    for _ in range(2):
        ref = drive.start("three_tasks", as_user="giulia")
        with network.uow() as uow:
            claim_task(uow, drive.task(ref, "intake").id, load_actor(uow, "giulia"))
    return drive


def absent(drive: Driver, who: str = "giulia", *, by: str | None = None, **kw: Any) -> Any:
    today = drive.engine.clock().date()
    request = AbsenceRequest(
        kw.get("starts_on", today),
        kw.get("ends_on", today + timedelta(days=4)),
        kw.get("sub", "paolo"),
    )
    with drive.engine.uow() as uow:
        return set_absence(uow, load_actor(uow, by or who), who, request)


def mine(drive: Driver, username: str) -> list[dict[str, Any]]:
    with drive.engine.uow(write=False) as uow:
        actor = load_actor(uow, username)
        return list_tasks(uow, actor, TaskFilter(assignee="me")).items


def audit(drive: Driver, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with drive.engine.uow(write=False) as uow:
        rows = uow.session.scalars(select(CaseEvent).where(CaseEvent.kind == kind)).all()
        return [(e.actor_name, e.payload) for e in rows]


def test_during_the_absence_her_tasks_are_his_and_afterwards_they_go_back(
    drive: Driver, clock: FakeClock
) -> None:
    held = [t["id"] for t in mine(drive, "giulia")]
    assert len(held) == 2

    absent(drive)  # from today: it starts at once

    assert mine(drive, "giulia") == []
    his = mine(drive, "paolo")
    assert sorted(t["id"] for t in his) == sorted(held)
    assert {(t["assignee"], t["substitute_for"]) for t in his} == {("paolo", "giulia")}
    moved = audit(drive, "task_substituted")
    assert {p["task_id"] for _a, p in moved} == set(held)
    assert {(p["absent"], p["to"]) for _a, p in moved} == {("giulia", "paolo")}

    with drive.engine.uow() as uow:
        complete_task(uow, held[0], INTAKE, load_actor(uow, "paolo"))
    [(who, payload)] = [e for e in audit(drive, "task_completed") if e[1]["task_id"] == held[0]]
    assert (who, payload["on_behalf_of"]) == ("paolo", "giulia")

    clock.now = clock.now + timedelta(days=6)  # past the last day of the absence
    report = tick(drive.engine, clock.now)

    assert report.absences == 1
    back = mine(drive, "giulia")
    assert [t["id"] for t in back] == [held[1]]  # the completed one stays completed
    assert back[0]["substitute_for"] is None
    assert [
        t["id"] for t in mine(drive, "paolo")
    ] == []  # assess of the completed case is unclaimed
    assert [(a, p["task_id"], p["from"]) for a, p in audit(drive, "task_given_back")] == [
        ("system", held[1], "paolo")
    ]


def test_new_assignments_go_to_the_substitute_and_notices_reach_both(
    drive: Driver, clock: FakeClock
) -> None:
    ref = drive.start("three_tasks", as_user="paolo")
    task = drive.task(ref, "intake")
    absent(drive, ends_on=clock.now.date() + timedelta(days=20))  # past the task's due date
    with drive.engine.uow() as uow:
        assign_task(uow, task.id, "giulia", load_actor(uow, None))
    assigned = drive.task(ref, "intake")
    assert assigned.assignee == "paolo"
    [(who, payload)] = [e for e in audit(drive, "task_assigned") if e[1]["task_id"] == task.id]
    assert (who, payload["to"], payload["on_behalf_of"]) == ("system", "paolo", "giulia")

    clock.now = task.due_at + timedelta(minutes=1)  # overdue: the first ladder step
    tick(drive.engine, clock.now)
    with drive.engine.uow(write=False) as uow:
        told = uow.session.scalars(
            select(Outbox.recipient).where(Outbox.kind == "task_overdue")
        ).all()
    assert {"paolo", "giulia"} <= set(told)


def test_an_absence_starts_and_ends_at_midnight_in_rome_applied_by_the_scheduler(
    drive: Driver,
) -> None:
    absent(drive, starts_on=date(2026, 3, 5), ends_on=date(2026, 3, 7))
    assert len(mine(drive, "giulia")) == 2  # nothing moves before her first day

    tick(drive.engine, datetime(2026, 3, 4, 22, 59, tzinfo=UTC))
    assert len(mine(drive, "giulia")) == 2
    assert tick(drive.engine, datetime(2026, 3, 4, 23, 0, tzinfo=UTC)).absences == 1
    assert mine(drive, "giulia") == [] and len(mine(drive, "paolo")) == 2
    with drive.engine.uow(write=False) as uow:
        [view] = list_absences(uow, load_actor(uow, "paolo"))  # he sees whom he stands in for
    assert (view["user"], view["status"], view["to"]) == ("giulia", "active", date(2026, 3, 7))

    tick(drive.engine, datetime(2026, 3, 7, 22, 59, tzinfo=UTC))  # still her last day
    assert mine(drive, "giulia") == []
    tick(drive.engine, datetime(2026, 3, 7, 23, 0, tzinfo=UTC))
    assert len(mine(drive, "giulia")) == 2


def test_a_substitute_without_the_roles_or_from_elsewhere_is_refused_naming_what_lacks(
    drive: Driver,
) -> None:
    with pytest.raises(InvalidInput) as lacking:
        absent(drive, sub="ettore")
    assert lacking.value.detail.startswith(
        "ettore lacks the roles of giulia's open tasks: case_manager in comune_cremona "
        "(e.g. 'Intake' of CR-2026-000001, 'Intake' of CR-2026-000002)"
    )
    [problem] = lacking.value.problems
    assert problem["field"] == "substitute" and problem["code"] == "missing_roles"
    assert problem["params"]["roles"] == [
        {"groups": ["case_manager"], "organization": "comune_cremona"}
    ]
    with pytest.raises(InvalidInput, match="marco is not in giulia's organisation"):
        absent(drive, sub="marco")
    with pytest.raises(InvalidInput, match="giulia cannot stand in for giulia"):
        absent(drive, sub="giulia")
    with pytest.raises(InvalidInput, match="to ends before it starts"):
        absent(drive, starts_on=date(2026, 3, 9), ends_on=date(2026, 3, 5))
    assert len(mine(drive, "giulia")) == 2  # nothing moved

    with drive.engine.uow(write=False) as uow:
        choices = substitute_choices(uow, load_actor(uow, "giulia"), "giulia")
    assert [(c["username"], bool(c["missing"])) for c in choices] == [
        ("clara", True),
        ("ettore", True),
        ("paolo", False),
    ]


def test_who_may_record_an_absence(drive: Driver) -> None:
    with pytest.raises(Forbidden):
        absent(drive, by="marco")
    absence = absent(drive, by="clara")  # a coordinator of her Comune
    assert absence.status == "active"
    with drive.engine.uow() as uow:
        ended = end_absence(uow, load_actor(uow, "giulia"), "giulia")
    assert ended.status == "ended"
    assert len(mine(drive, "giulia")) == 2


def test_a_page_of_tasks_held_for_several_colleagues_is_one_statement_and_reads_as_each_task(
    drive: Driver, clock: FakeClock
) -> None:
    with drive.engine.uow() as uow:
        create_user(uow, "marta", memberships=[("comune_cremona", "case_manager")])
        uow.commit()
    for who in ("marta", "paolo"):  # one more task held for marta, one paolo's own
        ref = drive.start("three_tasks", as_user=who)
        with drive.engine.uow() as uow:
            claim_task(uow, drive.task(ref, "intake").id, load_actor(uow, who))
    until = clock.now.date() + timedelta(days=20)
    absent(drive, ends_on=until)
    absent(drive, "marta", ends_on=until)
    clock.now = clock.now + timedelta(days=11)  # past the intakes' due dates
    assert len(mine(drive, "paolo")) == 4  # (the organisation's id is known from here on)
    statements: list[str] = []
    event.listen(drive.engine.db, "before_cursor_execute", lambda *a: statements.append(a[2]))

    for f in (TaskFilter(assignee="me"), TaskFilter(assignee="me", state="all")):  # index; rows
        with drive.engine.uow(write=False) as uow:
            paolo = load_actor(uow, "paolo")
            statements.clear()
            page = list_tasks(uow, paolo, f).items
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            assert len(selects) == 1  # whoever the tasks are held for: no query a row
            shown = [(t["assignee"], t["substitute_for"], t["overdue"]) for t in page]
            assert sorted(shown, key=str) == [
                ("paolo", "giulia", True),
                ("paolo", "giulia", True),
                ("paolo", "marta", True),
                ("paolo", None, True),
            ]
            for row in page:  # the same row as a command, the task and its case show it
                assert summarize_task(uow, uow.session.get_one(HumanTask, row["id"])) == row
                detail = task_detail(uow, paolo, row["id"])
                assert {key: detail[key] for key in row} == row
                [listed] = [
                    {key: value for key, value in t.items() if key != "may_open"}
                    for t in case_detail(uow, paolo, row["case"])["open_tasks"]
                    if t["id"] == row["id"]
                ]
                assert listed == row
