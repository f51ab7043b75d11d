"""An operator, in Italian: worklist, claim, form with a field error, completion, case diagram."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.conftest import Live


def test_operator_works_a_task_through_to_the_case_diagram(
    page: Any, live: Live, login: Callable[..., None], snap: Callable[..., Any]
) -> None:
    login(page, "giulia.rossi")
    assert page.locator("h1").inner_text() == "Attività"
    page.get_by_role("link", name="Da prendere in carico").click()
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() >= 5
    reference = live.seeded.cases[0]
    row = rows.filter(has_text=reference).filter(has_text="Presa d'atto")
    assert page.locator("#overdue-count [data-count]").inner_text() == "2"
    snap(page, "operator-1-worklist")

    row.get_by_role("button", name="Prendi in carico").click()
    assert "1 attività presa in carico" in page.locator(".flash-area").inner_text()
    page.get_by_role("link", name="Assegnate a me").click()
    page.locator("table.worklist tbody tr").filter(has_text=reference).get_by_role(
        "link", name="Presa d'atto"
    ).click()
    page.get_by_text("Note", exact=True)  # the form is drawn from its JSON Schema
    page.locator("#f-note").fill("Segnalata dal servizio sociale; prima presa d'atto.")
    page.get_by_role("button", name="Completa attività").click()
    assert page.locator("#error-summary").is_visible()
    assert "Campo obbligatorio" in page.locator("#f-residente-error").inner_text()
    assert page.locator("#f-note").input_value().startswith("Segnalata")  # typed data survives
    snap(page, "operator-2-task-errors")

    page.get_by_text("Sì", exact=True).first.click()
    page.get_by_text("Alta", exact=True).click()
    page.get_by_role("button", name="Completa attività").click()
    assert "Attività completata" in page.locator(".flash-area").inner_text()

    page.get_by_role("link", name="Assegnate a me").click()
    page.goto(f"/cases/{reference}")
    page.wait_for_selector("#case-diagram[data-ready='true']")
    active = page.locator("g.djs-element.element-active[data-element-id='analisi_preliminare']")
    assert active.count() == 1
    done = page.locator("g.djs-element.element-completed[data-element-id='presa_atto']")
    assert done.count() == 1
    snap(page, "operator-3-case-diagram")
