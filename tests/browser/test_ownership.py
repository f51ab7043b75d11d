"""Who follows a case, on the demo data: the case manager sees the panel and transfers the case
to the Azienda Sociale (a person who moved); the CAV operator finds the case manager to name by
typing part of her name; in a real browser, with axe on the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.store.tables import Case, Organization, User
from tests.browser.pathways import Pathways


def _her_case(engine: Any) -> str:
    """A running Comune di Cremona case giulia.rossi leads, referred by someone else (after a
    transfer the Comune no longer takes part in it)."""
    with engine.uow(write=False) as uow:
        reference = uow.session.scalar(
            select(Case.reference)
            .join(User, User.id == Case.case_manager_id)
            .join(Organization, Organization.id == Case.owner_organization_id)
            .where(
                User.username == "giulia.rossi",
                Organization.code == "comune_cremona",
                Case.status == "running",
                Case.restricted.is_(False),
                Case.organization_id != Case.owner_organization_id,
            )
            .order_by(Case.id)
            .limit(1)
        )
    assert reference is not None, "the demo has Comune cases giulia.rossi leads"
    return str(reference)


def test_a_case_manager_transfers_a_case_to_the_azienda_sociale(
    demo_page: Any,
    demo_live: Any,
    demo_login: Callable[..., None],
    snap: Callable[..., Any],
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    page = demo_page
    reference = _her_case(demo_live.engine)
    demo_login(page, "giulia.rossi")
    page.goto(f"/cases/{reference}")
    assert page.locator("#case-owner").inner_text() == "Comune di Cremona"
    assert page.locator("#case-manager").inner_text() == "Giulia Rossi"
    found = axe_violations(page)
    page.locator("#transfer-organization").select_option("azienda_sociale_cremonese")
    page.locator("#transfer-comune").select_option("Sospiro")
    page.get_by_role("button", name="Trasferisci il caso").click()
    assert (
        page.locator("#err-transfer-reason").inner_text() == "Indicare il motivo del trasferimento."
    )
    assert page.locator("#transfer-comune").input_value() == "Sospiro"  # kept
    snap(page, "ownership-1-refused")
    page.locator("#transfer-reason").fill("Si è trasferita a Sospiro.")
    page.get_by_role("button", name="Trasferisci il caso").click()
    assert page.url.endswith("/cases")  # no longer hers
    assert "Caso trasferito" in page.locator(".flash-area").inner_text()
    assert found == []


def test_the_cav_operator_names_a_case_manager_she_finds_by_typing_his_name(
    demo_page: Any,
    demo_login: Callable[..., None],
    pathways: Pathways,
    monkeypatch: Any,
    snap: Callable[..., Any],
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    """With more people who may lead the case than the page lists, the field proposes those
    whose name matches what she types; the one she picks is named, in words, on the page."""
    monkeypatch.setattr("web.ui.cases.CANDIDATES_LISTED", 1)  # any social service's case manager
    page = demo_page
    reference = pathways.refer("violenza", "anna.conti", "cav_aida")
    demo_login(page, "anna.conti")
    page.goto(f"/cases/{reference}")
    field = page.locator("#case_manager-user")
    assert field.evaluate("e => e.tagName") == "INPUT"
    assert "mentre scrive" in page.locator("#case_manager-user-hint").inner_text()
    assert page.locator("#case_manager-people option").count() == 0
    field.press_sequentially("ferr", delay=30)
    proposed = page.locator("#case_manager-people option")
    proposed.first.wait_for(state="attached")
    assert [(o.get_attribute("value"), o.inner_text()) for o in proposed.all()] == [
        ("luca.ferrari", "Luca Ferrari")
    ]
    snap(page, "ownership-2-proposed")
    found = axe_violations(page)
    field.fill(str(proposed.first.get_attribute("value")))  # picking the proposal fills it in
    page.locator("#form-case_manager button[type=submit]").click()
    assert "Persona di riferimento del caso aggiornata" in page.locator(".flash-area").inner_text()
    assert page.locator("#case-manager").inner_text() == "Luca Ferrari"
    assert found == []
