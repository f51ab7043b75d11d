"""What keeps a case trustworthy: one winner in a race, a tamper-evident audit trail, stored
state without specs, no silent stall, and cancelled cases that close their tasks."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from engine import Engine, Settings
from engine.commands.cases import cancel_case
from engine.commands.tasks import complete_task
from engine.errors import Conflict, TaskAlreadyCompleted, TaskNotReady
from engine.reads.queries import find_case
from engine.rules.audit import verify_chain
from engine.rules.progress import case_specs
from engine.store.tables import Case, CaseEvent, HumanTask, Incident, ProcessVersion
from tests.support import Driver, FakeClock


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def case_id(drive: Driver, reference: str) -> int:
    with drive.engine.uow(write=False) as uow:
        return find_case(uow, reference).id


def history(drive: Driver, reference: str) -> list[str]:
    return [h["kind"] for h in drive.case(reference)["history"]]


def test_two_threads_completing_one_task_give_one_winner_and_one_conflict(
    drive: Driver,
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    barrier = threading.Barrier(2, timeout=30)
    results: list[Any] = []
    actor = drive.actor("giulia")

    def complete() -> None:
        barrier.wait()  # both begin their transaction together (SQLite: BEGIN IMMEDIATE)
        try:
            with drive.engine.uow() as uow:
                complete_task(uow, task_id, {"resident": True, "urgency": "low"}, actor)
            results.append("ok")
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("ok") == 1, results
    [loser] = [r for r in results if r != "ok"]
    assert isinstance(loser, TaskAlreadyCompleted)
    assert history(drive, ref).count("task_completed") == 1
    assert drive.open_elements(ref) == ["assess"]
    with drive.engine.uow(write=False) as uow:
        assert verify_chain(uow, case_id(drive, ref)).ok


def test_an_untampered_chain_verifies_and_a_changed_payload_breaks_it(drive: Driver) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    cid = case_id(drive, ref)
    with drive.engine.uow(write=False) as uow:
        check = verify_chain(uow, cid)
        assert check.ok and check.checked == len(history(drive, ref))
        completed = uow.session.scalar(
            select(CaseEvent.seq).where(
                CaseEvent.case_id == cid, CaseEvent.kind == "task_completed"
            )
        )
    with drive.engine.uow() as uow:
        uow.session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id == cid, CaseEvent.seq == completed)
            .values(payload={"task_id": 1, "data": {"resident": False, "urgency": "low"}})
        )
        uow.commit()
    with drive.engine.uow(write=False) as uow:
        check = verify_chain(uow, cid)
    assert not check.ok
    assert check.broken_at == completed
    assert check.checked == completed - 1


def test_a_deleted_event_breaks_the_chain(drive: Driver) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    cid = case_id(drive, ref)
    with drive.engine.uow() as uow:
        uow.session.query(CaseEvent).filter(CaseEvent.case_id == cid, CaseEvent.seq == 1).delete()
        uow.commit()
    with drive.engine.uow(write=False) as uow:
        check = verify_chain(uow, cid)
    assert (check.ok, check.broken_at) == (False, 2)


def test_a_row_changed_in_a_unit_of_work_is_what_its_next_read_finds(drive: Driver) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks")
    with drive.engine.uow() as uow:
        case = find_case(uow, ref)
        uow.update(case, target_group="adults", lock_version=case.lock_version + 1)
        assert case.target_group == "adults"  # the object at once
        column = select(Case.target_group).where(Case.id == case.id)
        assert uow.session.scalar(column) == "adults"  # any statement after it sees the row
        uow.update(case, comune="Cremona")
        again = uow.session.scalar(
            select(Case).where(Case.id == case.id).execution_options(populate_existing=True)
        )
        assert again is case and (case.comune, case.target_group) == ("Cremona", "adults")
        uow.update(case, comune="Crema")
        uow.commit()  # the last change, written by the commit
    with drive.engine.uow(write=False) as uow:
        assert (find_case(uow, ref).comune, find_case(uow, ref).target_group) == (
            "Crema",
            "adults",
        )


def test_state_is_stored_without_specs_and_round_trips(drive: Driver) -> None:
    drive.deploy("parent.bpmn", "child.bpmn")
    ref = drive.start("parent")
    drive.complete(ref, "before")
    with drive.engine.uow(write=False) as uow:
        case = find_case(uow, ref)
        stored = case.state_json
        state = json.loads(stored)
        spec_json = uow.session.get_one(ProcessVersion, case.version_id).spec_json
        runtime = uow.runtime
        instance = runtime.load(case_specs(uow, case), stored)
        dumped = runtime.dump(instance)
    assert "spec" not in state and "subprocess_specs" not in state
    assert [sub["spec"] for sub in state["subprocesses"].values()] == ["child"]  # a name only
    assert len(stored) < len(spec_json)  # under half of a full serialization
    assert json.loads(dumped) == state
    assert [t.element_id for t in instance.ready_human_tasks()] == ["child_task"]


def test_a_dump_in_one_thread_leaves_the_conversions_of_other_threads_alone(
    engine: Engine,
) -> None:
    registry = engine.runtime.serializer.registry
    value = {"at": datetime(2025, 1, 2, tzinfo=UTC)}
    plain = registry.convert(value)  # {"at": {"typename": "datetime", ...}}
    seen: list[Any] = []

    def convert() -> None:
        seen.append((registry.convert(value), registry.percorsi_task_maps))

    registry._encoder_mode, registry.percorsi_task_maps = True, []  # as in this thread's dump
    try:
        assert registry.convert(value) != plain  # the dump's own mode
        other = threading.Thread(target=convert)
        other.start()
        other.join(30)
    finally:
        registry._encoder_mode, registry.percorsi_task_maps = False, None
    assert seen == [(plain, None)]  # a web request's command, converting as usual


def test_a_restored_case_parses_each_task_id_once(drive: Driver) -> None:
    drive.deploy("parent.bpmn", "child.bpmn")
    ref = drive.start("parent")
    drive.complete(ref, "before")
    with drive.engine.uow(write=False) as uow:
        case = find_case(uow, ref)
        instance = uow.runtime.load(case_specs(uow, case), case.state_json)
    workflows = [instance.wf, *instance.wf.subprocesses.values()]
    keys = {id(key) for wf in workflows for key in wf.tasks}
    for wf in workflows:
        for key, task in wf.tasks.items():
            assert task.id is key  # one UUID object per id: its key, its links
            assert task._parent is None or id(task._parent) in keys
            assert all(id(child) in keys for child in task._children)
    assert len(keys) == sum(len(wf.tasks) for wf in workflows) > 6


def test_a_fresh_case_stores_a_small_fraction_of_a_full_serialization(drive: Driver) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    with drive.engine.uow(write=False) as uow:
        case = find_case(uow, ref)
        stored = case.state_json
        spec_json = uow.session.get_one(ProcessVersion, case.version_id).spec_json
    assert len(stored) < len(spec_json)  # under half of a full serialization


def test_a_loop_too_deep_for_spiffworkflow_becomes_a_stall_incident(
    drive: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 turns of model code take about 0.5 s on a busy machine: the stall is tested here, not
    # the time limit, so the command has time enough whatever the load.
    monkeypatch.setattr(drive.engine.runtime.environment, "time_limit", 20.0)
    drive.deploy("loop.bpmn")
    ref = drive.start("loop", {"turns": 300})
    with drive.engine.uow(write=False) as uow:
        [incident] = uow.session.scalars(
            select(Incident).where(Incident.case_id == find_case(uow, ref).id)
        ).all()
        uow.session.expunge(incident)
    assert incident.kind == "stall"
    assert incident.resolved_at is None
    assert "loop" in incident.error
    assert drive.case(ref)["status"] == "running"
    assert drive.open_elements(ref) == []


def test_a_loop_of_fifty_turns_completes_normally(drive: Driver) -> None:
    drive.deploy("loop.bpmn")
    ref = drive.start("loop", {"turns": 50})
    view = drive.case(ref)
    assert view["incidents"] == []
    assert drive.open_elements(ref) == ["finish"]
    drive.complete(ref, "finish")
    assert drive.case(ref)["status"] == "completed"


def test_cancelling_a_case_closes_its_tasks(drive: Driver) -> None:
    drive.deploy("parallel.bpmn")
    ref = drive.start("parallel")
    tasks = drive.tasks(ref)
    assert len(tasks) == 3
    with drive.engine.uow() as uow:
        cancel_case(uow, case_id(drive, ref), drive.actor("clara"), "referral withdrawn")
    view = drive.case(ref)
    assert view["status"] == "cancelled" and view["open_tasks"] == []
    assert history(drive, ref)[-1] == "case_cancelled"
    with drive.engine.uow(write=False) as uow:
        statuses = {uow.session.get_one(HumanTask, t.id).status for t in tasks}
    assert statuses == {"cancelled"}
    with pytest.raises(TaskNotReady), drive.engine.uow() as uow:
        complete_task(uow, tasks[0].id, {}, drive.actor())


def test_two_engines_on_one_database_never_act_on_a_stale_instance(
    drive: Driver, settings: Settings, clock: FakeClock
) -> None:
    """Each engine keeps instances between commands; a change made by the other is seen."""
    other = Driver(Engine(settings, clock=clock))
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    other.complete(ref, "assess", as_user="giulia")
    drive.complete(ref, "close", as_user="giulia")
    assert drive.case(ref)["status"] == "completed"
    assert history(drive, ref).count("task_completed") == 3
    other.engine.dispose()
