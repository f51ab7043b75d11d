"""In Chromium: a coordinator moves running cases to a new version from the model page (dry run
with progress, then confirm); an operator records her absence from the user menu and her
substitute finds her tasks marked "in sostituzione di"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.tasks import claim_task
from tests.browser.conftest import italian_page, log_in, serving
from tests.browser.coord_support import screenshot, serious_violations
from tests.engine import migration_models as models
from tests.seed import PASSWORD, Seeded, seed_network
from tests.support import Driver, FakeClock

pytestmark = [pytest.mark.browser]


@pytest.fixture
def seeded(engine: Engine, clock: FakeClock) -> Seeded:
    return seed_network(engine, clock)


@pytest.fixture
def server(app: Flask, seeded: Seeded) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with italian_page(browser, server) as new_page:
        new_page.set_default_timeout(20_000)
        yield new_page


def test_a_coordinator_dry_runs_then_moves_the_cases(
    page: Any, engine: Engine, seeded: Seeded
) -> None:
    Driver(engine).deploy(files=models.ui_referral_renamed(), as_user="clara.conti")
    log_in(page, "clara.conti", PASSWORD)
    page.goto("/models")
    page.get_by_role("link", name="Sposta i casi in corso").click()
    page.wait_for_selector("#migration-form")
    assert "6 casi in corso possono essere spostati" in page.inner_text("#migration-form")
    page.select_option("select[name='map.presa_atto']", "presa_in_carico")
    assert serious_violations(page) == []
    screenshot(page, "migration-form")

    page.click("#start-dry-run")
    page.wait_for_selector("#outcome-counts")  # the page ran the batches, then reloaded
    assert "Si può spostare: 6" in page.inner_text("#outcome-counts")
    assert Driver(engine).case(seeded.cases[0])["version"] == 1
    assert serious_violations(page) == []
    screenshot(page, "migration-dry-run")

    page.click("#confirm-run")
    page.wait_for_selector("#outcome-counts")
    assert "Spostato: 6" in page.inner_text("#outcome-counts")
    screenshot(page, "migration-done")
    page.goto(f"/cases/{seeded.cases[0]}")
    assert page.inner_text("#case-version") == "versione 2"
    assert "dalla versione 1 alla 2" in page.inner_text(".case-timeline")


def test_an_absence_from_the_user_menu_hands_her_tasks_to_the_substitute(
    page: Any, engine: Engine, seeded: Seeded, clock: FakeClock
) -> None:
    drive = Driver(engine)
    task = drive.task(seeded.cases[0], "presa_atto")
    with engine.uow() as uow:
        claim_task(uow, task.id, load_actor(uow, "giulia.rossi"))
    today = clock.now.date()
    log_in(page, "giulia.rossi", PASSWORD)
    page.click("#user-menu")
    page.click("#absences-link")
    page.wait_for_selector("#absence-form")
    page.fill("#from", today.isoformat())
    page.fill("#to", (today + timedelta(days=10)).isoformat())
    page.select_option("#substitute", "clara.conti")
    page.click("#save-absence")
    refusal = page.inner_text("#error-substitute")
    assert "Clara Conti non ha i ruoli delle attività aperte di Giulia Rossi" in refusal
    assert serious_violations(page) == []

    page.select_option("#substitute", "luca.ferri")
    page.click("#save-absence")
    page.wait_for_selector("#current-absence")
    assert "sostituisce Luca Ferri" in page.inner_text("#current-absence")  # a name
    screenshot(page, "absence-recorded")
    page.click("#user-menu")
    page.click("#logout")

    log_in(page, "luca.ferri", PASSWORD)
    page.goto("/?view=mine")
    row = page.locator(f"tr[data-task-id='{task.id}']")
    assert "in sostituzione di Giulia Rossi" in row.inner_text()  # her name, not her username
    assert serious_violations(page) == []
    screenshot(page, "absence-substitute-worklist")
