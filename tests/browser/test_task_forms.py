"""The joint pact with two services, in Chromium, with and without JavaScript: rows added and
removed from the keyboard, an error next to the right row, the services activated for the
organisations that deliver them, and every page in words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.conftest import DemoLive, italian_page
from tests.browser.pathways import Pathways
from tests.browser.words import assert_in_words, raw_words

SERVICES = {"formazione": "Formazione (Cr.Forma)", "tirocinio": "Tirocinio di inclusione (SIL)"}


@pytest.fixture
def no_script_page(browser: Any, demo_live: DemoLive) -> Iterator[Any]:
    """An Italian page with JavaScript off: the form must work by posting alone."""
    with italian_page(browser, demo_live.url, javascript=False) as page:
        yield page


def test_the_scanner_finds_what_a_person_must_not_read(demo_page: Any) -> None:
    demo_page.set_content(
        "<p>comune_cremona · {'type': 'formazione'} · None · 2027-03-31 · giulia.rossi · cgil"
        '</p><p aria-label="gol_4">Giulia Rossi · giulia.rossi@example.org · CGIL · 31/03/2027'
        " · Non indicato</p>"
    )
    found = " ".join(raw_words(demo_page))
    for token in ("comune_cremona", "{'", "None", "2027-03-31", "giulia.rossi", "cgil", "gol_4"):
        assert repr(token) in found, token
    assert len(raw_words(demo_page)) == 7  # names, e-mail addresses and Italian dates pass


def _fill_pact(page: Any) -> None:
    page.locator("#f-patto_date").fill("2026-11-16")
    page.locator("#f-pact_kind").select_option(label="GOL percorso 4 (lavoro e inclusione)")


def test_the_joint_pact_with_two_services_activates_both(
    demo_page: Any,
    demo_login: Callable[..., None],
    pathways: Pathways,
    snap: Callable[..., Any],
) -> None:
    page = demo_page
    ref = pathways.to_joint_pact()
    demo_login(page, "giulia.rossi")
    page.goto(f"/tasks/{pathways.task_id(ref, 'patto_congiunto')}")
    assert page.locator("h1").inner_text() == "Firma del patto congiunto"
    context = page.locator("#referral-context").inner_text()
    assert "Comune di residenza" in context and "Cremona" in context
    assert "Urgenza" in context and "Alta" in context and "Chiede un orientamento" in context
    assert "Comune di Cremona" in context and "Giulia Rossi" in context
    answers = page.locator("#answers-title + details, #answers-title ~ details")
    assert answers.filter(has_text="Contributo alla valutazione — ASST di Cremona").count() == 1
    assert_in_words(page)

    _fill_pact(page)
    page.locator("#f-services-0-type").select_option(label=SERVICES["formazione"])
    page.locator("#f-services-0-end_date").fill("2027-03-31")
    page.get_by_role("button", name="Aggiungi servizio").press("Enter")  # from the keyboard
    assert page.locator("[data-row]").count() == 2
    assert page.evaluate("document.activeElement.id") == "f-services-1-type"
    page.locator("#f-services-1-type").select_option(label=SERVICES["tirocinio"])
    page.get_by_role("button", name="Aggiungi servizio").click()
    page.get_by_role("button", name="Rimuovi servizio 3").press("Enter")
    assert page.locator("[data-row]").count() == 2
    snap(page, "forms-1-pact-rows")

    page.get_by_role("button", name="Completa attività").click()  # row 2 has no end date
    assert page.locator("#error-summary").is_visible()
    error = page.locator("#f-services-1-end_date-error").inner_text()
    assert error == "Campo obbligatorio: inserire un valore."
    assert page.locator("#f-services-0-end_date-error").count() == 0
    assert page.locator("#f-services-0-end_date").input_value() == "2027-03-31"
    assert page.locator("#f-services-1-type").input_value() == "tirocinio_inclusione"
    snap(page, "forms-2-pact-row-error")

    page.locator("#f-services-1-end_date").fill("2027-09-30")
    page.get_by_role("button", name="Completa attività").click()
    done = page.locator(".flash-area").inner_text()
    assert "Completata. Prossimi passi:" in done and "(3 attività)" in done  # and the outcome
    assert "Avvio: Formazione (Cr.Forma) — Cr.Forma" in done
    assert "Azienda Sociale del Cremonese" in done
    page.locator("#flash-case-link").click()
    tasks = page.locator("#tasks-title + ul").inner_text()
    assert "Avvio: Tirocinio di inclusione (SIL)" in tasks
    assert "Cr.Forma" in tasks and "Azienda Sociale del Cremonese (ASC)" in tasks
    assert "Percorsi (automatico)" in page.locator(".case-timeline").inner_text()
    assert_in_words(page)
    snap(page, "forms-3-services-activated")


def test_the_tutor_finds_the_activated_service_with_its_item(
    demo_page: Any, demo_login: Callable[..., None], pathways: Pathways
) -> None:
    ref = pathways.to_joint_pact()
    services = [{"type": "formazione", "end_date": "2027-03-31"}]
    pact = {"patto_date": "2026-11-16", "pact_kind": "gol_4", "services": services}
    pathways.do(ref, "patto_congiunto", pact)
    demo_login(demo_page, "davide.greco")  # training tutor at Cr.Forma
    demo_page.goto(f"/?view=groups&process={'percorso_inclusione'}")
    row = demo_page.locator("table.worklist tbody tr").filter(has_text=ref)
    # the start's name says the service: its item is not repeated after it
    assert row.locator(".cell-task a").inner_text() == "Avvio: Formazione (Cr.Forma)"
    assert "Cr.Forma" in row.locator(".cell-task").inner_text()
    assert_in_words(demo_page)


def test_rows_are_added_and_removed_without_javascript(
    no_script_page: Any, demo_login: Callable[..., None], pathways: Pathways
) -> None:
    page = no_script_page
    ref = pathways.to_joint_pact()
    demo_login(page, "giulia.rossi")
    page.goto(f"/tasks/{pathways.task_id(ref, 'patto_congiunto')}")
    _fill_pact(page)
    page.locator("#f-services-0-type").select_option(label=SERVICES["formazione"])
    page.locator("#f-services-0-end_date").fill("2027-03-31")
    for _ in range(2):
        page.get_by_role("button", name="Aggiungi servizio").click()  # posts; drawn again
    assert page.locator("[data-row]").count() == 3
    assert page.locator("#f-services-2-type").get_attribute("autofocus") is not None
    assert page.locator("#f-patto_date").input_value() == "2026-11-16"  # nothing typed is lost
    page.get_by_role("button", name="Rimuovi servizio 2").click()
    assert page.locator("[data-row]").count() == 2
    page.locator("#f-services-1-type").select_option(label=SERVICES["tirocinio"])
    page.locator("#f-services-1-end_date").fill("2027-09-30")
    page.get_by_role("button", name="Completa attività").click()
    assert "(3 attività)" in page.locator(".flash-area").inner_text()
    assert {"avvio_formazione", "avvio_tirocinio_inclusione"} <= set(pathways.open_elements(ref))
