"""Authorisation inside the command use cases: who may open, cancel, act on tasks, send messages."""

from __future__ import annotations

import pytest

from engine.commands.cases import cancel_case_by_reference, start_case
from engine.commands.messages import deliver_message
from engine.commands.tasks import claim_task, complete_task
from engine.errors import CaseNotFound, Forbidden, StaleCase, TaskNotFound
from tests.support import Driver


@pytest.fixture
def drive(access_drive: Driver) -> Driver:
    return access_drive


def test_task_commands_hide_tasks_of_foreign_cases(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    with drive.engine.uow() as uow, pytest.raises(TaskNotFound):
        claim_task(uow, task_id, drive.actor("sara"))  # Cr.Forma takes no part: not found
    with drive.engine.uow() as uow, pytest.raises(Forbidden):
        claim_task(uow, task_id, drive.actor("clara"))  # sees the case, holds no task group
    with drive.engine.uow() as uow:
        assert claim_task(uow, task_id, drive.actor("paolo")).assignee_id is not None


def test_read_only_roles_open_no_cases(drive: Driver) -> None:
    for username in ("ugo", "ada"):
        with drive.engine.uow() as uow, pytest.raises(Forbidden):
            start_case(uow, "three_tasks", {}, drive.actor(username))


def test_cancel_needs_the_case_manager_or_a_coordinator_and_the_version(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    with drive.engine.uow() as uow, pytest.raises(CaseNotFound):
        cancel_case_by_reference(uow, ref, drive.actor("sara"))
    with drive.engine.uow() as uow, pytest.raises(Forbidden):
        cancel_case_by_reference(uow, ref, drive.actor("paolo"))  # not the named manager
    with drive.engine.uow() as uow, pytest.raises(StaleCase):
        cancel_case_by_reference(uow, ref, drive.actor("clara"), expected_version=0)
    with drive.engine.uow() as uow:
        case = cancel_case_by_reference(uow, ref, drive.actor("clara"), expected_version=1)
        assert case.status == "cancelled"


def test_complete_refuses_a_stale_case_version(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    data = {"resident": True, "urgency": "low"}
    with drive.engine.uow() as uow, pytest.raises(StaleCase):
        complete_task(uow, task_id, data, drive.actor("giulia"), expected_version=5)
    with drive.engine.uow() as uow:
        outcome = complete_task(uow, task_id, data, drive.actor("giulia"), expected_version=1)
        assert outcome.case.lock_version == 2


def test_operators_send_messages_only_to_cases_they_see(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    with drive.engine.uow() as uow, pytest.raises(Forbidden):
        deliver_message(uow, "x", None, {}, drive.actor("giulia"))
    with drive.engine.uow() as uow, pytest.raises(CaseNotFound):
        deliver_message(uow, "x", ref, {}, drive.actor("sara"))
    with drive.engine.uow() as uow:
        assert deliver_message(uow, "x", ref, {}, drive.actor("giulia")) == []
