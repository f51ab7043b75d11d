"""Bad input gets a problem naming what is wrong, never a 500."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Api, problem_of


def test_malformed_json_is_400(api: Api) -> None:
    response = api.as_("giulia").post(
        "/api/v1/cases", data=b'{"process_id": ', content_type="application/json"
    )
    assert problem_of(response, 400)["title"] == "Malformed JSON"


@pytest.mark.parametrize(
    "body, field",
    [
        ('["three_tasks"]', None),
        ('{"process_id": "three_tasks", "colour": "red"}', "colour"),
        ('{"process_id": 7}', "process_id"),
        ('{"process_id": "three_tasks", "data": [1]}', "data"),
        ('{"process_id": "a\\u0000b"}', "process_id"),
        ('{"process_id": "\\ud800"}', "process_id"),
        ('{"process_id": "three_tasks", "data": {"x": NaN}}', "data.x"),
        ('{"process_id": "three_tasks", "data": ' + "[" * 40 + "]" * 40 + "}", None),
    ],
)
def test_bodies_that_do_not_fit_are_422_with_field_errors(
    api: Api, body: str, field: str | None
) -> None:
    response = api.as_("giulia").post("/api/v1/cases", data=body, content_type="application/json")
    errors = problem_of(response, 422)["errors"]
    assert errors and (field is None or errors[0]["field"] == field), errors


def test_query_strings_and_paths_that_name_nothing(api: Api) -> None:
    giulia = api.as_("giulia")
    assert (
        problem_of(giulia.get("/api/v1/cases?process=a%00b"), 422)["errors"][0]["field"]
        == "process"
    )
    problem_of(giulia.get("/api/v1/cases?opened_after=yesterday"), 422)
    problem_of(giulia.get("/api/v1/cases?opened_after=9999-12-31T23:59:59-14:00"), 422)
    problem_of(giulia.get("/api/v1/cases/CR%00"), 404)
    problem_of(giulia.get("/api/v1/tasks/0"), 404)
    problem_of(giulia.get("/api/v1/nothing-here"), 404)
    not_allowed = giulia.delete("/api/v1/cases")
    assert problem_of(not_allowed, 405) and "POST" in not_allowed.headers["Allow"]


def test_the_openapi_document_and_swagger_ui_are_served(api: Api) -> None:
    spec = api.anonymous.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/api/v1/tasks/{task_id}/complete" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = api.anonymous.get("/api/v1/docs").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", docs)
    assert len(scripts) == 3 and all("src=" in attrs for attrs in scripts)  # no inline script
    for src in re.findall(r'(?:src|href)="([^"]+)"', docs):
        with api.anonymous.get(src) as asset:  # closes the static file it streams
            assert asset.status_code == 200, src
