"""/api/v1/tasks: the worklist, one task with its form, claim/unclaim/assign/draft/complete."""

from __future__ import annotations

from engine.commands.accounts import create_user
from engine.reads.taskviews import TaskFilter, count_open_tasks, task_detail
from tests.support import Driver, FakeClock
from tests.web.conftest import Api, problem_of

INTAKE = {"resident": True, "urgency": "high"}


def test_worklist_filters_and_sorts(api: Api, clock: FakeClock) -> None:
    first = api.start({"target_group": "giovani"})
    clock.advance(days=1)
    second = api.start({"target_group": "disabilita"})
    giulia = api.as_("giulia")
    items = giulia.get("/api/v1/tasks").json["items"]
    assert [t["case"] for t in items] == [first, second]  # by due date
    assert items[0]["organization"] == "comune_cremona" and items[0]["form_key"] == "intake.json"
    assert giulia.get("/api/v1/tasks?assignee=me").json["items"] == []
    giulia.post(f"/api/v1/tasks/{api.task_id(second)}/claim")
    mine = giulia.get("/api/v1/tasks?assignee=me").json["items"]
    assert [t["case"] for t in mine] == [second]
    unclaimed = giulia.get("/api/v1/tasks?state=unclaimed").json["items"]
    assert [t["case"] for t in unclaimed] == [first]
    assert [t["case"] for t in giulia.get(f"/api/v1/tasks?case={first}").json["items"]] == [first]
    assert giulia.get("/api/v1/tasks?group=equipe_member").json["items"] == []
    assert len(giulia.get("/api/v1/tasks?organization=comune_cremona").json["items"]) == 2
    by_group = giulia.get("/api/v1/tasks?target_group=disabilita").json["items"]
    assert [t["case"] for t in by_group] == [second]
    # the same filter with another value: one statement serves both, bound anew each time
    by_group = giulia.get("/api/v1/tasks?target_group=giovani").json["items"]
    assert [t["case"] for t in by_group] == [first]
    with api.engine.uow(write=False) as uow:  # and counted side by side in one statement
        groups = [TaskFilter(target_group=g) for g in ("giovani", "disabilita", "adulti")]
        assert count_open_tasks(uow, Driver(api.engine).actor("giulia"), groups) == [1, 1, 0]
    assert giulia.get("/api/v1/tasks?overdue=true").json["items"] == []
    clock.advance(days=10)
    overdue = giulia.get("/api/v1/tasks?overdue=true").json["items"]
    assert [t["case"] for t in overdue] == [first] and overdue[0]["overdue"] is True
    due = giulia.get("/api/v1/tasks", query_string={"due_before": "2026-03-12T10:00:00Z"})
    assert [t["case"] for t in due.json["items"]] == [first]
    page = giulia.get("/api/v1/tasks?limit=1&sort=priority").json
    rest = giulia.get(f"/api/v1/tasks?limit=1&sort=priority&cursor={page['next_cursor']}").json
    assert {page["items"][0]["case"], rest["items"][0]["case"]} == {first, second}
    assert api.as_("marco").get("/api/v1/tasks").json["items"] == []
    problem_of(api.as_("ugo").get("/api/v1/tasks"), 403)
    problem_of(giulia.get("/api/v1/tasks?sort=name"), 422)
    problem_of(api.anonymous.get("/api/v1/tasks"), 401)


def test_detail_has_the_form_and_the_earlier_answers(api: Api) -> None:
    ref = api.start()
    giulia = api.as_("giulia")
    task = giulia.get(f"/api/v1/tasks/{api.task_id(ref)}").json
    assert task["form"]["required"] == ["resident", "urgency"]
    assert task["may_act"] is True and task["draft"] is None and task["history"] == []
    giulia.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": INTAKE})
    assess = giulia.get(f"/api/v1/tasks/{api.task_id(ref, 'assess')}").json
    assert assess["form"] is None
    assert [(h["element_id"], h["data"], h["completed_by"]) for h in assess["history"]] == [
        ("intake", INTAKE, "giulia")
    ]
    problem_of(api.as_("marco").get(f"/api/v1/tasks/{task['id']}"), 404)
    problem_of(api.as_("ugo").get(f"/api/v1/tasks/{task['id']}"), 403)
    problem_of(giulia.get("/api/v1/tasks/999999"), 404)
    problem_of(giulia.get("/api/v1/tasks/99999999999999999999"), 404)


def test_claim_unclaim_assign_and_conflicts(api: Api) -> None:
    task_id = api.task_id(api.start())
    giulia, paolo = api.as_("giulia"), api.as_("paolo")
    claimed = giulia.post(f"/api/v1/tasks/{task_id}/claim")
    assert claimed.status_code == 200 and claimed.json["assignee"] == "giulia"
    assert "someone else" in problem_of(paolo.post(f"/api/v1/tasks/{task_id}/claim"), 409)["detail"]
    problem_of(paolo.post(f"/api/v1/tasks/{task_id}/complete", json={"data": INTAKE}), 409)
    problem_of(api.as_("marco").post(f"/api/v1/tasks/{task_id}/claim"), 404)  # foreign case
    problem_of(api.as_("clara").post(f"/api/v1/tasks/{task_id}/claim"), 403)  # sees, may not
    assert giulia.post(f"/api/v1/tasks/{task_id}/unclaim").json["assignee"] is None
    assigned = giulia.post(f"/api/v1/tasks/{task_id}/assign", json={"user": "paolo"})
    assert assigned.json["assignee"] == "paolo"
    problem_of(giulia.post(f"/api/v1/tasks/{task_id}/assign", json={"user": "marco"}), 422)
    problem_of(giulia.post(f"/api/v1/tasks/{task_id}/assign", json={"user": "nobody"}), 404)
    problem_of(giulia.post(f"/api/v1/tasks/{task_id}/assign", json={}), 422)
    problem_of(api.anonymous.post(f"/api/v1/tasks/{task_id}/claim"), 401)


def test_draft_then_complete_then_conflict(api: Api) -> None:
    ref = api.start()
    task_id = api.task_id(ref)
    giulia = api.as_("giulia")
    saved = giulia.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {"notes": "half"}})
    assert saved.status_code == 200
    assert giulia.get(f"/api/v1/tasks/{task_id}").json["draft"] == {"notes": "half"}
    problem_of(giulia.put(f"/api/v1/tasks/{task_id}/draft", json={"data": [1]}), 422)
    bad = problem_of(
        giulia.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"resident": "yes"}}), 422
    )
    assert {e["field"] for e in bad["errors"]} == {"resident", "urgency"}
    stale = giulia.post(
        f"/api/v1/tasks/{task_id}/complete", json={"data": INTAKE}, headers={"If-Match": "0"}
    )
    problem_of(stale, 409)
    done = giulia.post(f"/api/v1/tasks/{task_id}/complete", json={"data": INTAKE})
    assert done.status_code == 200
    assert done.json["case"] == ref and done.json["status"] == "running"
    assert [t["element_id"] for t in done.json["emitted"]] == ["assess"]
    again = giulia.post(f"/api/v1/tasks/{task_id}/complete", json={"data": INTAKE})
    assert "already completed" in problem_of(again, 409)["detail"]
    problem_of(giulia.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {}}), 409)


def test_a_case_runs_to_completion_through_the_api(api: Api) -> None:
    ref = api.start()
    giulia = api.as_("giulia")
    for element, data in (("intake", INTAKE), ("assess", {}), ("close", {})):
        response = giulia.post(
            f"/api/v1/tasks/{api.task_id(ref, element)}/complete", json={"data": data}
        )
        assert response.status_code == 200, response.json
    case = giulia.get(f"/api/v1/cases/{ref}").json
    assert case["status"] == "completed" and case["closed_at"] is not None
    assert {"intake", "assess", "close", "end"} <= set(case["completed_elements"])


def test_detail_names_who_referred_the_case(api: Api) -> None:
    """The task page's referral: the referring organisation and the person to ask."""
    with api.engine.uow() as uow:
        lia = [("comune_cremona", "case_manager")]
        create_user(uow, "lia", memberships=lia, full_name="Lia Neri", email="lia@example.org")
        uow.commit()
    drive = Driver(api.engine)
    hers, mine = drive.start("three_tasks", as_user="lia"), api.start()
    with api.engine.uow(write=False) as uow:
        giulia = drive.actor("giulia")
        by_lia = task_detail(uow, giulia, api.task_id(hers))["referral"]
        by_giulia = task_detail(uow, giulia, api.task_id(mine))["referral"]
    assert by_lia["organization"] == by_giulia["organization"] == "Comune Cremona"
    assert by_lia["referrer"] == {"name": "Lia Neri", "email": "lia@example.org"}
    assert by_giulia["referrer"] == {"name": "giulia", "email": ""}
    assert by_lia["contact"] is None
