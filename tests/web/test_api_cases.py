"""/api/v1/cases: start, list, read, audit trail, cancel."""

from __future__ import annotations

from datetime import datetime

from tests.support import FakeClock
from tests.web.conftest import Api, problem_of


def test_start_returns_the_case_with_its_first_task(api: Api) -> None:
    response = api.as_("giulia").post(
        "/api/v1/cases", json={"process_id": "three_tasks", "data": {"target_group": "giovani"}}
    )
    assert response.status_code == 201
    case = response.json
    assert case["reference"] == "CR-2026-000001" and case["status"] == "running"
    assert case["target_group"] == "giovani" and case["subject"].startswith("PS-")
    assert [t["element_id"] for t in case["open_tasks"]] == ["intake"]
    assert case["active_elements"] == ["intake"] and "start" in case["completed_elements"]
    assert datetime.fromisoformat(case["opened_at"]).utcoffset() is not None


def test_start_answers_401_403_404_422(api: Api) -> None:
    body = {"process_id": "three_tasks"}
    assert problem_of(api.anonymous.post("/api/v1/cases", json=body), 401)
    problem_of(api.as_("ugo").post("/api/v1/cases", json=body), 403)  # Cabina: aggregates
    problem_of(api.as_("giulia").post("/api/v1/cases", json={"process_id": "nope"}), 404)
    missing = problem_of(api.as_("giulia").post("/api/v1/cases", json={"data": {}}), 422)
    assert missing["errors"] == [
        {"field": "process_id", "location": "json", "message": "Missing data for required field."}
    ]
    problem_of(
        api.as_("marco").post("/api/v1/cases", json={**body, "organization": "comune_cremona"}),
        403,  # marco does not belong to the Comune
    )


def test_list_filters_and_pages_by_cursor(api: Api, clock: FakeClock) -> None:
    refs = []
    for group in ("giovani", "disabilita", "giovani"):
        refs.append(api.start({"target_group": group}))
        clock.advance(hours=1)
    caller = api.as_("giulia")
    first = caller.get("/api/v1/cases?limit=2").json
    assert [c["reference"] for c in first["items"]] == [refs[2], refs[1]]
    second = caller.get(f"/api/v1/cases?limit=2&cursor={first['next_cursor']}").json
    assert [c["reference"] for c in second["items"]] == [refs[0]]
    assert second["next_cursor"] is None
    young = caller.get("/api/v1/cases?target_group=giovani").json["items"]
    assert {c["reference"] for c in young} == {refs[0], refs[2]}
    late = caller.get("/api/v1/cases", query_string={"opened_after": "2026-03-02T09:30:00+00:00"})
    assert [c["reference"] for c in late.json["items"]] == [refs[2], refs[1]]
    naive = caller.get("/api/v1/cases", query_string={"opened_before": "2026-03-02T09:30:00"})
    assert [c["reference"] for c in naive.json["items"]] == [refs[0]]  # read as UTC
    assert caller.get("/api/v1/cases?organization=provincia_cremona").json["items"] == []
    assert caller.get("/api/v1/cases?status=completed").json["items"] == []
    problem_of(caller.get("/api/v1/cases?status=lost"), 422)
    problem_of(caller.get("/api/v1/cases?cursor=WyJ4IiwieSJd"), 422)  # ["x","y"]
    problem_of(caller.get("/api/v1/cases?limit=0"), 422)
    problem_of(api.as_("ugo").get("/api/v1/cases"), 403)


def test_detail_events_and_the_foreign_operator(api: Api) -> None:
    ref = api.start()
    detail = api.as_("giulia").get(f"/api/v1/cases/{ref}")
    assert detail.status_code == 200 and detail.headers["ETag"] == '"1"'
    assert detail.json["identity"] == {} or detail.json["identity"] is None
    events = api.as_("ada").get(f"/api/v1/cases/{ref}/events").json["items"]
    assert [e["kind"] for e in events] == ["case_started", "case_manager_named", "task_emitted"]
    assert events[0]["actor"] == "giulia" and len(events[0]["hash"]) == 64
    for path in (f"/api/v1/cases/{ref}", f"/api/v1/cases/{ref}/events"):
        problem_of(api.as_("marco").get(path), 404)  # the Provincia takes no part
        problem_of(api.as_("ugo").get(path), 403)
        problem_of(api.anonymous.get(path), 401)
    problem_of(api.as_("giulia").get("/api/v1/cases/CR-2026-999999"), 404)


def test_cancel_with_expected_version(api: Api) -> None:
    ref = api.start()
    problem_of(api.as_("marco").post(f"/api/v1/cases/{ref}/cancel"), 404)
    problem_of(api.as_("paolo").post(f"/api/v1/cases/{ref}/cancel"), 403)  # not its manager
    stale = api.as_("giulia").post(
        f"/api/v1/cases/{ref}/cancel", json={"reason": "moved"}, headers={"If-Match": '"0"'}
    )
    assert "changed meanwhile" in problem_of(stale, 409)["detail"]
    problem_of(
        api.as_("giulia").post(f"/api/v1/cases/{ref}/cancel", json={"expected_version": 7}), 409
    )
    problem_of(
        api.as_("giulia").post(f"/api/v1/cases/{ref}/cancel", headers={"If-Match": "x"}), 422
    )
    done = api.as_("giulia").post(f"/api/v1/cases/{ref}/cancel", json={"reason": "moved"})
    assert done.status_code == 200 and done.json["status"] == "cancelled"
    problem_of(api.as_("clara").post(f"/api/v1/cases/{ref}/cancel"), 409)  # already closed
    assert api.as_("giulia").get(f"/api/v1/cases/{ref}").json["open_tasks"] == []
