"""The dashboard's and the results' figures on a varied data set equal those worked out naively
from every case and task row in Python: SQL aggregates and streamed rows change no figure.

Several pathways, target groups, Comuni and referrers, running and closed cases opened over
more than a year; milestones reached through several elements and several rounds, tasks open,
done, cancelled, late and without deadline; outcomes recorded twice, empty or odd.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import insert, select

from engine import Engine
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.indicators import (
    MILESTONES,
    BacklogRow,
    Dashboard,
    GroupIndicators,
    IndicatorMap,
    OutcomeRow,
    compute_dashboard,
)
from engine.reporting.periods import for_quarter
from engine.reporting.results import COUNTS, ResultRow, compute_results
from engine.reporting.suppression import Cell
from engine.store.tables import Case, HumanTask, Organization
from tests.support import Driver, FakeClock
from workflows.indicators import INDICATORS

# Milestones that share an element (the later one takes it), one without elements, two outcome
# tasks, a short deadline for pacts.
TWISTED = IndicatorMap(
    patto=("patto_servizio_cpi", "progetto_sociale", "avvio_orientamento"),
    first_service=("avvio_orientamento", "avvio_tirocinio_inclusione"),
    outcome=("esito_percorso", "chiusura"),
    outcome_field="esito",
    patto_days=20,
    service_starts=(("avvio_orientamento", "orientamento"), ("avvio_formazione", "formazione")),
    traineeship_starts=("avvio_tirocinio_inclusione", "avvio_formazione"),
    traineeship_ends=("conclusione_tirocinio",),
    followup_28_days=("followup_28_giorni", "followup_6_mesi"),
    dropout_outcome="ritirato",
)
ELEMENTS = (
    "presa_atto",
    "analisi_preliminare",
    "vio_presa_in_carico",
    "patto_servizio_cpi",
    "progetto_sociale",
    "gg_offerta",
    "avvio_orientamento",
    "avvio_formazione",
    "avvio_tirocinio_inclusione",
    "avvio_tirocinio_extracurricolare",
    "conclusione_tirocinio",
    "followup_28_giorni",
    "followup_6_mesi",
    "esito_percorso",
    "chiusura",
)
OUTCOMES = ("occupato", "abbandono", "completato", "ritirato", "", None, True, 3, {"x": 1})
ANSWERS = (True, False, "yes", None, 1)
RESULTS = ("completato", "assunzione", "interrotto", None)


@dataclass
class World:
    """Every case and task row, read back as the engine stored them."""

    cases: list[Any]
    tasks: list[Any]
    orgs: dict[int, str]
    now: datetime


def test_figures_equal_those_worked_out_row_by_row(network: Engine, clock: FakeClock) -> None:
    world = build(network, clock, random.Random(14))
    quarter = for_quarter(DashboardQuery(), "2025-Q4")
    queries = [
        DashboardQuery(),
        DashboardQuery(by="comune", process="three_tasks"),
        DashboardQuery(by="organization", opened_from=clock.now - timedelta(days=200)),
        DashboardQuery(
            by="organization", opened_from=quarter.opened_from, opened_to=quarter.opened_to
        ),
    ]
    for mapping in (INDICATORS, TWISTED):
        for q in queries:
            board, results = computed(network, q, mapping)
            assert board == expected_dashboard(world, q, mapping)
            assert (results.groups, results.total) == expected_results(world, q, mapping)
    board, results = computed(network, DashboardQuery(), INDICATORS)
    assert len(board.groups) == 5 and len(board.outcomes) >= 4  # the data set is not trivial
    assert None not in vars(board.total).values()
    assert min(results.total.counts.values()) > 0 and max(results.total.services.values()) > 0


def computed(engine: Engine, q: DashboardQuery, mapping: IndicatorMap) -> tuple[Any, Any]:
    actor = Driver(engine).actor("clara")
    with engine.uow(write=False) as uow:
        return compute_dashboard(uow, actor, q, mapping), compute_results(uow, actor, q, mapping)


def build(engine: Engine, clock: FakeClock, rng: random.Random) -> World:
    """About 150 cases of three pathways with random histories over 400 days."""
    drive = Driver(engine)
    drive.deploy("inclusione_mini.bpmn", "esito.json")
    drive.deploy("three_tasks.bpmn", "intake.json")
    drive.deploy("timer_wait.bpmn")
    templates = [
        drive.start(p, {}, as_user="giulia")
        for p in ("inclusione_mini", "three_tasks", "timer_wait")
    ]
    with engine.uow() as uow:
        models = list(uow.session.scalars(select(Case).where(Case.reference.in_(templates))))
        org_ids = [None, *uow.session.scalars(select(Organization.id))]
        columns = [c.key for c in Case.__table__.columns if c.key != "id"]
        for n in range(150):
            model = rng.choice(models)
            opened = clock.now - timedelta(days=rng.uniform(0, 400))
            closed = opened + timedelta(days=rng.uniform(1, 60)) if rng.random() < 0.3 else None
            row = {c: getattr(model, c) for c in columns}
            row.update(
                reference=f"T-{n:04d}",
                target_group=rng.choice(("giovani", "adulti", "disabilita", "violenza", None)),
                comune=rng.choice(("Cremona", "Crema", None)),
                organization_id=rng.choice(org_ids),
                status="completed" if closed else "running",
                opened_at=opened,
                closed_at=closed,
            )
            case_id = uow.session.execute(insert(Case).returning(Case.id), row).scalar_one()
            tasks = [task(rng, case_id, opened, e, org_ids) for e in elements(rng)]
            if tasks:
                uow.session.execute(insert(HumanTask), tasks)
        uow.commit()
    return read_world(engine, clock.now)


def elements(rng: random.Random) -> list[str]:
    chosen = rng.sample(ELEMENTS, rng.randint(0, 9))
    return chosen + rng.sample(chosen, min(len(chosen), rng.randint(0, 3)))  # later rounds


def task(
    rng: random.Random, case_id: int, opened: datetime, element: str, org_ids: list[int | None]
) -> dict[str, Any]:
    created = opened + timedelta(days=rng.uniform(0, 150), microseconds=rng.randint(0, 10**6))
    status = rng.choices(("completed", "open", "cancelled"), (6, 3, 1))[0]
    done = status == "completed"
    data = {
        "outcome": rng.choice(OUTCOMES),
        "esito": rng.choice(OUTCOMES),
        "result": rng.choice(RESULTS),
        "contacted": rng.choice(ANSWERS),
        "employed": rng.choice(ANSWERS),
    }
    return {
        "case_id": case_id,
        "element_id": element,
        "name": element,
        "process_id": "p",
        "status": status,
        "created_at": created,
        "completed_at": created + timedelta(days=rng.uniform(0, 50)) if done else None,
        "due_at": None if rng.random() < 0.2 else created + timedelta(days=30),
        "escalation_level": rng.choice((0, 0, 1, 2)),
        "organization_id": rng.choice(org_ids),
        "data": rng.choice((data, data, data, {}, None, ["x"])) if done else None,
    }


def read_world(engine: Engine, now: datetime) -> World:
    with engine.uow(write=False) as uow:
        rows = uow.session.execute
        return World(
            cases=list(rows(select(*Case.__table__.columns))),
            tasks=list(rows(select(*HumanTask.__table__.columns).order_by(HumanTask.id))),
            orgs={i: c for i, c in rows(select(Organization.id, Organization.code))},
            now=now,
        )


def covered(world: World, q: DashboardQuery) -> dict[int, str]:
    """Case id -> group key of the cases the query covers."""
    keys: dict[str, Callable[[Any], str | None]] = {
        "target_group": lambda c: c.target_group,
        "comune": lambda c: c.comune,
        "organization": lambda c: world.orgs.get(c.organization_id),
    }
    return {
        c.id: keys[q.by](c) or ""
        for c in world.cases
        if (q.process is None or c.process_id == q.process)
        and (q.opened_from is None or c.opened_at >= q.opened_from)
        and (q.opened_to is None or c.opened_at < q.opened_to)
    }


def completed(world: World, cases: dict[int, str], elements: tuple[str, ...]) -> list[Any]:
    """Completed tasks of `elements` in covered cases, in the order they were completed."""
    found = [
        t
        for t in world.tasks
        if t.case_id in cases and t.status == "completed" and t.element_id in elements
    ]
    return sorted(found, key=lambda t: (t.completed_at, t.id))


def answer(t: Any) -> dict[str, Any]:
    return t.data if isinstance(t.data, dict) else {}


def expected_dashboard(world: World, q: DashboardQuery, m: IndicatorMap) -> Dashboard:
    cases = covered(world, q)
    groups = sorted({*cases.values()})
    figures = {
        key: figures_of(world, {c: k for c, k in cases.items() if k == key}, m) for key in groups
    }
    by_value: dict[str, Counter[str]] = defaultdict(Counter)
    last: dict[int, str] = {}
    for t in completed(world, cases, m.outcome):
        value = answer(t).get(m.outcome_field)
        if isinstance(value, str | int | bool) and str(value):
            last[t.case_id] = str(value)
    for case_id, value in last.items():
        by_value[value][cases[case_id]] += 1
    backlog = backlog_of(world, cases)
    return Dashboard(
        query=q,
        aggregates_only=False,
        groups=[indicators(k, figures[k], m) for k in groups],
        total=indicators("*", figures_of(world, cases, m), m),
        outcomes=[
            OutcomeRow(v, sum(g.values()), dict(sorted(g.items())))
            for v, g in sorted(by_value.items())
        ],
        backlog=[BacklogRow(org, *counts) for org, counts in sorted(backlog.items())],
        backlog_total=BacklogRow("*", *(sum(c[i] for c in backlog.values()) for i in range(3))),
        patto_days=m.patto_days,
    )


def figures_of(world: World, cases: dict[int, str], m: IndicatorMap) -> dict[str, Any]:
    """Referrals, deadlines and days between milestones of some cases."""
    judged = in_time = pacts_in_time = 0
    for t in world.tasks:
        if t.case_id in cases and t.element_id in m.assessment and t.due_at is not None:
            done = t.status == "completed"
            judged += done or (t.status == "open" and t.due_at < world.now)
            in_time += done and t.completed_at <= t.due_at
    first: dict[int, dict[str, datetime]] = defaultdict(dict)
    names = m.milestone_of()
    for t in completed(world, cases, tuple(names)):
        first[t.case_id].setdefault(names[t.element_id], t.completed_at)
    opened = {c.id: c.opened_at for c in world.cases}
    days: dict[str, list[float]] = defaultdict(list)
    for case_id, reached in first.items():
        steps = [("referral", opened[case_id]), *((n, reached.get(n)) for n in MILESTONES)]
        for (a, start), (b, end) in itertools.pairwise(steps):
            if start is not None and end is not None:
                days[f"{a}->{b}"].append((end - start).total_seconds() / 86400)
        assessed, signed = reached.get("assessment"), reached.get("patto")
        pacts_in_time += (
            assessed is not None
            and signed is not None
            and (signed - assessed).total_seconds() / 86400 <= m.patto_days
        )
    closed = sum(1 for c in world.cases if c.id in cases and c.closed_at is not None)
    return {
        "referrals": len(cases),
        "closed": closed,
        "judged": judged,
        "in_time": in_time,
        "days": days,
        "pacts_in_time": pacts_in_time,
    }


def indicators(key: str, f: dict[str, Any], m: IndicatorMap) -> GroupIndicators:
    days = f["days"]

    def middle(name: str) -> float | None:
        return round(median(days[name]), 1) if days[name] else None

    return GroupIndicators(
        key=key,
        referrals=f["referrals"],
        closed=f["closed"],
        assessments_judged=f["judged"],
        assessments_in_time_pct=pct(f["in_time"], f["judged"]),
        days_referral_assessment=middle("referral->assessment"),
        days_assessment_patto=middle("assessment->patto"),
        days_patto_service=middle("patto->first_service"),
        pacts_in_time_pct=pct(f["pacts_in_time"], len(days["assessment->patto"])),
    )


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def backlog_of(world: World, cases: dict[int, str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in world.tasks:
        if t.case_id in cases and t.status == "open":
            counts = found[world.orgs.get(t.organization_id) or ""]
            counts[0] += 1
            counts[1] += t.due_at is not None and t.due_at < world.now
            counts[2] += t.escalation_level > 0
    return found


def expected_results(
    world: World, q: DashboardQuery, m: IndicatorMap
) -> tuple[list[ResultRow], ResultRow]:
    cases = covered(world, q)
    groups = sorted({*cases.values()})
    rows = [result_row(world, k, {c: g for c, g in cases.items() if g == k}, m) for k in groups]
    return rows, result_row(world, "*", cases, m)


def result_row(world: World, key: str, cases: dict[int, str], m: IndicatorMap) -> ResultRow:
    c: dict[str, int] = dict.fromkeys(COUNTS, 0)
    starts = dict(m.service_starts)
    started = Counter(starts[t.element_id] for t in completed(world, cases, tuple(starts)))
    services: dict[str, Cell] = {kind: started[kind] for kind in sorted(set(starts.values()))}
    c["pacts"] = len({t.case_id for t in completed(world, cases, m.patto)})
    c["traineeships_started"] = len(completed(world, cases, m.traineeship_starts))
    for t in completed(world, cases, m.traineeship_ends):
        c["traineeships_completed"] += answer(t).get("result") in m.completed_results
        c["traineeships_to_job"] += answer(t).get("result") == m.job_result
    for elements, suffix in ((m.followup_28_days, "28d"), (m.followup_6_months, "6m")):
        for t in completed(world, cases, elements):
            c[f"reached_{suffix}"] += answer(t).get("contacted") is True
            c[f"employed_{suffix}"] += answer(t).get("employed") is True
    last = {t.case_id: t for t in completed(world, cases, m.outcome)}  # each case's last
    c["outcomes"] = len(last)
    c["dropouts"] = sum(answer(t).get(m.outcome_field) == m.dropout_outcome for t in last.values())
    return ResultRow(
        key=key,
        counts=dict(c),
        services=services,
        employed_28d_pct=pct(c["employed_28d"], c["reached_28d"]),
        employed_6m_pct=pct(c["employed_6m"], c["reached_6m"]),
        dropout_pct=pct(c["dropouts"], c["outcomes"]),
    )
