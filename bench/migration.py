"""Benchmark moving running cases to a new version: 10,000 cases, dry run then real run.

    .venv/bin/python bench/migration.py [--cases 10000]

Runs on a temporary SQLite database, and also on PostgreSQL when PERCORSI_BENCH_DATABASE_URL
names one (its tables are emptied). The network is seeded and the bundled models deployed as
`make run` does; half the cases wait at the first step of the main pathway, half are in the
middle of their services (a parallel multi-instance subprocess with two services, three open
tasks, two boundary timers waiting). The cases are copies of one walked case of each kind
(rows, worklist rows and parties), so setting up 10,000 takes seconds. Version 2 changes the
periodic check from 90 to 60 days and renames a step; the run recomputes the timers. Each
case moves in its own transaction, as in production. Reported: cases per second for the dry
run and for the real run, with the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import SYSTEM, Engine, Settings
from engine.commands.accounts import load_actor
from engine.commands.deployment import deploy_model
from engine.commands.migrations import migrate_cases
from engine.rules.migration_plans import MigrationPlan
from engine.store.db import connect
from engine.store.schema import upgrade
from engine.store.tables import Case, CaseParty, HumanTask, TaskCandidate
from tests.support import FakeClock, truncate_all
from tests.workflows.conftest import REFERRAL, Walk
from web.composition import build_engine, bundled_files
from workflows.demo_people import create_demo_users
from workflows.seed import seed_network

PROCESS = "percorso_inclusione"
SERVICES = [
    {"type": "tirocinio_inclusione", "end_date": "2027-12-31"},
    {"type": "formazione", "end_date": "2027-06-30"},
]


def fresh_engine(url: str) -> Engine:
    db = connect(url)
    upgrade(db)
    if not url.startswith("sqlite"):
        truncate_all(db)
    db.dispose()
    engine = build_engine(Settings.from_env({}, database_url=url))
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        create_demo_users(uow)
        uow.commit()
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    return engine


def changed_pathway() -> dict[str, bytes]:
    files = bundled_files()
    xml = files[f"{PROCESS}.bpmn"].decode()
    xml = xml.replace('"R/P90D"', '"R/P60D"')
    xml = xml.replace('name="Conclusione del servizio"', 'name="Chiusura del servizio"')
    return {**files, f"{PROCESS}.bpmn": xml.encode()}


def walked_cases(engine: Engine) -> tuple[str, str]:
    """One case at its first step, one amid its services (walked as the workflow tests do)."""
    walk = Walk(engine, FakeClock(engine.clock()))
    data = {**REFERRAL, "target_group": "adulti"}
    first, busy = (walk.start(PROCESS, data, organization="comune_cremona") for _ in range(2))
    walk.do(busy, "presa_atto", {"resident": True, "adi": False})
    analisi = {"first_meeting_date": "2026-03-02", "complex_needs": False, "work_ready": False}
    walk.do(busy, "analisi_preliminare", {**analisi, "disadvantaged": False})
    pact = {"patto_date": "2026-03-05", "pact_kind": "pais", "services": SERVICES}
    walk.do(busy, "progetto_sociale", pact)
    return first, busy


def clone_cases(engine: Engine, reference: str, copies: int) -> None:
    """Copy a case `copies` times: its row, its open worklist rows with their groups, its
    parties (state shared; new references)."""
    with engine.uow() as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == reference)).one()
        columns = {c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key != "id"}
        tasks = uow.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).all()
        task_rows = [
            {c.key: getattr(t, c.key) for c in HumanTask.__table__.columns if c.key != "id"}
            for t in tasks
        ]
        roles = {t.id: list(t.candidate_groups) for t in tasks}
        parties = uow.session.scalars(
            select(CaseParty.organization_id).where(CaseParty.case_id == case.id)
        ).all()
        for start in range(0, copies, 500):
            batch = range(start, min(copies, start + 500))
            ids = uow.session.scalars(
                insert(Case).returning(Case.id),
                [{**columns, "reference": f"{reference}-{i:05d}"} for i in batch],
            ).all()
            uow.session.execute(
                insert(CaseParty),
                [{"case_id": c, "organization_id": o} for c in ids for o in parties],
            )
            for original, row in zip(tasks, task_rows, strict=True):
                new_ids = uow.session.scalars(
                    insert(HumanTask).returning(HumanTask.id), [{**row, "case_id": c} for c in ids]
                ).all()
                candidates = [
                    {"task_id": t, "role": r} for t in new_ids for r in roles[original.id]
                ]
                if candidates:
                    uow.session.execute(insert(TaskCandidate), candidates)
        uow.session.commit()


def timed(engine: Engine, dry_run: bool) -> tuple[float, dict[str, int]]:
    with engine.uow(write=False) as uow:
        coordinator = load_actor(uow, None)
    plan = MigrationPlan(PROCESS, 2, timers="recompute")
    began = time.perf_counter()
    report = migrate_cases(engine, coordinator, plan, dry_run=dry_run)
    return time.perf_counter() - began, report.counts


def run(label: str, url: str, cases: int) -> None:
    engine = fresh_engine(url)
    try:
        waiting, busy = walked_cases(engine)
        clone_cases(engine, waiting, cases // 2 - 1)
        clone_cases(engine, busy, cases - cases // 2 - 1)
        with engine.uow() as uow:
            deploy_model(uow, changed_pathway(), SYSTEM)
        for dry_run in (True, False):
            seconds, counts = timed(engine, dry_run)
            done = sum(counts.values())
            print(
                f"{label:<10} {'dry run' if dry_run else 'real run':<8} {done} cases in "
                f"{seconds:.1f} s: {done / seconds:.0f} cases/s {counts} "
                f"(load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", args.cases)
    pg = os.environ.get("PERCORSI_BENCH_DATABASE_URL")
    if pg and not pg.startswith("sqlite"):
        run("postgresql", pg, args.cases)


if __name__ == "__main__":
    main()
