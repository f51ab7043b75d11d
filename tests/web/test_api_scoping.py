"""Organisation scoping (no IDOR) and restricted cases (no identity) across every endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support import Driver, fixture_files, open_ui_session
from tests.web.conftest import Api

IDENTITY = {"name": "Maria Bianchi", "tax_code": "BNCMRA80A41D150X"}
SECRETS = ("Maria Bianchi", "Bianchi", "BNCMRA80A41D150X", "BNCMRA")


def _failing_process(api: Api) -> None:
    xml = fixture_files("script_task.bpmn")["script_task.bpmn"].replace(b"SCRIPT", b"x = 1 / 0")
    Driver(api.engine).deploy(files={"script_task.bpmn": xml})


def _comune_world(api: Api) -> dict[str, list[Any]]:
    """Cases, tasks (open and completed), incidents and events owned by the Comune."""
    _failing_process(api)
    giulia = api.as_("giulia")
    refs = [api.start({"subject": IDENTITY}) for _ in range(2)]
    first = api.task_id(refs[0])
    giulia.post(
        f"/api/v1/tasks/{first}/complete", json={"data": {"resident": True, "urgency": "low"}}
    )
    failing = giulia.post("/api/v1/cases", json={"process_id": "script_task"}).json["reference"]
    fill = api.task_id(failing, "fill")
    giulia.post(f"/api/v1/tasks/{fill}/complete", json={"data": {}})
    refs.append(failing)
    tasks = [t["id"] for t in giulia.get("/api/v1/tasks?state=all&limit=200").json["items"]]
    incidents = [i["id"] for i in giulia.get("/api/v1/incidents?status=all").json["items"]]
    assert len(tasks) == 4 and incidents  # 2 open, 2 completed
    return {"refs": refs, "tasks": tasks, "incidents": incidents}


def test_an_operator_of_a_foreign_organisation_gets_404_not_403(api: Api) -> None:
    ref = api.start()
    assert api.as_("marco").get(f"/api/v1/cases/{ref}").status_code == 404
    assert api.as_("ugo").get(f"/api/v1/cases/{ref}").status_code == 403  # by role, for any case


@pytest.mark.parametrize("outsider", ["marco", "sara"])
def test_idor_sweep_over_another_organisations_ids_returns_nothing(api: Api, outsider: str) -> None:
    world = _comune_world(api)
    who = api.as_(outsider)
    for ref in world["refs"]:
        for path in (f"/api/v1/cases/{ref}", f"/api/v1/cases/{ref}/events"):
            assert who.get(path).status_code == 404, path
        assert who.post(f"/api/v1/cases/{ref}/cancel").status_code == 404
        assert who.get(f"/api/v1/tasks?case={ref}&state=all").json["items"] == []
        assert who.get(f"/api/v1/incidents?case={ref}&status=all").json["items"] == []
        body = {"name": "documents_received", "correlation": ref}
        assert who.post("/api/v1/messages", json=body).status_code == 404
    for task_id in world["tasks"]:
        assert who.get(f"/api/v1/tasks/{task_id}").status_code == 404
        for verb in ("claim", "unclaim", "complete"):
            assert who.post(f"/api/v1/tasks/{task_id}/{verb}", json={}).status_code == 404
        assign = who.post(f"/api/v1/tasks/{task_id}/assign", json={"user": outsider})
        assert assign.status_code == 404
        assert who.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {}}).status_code == 404
    for incident_id in world["incidents"]:  # retrying is for coordinators: 403 whatever the id
        assert who.post(f"/api/v1/incidents/{incident_id}/retry").status_code == 403
    assert who.get("/api/v1/cases").json["items"] == []
    assert who.get("/api/v1/tasks?state=all").json["items"] == []
    assert who.get("/api/v1/incidents?status=all").json["items"] == []
    body = who.get("/api/v1/cases").get_data(as_text=True)
    assert all(ref not in body for ref in world["refs"])


def _restricted_case(api: Api) -> tuple[str, int]:
    """A violence-pathway case opened by the CAV, with an answered task and an open one."""
    anna = api.as_("anna")
    body = {
        "process_id": "three_tasks",
        "data": {"restricted": True, "subject": IDENTITY, "target_group": "violenza"},
        "organization": "cav_aida",
    }
    ref = anna.post("/api/v1/cases", json=body).json["reference"]
    giulia = api.as_("giulia")
    intake = api.task_id(ref)
    giulia.post(
        f"/api/v1/tasks/{intake}/complete", json={"data": {"resident": True, "urgency": "high"}}
    )
    giulia.put(f"/api/v1/tasks/{api.task_id(ref, 'assess')}/draft", json={"data": {"notes": "ok"}})
    return ref, api.task_id(ref, "assess")


def _get_paths(app: Flask, values: dict[str, Any]) -> list[str]:
    """Every GET endpoint of the app, with its path parameters filled in."""
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"give the restricted-case walk a value for {missing} ({rule.rule})"
        paths.append(adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments}))
    return sorted(set(paths))


@pytest.mark.parametrize("reader", ["giulia", "paolo", "clara", "ada", "root", "marco", "ugo"])
def test_restricted_case_shows_no_identity_on_any_get_endpoint(
    api: Api, app: Flask, reader: str
) -> None:
    ref, task_id = _restricted_case(api)
    values = {"reference": ref, "task_id": task_id, "process_id": "three_tasks", "number": 1}
    values |= {"username": "anna", "organization": "cav_aida", "incident_id": 1, "token_id": 1}
    values |= {"code": "cav_aida", "role": "cav_operator", "run_id": 1}
    paths = _get_paths(app, values)
    assert f"/api/v1/cases/{ref}" in paths and f"/api/v1/tasks/{task_id}" in paths
    open_ui_session(api.client, api.engine, reader)  # the UI's pages are walked with the cookie
    for path in paths:
        body = api.as_(reader).get(path).get_data(as_text=True)
        leaked = [s for s in SECRETS if s.lower() in body.lower()]
        assert not leaked, f"{reader} sees {leaked} at {path}"
    anna = api.as_("anna").get(f"/api/v1/cases/{ref}").json  # the control: the CAV does see her
    assert anna["identity"] == IDENTITY


def test_restricted_reads_are_audit_events(api: Api) -> None:
    ref, task_id = _restricted_case(api)
    api.as_("clara").get(f"/api/v1/cases/{ref}")
    api.as_("giulia").get(f"/api/v1/tasks/{task_id}")
    api.as_("anna").get(f"/api/v1/cases/{ref}")
    events = api.as_("ada").get(f"/api/v1/cases/{ref}/events").json["items"]
    reads = [(e["actor"], e["payload"]) for e in events if e["kind"] == "restricted_case_read"]
    assert reads == [
        ("anna", {"identity_shown": True}),  # the case as the start answered it
        ("clara", {"identity_shown": False}),
        ("giulia", {"what": "task", "task_id": task_id}),
        ("anna", {"identity_shown": True}),
    ]
