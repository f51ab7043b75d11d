"""A coordinator changes a condition and a timer of percorso_inclusione in the panel, tries the
result with "Prova", publishes version 2, and a new case follows the new rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine import SYSTEM, Engine
from engine.commands.accounts import create_user, load_actor
from engine.commands.cases import start_case
from engine.commands.deployment import deploy_model
from engine.reads.caseviews import case_detail
from engine.reads.modeling import model_source
from tests.browser.conftest import serving
from tests.browser.coord_support import logged_in_page, screenshot, serious_violations
from web.composition import bundled_files
from workflows.seed import seed_network

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAIN = "percorso_inclusione"
SHOTS = Path(__file__).parent / "artifacts"  # with the other screenshots, not committed
NEW_RULE = 'admitted and urgency != "bassa"'
REFERRAL = {
    "subject": {"given_name": "Nora", "family_name": "Inventata"},
    "target_group": "adulti",
    "comune": "Cremona",
    "date_of_birth": "1990-05-01",
    "sex": "F",
    "citizenship": "italiana",
    "privacy_notice": True,
    "consents": {},
    "reason": "Chiede un orientamento al lavoro.",
}


@pytest.fixture
def server(app: Flask, engine: Engine) -> Iterator[str]:
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    with engine.uow() as uow:
        create_user(uow, "clara", memberships=[("comune_cremona", "coordinator")])
        uow.commit()
    with serving(app) as url:
        yield url


def select(page: Any, element_id: str) -> None:
    """Select an element as a click on the canvas does (connections are thin to click)."""
    page.evaluate(
        "id => { const m = window.percorsiModeler;"
        " m.get('selection').select(m.get('elementRegistry').get(id)); }",
        element_id,
    )


def panel_shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#properties-panel").screenshot(path=str(SHOTS / f"{name}.png"))


def open_case(engine: Engine, urgency: str) -> dict[str, Any]:
    with engine.uow() as uow:
        clara = load_actor(uow, "clara")
        ref = start_case(uow, MAIN, {**REFERRAL, "urgency": urgency}, clara).case.reference
    with engine.uow(write=False) as uow:
        return case_detail(uow, load_actor(uow, "clara"), ref)


def change_condition(page: Any) -> None:
    select(page, "flow_gw_ammissione_gw_violenza")
    page.wait_for_selector("#flow-fields:not([hidden])")
    assert page.input_value("#prop-condition") == "admitted"
    # the case data known there: the referral form's fields, offered by their titles
    options = page.eval_on_selector_all(
        "#prop-condition-field option", "os => os.map(o => o.value)"
    )
    assert "urgency" in options
    page.fill("#prop-condition", "")
    page.select_option("#prop-condition-field", "urgency")
    assert page.input_value("#prop-condition") == "urgency"
    page.fill("#prop-condition", 'urgency != "bassa"')
    page.press("#prop-condition", "Tab")
    page.click("#flow-fields .check-code")
    result = page.wait_for_selector("#check-result[data-outcome]")
    assert result.get_attribute("data-outcome") == "false"  # the sample referral is "bassa"
    assert "condizione è falsa" in result.inner_text()
    page.fill("#prop-condition", NEW_RULE)
    page.press("#prop-condition", "Tab")
    panel_shot(page, "modeler-panel-condition")


def change_timer(page: Any) -> None:
    select(page, "ogni_90_giorni")
    page.wait_for_selector("#timer-fields:not([hidden])")
    assert page.input_value("#prop-timer-kind") == "timeCycle"
    assert (page.input_value("#prop-timer-amount"), page.input_value("#prop-timer-unit")) == (
        "90",
        "D",
    )
    page.fill("#prop-timer-amount", "60")
    page.press("#prop-timer-amount", "Tab")
    assert page.inner_text("#prop-timer-iso") == '"R/P60D"'
    panel_shot(page, "modeler-panel-timer")


def show_task_form(page: Any) -> None:
    select(page, "presa_atto")
    page.wait_for_selector("#task-fields:not([hidden])")
    chosen = page.eval_on_selector("#prop-form", "s => s.options[s.selectedIndex].text")
    assert chosen == "Presa d'atto e verifica di competenza"  # the form's title, not its file
    groups = page.inner_text("#prop-groups")
    assert "Cabina di Regia" not in groups and "Revisore" not in groups
    panel_shot(page, "modeler-panel-form")


def try_it(page: Any) -> None:
    page.click("#try-button")
    summary = page.wait_for_selector("#trial-summary:has-text('caso di prova')")
    assert "arriva alla fine" in summary.inner_text()  # the sample referral is "bassa"
    assert page.is_visible('.djs-element.percorsi-trial-done[data-element-id="end_non_ammessa"]')
    data = page.input_value("#trial-data").replace('"bassa"', '"alta"')
    page.fill("#trial-data", data)
    page.click("#trial-run")
    page.wait_for_selector("#trial-summary:has-text('attende 1 attività')")
    task = page.inner_text("#trial-tasks .trial-task[data-element-id='presa_atto']")
    assert task.startswith("«Presa d'atto e verifica di competenza» a Case manager")
    assert "entro il" in task
    assert page.is_visible('.djs-element.percorsi-trial-active[data-element-id="presa_atto"]')
    screenshot(page, "modeler-trial")


def test_coordinator_changes_a_condition_and_a_timer_tries_and_publishes(
    browser: Any, app: Flask, server: str, engine: Engine
) -> None:
    page = logged_in_page(browser, app, server, "clara")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/models/{MAIN}/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    change_condition(page)
    change_timer(page)
    show_task_form(page)
    try_it(page)
    with engine.uow(write=False) as uow:  # Prova kept nothing
        assert model_source(uow, MAIN).number == 1
    assert serious_violations(page) == []

    page.click("#validate-button")
    page.wait_for_selector(".alert-success:has-text('Il modello è valido')")
    page.click("#deploy-button")
    page.click("#deploy-confirm")
    page.wait_for_selector("#modeler-messages .alert-success[data-version='2']")

    with engine.uow(write=False) as uow:
        published = model_source(uow, MAIN)
    assert published.number == 2
    assert NEW_RULE in published.bpmn_xml and '"R/P60D"' in published.bpmn_xml
    low = open_case(engine, "bassa")
    assert (low["version"], low["status"]) == (2, "completed")
    high = open_case(engine, "alta")
    assert (high["version"], high["status"]) == (2, "running")


def test_panel_shows_and_edits_loops_calls_and_scripts(
    browser: Any, app: Flask, server: str
) -> None:
    page = logged_in_page(browser, app, server, "clara")
    page.goto(f"/models/{MAIN}/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    select(page, "attivazione_servizi")
    page.wait_for_selector("#loop-fields:not([hidden])")
    assert (page.input_value("#prop-loop-input"), page.input_value("#prop-loop-item")) == (
        "services",
        "service",
    )
    page.fill("#prop-loop-input", "servizi_scelti")
    page.press("#prop-loop-input", "Tab")
    select(page, "call_violenza")
    page.wait_for_selector("#call-fields:not([hidden])")
    chosen = page.eval_on_selector("#prop-called", "s => s.options[s.selectedIndex].text")
    assert chosen == "Percorso donne vittime di violenza"  # by name, not by id
    select(page, "classificazione")
    page.wait_for_selector("#script-fields:not([hidden])")
    assert "admitted = entry_allowed" in page.input_value("#prop-script")
    page.click("#script-fields .check-code")
    result = page.wait_for_selector("#check-result[data-outcome]")
    assert result.get_attribute("data-outcome") == "ran", result.inner_text()
    assert "admitted" in result.inner_text()
    page.fill("#prop-script", "admitted = (")
    page.click("#script-fields .check-code")
    page.wait_for_selector("#check-result[data-outcome='refused']")
    saved = page.evaluate("async () => (await window.percorsiModeler.saveXML()).xml")
    assert "<bpmn:loopDataInputRef>servizi_scelti</bpmn:loopDataInputRef>" in saved
    assert "admitted = (" in saved


def test_the_main_pathway_opened_and_published_untouched_is_unchanged(
    browser: Any, app: Flask, server: str, engine: Engine
) -> None:
    page = logged_in_page(browser, app, server, "clara")
    page.goto(f"/models/{MAIN}/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    page.click("#deploy-button")
    page.click("#deploy-confirm")
    done = page.wait_for_selector("#modeler-messages .alert-success[data-version='1']")
    assert "Nessuna modifica rispetto alla versione 1" in done.inner_text()
    with engine.uow(write=False) as uow:
        assert model_source(uow, MAIN).number == 1
