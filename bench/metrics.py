"""Benchmark what one scrape of /metrics costs the database at 100x the expected load.

    .venv/bin/python bench/metrics.py [--tasks 1000000] [--open 0.05] [--runs 7]

Builds 50,000 cases and TASKS human tasks (a share OPEN still open, a fifth of those overdue,
spread over the network's 12 organisations), 100,000 delivered notifications and a few pending,
then times `read_gauges` (the database half of a scrape) with the cache off, and prints each
query's plan on PostgreSQL. A temporary SQLite database; PostgreSQL too when
PERCORSI_BENCH_DATABASE_URL names one (its tables are emptied).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scheduler import fresh_engine
from engine import SYSTEM, Engine
from engine.commands.cases import start_case
from engine.commands.deployment import deploy_model
from engine.reads.gauges import read_gauges
from tests.support import FIXTURES, clone_case
from workflows.seed import seed_network

CASES = 50_000


def fill(engine: Engine, tasks: int, open_share: float) -> None:
    with engine.uow() as uow:
        seed_network(uow)
    files = {p.name: p.read_bytes() for p in (FIXTURES / "three_tasks.bpmn",
                                              FIXTURES / "forms" / "intake.json")}  # fmt: skip
    with engine.uow() as uow:
        deploy_model(uow, files, SYSTEM)
    with engine.uow() as uow:
        reference = start_case(uow, "three_tasks", {}, SYSTEM).case.reference
    clone_case(engine, reference, CASES - 1)
    sqlite = engine.settings.is_sqlite
    days = "datetime('now', ((i % 60) - 12) || ' days')" if sqlite else (
        "now() + (((i % 60) - 12) || ' days')::interval")  # fmt: skip
    now = "datetime('now')" if sqlite else "now()"
    open_every = max(int(1 / open_share), 1)
    statement = f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {tasks})
        INSERT INTO human_task (case_id, kind, element_id, name, process_id, candidate_groups,
            organization_id, status, priority, due_at, escalation_level, created_at)
        SELECT (SELECT min(id) FROM "case") + (i % {CASES}), 'bpmn', 'intake', 'Intake',
            'three_tasks', '[]', 1 + (i % 12),
            CASE WHEN i % {open_every} = 0 THEN 'open' ELSE 'completed' END,
            50, {days}, 0, {now}
        FROM n
    """
    outbox = f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
        INSERT INTO outbox (kind, channel, recipient, payload, attempts, next_attempt_at,
            created_at, delivered_at)
        SELECT 'task_emitted', 'app', 'someone', '{{}}', 1, {now}, {now},
            CASE WHEN i % 5000 = 0 THEN NULL ELSE {now} END
        FROM n
    """
    with engine.db.begin() as conn:
        conn.execute(text(statement))
        conn.execute(text(outbox))
    # What autovacuum does in production soon after such a load: statistics, visibility map.
    with engine.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if sqlite else "VACUUM ANALYZE"))


def measure(engine: Engine, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        with engine.uow(write=False) as uow:
            gauges = read_gauges(uow)
        timings.append(time.perf_counter() - began)
    print(
        f"  open tasks {sum(gauges.open_tasks.values()):,}, overdue "
        f"{sum(gauges.overdue_tasks.values()):,}, outbox pending {gauges.outbox_pending:,}"
    )
    return timings


def explain(engine: Engine) -> None:
    """PostgreSQL's plans for the scrape's queries, to see that none scans a history table."""
    captured: list[tuple[str, object]] = []

    def keep(_conn, _cur, statement, params, _ctx, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    event.listen(engine.db, "after_cursor_execute", keep)
    with engine.uow(write=False) as uow:
        read_gauges(uow)
    event.remove(engine.db, "after_cursor_execute", keep)
    with engine.db.connect() as conn:
        for statement, params in captured:
            explained = f"EXPLAIN (ANALYZE, COSTS OFF) {statement}"
            plan = conn.exec_driver_sql(explained, params).scalars()  # type: ignore[arg-type]
            lines = [line for line in plan if "Scan" in line or "Execution Time" in line]
            print("   ", " | ".join(line.strip() for line in lines))


def run(url: str, label: str, tasks: int, open_share: float, runs: int) -> None:
    engine = fresh_engine(url)
    began = time.perf_counter()
    fill(engine, tasks, open_share)
    print(
        f"{label}: {CASES:,} cases, {tasks:,} tasks filled in {time.perf_counter() - began:.0f} s"
    )
    timings = measure(engine, runs)
    median, worst = statistics.median(timings) * 1000, max(timings) * 1000
    print(f"  read_gauges (a scrape's database part): median {median:.1f} ms, max {worst:.1f} ms")
    if not engine.settings.is_sqlite:
        explain(engine)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--open", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'metrics.db'}"
        run(url, "SQLite", args.tasks, args.open, args.runs)
    pg = os.environ.get("PERCORSI_BENCH_DATABASE_URL")
    if pg:
        run(pg, "PostgreSQL", args.tasks, args.open, args.runs)


if __name__ == "__main__":
    main()
