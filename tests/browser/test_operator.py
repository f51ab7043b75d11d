"""An operator, in Italian, on the demo data of `make run`: worklist, claim, a form refused
with a field error, completion, and the case diagram with the next element active."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.demo_site import DEMO_NOW

# After "Analisi preliminare" (answered: no complex needs, ready for work) the routing
# decision sends the case here, by target group.
NEXT_ELEMENT = {
    "Persone con disabilità": "call_disabilita",
    "Giovani (NEET)": "call_giovani",
    "Adulti vulnerabili": "patto_servizio_cpi",
}


def test_operator_works_a_demo_task_through_to_the_case_diagram(
    demo_page: Any, demo_login: Callable[..., None], snap: Callable[..., Any]
) -> None:
    page = demo_page
    demo_login(page, "giulia.rossi")
    assert page.locator("h1").inner_text() == "Attività"
    mine = int(page.locator("#tab-mine [data-count]").get_attribute("data-count"))
    # 9 of the demo's own (its disability and violence cases now reach their services)
    assert mine >= 9 and page.locator("table.worklist tbody tr").count() == min(mine, 25)
    assert page.locator("table.worklist .badge", has_text="Scaduta").count() >= 1
    assert page.locator("table.worklist .badge", has_text="Sollecitata").count() >= 1
    assert int(page.locator("#overdue-count [data-count]").inner_text()) >= 1
    snap(page, "operator-1-worklist")

    # She took the case in charge at the "presa d'atto": its next steps come to her.
    rows = page.locator("table.worklist tbody tr").filter(has_text="Analisi preliminare")
    assert rows.count() >= 1, "the demo leaves a preliminary assessment open for her"
    row = rows.first
    reference = row.locator("td").nth(2).get_by_role("link").inner_text()
    group = row.locator("td").nth(3).inner_text().strip()
    row.get_by_role("link", name="Analisi preliminare").click()
    today = DEMO_NOW.date().isoformat()  # the demo site's clock
    page.locator("#f-first_meeting_date").fill(today)
    page.locator("label[for='f-work_ready-1']").click()  # Sì
    page.locator("label[for='f-disadvantaged-2']").click()  # No
    page.locator("#f-notes").fill("Primo colloquio svolto in sede.")
    page.get_by_role("button", name="Completa attività").click()
    assert page.locator("#error-summary").is_visible()
    assert "Campo obbligatorio" in page.locator("#f-complex_needs-error").inner_text()
    assert page.locator("#f-notes").input_value() == "Primo colloquio svolto in sede."
    assert page.locator("#f-first_meeting_date").input_value() == today
    snap(page, "operator-2-task-errors")

    page.locator("label[for='f-complex_needs-2']").click()  # No
    page.locator("#f-employment_status").select_option("disoccupato")
    page.locator("label[for='f-did-2']").click()  # No
    page.get_by_role("button", name="Completa attività").click()
    done = page.locator(".flash-area").inner_text()  # what the engine did next
    assert done.startswith("Completata. Prossimo passo: ") and reference in done

    page.goto(f"/cases/{reference}")
    page.wait_for_selector("#case-diagram[data-ready='true']")
    done = page.locator("g.djs-element.element-completed[data-element-id='analisi_preliminare']")
    assert done.count() == 1
    active = page.locator(f"g.djs-element.element-active[data-element-id='{NEXT_ELEMENT[group]}']")
    assert active.count() == 1
    snap(page, "operator-3-case-diagram")


def test_a_large_organisation_finds_the_colleague_to_reassign_to_as_she_types(
    page: Any, login: Callable[..., None], monkeypatch: Any
) -> None:
    """With more colleagues than the page lists at once, the reassign field proposes those
    whose name matches what she types, by full name, and the reassignment goes through."""
    monkeypatch.setattr("web.ui.worklist.COLLEAGUES_LISTED", 1)
    login(page, "giulia.rossi")
    page.goto("/?view=groups")
    assert page.locator("#colleagues option").count() == 0
    page.locator("table.worklist tbody tr .task-select").first.check()
    page.select_option("#bulk-action", "assign")
    field = page.locator("#bulk-assignee")
    assert "mentre scrive" in page.locator("#bulk-assignee-hint").inner_text()
    field.press_sequentially("ferr", delay=30)
    proposed = page.locator("#colleagues option[value='luca.ferri']")
    proposed.wait_for(state="attached")
    assert proposed.inner_text() == "Luca Ferri"
    assert page.locator("#colleagues option").count() == 1
    field.fill("luca.ferri")
    page.locator("#bulk-submit").click()
    assert "1 attività riassegnata" in page.locator("main").inner_text()
