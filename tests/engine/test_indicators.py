"""The dashboard's indicators, computed from cases and tasks, with small counts suppressed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from engine import Engine
from engine.commands.accounts import create_user
from engine.errors import Forbidden, InvalidInput
from engine.reporting.exports import CASE_COLUMNS, case_export
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.indicators import (
    Dashboard,
    IndicatorMap,
    activity_counts,
    compute_dashboard,
)
from engine.reporting.periods import completed_quarters, for_quarter, quarter_bounds
from engine.reporting.snapshots import read_dashboard, refresh_snapshots
from engine.store.tables import HumanTask
from tests.support import PG_URL, Driver, FakeClock

MINI = IndicatorMap(
    assessment=("analisi_preliminare",),
    patto=("patto",),
    first_service=("avvio_servizio",),
    outcome=("esito",),
    outcome_field="esito",
)


@dataclass
class Scenario:
    drive: Driver
    giovani: list[str]
    disabili: list[str]


@pytest.fixture
def scenario(network: Engine, clock: FakeClock) -> Scenario:
    """8 cases over 115 days: 6 young people from Cremona, 2 disabled people from Crema."""
    drive = Driver(network)
    with network.uow() as uow:
        create_user(uow, "regia", memberships=[("comune_cremona", "cabina_viewer")])
        create_user(uow, "ugo", memberships=[("asst_cremona", "asst_operator")])
        uow.commit()
    drive.deploy("inclusione_mini.bpmn", "esito.json")
    day0 = clock.now

    def day(n: int) -> None:
        clock.now = day0 + timedelta(days=n)

    giovani = [
        drive.start(
            "inclusione_mini", {"target_group": "giovani", "comune": "Cremona"}, as_user="giulia"
        )
        for _ in range(6)
    ]
    disabili = [
        drive.start(
            "inclusione_mini",
            {"target_group": "disabilita", "comune": "Crema", "restricted": i == 1},
            organization="provincia_cremona",
        )
        for i in range(2)
    ]
    day(1)
    for ref in giovani + disabili:
        drive.complete(ref, "segnalazione")
    day(11)
    for ref in [*giovani[:4], disabili[0]]:
        drive.complete(ref, "analisi_preliminare")
    day(41)
    drive.complete(giovani[4], "analisi_preliminare")  # ten days late
    for ref in giovani[:4]:
        drive.complete(ref, "patto")
    day(61)
    for ref in giovani[:2]:
        drive.complete(ref, "avvio_servizio")
    day(62)
    drive.complete(giovani[0], "esito", {"esito": "occupato"})
    drive.complete(giovani[1], "esito", {"esito": "abbandono"})
    day(115)
    drive.complete(giovani[4], "patto")  # 74 days after the assessment
    return Scenario(drive, giovani, disabili)


def dashboard(engine: Engine, username: str | None, **query: object) -> Dashboard:
    drive = Driver(engine)
    actor = drive.actor(username)
    with engine.uow(write=False) as uow:
        return compute_dashboard(uow, actor, DashboardQuery(**query), MINI)  # type: ignore[arg-type]


def test_coordinator_sees_every_figure_by_each_breakdown(
    scenario: Scenario, network: Engine, clock: FakeClock
) -> None:
    d = dashboard(network, "clara")
    assert not d.aggregates_only
    groups = {g.key: g for g in d.groups}
    assert set(groups) == {"giovani", "disabilita"}
    young = groups["giovani"]
    assert (young.referrals, young.closed) == (6, 2)
    # 4 assessed in time, 1 late, 1 still open past its 30 days
    assert (young.assessments_judged, young.assessments_in_time_pct) == (6, 66.7)
    assert young.days_referral_assessment == 11.0
    assert young.days_assessment_patto == 30.0
    assert young.pacts_in_time_pct == 80.0
    assert young.days_patto_service == 20.0
    assert (groups["disabilita"].referrals, groups["disabilita"].assessments_in_time_pct) == (
        2,
        50.0,
    )
    assert d.total.referrals == 8
    assert {(o.value, o.total) for o in d.outcomes} == {("occupato", 1), ("abbandono", 1)}
    assert d.outcomes[0].by_group == {"giovani": 1}
    check_breakdowns(network)
    check_filters(network, clock)


def check_breakdowns(network: Engine) -> None:
    by_comune = dashboard(network, "clara", by="comune")
    assert {g.key: g.referrals for g in by_comune.groups} == {"Cremona": 6, "Crema": 2}
    by_org = dashboard(network, "clara", by="organization")
    assert {g.key: g.referrals for g in by_org.groups} == {
        "comune_cremona": 6,
        "provincia_cremona": 2,
    }


def test_overdue_and_escalated_tasks_per_organisation(scenario: Scenario, network: Engine) -> None:
    late = scenario.drive.task(scenario.giovani[2], "avvio_servizio")
    with network.uow() as uow:
        uow.session.get_one(HumanTask, late.id).escalation_level = 2
        uow.commit()
    backlog = {
        b.organization: (b.open, b.overdue, b.escalated) for b in dashboard(network, None).backlog
    }
    assert backlog == {
        "comune_cremona": (2, 2, 0),  # two assessments past 30 days
        "provincia_cremona": (3, 2, 1),  # services: two past due, one escalated
        "": (1, 1, 0),  # the pact of the Crema case (no owning organisation)
    }
    check_heatmap(network)


def test_cabina_di_regia_sees_counts_below_five_hidden(scenario: Scenario, network: Engine) -> None:
    start, end = quarter_bounds("2026-Q1")  # the Cabina reads completed quarters only
    d = dashboard(network, "regia", opened_from=start, opened_to=end)
    assert d.aggregates_only
    groups = {g.key: g for g in d.groups}
    # 2 disabled people are hidden; so are the 6 young people, or 8 - 6 would tell
    assert (groups["giovani"].referrals, d.total.referrals) == ("<5", 8)
    assert groups["giovani"].closed == "<5"
    assert groups["giovani"].assessments_in_time_pct == 66.7
    assert groups["giovani"].days_patto_service == "<5"  # a median of two cases
    hidden = groups["disabilita"]
    assert (hidden.referrals, hidden.assessments_in_time_pct, hidden.days_referral_assessment) == (
        "<5",
        "<5",
        "<5",
    )
    assert {o.total for o in d.outcomes} == {"<5"}
    assert all(isinstance(b.open, str) or b.open >= 5 for b in d.backlog)
    counts = activity_counts_for(network, "regia")
    assert counts == {"analisi_preliminare": "<5", "avvio_servizio": "<5", "patto": "<5"}
    check_operators_refused(network)


def activity_counts_for(engine: Engine, username: str | None) -> dict[str, object]:
    actor = Driver(engine).actor(username)
    with engine.uow(write=False) as uow:
        return dict(activity_counts(uow, actor, DashboardQuery(process="inclusione_mini")))


def check_heatmap(network: Engine) -> None:
    assert activity_counts_for(network, "clara") == {
        "analisi_preliminare": 2,
        "avvio_servizio": 3,
        "patto": 1,
    }


def check_filters(network: Engine, clock: FakeClock) -> None:
    assert dashboard(network, "clara", opened_from=clock.now).total.referrals == 0
    with pytest.raises(InvalidInput, match="breakdown"):
        dashboard(network, "clara", by="tax_code")


def check_operators_refused(network: Engine) -> None:
    with pytest.raises(Forbidden):
        dashboard(network, "ugo")


def test_case_export_is_pseudonymised_and_for_coordinators_only(
    scenario: Scenario, network: Engine
) -> None:
    drive = scenario.drive
    with network.uow(write=False) as uow:
        rows = case_export(uow, drive.actor("clara"), DashboardQuery(), MINI)
    assert [r["reference"] for r in rows] == scenario.giovani + scenario.disabili
    assert all(tuple(r) == CASE_COLUMNS for r in rows)
    first = rows[0]
    assert (first["opened_on"], first["assessment_on"], first["patto_on"]) == (
        "2026-03-02",
        "2026-03-13",
        "2026-04-12",
    )
    assert (first["outcome"], first["status"], first["version"]) == ("occupato", "completed", "1")
    restricted = rows[-1]
    assert restricted["comune"] == "" and rows[-2]["comune"] == "Crema"
    with network.uow(write=False) as uow, pytest.raises(Forbidden):
        case_export(uow, drive.actor("regia"), DashboardQuery(), MINI)


def test_dashboards_are_served_from_fresh_snapshots_and_refreshed(
    scenario: Scenario, network: Engine, clock: FakeClock
) -> None:
    drive = scenario.drive

    def read(username: str) -> Dashboard:
        q = DashboardQuery()
        if username == "regia":  # the Cabina reads completed quarters only
            q = for_quarter(q, completed_quarters(clock())[0])
        with network.uow(write=False) as uow:
            return read_dashboard(uow, drive.actor(username), q, MINI)

    first = read("clara")
    assert first == dashboard(network, "clara") and first.total.referrals == 8
    assert read("regia").aggregates_only  # a snapshot per kind of reader
    drive.start("inclusione_mini", {"target_group": "giovani"}, as_user="giulia")
    clock.advance(minutes=5)
    assert read("clara").total.referrals == 8  # fresh for ten minutes: the snapshot answers
    clock.advance(minutes=3)
    with network.uow() as uow:
        assert refresh_snapshots(uow) == 2  # older than 7 minutes: recomputed
    assert read("clara").total.referrals == 9
    assert read("regia").aggregates_only  # its quarter is over: new cases do not change it
    clock.advance(minutes=11)
    drive.start("inclusione_mini", {"target_group": "giovani"}, as_user="giulia")
    assert read("clara").total.referrals == 10  # stale: computed again on reading


@pytest.mark.skipif(PG_URL is not None, reason="SQLite's write lock")
def test_commands_write_while_the_snapshots_are_computed(
    scenario: Scenario, network: Engine, clock: FakeClock, database_url: str
) -> None:
    """The scheduler's refresh reads in a read transaction and writes each snapshot apart: on
    SQLite a write transaction would hold back every command for the seconds it computes."""
    with network.uow(write=False) as uow:
        read_dashboard(uow, scenario.drive.actor("clara"), DashboardQuery(), MINI)
    scenario.drive.start("inclusione_mini", {"target_group": "giovani"}, as_user="giulia")
    clock.advance(minutes=8)
    elsewhere = sqlite3.connect(database_url.split("///", 1)[1], timeout=0, isolation_level=None)
    locked: list[bool] = []

    def try_to_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "human_task" in statement:  # while the figures are computed
            try:
                elsewhere.execute("BEGIN IMMEDIATE")
                elsewhere.execute("ROLLBACK")
                locked.append(False)
            except sqlite3.OperationalError:
                locked.append(True)

    event.listen(network.db, "before_cursor_execute", try_to_write)
    try:
        with network.uow(write=False) as uow:  # as the scheduler opens it
            assert refresh_snapshots(uow) == 1
    finally:
        event.remove(network.db, "before_cursor_execute", try_to_write)
        elsewhere.close()
    assert locked and not any(locked)
    with network.uow(write=False) as uow:
        fresh = read_dashboard(uow, scenario.drive.actor("clara"), DashboardQuery(), MINI)
    assert fresh.total.referrals == 9  # recomputed and kept
