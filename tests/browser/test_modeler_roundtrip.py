"""Every bundled model and every test fixture opens in the Modeler, is saved from the page,
validates as a dry-run deploy and is, element by element, the model it was (no extension
element, attribute or reference lost on the way through bpmn-js)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from engine.reads.modeling import model_source
from engine.rules.model_diff import diff_models
from tests.browser.conftest import DemoLive, italian_page, serving
from tests.browser.coord_support import logged_in_page
from tests.support import FIXTURES, Driver, fixture_files
from web.composition import BUNDLED_MODELS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAVE = "async () => (await window.percorsiModeler.saveXML({format: true})).xml"
BUNDLED = sorted(p.stem for p in BUNDLED_MODELS.glob("*.bpmn"))
FIXTURE_FILES = sorted(p.name for p in FIXTURES.glob("*.bpmn"))


def round_trip(page: Any, engine: Engine, process_id: str) -> list[str]:
    """Open, validate from the page and save; what went wrong, in words (empty: nothing)."""
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(f"/models/{process_id}/edit")
    page.wait_for_selector("body[data-modeler-ready='true']")
    problems = [f"{process_id}: console says {w!r}" for w in warnings]
    if page.query_selector("#modeler-messages .alert-danger"):
        problems.append(f"{process_id}: {page.inner_text('#modeler-messages')}")
        return problems
    page.click("#validate-button")
    page.wait_for_selector("#modeler-messages .alert")
    if not page.query_selector("#modeler-messages .alert-success"):
        errors = (
            page.inner_text("#validation-panel") if page.is_visible("#validation-panel") else ""
        )
        problems.append(f"{process_id}: not valid: {page.inner_text('#modeler-messages')} {errors}")
    saved = page.evaluate(SAVE)
    with engine.uow(write=False) as uow:
        original = model_source(uow, process_id).bpmn_xml
    diff = diff_models(original, saved, 10_000_000)
    problems += [f"{process_id}: {e.element_id} lost" for e in diff.removed]
    problems += [f"{process_id}: {e.element_id} added" for e in diff.added]
    problems += [
        f"{process_id}: {c.element.element_id}.{f.field}: {f.before!r} -> {f.after!r}"
        for c in diff.changed
        for f in c.changes
    ]
    return problems


@pytest.fixture
def fixtures_server(app: Flask, network: Engine) -> Iterator[str]:
    drive = Driver(network)
    forms = [p.name for p in (FIXTURES / "forms").glob("*.json")]
    dmn = [p.name for p in FIXTURES.glob("*.dmn")]
    for name in FIXTURE_FILES:  # alphabetical: child.bpmn is deployed before parent.bpmn
        drive.deploy(files=fixture_files(name, *forms, *dmn), as_user="clara")
    with serving(app) as url:
        yield url


def fixture_process(name: str) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text.split('<bpmn:process id="', 1)[1].split('"', 1)[0]


def test_every_fixture_round_trips_through_the_modeler(
    browser: Any, app: Flask, fixtures_server: str, network: Engine
) -> None:
    page = logged_in_page(browser, app, fixtures_server, "clara")
    problems = [
        p for name in FIXTURE_FILES for p in round_trip(page, network, fixture_process(name))
    ]
    assert problems == []


def test_every_bundled_model_round_trips_through_the_modeler(
    browser: Any, demo_live: DemoLive, demo_login: Callable[[Any, str], None]
) -> None:
    assert BUNDLED, f"no bundled model in {BUNDLED_MODELS}"
    with italian_page(browser, demo_live.url) as page:
        demo_login(page, "roberto.villa")
        problems = [p for pid in BUNDLED for p in round_trip(page, demo_live.engine, pid)]
    assert problems == []


def test_a_model_without_a_diagram_gets_one(tmp_path: Path) -> None:
    """The layout adds DI only: the process is the same, element by element."""
    from engine.spiff import with_diagram

    source = (FIXTURES / "boundary_timer.bpmn").read_text(encoding="utf-8")
    drawn = with_diagram(source, 10_000_000)
    assert "BPMNShape" not in source and 'bpmnElement="deadline"' in drawn
    assert diff_models(source, drawn, 10_000_000).empty
    assert with_diagram(drawn, 10_000_000) == drawn
