"""Coordinator and dashboard in Chromium: edit, validate and deploy a model; read the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from engine.commands.accounts import create_user
from engine.reads.caseviews import case_detail
from engine.reporting.indicators import IndicatorMap
from tests.browser.conftest import serving
from tests.browser.coord_support import (
    logged_in_page,
    screenshot,
    serious_violations,
)
from tests.support import Driver, FakeClock

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MINI = IndicatorMap(
    assessment=("analisi_preliminare",),
    patto=("patto",),
    first_service=("avvio_servizio",),
    outcome=("esito",),
)

# Inserts a user task between "esito" and the end event through the Modeler's own API
# (what a drag from the palette does); its properties are then set through the panel.
ADD_TASK = """() => {
  const m = window.percorsiModeler;
  const modeling = m.get('modeling'), registry = m.get('elementRegistry');
  const factory = m.get('elementFactory');
  const esito = registry.get('esito'), end = registry.get('end');
  modeling.removeConnection(registry.get('f5'));
  modeling.moveShape(end, {x: 170, y: 0});
  const task = modeling.appendShape(esito, factory.createShape({type: 'bpmn:UserTask'}),
                                    {x: esito.x + 210, y: esito.y + 40});
  modeling.connect(task, end);
  return task.id;
}"""


@pytest.fixture
def drive(network: Engine) -> Driver:
    with network.uow() as uow:
        create_user(uow, "regia", memberships=[("comune_cremona", "cabina_viewer")])
        uow.commit()
    d = Driver(network)
    d.deploy("inclusione_mini.bpmn", "esito.json", as_user="clara")
    return d


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    app.config["PERCORSI_INDICATORS"] = MINI
    with serving(app) as url:
        yield url


def set_properties_in_panel(page: Any, element_id: str) -> None:
    """Select the new task on the canvas and fill Percorsi's properties panel."""
    page.click(f'.djs-element[data-element-id="{element_id}"]')
    page.wait_for_selector("#task-fields:not([hidden])")
    page.fill("#prop-name", "Colloquio di verifica")
    page.press("#prop-name", "Tab")
    page.check("label:has-text('Case manager (servizio sociale)')")
    page.select_option("#prop-organization", "comune_cremona")
    page.select_option("#prop-due-unit", "D")
    page.fill("#prop-due-amount", "7")
    page.press("#prop-due-amount", "Tab")
    page.select_option("#prop-priority", "high")
    page.select_option("#prop-form", label="Esito del percorso")  # forms are chosen by title
    assert page.inner_text("#prop-due-iso") == "P7D"


def show_validation_error_on_element(page: Any, element_id: str) -> None:
    """A bad due date is reported by the server on the element itself."""
    page.select_option("#prop-due-unit", "expr")
    page.fill("#prop-due-expression", "entro sette giorni")
    page.press("#prop-due-expression", "Tab")
    page.click("#validate-button")
    badge = page.wait_for_selector(
        f'.djs-overlays[data-container-id="{element_id}"] .percorsi-error-badge'
    )
    assert badge is not None
    page.wait_for_selector(f'.validation-error[data-element-id="{element_id}"]').click()
    selected = page.evaluate("() => window.percorsiModeler.get('selection').get().map(e => e.id)")
    assert selected == [element_id]
    screenshot(page, "coordinator-validation-error")
    page.select_option("#prop-due-unit", "D")
    page.fill("#prop-due-amount", "7")
    page.press("#prop-due-amount", "Tab")


def test_coordinator_adds_a_task_validates_and_deploys_version_2(
    browser: Any, app: Flask, server: str, drive: Driver, network: Engine, clock: FakeClock
) -> None:
    old = drive.start("inclusione_mini", as_user="giulia")
    page = logged_in_page(browser, app, server, "clara")
    page.goto("/models/inclusione_mini/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    assert page.is_visible(".bjs-powered-by")  # the bpmn.io watermark stays
    new_id = page.evaluate(ADD_TASK)
    assert "Modifiche non pubblicate" in page.inner_text("#dirty-state")
    set_properties_in_panel(page, new_id)
    show_validation_error_on_element(page, new_id)

    page.click("#validate-button")
    page.wait_for_selector(".alert-success:has-text('Il modello è valido')")
    page.click("#deploy-button")
    page.click("#deploy-confirm")
    done = page.wait_for_selector("#modeler-messages .alert-success[data-version='2']")
    assert "Pubblicata la versione 2" in done.inner_text()
    assert "versione 2" in page.inner_text("#modeler-version")
    screenshot(page, "coordinator-modeler-deployed")

    page.goto("/models")
    assert page.is_visible("tr[data-version='2']")
    assert "in uso per i nuovi casi" in page.inner_text("tr[data-version='2']")
    screenshot(page, "coordinator-models-list")
    assert serious_violations(page) == []

    page.click("text=Differenze dalla 1")
    page.wait_for_selector("body[data-diagram-ready='true']")
    assert page.is_visible(f'#diff-added [data-element-id="{new_id}"]')
    assert page.is_visible(f'.djs-element.diff-added[data-element-id="{new_id}"]')
    assert page.is_visible('.djs-element.diff-changed[data-element-id="end"]')
    # the Modeler kept the other tasks' spiffworkflow:properties as they were
    assert page.query_selector('#diff-changed [data-element-id="patto"]') is None
    screenshot(page, "coordinator-version-diff")

    new = drive.start("inclusione_mini", as_user="giulia")
    with network.uow(write=False) as uow:
        clara = drive.actor("clara")
        assert case_detail(uow, clara, old)["version"] == 1
        assert case_detail(uow, clara, new)["version"] == 2
    first = drive.task(new, "segnalazione")
    assert (first.organization, first.due_at) == ("comune_cremona", clock.now + timedelta(days=5))
    for element, data in [
        ("segnalazione", {}),
        ("analisi_preliminare", {}),
        ("patto", {}),
        ("avvio_servizio", {}),
        ("esito", {"esito": "occupato"}),
    ]:
        drive.complete(new, element, data)
    added = drive.task(new, new_id)
    assert (added.name, added.candidate_groups, added.organization, added.priority) == (
        "Colloquio di verifica",
        ["case_manager"],
        "comune_cremona",
        80,
    )
    assert added.due_at == clock.now + timedelta(days=7)


def seed_cases(drive: Driver, clock: FakeClock) -> None:
    """Eleven cases at different steps, so that the heatmap and the charts have something."""
    refs = [
        drive.start("inclusione_mini", {"target_group": g, "comune": c}, as_user="giulia")
        for g, c in [("giovani", "Cremona")] * 7 + [("disabilita", "Crema")] * 4
    ]
    clock.advance(days=3)
    for ref in refs[:8]:
        drive.complete(ref, "segnalazione")
    clock.advance(days=20)
    for ref in refs[:5]:
        drive.complete(ref, "analisi_preliminare")
    clock.advance(days=40)
    for ref in refs[:2]:
        drive.complete(ref, "patto")


def test_dashboard_shows_indicators_and_heatmap(
    browser: Any, app: Flask, server: str, drive: Driver, clock: FakeClock
) -> None:
    seed_cases(drive, clock)
    page = logged_in_page(browser, app, server, "clara")
    page.goto("/dashboard")
    page.wait_for_selector("body[data-heatmap-ready='true']")
    assert page.inner_text("[data-kpi='referrals']") == "11"
    assert page.inner_text("tr[data-group='giovani'] [data-field='referrals']") == "7"
    counts = page.eval_on_selector_all(
        ".djs-overlays[data-container-id] .heat-badge",
        "els => Object.fromEntries(els.map("
        "e => [e.closest('.djs-overlays').dataset.containerId, e.textContent]))",
    )
    assert counts == {
        "segnalazione": "3",
        "analisi_preliminare": "3",
        "patto": "3",
        "avvio_servizio": "2",
    }
    assert page.eval_on_selector("#chart-referrals", "c => c.width > 0")
    screenshot(page, "dashboard-coordinator")
    assert serious_violations(page) == []

    cabina = logged_in_page(browser, app, server, "regia")
    cabina.goto("/dashboard?by=comune")
    cabina.wait_for_selector("body[data-heatmap-ready='true']")
    assert cabina.inner_text("tr[data-group='Crema'] [data-field='referrals']") == "<5"
    assert (
        cabina.inner_text(".djs-overlays[data-container-id='avvio_servizio'] .heat-badge") == "<5"
    )
    assert cabina.query_selector("#export-cases") is None
    screenshot(cabina, "dashboard-cabina-di-regia")
