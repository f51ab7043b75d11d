"""POST /api/v1/cases checks start data against the process's start form, as the UI does."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from engine import SYSTEM
from engine.commands.deployment import deploy_model
from engine.store.tables import Case, CaseSubject
from tests.web.conftest import Api, problem_of
from web.composition import bundled_files
from workflows.seed import seed_network

REFERRAL: dict[str, Any] = {
    "subject": {"given_name": "Nora", "family_name": "Inventata", "tax_code": "nvnnro90a41d150b"},
    "target_group": "adulti",
    "comune": "Cremona",
    "date_of_birth": "1990-01-01",
    "sex": "F",
    "citizenship": "italiana",
    "consents": {"private_partners": True},
    "privacy_notice": True,
    "urgency": "media",
}


@pytest.fixture
def bundled(api: Api) -> Api:
    with api.engine.uow() as uow:
        seed_network(uow)
    with api.engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    return api


def _start(api: Api, data: dict[str, Any]) -> Any:
    body = {"process_id": "percorso_inclusione", "data": data, "organization": "comune_cremona"}
    return api.as_("giulia").post("/api/v1/cases", json=body)


def test_start_data_that_misses_the_form_is_refused_field_by_field(bundled: Api) -> None:
    wrong = {
        **REFERRAL,
        "consents": {"private_partners": "yes"},
        "comune": "Milano",
        "subject": {**REFERRAL["subject"], "tax_code": "X"},
    }
    wrong.pop("urgency")
    body = problem_of(_start(bundled, wrong), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"consents.private_partners", "comune", "urgency", "subject.tax_code"} <= fields
    with bundled.engine.uow(write=False) as uow:
        assert uow.session.scalars(select(Case)).all() == []  # nothing was opened


def test_start_data_that_fits_opens_the_case_with_the_identity_apart(bundled: Api) -> None:
    response = _start(bundled, REFERRAL)
    assert response.status_code == 201, response.json
    assert response.json["subject"].startswith("PS-")
    with bundled.engine.uow(write=False) as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == response.json["reference"]))
        assert case is not None and "Inventata" not in case.state_json
        subject = uow.session.get_one(CaseSubject, case.id)
        assert subject.identity["tax_code"] == "NVNNRO90A41D150B"  # normalised, kept apart


def test_the_start_answers_from_its_own_transaction(bundled: Api) -> None:
    """The start's answer names who leads the case and the consents given, as a read of the
    case does, without a second transaction after the command's."""
    bundled.as_("giulia").get("/api/v1/cases")  # the token's first use is noted apart
    began: list[object] = []

    def begin(connection: object) -> None:
        began.append(connection)

    event.listen(bundled.engine.db, "begin", begin)
    try:
        response = _start(bundled, REFERRAL)
    finally:
        event.remove(bundled.engine.db, "begin", begin)
    assert response.status_code == 201, response.json
    assert len(began) == 1
    started = response.json
    assert started["case_manager"] == {"username": "giulia", "full_name": "giulia"}
    assert started["cav_operator"] is None
    assert [(c["scope"], c["given_by"]) for c in started["consents"]] == [
        ("private_partners", "interessato")
    ]
    assert started["identity"]["family_name"] == "Inventata"
    read = bundled.as_("giulia").get(f"/api/v1/cases/{started['reference']}").json
    for key in ("case_manager", "cav_operator", "consents", "owner", "may_manage", "identity"):
        assert started[key] == read[key], key
