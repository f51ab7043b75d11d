"""Registering a referral (/cases/new) on the bundled models, and the case list (/cases)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine import SYSTEM, Engine
from engine.commands.deployment import deploy_model
from engine.store.tables import Case, CaseSubject
from web.composition import bundled_files
from workflows.demo_people import DEMO_PASSWORD, create_demo_users
from workflows.seed import seed_network

from .conftest import UiClient, text

TAX_CODE = "NVNNRO90A41D150B"  # an invented person's code, with its right check letter
REFERRAL = {
    "process": "percorso_inclusione",
    "organization": "comune_cremona",
    "subject.given_name": "Nora",
    "subject.family_name": "Inventata",
    "subject.tax_code": TAX_CODE.lower(),
    "target_group": "adulti",
    "comune": "Cremona",
    "date_of_birth": "1990-01-01",
    "sex": "F",
    "citizenship": "italiana",
    "consents.private_partners": "true",
    "consents.pathway": "true",  # asked for the violence pathway, harmless elsewhere
    "privacy_notice": "true",
    "urgency": "media",
    "reason": "Chiede un orientamento al lavoro",
}


@pytest.fixture
def net(engine: Engine, app: Flask) -> UiClient:
    """The network's organisations, the demo's users and the bundled models; no cases."""
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        create_demo_users(uow)
        uow.commit()
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    return UiClient(app.test_client())


def _login(ui: UiClient, username: str) -> None:
    assert ui.login(username, DEMO_PASSWORD).status_code == 302


def _cases(engine: Engine) -> list[Any]:
    """The cases' columns, read once (rows leave their session expired)."""
    with engine.uow(write=False) as uow:
        return [
            SimpleNamespace(**{c.key: getattr(case, c.key) for c in Case.__table__.columns})
            for case in uow.session.scalars(select(Case).order_by(Case.id))
        ]


def test_a_case_manager_refers_someone_and_lands_on_the_new_case(
    net: UiClient, engine: Engine
) -> None:
    _login(net, "giulia.rossi")
    assert 'href="/cases/new"' in text(net.get("/"))  # the button on the worklist
    form = text(net.get("/cases/new"))
    assert "Percorso di inclusione attiva" in form and "Comune di Cremona" in form
    assert 'name="subject.tax_code"' in form and 'name="csrf_token"' in form
    response = net.post("/cases/new", REFERRAL)
    assert response.status_code == 302
    [case] = _cases(engine)
    assert response.headers["Location"] == f"/cases/{case.reference}"
    page = text(net.get(response.headers["Location"]))
    assert f"è stato aperto il caso {case.reference}" in page
    assert "Nora Inventata" in page and TAX_CODE in page and case.subject_pseudonym in page
    with engine.uow(write=False) as uow:
        identity = uow.session.get(CaseSubject, case.id)
        assert identity is not None and identity.identity["tax_code"] == TAX_CODE
    assert "Inventata" not in case.state_json and TAX_CODE not in case.state_json
    assert case.organization_id is not None and case.status == "running"


def test_a_wrong_referral_comes_back_with_italian_errors_and_typed_data(
    net: UiClient, engine: Engine
) -> None:
    _login(net, "giulia.rossi")
    wrong = {**REFERRAL, "subject.given_name": "", "subject.tax_code": "NVNNRO90A41D150X"}
    response = net.post("/cases/new", {**wrong, "privacy_notice": "false"})
    page = text(response)
    assert response.status_code == 422 and _cases(engine) == []
    assert "La segnalazione contiene 3 errori" in page
    assert re.search(r'id="f-subject-given_name-error">Campo obbligatorio', page)
    assert re.search(r'id="f-subject-tax_code-error">Codice fiscale non valido', page)
    assert "Senza questa conferma non si può procedere" in page
    assert 'value="Inventata"' in page and "Chiede un orientamento al lavoro" in page


def test_violence_referrals_only_from_a_cav_or_the_social_service(
    net: UiClient, engine: Engine
) -> None:
    _login(net, "marco.bianchi")  # Provincia: may refer, but not to the violence pathway
    violence = {**REFERRAL, "organization": "provincia_cremona", "target_group": "violenza"}
    refused = net.post("/cases/new", violence)
    assert refused.status_code == 403 and _cases(engine) == []
    assert "Segnalazione non ammessa" in text(refused) and "Provincia di Cremona" in text(refused)
    assert 'value="Inventata"' in text(refused)  # nothing typed is lost
    net.post("/logout")
    _login(net, "anna.conti")
    done = net.post("/cases/new", {**violence, "organization": "cav_aida"})
    [case] = _cases(engine)
    assert done.status_code == 302 and case.restricted and case.target_group == "violenza"
    assert "Nora Inventata" in text(net.get(f"/cases/{case.reference}"))  # the CAV sees her


def test_read_only_roles_may_not_refer(net: UiClient) -> None:
    _login(net, "giorgio.moretti")  # Cabina di Regia
    assert net.get("/cases/new").status_code == 403
    net.post("/logout")
    _login(net, "francesca.lombardi")  # auditor
    assert net.get("/cases/new").status_code == 403
    assert 'href="/cases/new"' not in text(net.get("/cases"))


def test_case_list_shows_names_pseudonyms_open_tasks_and_filters(
    net: UiClient, engine: Engine
) -> None:
    _login(net, "giulia.rossi")
    net.post("/cases/new", REFERRAL)
    net.post("/cases/new", {**REFERRAL, "target_group": "violenza", "subject.given_name": "Ada"})
    ordinary, restricted = _cases(engine)
    page = text(net.get("/cases"))
    rows = re.findall(r'<tr class="[^"]*" data-case="([^"]+)">', page)
    assert rows == [restricted.reference, ordinary.reference]
    # A violence case is the CAV's: the Comune that referred it reads only the pseudonym.
    assert "Nora Inventata" in page and "Ada Inventata" not in page
    assert restricted.subject_pseudonym in page and ">Riservato</span>" in page
    assert re.search(
        rf'data-case="{ordinary.reference}">.*?data-label="Attività aperte">1</td>', page, re.S
    )
    only_young = text(net.get("/cases?view=mine&target_group=giovani"))
    assert "data-case=" not in only_young and "Non segue casi" in only_young
    closed = text(net.get("/cases?status=completed"))
    assert "data-case=" not in closed
    assert ordinary.reference in text(net.get("/cases?status=all&process=percorso_inclusione"))
    net.post("/logout")
    _login(net, "roberto.villa")  # a coordinator sees every case, never a restricted name
    wide = text(net.get("/cases?view=all"))
    assert restricted.subject_pseudonym in wide and "Ada Inventata" not in wide


def test_a_referral_without_the_form_token_is_refused(net: UiClient, engine: Engine) -> None:
    _login(net, "giulia.rossi")
    forged = net.client.post("/cases/new", data=REFERRAL)  # no csrf_token: another site's form
    assert forged.status_code == 400 and _cases(engine) == []


def test_a_task_names_only_the_roles_its_organisation_has(net: UiClient, engine: Engine) -> None:
    """A case's lead is offered to case managers and CAV operators alike; a Comune's task names
    its case managers only, a CAV's its operators only."""
    _login(net, "giulia.rossi")
    net.post("/cases/new", REFERRAL)
    worklist = text(net.get("/?view=all"))
    assert "Case manager (servizio sociale) · Comune di Cremona" in worklist
    assert "Operatrice del Centro antiviolenza" not in worklist
    net.post("/logout")
    _login(net, "anna.conti")
    violence = {**REFERRAL, "target_group": "violenza", "organization": "cav_aida"}
    assert net.post("/cases/new", violence).status_code == 302
    [_, restricted] = _cases(engine)
    page = text(net.get(f"/cases/{restricted.reference}"))
    assert "Operatrice del Centro antiviolenza · Centro antiviolenza AIDA Cremona" in page
    assert "Case manager (servizio sociale) · Centro antiviolenza" not in page
