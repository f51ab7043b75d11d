"""The Modeler refuses a disconnected task, a node no case can reach and a gateway without a
way out: each named in words and marked on the diagram."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from tests.browser.conftest import serving
from tests.browser.coord_support import logged_in_page, screenshot
from tests.support import Driver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Through the Modeler's own API (what drawing with the palette does): a task joined to nothing,
# two tasks in a closed loop that nothing leads into, and a gateway with two conditions and no
# default between "esito" and the end.
BREAK = """() => {
  const m = window.percorsiModeler;
  const modeling = m.get('modeling'), registry = m.get('elementRegistry');
  const factory = m.get('elementFactory'), moddle = m.get('moddle');
  const root = m.get('canvas').getRootElement();
  const shape = (type, name, x, y) => {
    const s = modeling.createShape(factory.createShape({type}), {x, y}, root);
    modeling.updateProperties(s, {name});
    return s;
  };
  const lone = shape('bpmn:UserTask', 'Attività isolata', 300, 420);
  const loopA = shape('bpmn:UserTask', 'Giro chiuso', 500, 420);
  const loopB = shape('bpmn:UserTask', 'Ritorno', 700, 420);
  modeling.connect(loopA, loopB);
  modeling.connect(loopB, loopA);
  modeling.connect(loopB, registry.get('end'));
  const esito = registry.get('esito'), end = registry.get('end');
  modeling.removeConnection(registry.get('f5'));
  const gw = shape('bpmn:ExclusiveGateway', 'Esito positivo?', esito.x + 200, esito.y + 40);
  modeling.connect(esito, gw);
  for (const text of ['esito == "occupato"', 'esito == "formazione"']) {
    const flow = modeling.connect(gw, end);
    modeling.updateProperties(flow, {
      conditionExpression: moddle.create('bpmn:FormalExpression', {body: text})
    });
  }
  return {lone: lone.id, loop: loopA.id, gateway: gw.id};
}"""


@pytest.fixture
def server(app: Flask, network: Engine) -> Iterator[str]:
    Driver(network).deploy("inclusione_mini.bpmn", "esito.json", as_user="clara")
    with serving(app) as url:
        yield url


def problem(page: Any, element_id: str, code: str) -> str:
    found = page.query_selector(
        f'.validation-error[data-element-id="{element_id}"][data-code="{code}"]'
    )
    assert found is not None, f"no {code} problem for {element_id}"
    return str(found.inner_text())


def test_disconnected_unreachable_and_dead_end_are_refused_named_and_marked(
    browser: Any, app: Flask, server: str
) -> None:
    page = logged_in_page(browser, app, server, "clara")
    page.goto("/models/inclusione_mini/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    ids = page.evaluate(BREAK)
    page.click("#validate-button")
    page.wait_for_selector("#validation-panel:not([hidden])")
    assert "Problemi trovati" in page.inner_text("#modeler-messages")
    assert "«Attività isolata» non ha un flusso in entrata" in problem(
        page, ids["lone"], "no_incoming"
    )
    assert "«Attività isolata» non ha un flusso in uscita" in problem(
        page, ids["lone"], "no_outgoing"
    )
    assert "«Giro chiuso» non è raggiungibile" in problem(page, ids["loop"], "unreachable")
    assert "«Esito positivo?»: tutte le uscite hanno una condizione" in problem(
        page, ids["gateway"], "no_default"
    )
    for element in ids.values():
        assert page.is_visible(
            f'.djs-overlays[data-container-id="{element}"] .percorsi-error-badge'
        )
        assert page.is_visible(f'.djs-element.percorsi-has-error[data-element-id="{element}"]')
    screenshot(page, "modeler-validation-marked")
    page.click("#deploy-button")
    page.click("#deploy-confirm")
    page.wait_for_selector("#modeler-messages .alert-danger")
    assert page.query_selector("#modeler-messages .alert-success") is None


def test_a_message_is_renamed_in_the_panel_and_declared_in_the_model(
    browser: Any, app: Flask, network: Engine
) -> None:
    Driver(network).deploy("message_catch.bpmn", as_user="clara")
    with serving(app) as url:
        page = logged_in_page(browser, app, url, "clara")
        page.goto("/models/message_catch/edit")
        page.wait_for_selector("body[data-modeler-ready='true']")
        page.click('.djs-element[data-element-id="wait_esito"]')
        page.wait_for_selector("#message-fields:not([hidden])")
        assert page.input_value("#prop-message") == "esito_cpi"
        page.fill("#prop-message", "esito_colloquio")
        page.press("#prop-message", "Tab")
        saved = page.evaluate("async () => (await window.percorsiModeler.saveXML()).xml")
    assert '<bpmn:message id="message_esito_colloquio" name="esito_colloquio"' in saved
    assert 'messageRef="message_esito_colloquio"' in saved
    assert "<spiffworkflow:messageVariable>esito_cpi</spiffworkflow:messageVariable>" in saved
