"""Who may claim, unclaim, assign and complete a task, and what a second attempt gets."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.pq import PipelineStatus
from sqlalchemy import event
from sqlalchemy.engine import Connection

from engine import Engine
from engine.commands.accounts import create_user
from engine.commands.tasks import assign_task, claim_task, complete_task, unclaim_task
from engine.errors import (
    Forbidden,
    InvalidInput,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
    TaskNotFound,
)
from tests.support import PG_URL, Driver

INTAKE = {"resident": True, "urgency": "low"}


@pytest.fixture
def drive(network: Engine) -> Driver:
    with network.uow() as uow:
        create_user(uow, "anna", memberships=[("comune_cremona", "case_manager")])
        create_user(uow, "piero", memberships=[("provincia_cremona", "case_manager")])
        uow.commit()
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    return drive


def act(drive: Driver, use_case, task_id: int, username: str, *args):  # type: ignore[no-untyped-def]
    actor = drive.actor(username)
    with drive.engine.uow() as uow:
        return use_case(uow, task_id, *args, actor)


def assignee(drive: Driver, ref: str) -> str | None:
    return drive.task(ref, "intake").assignee


def test_someone_without_the_group_may_not_claim_or_complete(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    # Who cannot see the case is told the task does not exist (existence is not disclosed)...
    with pytest.raises(TaskNotFound):
        act(drive, claim_task, task_id, "marco")
    with pytest.raises(TaskNotFound):
        act(drive, complete_task, task_id, "marco", INTAKE)
    with pytest.raises(TaskNotFound):  # right role, wrong organisation (the task names comune)
        act(drive, claim_task, task_id, "piero")
    # ...who sees the case but holds none of the task's groups is refused.
    with pytest.raises(Forbidden):
        act(drive, claim_task, task_id, "clara")
    with pytest.raises(Forbidden):
        act(drive, complete_task, task_id, "clara", INTAKE)
    assert assignee(drive, ref) is None
    assert drive.open_elements(ref) == ["intake"]


def test_a_task_claimed_by_one_cannot_be_completed_by_another(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    act(drive, claim_task, task_id, "giulia")
    assert assignee(drive, ref) == "giulia"
    with pytest.raises(TaskClaimedByOther):
        act(drive, claim_task, task_id, "anna")
    with pytest.raises(TaskClaimedByOther):
        act(drive, complete_task, task_id, "anna", INTAKE)
    with pytest.raises(TaskClaimedByOther):
        act(drive, unclaim_task, task_id, "anna")
    act(drive, unclaim_task, task_id, "giulia")
    assert assignee(drive, ref) is None
    act(drive, claim_task, task_id, "anna")
    act(drive, unclaim_task, task_id, "giulia")  # giulia manages this case: she may take it back
    act(drive, complete_task, task_id, "anna", INTAKE)
    assert drive.open_elements(ref) == ["assess"]


def test_another_case_manager_may_not_take_back_a_claim(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="anna")
    task_id = drive.task(ref, "intake").id
    act(drive, claim_task, task_id, "anna")
    with pytest.raises(TaskClaimedByOther):
        act(drive, unclaim_task, task_id, "giulia")  # a case manager, but not of this case
    with pytest.raises(Forbidden):
        act(drive, assign_task, task_id, "giulia", "giulia")
    assert assignee(drive, ref) == "anna"


def test_completing_twice_gives_already_completed(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    act(drive, complete_task, task_id, "giulia", INTAKE)
    with pytest.raises(TaskAlreadyCompleted):
        act(drive, complete_task, task_id, "giulia", INTAKE)
    with pytest.raises(TaskAlreadyCompleted):
        act(drive, claim_task, task_id, "giulia")
    kinds = [h["kind"] for h in drive.case(ref)["history"]]
    assert kinds.count("task_completed") == 1


def test_coordinator_assigns_to_a_member_of_the_group_only(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    act(drive, claim_task, task_id, "giulia")
    with pytest.raises(Forbidden):  # clara holds no group of the task
        act(drive, assign_task, task_id, "clara", "anna")
    with drive.engine.uow() as uow:
        assign_task(uow, task_id, "anna", drive.actor())
    assert assignee(drive, ref) == "anna"
    with pytest.raises(InvalidInput), drive.engine.uow() as uow:
        assign_task(uow, task_id, "marco", drive.actor())
    assert assignee(drive, ref) == "anna"


def test_an_unknown_task_is_not_found(drive: Driver) -> None:
    with pytest.raises(TaskNotFound):
        act(drive, claim_task, 999_999, "giulia")


@pytest.mark.skipif(not PG_URL, reason="round trips are PostgreSQL's cost")
def test_completing_a_task_on_postgresql_waits_per_read_and_once_for_the_writes(
    drive: Driver,
) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", INTAKE, as_user="giulia")  # giulia now leads the case
    waited: list[str] = []  # a statement sent alone waits for its answer: one round trip each
    pipelined: list[str] = []

    def count(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        alone = conn.connection.driver_connection.pgconn.pipeline_status == PipelineStatus.OFF
        (waited if alone else pipelined).append(" ".join(statement.split()[:3]))

    task_id, giulia = drive.tasks(ref)[0].id, drive.actor("giulia")
    event.listen(drive.engine.db, "before_cursor_execute", count)
    try:
        with drive.engine.uow() as uow:
            outcome = complete_task(uow, task_id, INTAKE, giulia)
    finally:
        event.remove(drive.engine.db, "before_cursor_execute", count)
    assert [t.element_id for t in outcome.emitted] == drive.open_elements(ref)
    # The case locked, then the task, its case's chain head and open rows read at once; the
    # task's row written, the next one inserted, its audience read.
    assert len(waited) <= 5, waited
    assert "INSERT INTO case_event" in pipelined and pipelined[-1] == "COMMIT", pipelined
