"""A coordinator writes a task's form in the Modeler: previewed by the task page's renderer,
refused with the problem named when a deploy would refuse it, published with the version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from engine.rules.versions import latest_version
from tests.browser.conftest import serving
from tests.browser.coord_support import logged_in_page
from tests.support import Driver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).parent / "artifacts"  # with the other screenshots, not committed
FORM = {
    "title": "Verifica del patto",
    "type": "object",
    "required": ["firmato"],
    "properties": {
        "firmato": {"type": "boolean", "title": "Il patto è firmato"},
        "esito": {
            "type": "string",
            "title": "Esito della verifica",
            "oneOf": [
                {"const": "regolare", "title": "Regolare"},
                {"const": "da_rivedere", "title": "Da rivedere"},
            ],
        },
    },
}


@pytest.fixture
def server(app: Flask, network: Engine) -> Iterator[str]:
    Driver(network).deploy("inclusione_mini.bpmn", "esito.json", as_user="clara")
    with serving(app) as url:
        yield url


def write(page: Any, schema: dict[str, Any]) -> None:
    page.fill("#form-schema", json.dumps(schema, indent=2, ensure_ascii=False))


def refused(page: Any, words: str) -> None:
    page.wait_for_selector(f"#form-problems li:has-text({json.dumps(words, ensure_ascii=False)})")
    assert page.is_disabled("#form-use")


def test_a_form_is_written_previewed_checked_and_published_with_the_model(
    browser: Any, app: Flask, server: str, network: Engine
) -> None:
    page = logged_in_page(browser, app, server, "clara")
    page.goto("/models/inclusione_mini/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    page.click('.djs-element[data-element-id="patto"]')
    page.wait_for_selector("#task-fields:not([hidden])")
    page.click("#form-new")
    page.wait_for_selector("#form-dialog[data-previewed='patto.json']")
    assert page.is_visible("#form-preview label:has-text('Note')")

    remote = {**FORM, "properties": {"x": {"$ref": "https://example.org/schema.json"}}}
    write(page, remote)
    refused(page, "only local references")
    write(page, {**FORM, "properties": {"x": {"type": "string", "pattern": "(a+)+\\1"}}})
    refused(page, "cannot run in linear time")
    write(page, {**FORM, "properties": {"x": {"type": "array", "items": {"type": "string"}}}})
    refused(page, "free values cannot be drawn")
    page.fill("#form-schema", "{ not json")
    refused(page, "non è JSON valido")

    write(page, FORM)
    page.wait_for_selector("#form-preview legend:has-text('Il patto è firmato')")
    assert page.is_visible("#form-preview :text('Da rivedere')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#form-dialog").screenshot(path=str(SHOTS / "modeler-form-editor.png"))
    page.click("#form-use")
    chosen = page.eval_on_selector("#prop-form", "s => s.options[s.selectedIndex].text")
    assert chosen == "Verifica del patto"

    page.click("#deploy-button")
    page.click("#deploy-confirm")
    page.wait_for_selector("#modeler-messages .alert-success[data-version='2']")
    with network.uow(write=False) as uow:
        version = latest_version(uow, "inclusione_mini")
        assert version.number == 2
        assert version.forms["patto.json"] == FORM
        assert 'name="formKey" value="patto.json"' in version.bpmn_xml
