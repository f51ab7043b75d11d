"""The network's results on real cases of the bundled pathways: pacts, services, traineeships,
employment after exit, drop-outs, caseloads, and what the Cabina di Regia may see of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from engine.commands.accounts import create_user
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.periods import for_quarter, quarter_bounds, quarter_of
from engine.reporting.results import Results, compute_results
from tests.support import open_ui_session
from tests.workflows.conftest import ANALISI, Walk
from workflows.indicators import INDICATORS

TRAINEESHIP = {
    "host_organization": "Forno Esempio",
    "convenzione_date": "2026-03-01",
    "progetto_formativo_date": "2026-03-01",
    "promoter_tutor": "Marco Bianchi",
    "host_tutor": "Ada Esempio",
    "monthly_allowance": 500,
    "inail": True,
    "co_date": "2026-03-02",
}
# per case: the traineeship's result, the outcome, employed at 28 days (None: not reached)
STORIES = [
    ("assunzione", "occupato", True),
    ("assunzione", "occupato", True),
    ("assunzione", "occupato", False),
    ("completato", "completato", True),
    ("completato", "abbandono", None),
    ("interrotto", "abbandono", False),
]


def adult_case(walk: Walk, refer: Callable[..., str], story: tuple[str, str, bool | None]) -> str:
    """A Cremona adult: social project with a traineeship and orientation, to its follow-up."""
    result, outcome, employed = story
    ref = refer("adulti")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", ANALISI)
    services = [
        {"type": "tirocinio_extracurricolare", "end_date": "2026-08-31"},
        {"type": "orientamento", "end_date": "2026-05-31"},
    ]
    walk.do(
        ref,
        "progetto_sociale",
        {"patto_date": walk.today(), "pact_kind": "pais", "services": services},
    )
    walk.do(ref, "avvio_tirocinio_extracurricolare", {**TRAINEESHIP, "start_date": walk.today()})
    walk.do(ref, "avvio_orientamento", {"start_date": walk.today()})
    walk.do(ref, "conclusione_tirocinio", {"result": result, "end_date": walk.today()})
    walk.do(ref, "conclusione_servizio", {"result": "completato", "end_date": walk.today()})
    walk.do(ref, "esito_percorso", {"outcome": outcome, "exit_date": walk.today()})
    walk.do(ref, "chiusura", {"person_informed": True, "data_minimised": True})
    if employed is not None:
        walk.clock.advance(days=29)
        walk.fire()
        walk.do(ref, "followup_28_giorni", {"contacted": True, "employed": employed})
        walk.clock.advance(days=-29)
    return ref


def results(walk: Walk, user: str, by: str = "target_group", quarter: str = "") -> Results:
    q = DashboardQuery(by=by)
    with walk.engine.uow(write=False) as uow:
        return compute_results(
            uow, walk.actor(user), for_quarter(q, quarter) if quarter else q, INDICATORS
        )


@pytest.fixture
def stories(walk: Walk, refer: Callable[..., str]) -> list[str]:
    refs = [adult_case(walk, refer, story) for story in STORIES]
    for _ in range(2):  # two young people from Cremona, in the CPI's hands
        young = refer("giovani")
        walk.do(young, "presa_atto", {"resident": True, "adi": False})
    walk.clock.now += timedelta(days=1)
    return refs


def test_results_by_target_group_for_a_coordinator(walk: Walk, stories: list[str]) -> None:
    board = results(walk, "roberto.villa")
    [adults] = [g for g in board.groups if g.key == "adulti"]
    assert adults.counts == {
        "pacts": 6,
        "traineeships_started": 6,
        "traineeships_completed": 5,  # ended as planned, or with a job
        "traineeships_to_job": 3,
        "reached_28d": 5,
        "employed_28d": 3,
        "reached_6m": 0,
        "employed_6m": 0,
        "outcomes": 6,
        "dropouts": 2,
    }
    assert adults.services["tirocinio_extracurricolare"] == 6
    assert adults.services["orientamento"] == 6 and adults.services["formazione"] == 0
    assert (adults.employed_28d_pct, adults.dropout_pct) == (60.0, 33.3)
    [young] = [g for g in board.groups if g.key == "giovani"]
    assert young.counts["pacts"] == 0
    assert board.total.counts["pacts"] == 6
    caseload = {(c.username, c.organization): c.open_cases for c in board.caseload}
    assert caseload == {("giulia.rossi", "comune_cremona"): 8}  # all but none closed yet


def test_the_cabina_di_regia_sees_no_small_counts(walk: Walk, stories: list[str]) -> None:
    with walk.engine.uow() as uow:
        create_user(uow, "regia", memberships=[("provincia_cremona", "cabina_viewer")])
        uow.commit()
    quarter = quarter_of(walk.clock.now)  # the Cabina reads it once it is over
    walk.clock.now = quarter_bounds(quarter)[1] + timedelta(days=1)
    board = results(walk, "regia", quarter=quarter)
    [adults] = [g for g in board.groups if g.key == "adulti"]
    [young] = [g for g in board.groups if g.key == "giovani"]
    assert adults.counts["pacts"] == "<5" and young.counts["pacts"] == "<5"  # 0 beside 6: both
    assert adults.counts["traineeships_to_job"] == "<5"
    assert adults.services["orientamento"] == "<5"  # its breakdown hides 0 for the young
    assert adults.employed_28d_pct == 60.0  # a rate over 5 cases is shown
    assert adults.dropout_pct == 33.3
    assert board.total.counts["pacts"] == 6 and board.total.counts["dropouts"] == "<5"
    assert [(c.username, c.people, c.open_cases) for c in board.caseload] == [("", 1, 8)]
    by_comune = results(walk, "regia", by="comune", quarter=quarter)
    assert [g.key for g in by_comune.groups] == ["Cremona"]


def test_the_dashboard_shows_and_exports_the_results(walk: Walk, stories: list[str]) -> None:
    import csv
    import io

    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, engine=walk.engine)
    client = app.test_client()
    open_ui_session(client, walk.engine, "roberto.villa")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="results-table"' in page and "Tirocini con assunzione" in page
    assert "Tirocinio extracurricolare" in page  # services by type, in words
    assert "Giulia Rossi" in page  # the caseload, by person, for a coordinator
    body = client.get("/dashboard/export.csv?kind=results").get_data(as_text=True)
    table = csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";")
    rows = {r["Gruppo"]: r for r in table}  # Italian headers and labels, decimal comma
    adults = rows["Adulti vulnerabili"]
    assert adults["Patti firmati"] == "6" and adults["% abbandoni"] == "33,3"
    english = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert "Traineeships ending in a job" in english.get_data(as_text=True)


def test_the_results_are_served_from_a_snapshot_and_refreshed(
    walk: Walk, stories: list[str], refer: Callable[..., str]
) -> None:
    """Results read every case: like the dashboard, they come from a snapshot kept fresh."""
    from engine.reporting.snapshots import read_results, refresh_snapshots

    def read() -> Results:
        with walk.engine.uow(write=False) as uow:
            return read_results(uow, walk.actor("roberto.villa"), DashboardQuery(), INDICATORS)

    first = read()
    assert first == results(walk, "roberto.villa")
    pacts = first.total.counts["pacts"]
    ref = refer("adulti")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", {**ANALISI, "work_ready": True})
    pact = {"patto_date": walk.today(), "pact_kind": "pais", "services": []}
    walk.do(ref, "patto_servizio_cpi", pact)
    assert results(walk, "roberto.villa").total.counts["pacts"] == pacts + 1
    assert read().total.counts["pacts"] == pacts  # the snapshot answers while fresh
    walk.clock.advance(minutes=8)
    with walk.engine.uow() as uow:
        assert refresh_snapshots(uow) == 1  # older than 7 minutes: recomputed as results
    assert read().total.counts["pacts"] == pacts + 1
