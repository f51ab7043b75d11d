"""At 390 x 844, a phone: worklist, task form, case page and notifications without horizontal
scroll, the menu with "Esci" reachable, worklist rows as cards showing their due date."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.conftest import DemoLive, italian_page
from tests.browser.pathways import Pathways
from tests.browser.words import assert_in_words

WIDTH = 390


@pytest.fixture
def phone(browser: Any, demo_live: DemoLive) -> Iterator[Any]:
    with italian_page(browser, demo_live.url, phone=True) as page:
        yield page


def fits(page: Any) -> None:
    """Nothing wider than the screen: the page never scrolls sideways."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width} px wide"


def menu_reaches_logout(page: Any) -> None:
    page.locator("#user-menu").click()
    logout = page.get_by_role("button", name="Esci")
    logout.wait_for(state="visible")
    box = logout.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    page.keyboard.press("Escape")


def test_a_case_manager_works_from_her_phone(
    phone: Any,
    demo_login: Callable[..., None],
    pathways: Pathways,
    snap: Callable[..., Any],
) -> None:
    page = phone
    ref = pathways.to_joint_pact()
    demo_login(page, "giulia.rossi")
    fits(page)
    menu_reaches_logout(page)
    card = page.locator("table.worklist tbody tr").first
    assert card.evaluate("e => getComputedStyle(e).display") == "grid"  # a card, not a row
    due = card.locator(".cell-due")
    assert due.is_visible() and due.locator("time").is_visible()
    assert due.evaluate("e => getComputedStyle(e, '::before').content") == '"Scadenza"'
    assert_in_words(page)
    snap(page, "phone-1-worklist")

    page.goto(f"/cases/{ref}")
    fits(page)
    assert page.locator(".task-org").first.is_visible()
    menu_reaches_logout(page)
    snap(page, "phone-2-case")

    page.locator("#tasks-title + ul a").filter(has_text="Firma del patto congiunto").click()
    fits(page)
    page.get_by_role("button", name="Aggiungi servizio").click()
    assert page.locator("[data-row]").count() == 2
    fits(page)
    menu_reaches_logout(page)
    assert_in_words(page)
    snap(page, "phone-3-task-form")

    page.goto("/notifications")
    fits(page)
    menu_reaches_logout(page)
    snap(page, "phone-4-notifications")
