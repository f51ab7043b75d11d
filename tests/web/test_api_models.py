"""/api/v1/models: deploy bundles (and dry runs), list models and versions, read BPMN and forms."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.support import fixture_files
from tests.web.conftest import Api, problem_of


def _upload(*names: str, **extra: bytes) -> dict[str, object]:
    files = {**fixture_files(*names), **extra}
    return {"files": [(io.BytesIO(content), name) for name, content in files.items()]}


def _encoded(name: str, content: bytes) -> dict[str, object]:
    """A large multipart body built in memory (werkzeug would spool it to a temporary file)."""
    boundary, body = encode_multipart(
        MultiDict([("files", FileStorage(io.BytesIO(content), name))])
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_coordinator_deploys_a_new_version(api: Api) -> None:
    xml = fixture_files("three_tasks.bpmn")["three_tasks.bpmn"].replace(b"Close", b"Chiusura")
    response = api.as_("clara").post(
        "/api/v1/models", data=_upload("intake.json", **{"three_tasks.bpmn": xml})
    )
    assert response.status_code == 201, response.json
    assert response.json["processes"] == [
        {"process_id": "three_tasks", "name": "Three tasks", "number": 2, "created": True}
    ]
    versions = api.as_("giulia").get("/api/v1/models/three_tasks/versions").json["items"]
    assert [(v["number"], v["forms"]) for v in versions] == [
        (2, ["intake.json"]),
        (1, ["intake.json"]),
    ]
    models = api.as_("ugo").get("/api/v1/models").json["items"]
    assert [(m["process_id"], m["latest_version"]) for m in models] == [("three_tasks", 2)]


def test_dry_run_reports_problems_with_element_ids(api: Api) -> None:
    valid = api.as_("clara").post("/api/v1/models?dry_run=true", data=_upload("three_tasks.bpmn"))
    assert valid.status_code == 200 and valid.json["valid"] is True
    assert valid.json["processes"][0]["number"] == 0
    xml = fixture_files("three_tasks.bpmn")["three_tasks.bpmn"].replace(
        b'value="comune_cremona"', b'value="nowhere"'
    )
    upload = _upload(**{"three_tasks.bpmn": xml})
    invalid = api.as_("clara").post("/api/v1/models?dry_run=true", data=upload)
    assert invalid.status_code == 200 and invalid.json["valid"] is False
    assert invalid.json["problems"][0]["element_id"] == "intake"
    upload = _upload(**{"three_tasks.bpmn": xml})
    refused = problem_of(api.as_("clara").post("/api/v1/models", data=upload), 422)
    assert refused["errors"][0]["element_id"] == "intake"
    assert len(api.as_("clara").get("/api/v1/models/three_tasks/versions").json["items"]) == 1


def test_deploy_answers_401_403_413_422(api: Api) -> None:
    problem_of(api.anonymous.post("/api/v1/models", data=_upload("three_tasks.bpmn")), 401)
    problem_of(api.as_("giulia").post("/api/v1/models", data=_upload("three_tasks.bpmn")), 403)
    problem_of(api.as_("clara").post("/api/v1/models", data={}), 422)
    broken = problem_of(
        api.as_("clara").post("/api/v1/models", data=_upload(**{"x.bpmn": b"<bpmn"})), 422
    )
    assert broken["errors"][0]["file"] == "x.bpmn"
    problem_of(api.as_("clara").post("/api/v1/models", data=_upload(**{"x.txt": b"hi"})), 422)
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    problem_of(api.as_("clara").post("/api/v1/models", data=_upload(**{"x.bpmn": doctype})), 422)
    big = b"<x>" + b" " * api.engine.settings.max_upload_bytes + b"</x>"
    too_big = problem_of(api.as_("clara").post("/api/v1/models", **_encoded("big.bpmn", big)), 413)
    assert "big.bpmn" in too_big["detail"]


def test_request_larger_than_the_whole_limit_is_413(api: Api) -> None:
    api.client.application.config["MAX_CONTENT_LENGTH"] = 1000
    problem_of(api.as_("clara").post("/api/v1/models", **_encoded("a.bpmn", b"x" * 2000)), 413)


def test_version_bpmn_and_forms(api: Api) -> None:
    caller = api.as_("giulia")
    xml = caller.get("/api/v1/models/three_tasks/versions/1/bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b'<bpmn:process id="three_tasks"' in xml.data
    forms = caller.get("/api/v1/models/three_tasks/versions/1/forms").json["forms"]
    assert forms["intake.json"]["title"] == "Intake"
    problem_of(caller.get("/api/v1/models/three_tasks/versions/2/bpmn"), 404)
    problem_of(caller.get("/api/v1/models/nothing/versions"), 404)
    problem_of(caller.get("/api/v1/models/nothing/versions/1/forms"), 404)
    problem_of(api.anonymous.get("/api/v1/models"), 401)


def test_names_longer_than_their_columns_are_refused_at_deploy(api: Api) -> None:
    xml = fixture_files("three_tasks.bpmn")["three_tasks.bpmn"]
    xml = xml.replace(b'name="Intake"', b'name="' + b"I" * 256 + b'"')
    xml = xml.replace(b'"three_tasks"', b'"' + b"p" * 130 + b'"').replace(
        b'"assess"', b'"' + b"a" * 121 + b'"'
    )
    xml = xml.replace(b'f2" targetRef="assess', b'f2" targetRef="' + b"a" * 121)
    xml = xml.replace(b'f3" sourceRef="assess', b'f3" sourceRef="' + b"a" * 121)
    refused = problem_of(
        api.as_("clara").post("/api/v1/models", data=_upload("intake.json", **{"long.bpmn": xml})),
        422,
    )
    assert {(e["code"], e["params"]["kind"], e["params"]["size"]) for e in refused["errors"]} == {
        ("too_long", "process_id", "120"),
        ("too_long", "element_id", "120"),
        ("too_long", "task_name", "255"),
    }
    assert {e["message"].split(": ", 1)[1] for e in refused["errors"]} == {
        "the process id is longer than 120 characters",
        "the element id is longer than 120 characters",
        "the task name is longer than 255 characters",
    }
    assert all(len(e["message"]) < 140 for e in refused["errors"])  # long names cut short
