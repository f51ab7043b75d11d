"""Access in the browser: a foreign case is a 404 page; a restricted case shows its pseudonym."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.browser.conftest import Live
from tests.seed import RESTRICTED_NAME


def test_operator_of_another_organisation_gets_not_found(
    page: Any, live: Live, login: Callable[..., None], snap: Callable[..., Any]
) -> None:
    login(page, "marco.bassi")
    response = page.goto(f"/cases/{live.seeded.foreign}")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Pagina non trovata"
    assert page.locator("#case-diagram").count() == 0
    snap(page, "access-1-foreign-case-404")


def test_restricted_case_shows_the_pseudonym_only(
    page: Any, live: Live, login: Callable[..., None], snap: Callable[..., Any]
) -> None:
    login(page, "luca.ferri")
    page.goto(f"/cases/{live.seeded.restricted}")
    assert re.fullmatch(r"PS-[A-Z0-9]{8}", page.locator(".pseudonym").inner_text())
    assert RESTRICTED_NAME not in page.content()
    page.wait_for_selector("#case-diagram[data-ready='true']")
    snap(page, "access-2-restricted-case-pseudonym")
