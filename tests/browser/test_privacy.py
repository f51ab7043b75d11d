"""The person's rights in a real browser, on the demo data: a case manager corrects an answer
(rettifica), then a coordinator produces the person's export (GDPR art. 15); axe on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import log_in
from workflows.demo_people import DEMO_PASSWORD

TAX_CODE = "BRBLRA85M41D150N"  # an invented person's code, with its right check letter
pytestmark = pytest.mark.slow


def refer_laura(page: Any) -> str:
    page.locator("#new-referral").click()
    page.locator("#f-subject-given_name").fill("Laura")
    page.locator("#f-subject-family_name").fill("Barbieri")
    page.locator("#f-subject-tax_code").fill(TAX_CODE)
    page.get_by_text("Adulti vulnerabili (es. ADI)").click()
    page.locator("#f-comune").select_option("Cremona")
    page.locator("#f-date_of_birth").fill("1985-08-01")
    page.get_by_text("Femmina", exact=True).click()
    page.get_by_text("Italiana", exact=True).click()
    page.locator("label[for='f-privacy_notice-1']").click()
    page.locator("label[for='f-consents-private_partners-1']").click()  # Sì
    page.get_by_text("Media", exact=True).click()
    page.locator("#f-reason").fill("Cerca un tirocinio.")
    page.get_by_role("button", name="Registra la segnalazione").click()
    flash = page.locator(".flash-area").inner_text()
    return re.search(r"caso (CR-\d{4}-\d{6})", flash).group(1)  # type: ignore[union-attr]


def test_a_rectified_answer_and_the_subject_export(
    demo_page: Any,
    snap: Callable[..., Any],
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    page = demo_page
    log_in(page, "giulia.rossi", DEMO_PASSWORD)
    reference = refer_laura(page)
    page.locator("section[aria-labelledby='tasks-title'] a").first.click()
    task_url = page.url
    page.locator("label[for='f-resident-1']").click()  # Sì
    page.locator("label[for='f-adi-2']").click()  # No
    page.locator("#f-notes").fill("Preferisce essere contattata al mattino")
    page.get_by_role("button", name="Completa attività").click()
    assert (
        "Completata. Prossimo passo: Analisi preliminare — Comune di Cremona"
        in page.locator(".flash-area").inner_text()
    )

    page.goto(task_url)
    page.locator("#rectify").click()
    assert page.locator("h1").inner_text() == "Rettifica delle risposte"
    found = {"rectify": axe_violations(page)}
    page.locator("#f-notes").fill("Preferisce essere contattata il pomeriggio")
    page.get_by_role("button", name="Registra la rettifica").click()
    assert page.locator(".field-error").inner_text().startswith("Indicare il motivo")
    page.locator("#reason").fill("Orario riferito in modo errato al primo colloquio")
    snap(page, "rectify-answer")
    page.get_by_role("button", name="Registra la rettifica").click()
    assert "Risposte rettificate" in page.locator(".flash-area").inner_text()
    assert "Risposta rettificata" in page.locator(".case-timeline").inner_text()

    page.locator("#user-menu").click()
    page.locator("#logout").click()
    log_in(page, "roberto.villa", DEMO_PASSWORD)
    page.locator("#main-nav").get_by_role("link", name="Diritti dell'interessato").click()
    found["request"] = axe_violations(page)
    page.locator("#tax_code").fill(TAX_CODE.lower())
    page.locator("#subject-export").click()
    page.wait_for_load_state()
    assert page.locator("#export-tax-code").inner_text() == TAX_CODE
    section = page.locator(f"#case-{reference}").inner_text()
    for words in (
        "Laura",
        "Barbieri",
        "il pomeriggio",
        "Risposta rettificata",
        "Comune di Cremona",
    ):
        assert words in section, words
    assert "Residente in un Comune dell'Ambito\nSì" in section  # answers in words
    found["export"] = axe_violations(page)
    snap(page, "subject-export")
    assert found == {"rectify": [], "request": [], "export": []}
