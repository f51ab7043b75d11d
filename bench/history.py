"""A restricted case read many times: its case page and its events API, timed (never a test).

Builds a fresh SQLite database with the demo's cases, picks the restricted case with the most
steps, records `--reads` audited reads of it by three of the people who may read it, then
times the case page (as its CAV operator) and `GET /api/v1/cases/<reference>/events` (first
page, as the DPO), printing p50/p95 in ms and the load average.

    .venv/bin/python bench/history.py [--reads 700] [--reps 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench.scale_measure import logged_in, p50_p95, with_token
from engine import SYSTEM, Engine, Settings
from engine.commands.accounts import load_actor
from engine.commands.deployment import deploy_model
from engine.rules.access import record_restricted_read
from engine.store.db import connect
from engine.store.schema import upgrade
from engine.store.tables import Case, CaseEvent, User
from web.app import create_app
from web.composition import build_engine, bundled_files
from workflows.demo import create_demo
from workflows.seed import seed_network

DPO = "francesca.lombardi"


def restricted_case(engine: Engine) -> tuple[str, str, list[str]]:
    """The restricted case with the most events, its CAV operator and who may read it."""
    with engine.uow(write=False) as uow:
        reference, cav, manager = uow.session.execute(
            select(Case.reference, Case.cav_operator_id, Case.case_manager_id)
            .join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.restricted.is_(True), Case.cav_operator_id.is_not(None))
            .group_by(Case.id)
            .order_by(func.count(CaseEvent.id).desc())
            .limit(1)
        ).one()
        names = {i: n for i, n in uow.session.execute(select(User.id, User.username))}
    readers = [names[cav], DPO] + ([names[manager]] if manager else [])
    return reference, names[cav], readers


def add_reads(engine: Engine, reference: str, readers: list[str], reads: int) -> None:
    """`reads` audited reads of the case, in turns by each reader."""
    actors = {}
    with engine.uow(write=False) as uow:
        actors = {name: load_actor(uow, name) for name in readers}
    for n in range(reads):
        with engine.uow() as uow:
            case = uow.session.scalars(select(Case).where(Case.reference == reference)).one()
            record_restricted_read(uow, actors[readers[n % len(readers)]], case, {"what": "task"})


def timed(call: object, reps: int) -> tuple[float, float]:
    assert callable(call)
    call()  # warm: caches, compiled statements
    timings = []
    for _ in range(reps):
        began = time.perf_counter()
        response = call()
        timings.append(time.perf_counter() - began)
        assert response.status_code == 200, response.data[:300]
    return p50_p95(timings)


def main(reads: int, reps: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = connect(url)
        upgrade(db)
        db.dispose()
        engine = build_engine(Settings.from_env({}, database_url=url, secret_key="bench"))
        with engine.uow() as uow:
            seed_network(uow)
        with engine.uow() as uow:
            deploy_model(uow, bundled_files(), SYSTEM)
        create_demo(engine, 40)
        reference, cav, readers = restricted_case(engine)
        add_reads(engine, reference, readers, reads)
        app = create_app(engine=engine)
        api = with_token(app.test_client(), engine, DPO, "bench-history")
        ui = logged_in(app.test_client(), engine, cav)
        with engine.uow(write=False) as uow:
            total = uow.session.scalar(
                select(func.count(CaseEvent.id))
                .join(Case, Case.id == CaseEvent.case_id)
                .where(Case.reference == reference)
            )
        print(f"{reference}: {total} events, {reads} reads added; {reps} reps")
        for name, call in (
            ("ui case page", lambda: ui.get(f"/cases/{reference}")),
            ("api case events", lambda: api.get(f"/api/v1/cases/{reference}/events")),
        ):
            p50, p95 = timed(call, reps)
            print(f"  {name:<18} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        engine.dispose()
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=700)
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    main(args.reads, args.reps)
