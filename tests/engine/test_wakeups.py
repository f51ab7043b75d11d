"""Wake-ups across processes on PostgreSQL: a command committed by another engine (as another
process would) wakes the scheduler through LISTEN/NOTIFY, also after its connection was cut."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from engine import Engine, Settings
from engine.scheduling.scheduler import Scheduler
from engine.store.wakeups import CHANNEL
from tests.support import FIXTURES, PG_URL, Driver
from web.composition import build_engine

pytestmark = pytest.mark.skipif(not PG_URL, reason="LISTEN/NOTIFY is PostgreSQL's")


def wait_for(check: Callable[[], bool], what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in {seconds} s"
        time.sleep(0.05)


@pytest.fixture
def two_processes(network: Engine, settings: Settings) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on the wall clock: one runs the scheduler, the other takes the commands."""
    scheduling, commanding = build_engine(settings), build_engine(settings)
    source = (FIXTURES / "timer_wait.bpmn").read_text().replace('"PT1H"', '"PT1S"')
    Driver(commanding).deploy(files={"timer_wait.bpmn": source.encode()})
    yield scheduling, commanding
    scheduling.dispose()
    commanding.dispose()


def completed(engine: Engine, reference: str) -> Callable[[], bool]:
    return lambda: Driver(engine).case(reference)["status"] == "completed"


def test_a_command_of_another_process_wakes_the_scheduler(
    two_processes: tuple[Engine, Engine],
) -> None:
    scheduling, commanding = two_processes
    scheduler = Scheduler(scheduling, sweep_seconds=3600)  # no help from the sweep
    scheduler.start()
    try:
        assert scheduler._listener is not None
        wait_for(scheduler._listener.listening.is_set, "listening", 15)
        began = time.monotonic()
        reference = Driver(commanding).start("timer_wait")
        wait_for(completed(commanding, reference), "the one-second timer", 15)
        assert time.monotonic() - began < 10  # not the hour-long sweep
    finally:
        scheduler.stop()


def test_the_listener_reconnects_and_catches_up_after_its_connection_is_cut(
    two_processes: tuple[Engine, Engine],
) -> None:
    scheduling, commanding = two_processes
    scheduler = Scheduler(scheduling, sweep_seconds=3600)
    scheduler.start()
    try:
        assert scheduler._listener is not None
        wait_for(scheduler._listener.listening.is_set, "listening", 15)
        with commanding.db.begin() as conn:
            cut = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query = :listen AND pid <> pg_backend_pid()"
                ),
                {"listen": f"LISTEN {CHANNEL}"},
            ).all()
        assert cut, "no listening session found"
        reference = Driver(commanding).start("timer_wait")
        wait_for(completed(commanding, reference), "the timer after the reconnection", 20)
    finally:
        scheduler.stop()
