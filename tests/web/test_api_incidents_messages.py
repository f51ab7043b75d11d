"""/api/v1/incidents and /api/v1/messages."""

from __future__ import annotations

from tests.support import Driver, fixture_files
from tests.web.conftest import Api, problem_of


def _failing_case(api: Api) -> str:
    """A case whose script task fails after its first task, as the Comune's case manager."""
    xml = fixture_files("script_task.bpmn")["script_task.bpmn"].replace(b"SCRIPT", b"x = 1 / 0")
    Driver(api.engine).deploy(files={"script_task.bpmn": xml})
    response = api.as_("giulia").post("/api/v1/cases", json={"process_id": "script_task"})
    ref = str(response.json["reference"])
    fill = api.as_("giulia").get(f"/api/v1/tasks?case={ref}").json["items"][0]
    api.as_("giulia").post(f"/api/v1/tasks/{fill['id']}/complete", json={"data": {}})
    return ref


def test_incidents_are_listed_within_scope_and_retried_by_coordinators(api: Api) -> None:
    ref = _failing_case(api)
    [incident] = api.as_("giulia").get("/api/v1/incidents").json["items"]
    assert incident["case"] == ref and incident["element_id"] == "compute"
    assert "division by zero" in incident["error"]
    assert api.as_("marco").get("/api/v1/incidents").json["items"] == []
    assert api.as_("clara").get(f"/api/v1/incidents?case={ref}").json["items"] != []
    assert api.as_("giulia").get("/api/v1/incidents?status=resolved").json["items"] == []
    problem_of(api.as_("ugo").get("/api/v1/incidents"), 403)
    problem_of(api.as_("giulia").post(f"/api/v1/incidents/{incident['id']}/retry"), 403)
    retried = api.as_("clara").post(f"/api/v1/incidents/{incident['id']}/retry")
    assert retried.status_code == 200 and retried.json["incident"]["attempts"] == 2
    problem_of(api.as_("clara").post("/api/v1/incidents/9999/retry"), 404)
    problem_of(api.as_("giulia").get("/api/v1/incidents?status=lost"), 422)
    problem_of(api.anonymous.get("/api/v1/incidents"), 401)


def test_a_message_reaches_the_waiting_case(api: Api) -> None:
    Driver(api.engine).deploy("wait_message.bpmn")
    ref = api.start(process_id="wait_message")
    assert api.as_("giulia").get(f"/api/v1/tasks?case={ref}").json["items"] == []
    body = {"name": "documents_received", "correlation": ref, "payload": {"isee": 9000}}
    delivered = api.as_("giulia").post("/api/v1/messages", json=body)
    assert delivered.status_code == 200 and delivered.json == {
        "delivered_to": [ref],
        "stored": False,
    }
    [task] = api.as_("giulia").get(f"/api/v1/tasks?case={ref}").json["items"]
    assert task["element_id"] == "review"


def test_unmatched_messages_are_kept_and_senders_are_checked(api: Api) -> None:
    kept = api.as_("clara").post("/api/v1/messages", json={"name": "later", "payload": {}})
    assert kept.json == {"delivered_to": [], "stored": True}
    ref = api.start()
    problem_of(api.as_("giulia").post("/api/v1/messages", json={"name": "x"}), 403)
    problem_of(
        api.as_("marco").post("/api/v1/messages", json={"name": "x", "correlation": ref}), 404
    )
    problem_of(api.as_("ugo").post("/api/v1/messages", json={"name": "x", "correlation": ref}), 403)
    problem_of(api.as_("clara").post("/api/v1/messages", json={"payload": {}}), 422)
    problem_of(api.anonymous.post("/api/v1/messages", json={"name": "x"}), 401)
