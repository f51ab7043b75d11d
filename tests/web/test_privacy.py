"""The person's rights over the API: the subject export (what it holds, who may produce it,
restricted cases, its audit) and the rettifica of an answer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine
from engine.store.tables import Case, CaseEvent
from tests.web.conftest import Api, problem_of

TAX_CODE = "BRBLRA85M41D150N"
LAURA = {"given_name": "Laura", "family_name": "Barbieri", "tax_code": TAX_CODE}
INTAKE = {"resident": True, "urgency": "low", "notes": "Preferisce il mattino"}


def _her_cases(api: Api) -> tuple[str, str, int]:
    """An ordinary case of hers (its intake answered) and a restricted one opened by the CAV."""
    giulia = api.as_("giulia")
    body = {"process_id": "three_tasks", "data": {"target_group": "adulti", "subject": LAURA}}
    ordinary = giulia.post("/api/v1/cases", json=body).json["reference"]
    intake = api.task_id(ordinary)
    done = giulia.post(f"/api/v1/tasks/{intake}/complete", json={"data": INTAKE})
    assert done.status_code == 200
    hidden = {**body, "data": {**body["data"], "restricted": True}}
    restricted = api.as_("anna").post("/api/v1/cases", json=hidden)
    assert restricted.status_code == 201, restricted.json
    return ordinary, restricted.json["reference"], intake


def _exported(engine: Engine, reference: str) -> list[str]:
    with engine.uow(write=False) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.reference == reference))
        return list(
            uow.session.scalars(
                select(CaseEvent.actor_name).where(
                    CaseEvent.case_id == case_id, CaseEvent.kind == "subject_exported"
                )
            )
        )


def export(api: Api, who: str, **body: Any) -> Any:
    return api.as_(who).post("/api/v1/subjects/export", json={"tax_code": TAX_CODE, **body})


def test_a_coordinator_exports_everything_held_but_never_a_restricted_case(api: Api) -> None:
    ordinary, restricted, _intake = _her_cases(api)
    response = export(api, "clara", format="json")
    assert response.status_code == 200, response.json
    record = response.json
    assert record["tax_code"] == TAX_CODE and record["produced_by"] == "clara"
    [case] = record["cases"]
    assert case["reference"] == ordinary and case["identity"] == LAURA
    assert case["organizations"] == ["Comune Cremona"]
    intake = next(t for t in case["tasks"] if t["element_id"] == "intake")
    assert intake["answers"] == INTAKE and intake["completed_by"] == "giulia"
    kinds = [e["kind"] for e in case["events"]][:3]
    assert kinds == ["case_started", "case_manager_named", "task_emitted"]
    assert restricted not in response.text  # not even its existence
    assert _exported(api.engine, ordinary) == ["clara"]  # the export is in the audit trail
    assert _exported(api.engine, restricted) == []


def test_the_cav_exports_the_restricted_case_it_may_see(api: Api) -> None:
    _ordinary, restricted, _intake = _her_cases(api)
    record = export(api, "anna", format="json").json
    assert [c["reference"] for c in record["cases"]] == [restricted]
    assert record["cases"][0]["restricted"] is True
    assert _exported(api.engine, restricted) == ["anna"]


def test_the_html_export_puts_every_answer_in_words(api: Api) -> None:
    _her_cases(api)
    response = export(api, "clara", lang="en")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    page = response.text
    assert "Personal data held by Percorsi" in page
    assert "Laura" in page and "Barbieri" in page and "Preferisce il mattino" in page
    assert ">Yes<" in page and "true" not in page  # words, never a Python or JSON value
    assert "<script" not in page  # a file to hand over: nothing runs


@pytest.mark.parametrize(
    ("who", "tax_code", "status"),
    [("marco", TAX_CODE, 403), ("ugo", TAX_CODE, 403), ("clara", "not-a-code!!", 422)],
)
def test_the_export_is_refused_with_a_problem(
    api: Api, who: str, tax_code: str, status: int
) -> None:
    body = problem_of(export(api, who, tax_code=tax_code), status)
    assert TAX_CODE not in str(body)


def test_a_case_manager_rectifies_an_answer_over_the_api(api: Api) -> None:
    ordinary, _restricted, intake = _her_cases(api)
    path = f"/api/v1/tasks/{intake}/rectify"
    body = {"data": {"urgency": "high"}, "reason": "urgenza riferita in modo errato"}
    problem_of(api.as_("clara").post(path, json=body), 403)
    refused = problem_of(api.as_("giulia").post(path, json={**body, "reason": ""}), 422)
    assert refused["errors"][0]["field"] == "reason"
    unknown = problem_of(api.as_("giulia").post(path, json={**body, "data": {"x": 1}}), 422)
    assert unknown["errors"][0]["field"] == "data.x"
    done = api.as_("giulia").post(path, json=body)
    assert done.status_code == 200, done.json
    assert done.json["data"] == {**INTAKE, "urgency": "high"}
    events = api.as_("giulia").get(f"/api/v1/cases/{ordinary}/events").json["items"]
    [rectified] = [e for e in events if e["kind"] == "answer_rectified"]
    assert rectified["payload"]["fields"] == {"urgency": {"before": "low", "after": "high"}}
