"""Coordinator pages and the dashboard through the Flask test client."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine.commands.accounts import create_user
from engine.reporting.indicators import IndicatorMap
from tests.support import FIXTURES, Driver, FakeClock, open_ui_session

V1 = (FIXTURES / "inclusione_mini.bpmn").read_text()
TOKEN = "test-csrf-token"
MINI = IndicatorMap(
    assessment=("analisi_preliminare",),
    patto=("patto",),
    first_service=("avvio_servizio",),
    outcome=("esito",),
)


@pytest.fixture
def drive(network: Engine) -> Driver:
    with network.uow() as uow:
        create_user(uow, "regia", memberships=[("comune_cremona", "cabina_viewer")])
        uow.commit()
    d = Driver(network)
    d.deploy("inclusione_mini.bpmn", "esito.json", as_user="clara")
    return d


@pytest.fixture
def app_mini(app: Flask) -> Flask:
    app.config["PERCORSI_INDICATORS"] = MINI
    return app


def login(client: FlaskClient, username: str) -> FlaskClient:
    """Open a session as the named user, as the login page would (it is not under test here)."""
    app = client.application
    open_ui_session(client, app.extensions["percorsi"], username)
    with client.session_transaction() as session:
        session["csrf_token"] = TOKEN
    return client


def post_xml(client: FlaskClient, url: str, xml: str, token: str = TOKEN):  # type: ignore[no-untyped-def]
    return client.post(
        url,
        json={"xml": xml},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )


def test_pages_need_a_login_and_the_right_role(drive: Driver, client: FlaskClient) -> None:
    response = client.get("/models")
    assert response.status_code == 302 and response.location.startswith("/login?next=/models")
    login(client, "marco")
    for url in ("/models", "/models/inclusione_mini/edit", "/models/new", "/dashboard"):
        page = client.get(url)
        assert page.status_code == 403, url
        assert "Accesso non consentito" in page.text
    assert post_xml(client, "/models/deploy", V1).status_code == 403


def test_catalogue_lists_versions(drive: Driver, client: FlaskClient) -> None:
    drive.start("inclusione_mini", as_user="giulia")
    page = login(client, "clara").get("/models")
    assert page.status_code == 200
    assert "Percorso di inclusione (prova)" in page.text
    assert 'data-version="1"' in page.text and "Nuovo modello" in page.text
    assert "/models/inclusione_mini/edit?version=1" in page.text


def test_editor_page_and_its_xml(drive: Driver, client: FlaskClient) -> None:
    login(client, "clara")
    page = client.get("/models/inclusione_mini/edit")
    assert page.status_code == 200
    assert 'id="modeler-config"' in page.text and "bpmn-modeler.production.min.js" in page.text
    assert '<meta name="csrf-token" content="test-csrf-token">' in page.text
    assert "<script>" not in page.text  # no inline scripts: the CSP forbids them
    xml = client.get("/models/inclusione_mini/xml?version=1")
    assert xml.mimetype == "application/xml" and xml.text == V1
    assert client.get("/models/inclusione_mini/edit?version=x").status_code == 422
    assert client.get("/models/nothing/edit").status_code == 404


def test_validation_errors_come_back_with_element_ids(drive: Driver, client: FlaskClient) -> None:
    login(client, "clara")
    broken = V1.replace('value="P60D"', 'value="sessanta giorni"')
    response = post_xml(client, "/models/validate", broken)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["element_id"] for e in response.json["errors"]] == ["patto"]
    assert post_xml(client, "/models/validate", V1).json == {
        "valid": True,
        "processes": ["inclusione_mini"],
    }
    missing = client.post("/models/validate", json={}, headers={"X-CSRF-Token": TOKEN})
    assert missing.status_code == 422 and "xml" in missing.json["detail"]


def test_posts_without_the_csrf_token_are_refused(drive: Driver, client: FlaskClient) -> None:
    login(client, "clara")
    response = post_xml(client, "/models/deploy", V1, token="forged")
    assert response.status_code == 400
    assert "CSRF" in response.json["detail"]


def test_deploy_creates_version_two_then_reports_unchanged(
    drive: Driver, client: FlaskClient
) -> None:
    login(client, "clara")
    old = drive.start("inclusione_mini", as_user="giulia")
    v2 = V1.replace('value="P60D"', 'value="P45D"').replace(
        'name="candidateGroups" value="case_manager"',
        'name="candidateGroups" value="case_manager,equipe_member"',
        1,
    )
    first = post_xml(client, "/models/deploy", v2).json["deployed"][0]
    assert (first["number"], first["created"]) == (2, True)
    again = post_xml(client, "/models/deploy", v2).json["deployed"][0]
    assert (again["number"], again["created"]) == (2, False)
    new = drive.start("inclusione_mini", as_user="giulia")
    assert drive.case(old)["open_tasks"][0]["element_id"] == "segnalazione"
    listing = client.get("/models").text
    assert 'data-version="2"' in listing
    diff = client.get("/models/inclusione_mini/diff")
    assert diff.status_code == 200
    rows = re.findall(r"<tr data-element-id[^>]*>.*?</tr>", diff.text, re.S)
    said = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]
    assert any(row.endswith("Scadenza P60D P45D") for row in said), said
    assert any(
        row.endswith(
            "Gruppi candidati Case manager (servizio sociale) Case manager (servizio sociale), "
            "Componente dell'Equipe di sistema"
        )
        for row in said
    ), said
    assert "property:" not in diff.text and "candidateGroups" not in diff.text
    assert new != old


def test_new_model_is_deployed_under_its_own_process_id(drive: Driver, client: FlaskClient) -> None:
    login(client, "clara")
    assert client.get("/models/new").status_code == 200
    xml = V1.replace("inclusione_mini", "percorso_nuovo")
    refused = post_xml(client, "/models/deploy", xml)  # drawn tasks need a form each
    assert refused.status_code == 422
    assert "«Firma del patto» è un'attività senza modulo." in [
        e["text"] for e in refused.json["errors"]
    ]
    xml = xml.replace(
        '<spiffworkflow:property name="candidateGroups"',
        '<spiffworkflow:property name="formKey" value="esito.json" />'
        '<spiffworkflow:property name="candidateGroups"',
    )
    body = post_xml(client, "/models/deploy", xml).json["deployed"][0]
    assert (body["process_id"], body["number"], body["edit_url"]) == (
        "percorso_nuovo",
        1,
        "/models/percorso_nuovo/edit",
    )


def started(drive: Driver, n: int, group: str) -> list[str]:
    return [
        drive.start("inclusione_mini", {"target_group": group}, as_user="giulia") for _ in range(n)
    ]


def test_dashboard_for_coordinators_and_for_the_cabina(
    drive: Driver, client: FlaskClient, app_mini: Flask
) -> None:
    started(drive, 6, "giovani")
    started(drive, 2, "disabilita")
    page = login(client, "clara").get("/dashboard")
    assert page.status_code == 200
    assert 'data-kpi="referrals">8<' in page.text
    assert "Giovani (NEET)" in page.text and "chart.umd.min.js" in page.text
    assert 'id="export-cases"' in page.text
    cabina = login(client, "regia").get("/dashboard")
    assert cabina.status_code == 200
    assert "suppression-note" in cabina.text and "&lt;5" in cabina.text
    assert 'id="export-cases"' not in cabina.text
    assert client.get("/dashboard?from=yesterday").status_code == 422
    assert client.get("/dashboard?by=tax_code").status_code == 422


def read_csv(response, delimiter: str = ";") -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/csv" and response.text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(response.text[1:]), delimiter=delimiter))


def test_csv_exports_are_pseudonymised_and_suppressed(
    drive: Driver, client: FlaskClient, app_mini: Flask, clock: FakeClock
) -> None:
    formula = "=cmd|' /C calc'!A0"
    refs = started(drive, 6, "giovani") + started(drive, 2, formula) + started(drive, 1, "adulti")
    clock.advance(days=45)  # the Cabina reads completed quarters only
    rows = read_csv(login(client, "regia").get("/dashboard/export.csv?kind=indicators"))
    by_key = {r["Gruppo"]: r for r in rows}  # Italian headers and labels, `;` between cells
    assert by_key["Giovani (NEET)"]["Segnalazioni"] == "6"
    assert by_key["'" + formula]["Segnalazioni"] == "<5"  # hidden, and not a formula
    assert by_key["Adulti vulnerabili"]["Segnalazioni"] == "<5"
    assert by_key["Totale"]["Segnalazioni"] == "9"
    assert {r["Suddivisione"] for r in rows} == {"Gruppo target"}
    assert client.get("/dashboard/export.csv?kind=cases").status_code == 403
    cases = read_csv(login(client, "clara").get("/dashboard/export.csv?kind=cases"))
    assert [r["Caso"] for r in cases] == refs
    assert not any("PS-" in v for r in cases for v in r.values())
    assert cases[0]["Gruppo target"] == "Giovani (NEET)" and cases[0]["Stato"] == "In corso"
    day = cases[0]["Aperto il"]
    assert len(day) == 10 and day[2] == day[5] == "/"  # 31/03/2027
    english = client.get("/dashboard/export.csv?kind=cases", headers={"Accept-Language": "en"})
    in_english = read_csv(english, delimiter=",")
    assert in_english[0]["Target group"] == "Young people (NEET)"
    assert in_english[0]["Opened on"][4] == "-"
    assert client.get("/dashboard/export.csv?kind=names").status_code == 422


def test_heatmap_counts_cases_per_activity(
    drive: Driver, client: FlaskClient, app_mini: Flask
) -> None:
    refs = started(drive, 3, "giovani")
    drive.complete(refs[0], "segnalazione")
    body = login(client, "clara").get("/dashboard/heatmap.json?process=inclusione_mini").json
    assert body["counts"] == {"analisi_preliminare": 1, "segnalazione": 2}
    assert body["version"] == 1 and body["xml"] == V1
    hidden = login(client, "regia").get("/dashboard/heatmap.json?process=inclusione_mini").json
    assert hidden["counts"] == {"analisi_preliminare": "<5", "segnalazione": "<5"}


def test_differencing_two_exports_gives_no_small_count(
    drive: Driver, client: FlaskClient, app_mini: Flask, clock: FakeClock
) -> None:
    """Finding 7: two exports whose windows differ by one day gave that day's exact count.

    Six violence referrals over Q1 2026, one of them on 31 March. The Cabina can no longer
    choose a window: only whole, completed quarters, which never overlap."""
    from datetime import UTC, datetime

    for day in ("2026-01-10", "2026-02-03", "2026-02-20", "2026-03-05", "2026-03-18", "2026-03-31"):
        clock.now = datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)
        started(drive, 1, "violenza")
    clock.now = datetime(2026, 4, 2, 9, tzinfo=UTC)
    login(client, "regia")

    def referrals(query: str) -> dict[str, str] | int:
        response = client.get(f"/dashboard/export.csv?kind=indicators&{query}")
        if response.status_code != 200:
            return response.status_code
        return {r["Gruppo"]: r["Segnalazioni"] for r in read_csv(response)}

    wide = referrals("from=2026-01-01&to=2026-03-31")  # exactly Q1: allowed, as a quarter
    narrow = referrals("from=2026-01-01&to=2026-03-30")  # one day less: refused
    assert wide == referrals("quarter=2026-Q1") and narrow == 422
    assert referrals("from=2026-03-31&to=2026-03-31") == 422
    assert referrals("quarter=2026-Q1&process=inclusione_mini") == 422
    assert referrals("quarter=2026-Q2") == 422  # not over: it would change day by day
    quarters = {q: referrals(f"quarter={q}") for q in ("2025-Q4", "2026-Q1")}
    assert quarters["2026-Q1"] == {"Donne vittime di violenza": "6", "Totale": "6"}
    assert quarters["2025-Q4"] == {"Totale": "<5"} or quarters["2025-Q4"] == {}
    obtainable = [q for q in quarters.values() if isinstance(q, dict)]
    for first in obtainable:
        for second in obtainable:
            for key in set(first) & set(second):
                a, b = first[key], second[key]
                if a.isdigit() and b.isdigit():
                    assert abs(int(a) - int(b)) == 0 or abs(int(a) - int(b)) >= 5
    page = client.get("/dashboard")
    assert "4° trimestre 2025" in page.text and 'name="from"' not in page.text
    clara = login(client, "clara").get("/dashboard?from=2026-03-31&to=2026-03-31")
    assert clara.status_code == 200  # coordinators see exact figures for any window
