"""Benchmark the scheduler: 10,000 timers due at the same moment, and one timer in an idle system.

    .venv/bin/python bench/scheduler.py [--timers 10000] [--idle 20]

Runs on a temporary SQLite database, and also on PostgreSQL when PERCORSI_BENCH_DATABASE_URL
names one (its tables are emptied). The real scheduler (APScheduler, sleeping until the due
moment) fires the timers; each firing is timed at its commit, and lateness is measured from the
timer's due time. Targets: all 10,000 fired within 10 s; p99 lateness <= 1 s for one timer.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import SYSTEM, Engine, Settings
from engine.commands.cases import start_case
from engine.commands.deployment import deploy_model
from engine.scheduling.scheduler import Scheduler
from engine.store.db import connect
from engine.store.schema import upgrade
from engine.store.tables import Case
from tests.support import FIXTURES, clone_case, truncate_all
from web.composition import build_engine

FIRED_AT: dict[int, float] = {}


@event.listens_for(SqlEngine, "after_cursor_execute")
def _written(conn: Connection, _cur: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
    """Note the cases whose stored state a statement changed (commands update it by id)."""
    if not statement.startswith('UPDATE "case"') or context.compiled_parameters is None:
        return
    for params in context.compiled_parameters:
        if "state_json" in params and "row_id" in params:
            conn.info.setdefault("cases", set()).add(params["row_id"])


@event.listens_for(SqlEngine, "commit")
def _committed(conn: Connection) -> None:
    now = time.time()
    for case_id in conn.info.pop("cases", ()):
        FIRED_AT[case_id] = now  # the last commit touching a case is its timer firing


@event.listens_for(SqlEngine, "rollback")
def _rolled_back(conn: Connection) -> None:
    conn.info.pop("cases", None)


def fresh_engine(url: str) -> Engine:
    db = connect(url)
    upgrade(db)
    if not url.startswith("sqlite"):
        truncate_all(db)
    db.dispose()
    return build_engine(Settings.from_env({}, database_url=url))


def deploy(engine: Engine, duration: str) -> None:
    xml = (FIXTURES / "timer_wait.bpmn").read_text().replace('"PT1H"', f'"{duration}"')
    with engine.uow() as uow:
        deploy_model(uow, {"timer_wait.bpmn": xml.encode()}, SYSTEM)


def start(engine: Engine) -> Case:
    with engine.uow() as uow:
        return start_case(uow, "timer_wait", {}, SYSTEM).case


def running(engine: Engine) -> int:
    with engine.uow(write=False) as uow:
        query = select(func.count()).select_from(Case).where(Case.status == "running")
        return int(uow.session.scalar(query) or 0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_until_done(engine: Engine, limit: float) -> None:
    deadline = time.monotonic() + limit
    while running(engine) and time.monotonic() < deadline:
        time.sleep(0.05)


def crowd(engine: Engine, timers: int) -> dict[str, float]:
    """`timers` cases due at one moment, fired by the real scheduler."""
    deploy(engine, "PT8S")
    first = start(engine)
    assert first.next_wakeup_at is not None
    due = first.next_wakeup_at.timestamp()
    clone_case(engine, first.reference, timers - 1)
    FIRED_AT.clear()
    scheduler = Scheduler(engine)
    scheduler.start()
    cpu = time.process_time()
    try:
        wait_until_done(engine, 600)
    finally:
        scheduler.stop()
    cpu = time.process_time() - cpu  # this process's CPU: what the machine's load cannot inflate
    late = [t - due for t in FIRED_AT.values()]
    assert len(late) == timers, f"fired {len(late)} of {timers}"
    return {
        "all_fired_s": max(late),
        "p50_s": percentile(late, 50),
        "p99_s": percentile(late, 99),
        "cpu_ms_per_timer": cpu / timers * 1000,
    }


def idle(engine: Engine, samples: int) -> dict[str, float]:
    """One timer at a time in an idle system: started by a command, which wakes the scheduler."""
    deploy(engine, "PT1S")
    scheduler = Scheduler(engine)
    scheduler.start()
    late = []
    try:
        for _ in range(samples):
            case = start(engine)
            assert case.next_wakeup_at is not None
            wait_until_done(engine, 120)
            late.append(FIRED_AT[case.id] - case.next_wakeup_at.timestamp())
    finally:
        scheduler.stop()
    return {"p50_s": percentile(late, 50), "p99_s": percentile(late, 99), "max_s": max(late)}


def run(label: str, url: str, timers: int, samples: int) -> None:
    engine = fresh_engine(url)
    try:
        many = crowd(engine, timers)
        print(
            f"{label:<10} {timers} timers due at once: all fired {many['all_fired_s']:.2f} s "
            f"after their due time; lateness p50 {many['p50_s']:.2f} s, p99 {many['p99_s']:.2f} s "
            f"({timers / many['all_fired_s']:.0f} timers/s; {many['cpu_ms_per_timer']:.2f} ms CPU "
            f"per timer in the scheduler's process, load average {os.getloadavg()[0]:.1f})"
        )
        one = idle(engine, samples)
        print(
            f"{label:<10} one timer, idle system ({samples} samples): lateness "
            f"p50 {one['p50_s'] * 1000:.0f} ms, p99 {one['p99_s'] * 1000:.0f} ms, "
            f"max {one['max_s'] * 1000:.0f} ms"
        )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--idle", type=int, default=20, help="samples of the idle timer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", args.timers, args.idle)
    pg = os.environ.get("PERCORSI_BENCH_DATABASE_URL")
    if pg and not pg.startswith("sqlite"):
        run("postgresql", pg, args.timers, args.idle)
    print("targets: all fired within 10 s; p99 lateness <= 1 s for one timer")


if __name__ == "__main__":
    main()
