"""Each kind of process runs end to end through the commands, reloaded from the database."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from engine import Engine
from engine.errors import FormDataInvalid
from tests.support import Driver, FakeClock


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def test_three_user_tasks_run_to_the_end(drive: Driver, clock: FakeClock) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", {"target_group": "giovani"}, as_user="giulia")
    assert ref == "CR-2026-000001"

    intake = drive.task(ref, "intake")
    assert intake.candidate_groups == ["case_manager"]
    assert intake.organization == "comune_cremona"
    assert intake.due_at == clock.now + timedelta(days=10)
    assert intake.priority == 80
    assert intake.form_key == "intake.json"

    clock.advance(days=1)
    drive.complete(ref, "intake", {"resident": True, "urgency": "high"}, as_user="giulia")
    assess = drive.task(ref, "assess")
    assert assess.candidate_groups == ["case_manager", "equipe_member"]
    assert assess.due_at == clock.now + timedelta(days=30)

    drive.complete(ref, "assess", as_user="giulia")
    close = drive.task(ref, "close")
    assert close.due_at is None
    drive.complete(ref, "close", as_user="giulia")

    view = drive.case(ref)
    assert view["status"] == "completed"
    assert view["open_tasks"] == []
    assert {"intake", "assess", "close", "end"} <= set(view["completed_elements"])
    kinds = [h["kind"] for h in view["history"]]
    assert kinds.count("task_completed") == 3 and kinds[-1] == "case_completed"


def test_spiffworkflow_logs_state_changes_only_when_its_logger_is_turned_up(
    drive: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    with caplog.at_level(logging.INFO, logger="spiff.task"):
        ref = drive.start("three_tasks")
    changes = [r for r in caplog.records if r.name == "spiff.task"]
    assert changes and all(r.getMessage().startswith("State changed to ") for r in changes)
    assert {r.task_spec for r in changes} >= {"start", "intake"}  # type: ignore[attr-defined]
    assert all(r.elapsed >= 0 for r in changes)  # type: ignore[attr-defined]
    caplog.clear()
    with caplog.at_level(logging.INFO):  # the engine's own logs; SpiffWorkflow's stay quiet
        drive.complete(ref, "intake", {"resident": True, "urgency": "low"})
    assert drive.open_elements(ref) == ["assess"]
    assert not [r for r in caplog.records if r.name == "spiff.task"]


def test_form_data_is_validated_and_nothing_moves_on_error(drive: Driver) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    with pytest.raises(FormDataInvalid) as err:
        drive.complete(ref, "intake", {"resident": "yes"}, as_user="giulia")
    fields = {p["field"] for p in err.value.problems}
    assert fields == {"resident", "urgency"}
    assert drive.open_elements(ref) == ["intake"]


def test_xor_gateway_routed_by_dmn_decision(drive: Driver) -> None:
    drive.deploy("routing.bpmn", "route_decision.dmn")
    ready = drive.start("routing", {"work_ready": True})
    social = drive.start("routing", {"work_ready": False})
    cpi = drive.task(ready, "cpi_pact")
    assert (cpi.candidate_groups, cpi.organization) == (["cpi_operator"], "provincia_cremona")
    assert drive.open_elements(social) == ["social_project"]
    drive.complete(ready, "cpi_pact", as_user="marco")
    assert drive.case(ready)["status"] == "completed"


def test_call_activity_runs_the_child_process(drive: Driver) -> None:
    drive.deploy("parent.bpmn", "child.bpmn")
    ref = drive.start("parent")
    drive.complete(ref, "before")
    child = drive.task(ref, "child_task")
    assert child.candidate_groups == ["cpi_operator"]
    drive.complete(ref, "child_task")
    drive.complete(ref, "after")
    assert drive.case(ref)["status"] == "completed"


def test_call_activity_finds_a_child_deployed_earlier(drive: Driver) -> None:
    drive.deploy("child.bpmn")
    [parent] = drive.deploy("parent.bpmn")
    assert parent.process_id == "parent"
    ref = drive.start("parent")
    drive.complete(ref, "before")
    assert drive.open_elements(ref) == ["child_task"]


def test_parallel_gateway_waits_for_every_branch(drive: Driver) -> None:
    drive.deploy("parallel.bpmn")
    ref = drive.start("parallel")
    assert drive.open_elements(ref) == ["asst", "cpi", "social"]
    drive.complete(ref, "cpi")
    drive.complete(ref, "social")
    assert drive.open_elements(ref) == ["asst"]
    drive.complete(ref, "asst")
    assert drive.open_elements(ref) == ["synthesis"]


def test_interrupting_boundary_timer_closes_the_task(drive: Driver, clock: FakeClock) -> None:
    from engine.scheduling.timers import fire_due_timers

    drive.deploy("boundary_timer.bpmn")
    ref = drive.start("boundary_timer")
    waiting = drive.task(ref, "wait_reply")
    assert drive.case(ref)["next_wakeup_at"] == (clock.now + timedelta(days=10)).isoformat()

    assert fire_due_timers(drive.engine, clock.now + timedelta(days=9)) == 0
    assert drive.open_elements(ref) == ["wait_reply"]
    assert fire_due_timers(drive.engine, clock.now + timedelta(days=10, seconds=1)) == 1
    assert drive.open_elements(ref) == ["escalate"]
    with drive.engine.uow(write=False) as uow:
        from engine.store.tables import HumanTask

        closed = uow.session.get_one(HumanTask, waiting.id)
        assert closed.status == "cancelled"


def test_boundary_timer_not_fired_when_task_done_in_time(drive: Driver, clock: FakeClock) -> None:
    from engine.scheduling.timers import fire_due_timers

    drive.deploy("boundary_timer.bpmn")
    ref = drive.start("boundary_timer")
    drive.complete(ref, "wait_reply")
    assert drive.case(ref)["status"] == "completed"
    assert drive.case(ref)["next_wakeup_at"] is None
    assert fire_due_timers(drive.engine, clock.now + timedelta(days=30)) == 0
