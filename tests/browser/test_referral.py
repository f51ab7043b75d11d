"""Registering a referral and finding it in "I miei casi", on the demo data; axe on both pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

WRONG_TAX_CODE = "NVNNRO90A41D150X"
TAX_CODE = "NVNNRO90A41D150B"  # an invented person's code, with its right check letter


def fill_referral(page: Any, tax_code: str) -> None:
    page.locator("#f-subject-given_name").fill("Nora")
    page.locator("#f-subject-family_name").fill("Inventata")
    page.locator("#f-subject-tax_code").fill(tax_code)
    page.get_by_text("Adulti vulnerabili (es. ADI)").click()
    page.locator("#f-comune").select_option("Cremona")
    page.locator("#f-date_of_birth").fill("1984-05-12")
    page.get_by_text("Femmina", exact=True).click()
    page.get_by_text("Italiana", exact=True).click()
    page.locator("label[for='f-privacy_notice-1']").click()
    page.locator("label[for='f-consents-private_partners-1']").click()  # Sì
    page.get_by_text("Media", exact=True).click()
    page.locator("#f-reason").fill("Chiede un orientamento al lavoro.")


def test_a_case_manager_refers_someone_and_finds_the_case_in_her_list(
    demo_page: Any,
    demo_login: Callable[..., None],
    snap: Callable[..., Any],
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    page = demo_page
    demo_login(page, "giulia.rossi")
    page.locator("#new-referral").click()
    assert page.locator("h1").inner_text() == "Nuova segnalazione"
    assert page.locator("#referring-organization").inner_text() == "Comune di Cremona"
    found = {"form": axe_violations(page)}
    fill_referral(page, WRONG_TAX_CODE)
    page.get_by_role("button", name="Registra la segnalazione").click()
    assert page.locator("#error-summary").is_visible()
    error = page.locator("#f-subject-tax_code-error").inner_text()
    assert error.startswith("Codice fiscale non valido")
    assert page.locator("#f-subject-family_name").input_value() == "Inventata"  # kept
    found["form-errors"] = axe_violations(page)
    snap(page, "referral-1-errors")

    page.locator("#f-subject-tax_code").fill(TAX_CODE)
    page.get_by_role("button", name="Registra la segnalazione").click()
    flash = page.locator(".flash-area").inner_text()
    reference = re.search(r"caso (CR-\d{4}-\d{6})", flash).group(1)  # type: ignore[union-attr]
    assert page.url.endswith(f"/cases/{reference}")
    assert page.locator("#subject-name").inner_text() == "Nora Inventata"
    assert re.fullmatch(r"PS-[A-Z0-9]{8}", page.locator(".pseudonym").inner_text())
    page.wait_for_selector("#case-diagram[data-ready='true']")
    assert page.locator("g.element-active[data-element-id='presa_atto']").count() == 1
    snap(page, "referral-2-case")

    page.locator("#main-nav").get_by_role("link", name="I miei casi").click()
    first = page.locator("#case-list tbody tr").first
    assert first.get_attribute("data-case") == reference
    assert "Nora Inventata" in first.inner_text() and "1" in first.locator("td").nth(4).inner_text()
    restricted = page.locator(
        "#case-list tbody tr", has=page.locator(".badge", has_text="Riservato")
    )
    assert restricted.count() >= 1 and "PS-" in restricted.first.inner_text()
    found["cases"] = axe_violations(page)
    snap(page, "cases-1-list")
    first.get_by_role("link", name=reference).click()
    assert page.locator("h1").inner_text() == f"Caso {reference}"
    assert found == {name: [] for name in found}


def test_the_violence_pathway_is_refused_to_a_job_centre_operator(
    demo_page: Any, demo_login: Callable[..., None], snap: Callable[..., Any]
) -> None:
    page = demo_page
    demo_login(page, "marco.bianchi")
    page.goto("/cases/new")
    fill_referral(page, TAX_CODE)
    page.get_by_text("Donne vittime di violenza", exact=True).click()
    page.get_by_role("button", name="Registra la segnalazione").click()
    refusal = page.locator("#refusal")
    assert "Segnalazione non ammessa" in refusal.inner_text()
    assert (
        "Provincia di Cremona" in refusal.inner_text() and "non può aprirlo" in refusal.inner_text()
    )
    assert page.locator("#f-subject-given_name").input_value() == "Nora"
    snap(page, "referral-3-violence-refused")
