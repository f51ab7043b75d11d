"""The scheduler: wakes on time, fires each timer once across processes and crashes."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from engine import Engine
from engine.observing import Observer
from engine.reads.queries import find_case
from engine.rules.audit import verify_chain
from engine.scheduling.duties import tick
from engine.scheduling.scheduler import Scheduler
from engine.store.tables import Case, CaseEvent, Incident, utcnow
from tests.support import FIXTURES, PG_URL, Driver, FakeClock, clone_case

ROOT = Path(__file__).resolve().parents[2]
RUN_PASS = """
import sys, time, pathlib
from engine import Settings
from engine.scheduling.scheduler import Scheduler
from web.composition import build_engine
scheduler = Scheduler(build_engine(Settings.from_env()))
go = pathlib.Path(sys.argv[1])
while not go.exists():
    time.sleep(0.005)
print(scheduler.run_once().timers)
"""


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def fired_per_case(engine: Engine) -> dict[int, int]:
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(CaseEvent.case_id, func.count())
            .where(CaseEvent.kind == "timer_fired")
            .group_by(CaseEvent.case_id)
        ).all()
    return {case_id: count for case_id, count in rows}


def running_cases(engine: Engine) -> int:
    with engine.uow(write=False) as uow:
        query = select(func.count()).select_from(Case).where(Case.status == "running")
        return int(uow.session.scalar(query) or 0)


def due_crowd(drive: Driver, clock: FakeClock, count: int) -> None:
    """`count` cases whose one-hour timer fell due an hour ago (by the wall clock)."""
    clock.now = utcnow() - timedelta(hours=2)
    drive.deploy("timer_wait.bpmn")
    clone_case(drive.engine, drive.start("timer_wait"), count - 1)


def spawn(database_url: str, *args: str, capture: bool = True) -> subprocess.Popen[str]:
    env = {**os.environ, "PERCORSI_DATABASE_URL": database_url}
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out, text=True)


def wait_for(condition: Callable[[], bool], what: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_non_interrupting_boundary_timer_adds_a_task_and_keeps_the_first(
    drive: Driver, clock: FakeClock
) -> None:
    drive.deploy("reminder_timer.bpmn")
    ref = drive.start("reminder_timer")
    assert tick(drive.engine, clock.now + timedelta(days=4)).timers == 0
    assert tick(drive.engine, clock.now + timedelta(days=5, seconds=1)).timers == 1
    assert drive.open_elements(ref) == ["call_person", "wait_reply"]
    assert tick(drive.engine, clock.now + timedelta(days=30)).timers == 0
    drive.complete(ref, "wait_reply")
    drive.complete(ref, "call_person")
    assert drive.case(ref)["status"] == "completed"


def test_a_command_wakes_the_running_scheduler_for_a_nearer_timer(
    settings: object, drive: Driver, database_url: str
) -> None:
    from web.composition import build_engine

    live = build_engine(drive.engine.settings)  # the wall clock
    source = (FIXTURES / "timer_wait.bpmn").read_text().replace('"PT1H"', '"PT1S"')
    Driver(live).deploy(files={"timer_wait.bpmn": source.encode()})
    scheduler = Scheduler(live, sweep_seconds=3600)  # no help from the sweep
    scheduler.start()
    try:
        ref = Driver(live).start("timer_wait")
        wait_for(lambda: Driver(live).case(ref)["status"] == "completed", "the timer", 30)
    finally:
        scheduler.stop()
        live.dispose()


@pytest.mark.skipif(not PG_URL, reason="several schedulers need PostgreSQL")
def test_two_scheduler_processes_fire_each_of_1000_timers_once(
    drive: Driver, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    due_crowd(drive, clock, 1000)
    go = tmp_path / "go"
    workers = [spawn(database_url, "-c", RUN_PASS, str(go)) for _ in range(2)]
    time.sleep(0.5)  # let both import and connect, then release them together
    go.touch()
    counts = [int((w.communicate(timeout=300)[0] or "0").strip()) for w in workers]
    assert sum(counts) == 1000 and min(counts) > 0, counts
    fired = fired_per_case(drive.engine)
    assert len(fired) == 1000 and set(fired.values()) == {1}
    assert running_cases(drive.engine) == 0


def test_a_scheduler_killed_mid_batch_loses_and_repeats_nothing(
    drive: Driver, clock: FakeClock, database_url: str
) -> None:
    total = 600
    due_crowd(drive, clock, total)
    worker = spawn(database_url, "-m", "web", "tick", capture=False)
    wait_for(lambda: sum(fired_per_case(drive.engine).values()) >= 30, "the first timers")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    before = fired_per_case(drive.engine)
    assert 0 < len(before) < total and set(before.values()) == {1}

    clock.now = utcnow()
    assert tick(drive.engine, clock.now).timers == total - len(before)
    fired = fired_per_case(drive.engine)
    assert len(fired) == total and set(fired.values()) == {1}
    assert running_cases(drive.engine) == 0


def test_a_group_of_timers_writes_its_cases_in_one_statement(
    drive: Driver, clock: FakeClock
) -> None:
    drive.deploy("timer_wait.bpmn")
    refs = [drive.start("timer_wait") for _ in range(5)]
    written: list[int] = []

    def count(*args: Any) -> None:
        statement, context = args[2], args[4]
        if statement.startswith('UPDATE "case"'):
            written.append(len(context.compiled_parameters))  # the rows it changes

    event.listen(drive.engine.db, "before_cursor_execute", count)
    try:
        assert tick(drive.engine, clock.now + timedelta(hours=2)).timers == 5
    finally:
        event.remove(drive.engine.db, "before_cursor_execute", count)
    assert written == [5]  # one executemany of the five rows, not one UPDATE per case
    assert [drive.case(r)["status"] for r in refs] == ["completed"] * 5
    assert set(fired_per_case(drive.engine).values()) == {1}
    with drive.engine.uow(write=False) as uow:  # ten events written at once (PostgreSQL: COPY)
        for ref in refs:
            case = find_case(uow, ref)
            assert verify_chain(uow, case.id).ok
            events = uow.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            ).all()
            assert [(e.kind, e.actor_name) for e in events[-2:]] == [
                ("timer_fired", "system"),
                ("case_completed", "system"),
            ]
            assert events[-2].payload == {"due_at": (clock.now + timedelta(hours=1)).isoformat()}
            assert events[-1].at == clock.now + timedelta(hours=2)


def test_a_case_whose_timer_cannot_fire_is_set_aside_without_blocking_others(
    drive: Driver, clock: FakeClock
) -> None:
    drive.deploy("timer_wait.bpmn")
    refs = [drive.start("timer_wait") for _ in range(3)]
    with drive.engine.uow() as uow:
        broken = uow.session.scalar(select(Case).where(Case.reference == refs[1]))
        assert broken is not None
        broken.state_json = '{"not": "a workflow"}'
        uow.commit()
    assert tick(drive.engine, clock.now + timedelta(hours=2)).timers == 2
    with drive.engine.uow(write=False) as uow:
        cases = {c.reference: c for c in uow.session.scalars(select(Case))}
        incidents = uow.session.scalars(select(Incident)).all()
        assert [cases[r].status for r in refs] == ["completed", "running", "completed"]
        assert cases[refs[1]].next_wakeup_at is None  # not retried on every pass
        assert [(i.case_id, i.kind) for i in incidents] == [(cases[refs[1]].id, "scheduler")]
    assert tick(drive.engine, clock.now + timedelta(hours=3)).timers == 0


def test_timers_fire_with_the_cyclic_collector_paused_and_leave_it_running(
    drive: Driver, clock: FakeClock
) -> None:
    drive.deploy("timer_wait.bpmn")
    refs = [drive.start("timer_wait") for _ in range(3)]
    with drive.engine.uow() as uow:  # one case fails: its group is retried case by case
        broken = uow.session.scalar(select(Case).where(Case.reference == refs[1]))
        assert broken is not None
        broken.state_json = '{"not": "a workflow"}'
        uow.commit()
    collecting: list[bool] = []

    class Watching(Observer):
        def command(self, name: str, outcome: str, seconds: float) -> None:
            if name == "fire_timer":
                collecting.append(gc.isenabled())

    drive.engine.observer = Watching()
    assert gc.isenabled()
    assert tick(drive.engine, clock.now + timedelta(hours=2)).timers == 2
    assert len(collecting) == 5 and not any(collecting)  # 3 in the group, then 2 alone
    assert gc.isenabled()
