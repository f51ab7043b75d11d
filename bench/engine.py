"""Engine benchmark (`make bench`): Percorsi's commands against raw SpiffWorkflow.

Prints cases per second for start -> 3 user tasks -> end:
  (a) raw SpiffWorkflow in memory;
  (b) raw SpiffWorkflow with a full JSON round trip (spec included) after every step;
  (c) Percorsi engine commands on SQLite (a temporary file);
  (d) the same on PostgreSQL when reachable (PERCORSI_BENCH_DATABASE_URL, in a scratch schema);
and the ratio (c)/(b) (target >= 0.5). Then the cost of completing one task on a case that has
10, 50 and 200 completed tasks, median of 20 (target: cost(200) <= 3 x cost(10)). Then the cost
of the process boundary for model code (issue 13): one command that runs a script task and a
gateway condition, with all model code in-process (as before the boundary), with code proven
bounded in-process and the rest in a worker process, and with every evaluation in a worker
(target: within 20% of in-process for the bundled models' kind of code).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.layers import print_layers, profile_layers  # noqa: E402
from engine import SYSTEM, Engine, Settings  # noqa: E402
from engine.commands.accounts import ensure_organization  # noqa: E402
from engine.commands.cases import start_case  # noqa: E402
from engine.commands.deployment import deploy_model  # noqa: E402
from engine.commands.tasks import complete_task  # noqa: E402
from engine.spiff.bounded import bounded_expression, bounded_script  # noqa: E402
from engine.store.schema import upgrade  # noqa: E402
from engine.store.tables import HumanTask  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
THREE = FIXTURES / "three_tasks.bpmn"
FORM = FIXTURES / "forms" / "intake.json"
LOOP = Path(__file__).parent / "loop_tasks.bpmn"
MODEL_CODE = Path(__file__).parent / "model_code.bpmn"
BOUNDED_SCRIPT = 'count = turns + 1\nlabel = "turn"'  # the bundled models' kind
OPEN_SCRIPT = "count = sum([t for t in range(5)])"  # a comprehension: no static proof
CONDITION = "done == True"
INTAKE = {"resident": True, "urgency": "low"}
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "percorsi_bench"
RAW_CASES = int(os.environ.get("BENCH_RAW_CASES", "300"))
ENGINE_CASES = int(os.environ.get("BENCH_ENGINE_CASES", "60"))


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def rate(label: str, cases: int, run: Callable[[], None]) -> float:
    started = time.perf_counter()
    for _ in range(cases):
        run()
    per_second = cases / (time.perf_counter() - started)
    print(f"  {label:<58} {per_second:9.1f} cases/s")
    return per_second


# -- (a) and (b): raw SpiffWorkflow ----------------------------------------------------------


def raw_spec() -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(THREE))
    return parser.get_spec("three_tasks")


def raw_case(spec: Any, round_trip: Callable[[BpmnWorkflow], BpmnWorkflow] | None) -> None:
    """start -> 3 user tasks -> end, optionally through a full JSON round trip per step."""
    wf = BpmnWorkflow(spec)
    wf.do_engine_steps()
    while not wf.is_completed():
        if round_trip is not None:
            wf = round_trip(wf)
        [task] = wf.get_tasks(state=TaskState.READY, manual=True)
        task.data.update(INTAKE)
        task.run()
        wf.do_engine_steps()
    assert wf.is_completed()


def full_round_trip() -> Callable[[BpmnWorkflow], BpmnWorkflow]:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def trip(wf: BpmnWorkflow) -> BpmnWorkflow:
        restored: BpmnWorkflow = serializer.deserialize_json(serializer.serialize_json(wf))
        return restored

    return trip


# -- (c) and (d): Percorsi -------------------------------------------------------------------


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings(database_url=f"sqlite:///{tmp}/bench.db"))
        yield prepared(engine)
        engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine | None]:
    """An engine on a scratch schema of `url`, or None when PostgreSQL does not answer."""
    from engine.store.db import connect

    try:
        admin = connect(url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    except Exception as exc:  # any connection failure means: skip (d)
        print(f"  (d) skipped: PostgreSQL not reachable at {url} ({type(exc).__name__})")
        yield None
        return
    scoped = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{SCHEMA}"
    engine = Engine(Settings(database_url=scoped))
    try:
        yield prepared(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def prepared(engine: Engine) -> Engine:
    upgrade(engine.db)
    with engine.uow() as uow:
        ensure_organization(uow, "comune_cremona", "Comune di Cremona")
        uow.commit()
    files = {p.name: p.read_bytes() for p in (THREE, FORM, LOOP)}
    with engine.uow() as uow:
        deploy_model(uow, files, SYSTEM)
    return engine


def open_task(engine: Engine, case_id: int) -> int:
    from sqlalchemy import select

    with engine.uow(write=False) as uow:
        return int(
            uow.session.scalar(
                select(HumanTask.id).where(HumanTask.case_id == case_id, HumanTask.status == "open")
            )
        )


def engine_case(engine: Engine) -> None:
    """start -> 3 user tasks -> end, one command (transaction) each, as the web app would."""
    with engine.uow() as uow:
        outcome = start_case(uow, "three_tasks", {}, SYSTEM)
        case_id, task_id = outcome.case.id, outcome.emitted[0].id
    for _ in range(3):
        with engine.uow() as uow:
            outcome = complete_task(uow, task_id, INTAKE, SYSTEM)
            task_id = outcome.emitted[0].id if outcome.emitted else 0
    assert outcome.case.status == "completed", case_id


def depth_costs(engine: Engine, depths: tuple[int, ...], samples: int = 20) -> dict[int, float]:
    """Milliseconds to complete one task on a case with `depth` completed tasks (the median of
    `samples`: a WAL checkpoint or another process's burst would otherwise swing the mean)."""
    with engine.uow() as uow:
        case_id = start_case(uow, "loop_tasks", {"done": False}, SYSTEM).case.id
    costs: dict[int, float] = {}
    done = 0
    for depth in depths:
        while done < depth:
            complete_next(engine, case_id)
            done += 1
        laps = []
        for _ in range(samples):
            started = time.perf_counter()
            complete_next(engine, case_id)
            laps.append(time.perf_counter() - started)
        done += samples
        costs[depth] = statistics.median(laps) * 1000
    return costs


def complete_next(engine: Engine, case_id: int) -> None:
    task_id = open_task(engine, case_id)
    with engine.uow() as uow:
        complete_task(uow, task_id, {"done": False}, SYSTEM)


def report_depths(label: str, engine: Engine) -> None:
    costs = depth_costs(engine, (10, 50, 200))
    figures = ", ".join(f"{d}: {ms:.1f} ms" for d, ms in costs.items())
    ratio = costs[200] / costs[10]
    verdict = "ok" if ratio <= 3 else "MISSED"
    print(f"  {label}: {figures}; cost(200)/cost(10) = {ratio:.2f} (target <= 3: {verdict})")


def round_trips(engine: Engine) -> None:
    """Statements per command of one case on PostgreSQL: those sent alone wait for their answer
    (a round trip each); those sent in a pipeline wait once together, with the COMMIT. The
    pool's ping and psycopg's BEGIN are two round trips more per command, not counted here."""
    from psycopg.pq import PipelineStatus
    from sqlalchemy import event

    alone: list[int] = [0]
    piped: list[int] = [0]

    def count(conn: Any, *_: Any) -> None:
        status = conn.connection.driver_connection.pgconn.pipeline_status
        (alone if status == PipelineStatus.OFF else piped)[-1] += 1

    engine_case(engine)  # warm: specs parsed, immutable facts cached
    event.listen(engine.db, "before_cursor_execute", count)
    try:
        with engine.uow() as uow:
            task_id = start_case(uow, "three_tasks", {}, SYSTEM).emitted[0].id
        for _ in range(3):
            alone.append(0)
            piped.append(0)
            with engine.uow() as uow:
                outcome = complete_task(uow, task_id, INTAKE, SYSTEM)
                task_id = outcome.emitted[0].id if outcome.emitted else 0
    finally:
        event.remove(engine.db, "before_cursor_execute", count)
    steps = ", ".join(f"{a} + {p} pipelined" for a, p in zip(alone, piped, strict=True))
    print(f"  statements (start, complete x3), waited alone + pipelined: {steps}")


def commit_ceiling(engine: Engine, b: float) -> None:
    """What durable commits alone cost here: a case is 4 commands, so 4 flushes of the WAL."""
    with engine.db.connect() as conn:
        conn.execute(text("CREATE TABLE commit_probe (x INTEGER)"))
        conn.commit()
        started = time.perf_counter()
        for _ in range(100):
            conn.execute(text("INSERT INTO commit_probe VALUES (1)"))
            conn.commit()
        per_commit = (time.perf_counter() - started) / 100
        conn.execute(text("DROP TABLE commit_probe"))
        conn.commit()
    ceiling = 1 / (4 * per_commit)
    print(
        f"  one durable INSERT + COMMIT: {per_commit * 1000:.2f} ms; 4 per case cap (d) at"
        f" {ceiling:.0f} cases/s = {ceiling / b:.2f} x (b) before any other work"
    )


def model_code_files(script: str) -> dict[str, bytes]:
    text = MODEL_CODE.read_text().replace("SCRIPT", script).replace("CONDITION", CONDITION)
    return {"model_code.bpmn": text.encode()}


def command_cost(engine: Engine, samples: int = 100) -> float:
    """Median milliseconds of one command that completes a task, runs the script and the
    condition, and emits the next task."""
    with engine.uow() as uow:
        case_id = start_case(uow, "model_code", {"done": False, "turns": 1}, SYSTEM).case.id
    for _ in range(5):  # warm up: specs cached, workers started
        complete_next(engine, case_id)
    laps = []
    for _ in range(samples):
        started = time.perf_counter()
        complete_next(engine, case_id)
        laps.append(time.perf_counter() - started)
    return statistics.median(laps) * 1000


def report_boundary(engine: Engine) -> None:
    """Per-command cost of model code: in-process, static check + worker, always a worker."""
    environment = engine.runtime.environment
    helpers = environment.globals
    assert bounded_script(BOUNDED_SCRIPT, helpers) and bounded_expression(CONDITION, helpers)
    assert not bounded_script(OPEN_SCRIPT, helpers)
    rows = []
    for label, script, mode in (
        ("in-process (no boundary, as before)", BOUNDED_SCRIPT, "never"),
        ("bounded code in-process (static check)", BOUNDED_SCRIPT, "auto"),
        ("script in a worker, condition in-process", OPEN_SCRIPT, "auto"),
        ("every evaluation in a worker", BOUNDED_SCRIPT, "always"),
    ):
        with engine.uow() as uow:
            deploy_model(uow, model_code_files(script), SYSTEM)
        environment.isolation = mode
        rows.append((label, command_cost(engine)))
    environment.isolation = "auto"
    base = rows[0][1]
    for label, cost in rows:
        print(f"  {label:<46} {cost:6.2f} ms/command  ({cost / base - 1:+.0%})")


def stands_in_the_way(label: str, engine: Engine, b: float) -> None:
    """A missed ratio: where a case's time goes, by layer, beside (b)'s whole case."""
    plain, layers = profile_layers(lambda: engine_case(engine), ENGINE_CASES)
    print(f"  where {label}'s time goes ((b) takes {1000 / b:.2f} ms for the whole case):")
    print_layers("one case, 4 commands", plain, layers)


def main() -> None:
    print(f"start -> 3 user tasks -> end ({RAW_CASES} raw cases, {ENGINE_CASES} engine cases)")
    print(f"  load average: {load()}")
    spec = raw_spec()
    rate("(a) raw SpiffWorkflow, in memory", RAW_CASES, lambda: raw_case(spec, None))
    trip = full_round_trip()
    b = rate(
        "(b) raw SpiffWorkflow, full JSON round trip per step",
        RAW_CASES,
        lambda: raw_case(spec, trip),
    )
    with sqlite_engine() as engine:
        c = rate("(c) Percorsi commands, SQLite", ENGINE_CASES, lambda: engine_case(engine))
        print(f"  (c)/(b) = {c / b:.2f} (target >= 0.5: {'ok' if c / b >= 0.5 else 'MISSED'})")
        if c / b < 0.5:
            stands_in_the_way("(c)", engine, b)
        print("cost of completing one task on a case with N completed tasks")
        report_depths("SQLite", engine)
        print(f"model code behind a process boundary, SQLite (load average {load()})")
        report_boundary(engine)
    with postgres_engine(os.environ.get("PERCORSI_BENCH_DATABASE_URL", PG_DEFAULT)) as pg:
        if pg is not None:
            d = rate("(d) Percorsi commands, PostgreSQL", ENGINE_CASES, lambda: engine_case(pg))
            verdict = "ok" if d / b >= 0.25 else "MISSED"
            print(f"  (d)/(b) = {d / b:.2f} (target >= 0.25 with synchronous_commit on: {verdict})")
            if d / b < 0.25:
                stands_in_the_way("(d)", pg, b)
            round_trips(pg)
            commit_ceiling(pg, b)
            report_depths("PostgreSQL", pg)
            print(f"model code behind a process boundary, PostgreSQL (load average {load()})")
            report_boundary(pg)


if __name__ == "__main__":
    main()
