"""Context to act, in Chromium: a coordinator and an auditor read any task of a case they see,
a restricted case names whom to contact but never the woman, the CAV operator finds her cases,
and the Comitato's review page says what is stuck and what it can do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.pathways import VIO_INTAKE, Pathways
from tests.browser.words import assert_in_words


@pytest.mark.parametrize("reader", ["roberto.villa", "francesca.lombardi"])
def test_a_coordinator_or_auditor_reads_a_task_read_only(
    reader: str, demo_page: Any, demo_login: Callable[..., None], pathways: Pathways
) -> None:
    page = demo_page
    ref = pathways.refer("giovani", "giulia.rossi", "comune_cremona")
    demo_login(page, reader)
    page.goto(f"/cases/{ref}")
    page.locator("#tasks-title + ul a").first.click()
    assert page.locator("h1").inner_text() == "Presa d'atto e verifica di competenza"
    assert "Sola lettura" in page.locator("#read-only").inner_text()
    assert page.locator("fieldset.task-fields[disabled]").count() == 1
    assert page.get_by_role("button", name="Completa attività").count() == 0
    assert_in_words(page)


def test_the_cabina_di_regia_still_reads_no_task(
    demo_page: Any, demo_login: Callable[..., None], pathways: Pathways
) -> None:
    ref = pathways.refer("giovani", "giulia.rossi", "comune_cremona")
    demo_login(demo_page, "giorgio.moretti")
    response = demo_page.goto(f"/tasks/{pathways.task_id(ref, 'presa_atto')}")
    assert response.status in (403, 404)


def test_a_restricted_case_names_whom_to_contact_never_the_woman(
    demo_page: Any,
    demo_login: Callable[..., None],
    pathways: Pathways,
    snap: Callable[..., Any],
) -> None:
    page = demo_page
    ref = pathways.refer("violenza", "anna.conti", "cav_aida")
    pathways.do(ref, "vio_presa_in_carico", VIO_INTAKE)  # her name stays with the CAV
    demo_login(page, "giulia.rossi")  # the Comune's case manager: Reddito di libertà is hers
    page.goto(f"/tasks/{pathways.task_id(ref, 'vio_reddito_liberta')}")
    contact = page.locator("#restricted-contact").inner_text()
    assert "Anna Conti" in contact and "Centro antiviolenza AIDA Cremona" in contact
    body = page.locator("body").inner_text()
    assert "Nora" not in body and "Inventata" not in body
    assert "Chiede un orientamento" not in body  # free text could name her: not shown
    assert "Donne vittime di violenza" in page.locator("#referral-context").inner_text()
    assert_in_words(page)
    snap(page, "context-restricted-task")


def test_the_cav_operator_follows_her_cases_and_sees_their_names(
    demo_page: Any, demo_login: Callable[..., None], pathways: Pathways
) -> None:
    ref = pathways.refer("violenza", "anna.conti", "cav_aida")
    pathways.do(ref, "vio_presa_in_carico", VIO_INTAKE)
    demo_login(demo_page, "anna.conti")
    demo_page.goto("/cases")  # "Seguiti da me"
    row = demo_page.locator(f"tr[data-case='{ref}']")
    assert "Nora Inventata" in row.inner_text() and "Riservato" in row.inner_text()
    demo_page.goto(f"/cases/{ref}")
    assert demo_page.locator("#subject-name").inner_text() == "Nora Inventata"
    assert_in_words(demo_page)


def test_the_comitato_reviews_a_stuck_task(
    demo_page: Any, demo_login: Callable[..., None], snap: Callable[..., Any]
) -> None:
    page = demo_page
    demo_login(page, "roberto.villa")
    page.goto("/?view=all")
    reviews = page.locator("table.worklist tbody tr .cell-task a").filter(has_text="Riesame")
    assert reviews.count() >= 1, "the demo's ladder opened reviews for the Comitato"
    reviews.first.click()
    stuck = page.locator("#review-context")
    assert "Che cosa è fermo" in stuck.inner_text()
    assert page.locator("#stuck-holder").inner_text().strip()
    status = page.locator("#stuck-status").inner_text()
    assert "Ancora aperta" in status or "Completata nel frattempo" in status
    assert "Che cosa può fare il Comitato" in stuck.inner_text()
    assert page.locator("h1").inner_text().startswith("Riesame del caso fermo: ")
    assert page.locator(".task-facts time").count() == 1  # a review has a due date
    assert_in_words(page)
    snap(page, "review-1-page")
    if page.locator("#remind").count():
        page.locator("#remind").click()
        assert "Sollecito inviato" in page.locator(".flash-area").inner_text()
    page.get_by_text("Nessuna azione necessaria").click()
    page.get_by_role("button", name="Completa attività").click()
    assert "Completata." in page.locator(".flash-area").inner_text()


def test_another_organisation_of_the_case_sees_no_link_to_a_task_outside_its_roles(
    demo_page: Any, demo_login: Callable[..., None], pathways: Pathways
) -> None:
    ref = pathways.refer("adulti", "marta.barbieri", "cgil")  # the union referred her
    task_id = pathways.task_id(ref, "presa_atto")  # the Comune's case managers' task
    demo_login(demo_page, "marta.barbieri")
    demo_page.goto(f"/cases/{ref}")
    tasks = demo_page.locator("#tasks-title + ul")
    assert "Presa d'atto e verifica di competenza" in tasks.inner_text()
    assert tasks.get_by_role("link").count() == 0  # its data may be another service's
    assert demo_page.goto(f"/tasks/{task_id}").status == 404
