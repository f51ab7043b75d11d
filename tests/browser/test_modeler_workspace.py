"""Room to work at 1366 x 768: the Modeler fills the window, its panel folds away, its menus
stay on screen and speak Italian (English on an English page); axe finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from tests.browser.conftest import serving
from tests.browser.coord_support import logged_in_page, screenshot, serious_violations
from tests.support import Driver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Bring "esito" to the bottom edge of the window, where the change-element menu used to open
# partly below the screen.
TO_BOTTOM = """() => {
  const m = window.percorsiModeler, canvas = m.get('canvas');
  const esito = document.querySelector('.djs-element[data-element-id="esito"]');
  const box = esito.getBoundingClientRect();
  canvas.scroll({dx: 0, dy: (window.innerHeight - 40) - box.bottom});
  m.get('selection').select(m.get('elementRegistry').get('esito'));
}"""


@pytest.fixture
def server(app: Flask, network: Engine) -> Iterator[str]:
    Driver(network).deploy("inclusione_mini.bpmn", "esito.json", as_user="clara")
    with serving(app) as url:
        yield url


def open_modeler(browser: Any, app: Flask, server: str, english: bool = False) -> Any:
    page = logged_in_page(browser, app, server, "clara", "en" if english else None)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/models/inclusione_mini/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    return page


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.query_selector(selector)
    assert found is not None, selector
    return dict(found.bounding_box())


def test_the_modeler_fills_the_window_and_its_menus_stay_on_screen(
    browser: Any, app: Flask, server: str
) -> None:
    page = open_modeler(browser, app, server)
    canvas = box(page, "#canvas")
    assert canvas["width"] > 950 and canvas["height"] > 560, canvas
    assert canvas["y"] + canvas["height"] <= 768  # the whole canvas is in view
    palette = page.get_attribute('.djs-palette .entry[data-action="create.task"]', "aria-label")
    assert palette == "Crea un'attività"

    page.click("#panel-toggle")
    assert page.get_attribute("#panel-toggle", "aria-expanded") == "false"
    assert not page.is_visible("#properties-panel")
    assert box(page, "#canvas")["width"] > 1300
    page.click("#panel-toggle")
    assert page.is_visible("#properties-panel")

    page.evaluate(TO_BOTTOM)
    replace = page.wait_for_selector('.djs-context-pad .entry[data-action="replace"]')
    assert replace.get_attribute("title") == "Cambia tipo di elemento"
    replace.click()
    popup = page.wait_for_selector(".djs-popup")
    assert "Attività manuale" in popup.inner_text()  # a user task may become a manual one
    shown = dict(popup.bounding_box())
    assert shown["y"] >= 0 and shown["y"] + shown["height"] <= 768, shown
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= 1366, shown
    screenshot(page, "modeler-1366x768-replace-menu")
    page.keyboard.press("Escape")
    assert serious_violations(page) == []


def test_the_modeler_speaks_english_on_an_english_page(
    browser: Any, app: Flask, server: str
) -> None:
    page = open_modeler(browser, app, server, english=True)
    assert page.get_attribute("html", "lang") == "en"
    palette = page.get_attribute('.djs-palette .entry[data-action="create.task"]', "aria-label")
    assert palette == "Create task"
    assert page.inner_text("#panel-toggle") == "Hide the properties"
    page.click("#validate-button")
    page.wait_for_selector("#modeler-messages .alert-success")
    assert "valid" in page.inner_text("#modeler-messages")
