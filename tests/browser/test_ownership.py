"""Who follows a case, on the demo data: the case manager sees the panel and transfers the case
to the Azienda Sociale (a person who moved), in a real browser; axe on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.store.tables import Case, Organization, User


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
