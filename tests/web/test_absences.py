"""Absences from the API (PUT /me/absence, GET/PUT/DELETE /users/{name}/absence) and the
command line (`percorsi absence set|end|list`); the worklist shows whom a task is held for."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import Result

from tests.support import Driver
from tests.web.conftest import Api, problem_of


def held_by_giulia(api: Api) -> int:
    reference = api.start()
    task_id = api.task_id(reference)
    assert api.as_("giulia").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    return task_id


def today(api: Api) -> str:
    return api.engine.clock().date().isoformat()


def later(api: Api, days: int) -> str:
    return (api.engine.clock().date() + timedelta(days=days)).isoformat()


def test_an_absence_from_the_api_moves_her_tasks_and_the_worklist_says_for_whom(api: Api) -> None:
    task_id = held_by_giulia(api)
    body = {"from": today(api), "to": later(api, 5), "substitute": "paolo"}

    put = api.as_("giulia").put("/api/v1/me/absence", json=body)

    assert put.status_code == 200, put.json
    assert {k: put.json[k] for k in ("user", "substitute", "status", "to")} == {
        "user": "giulia",
        "substitute": "paolo",
        "status": "active",
        "to": later(api, 5),
    }
    [row] = api.as_("paolo").get("/api/v1/tasks?assignee=me").json["items"]
    assert (row["id"], row["assignee"], row["substitute_for"]) == (task_id, "paolo", "giulia")
    assert api.as_("giulia").get("/api/v1/tasks?assignee=me").json["items"] == []
    seen = api.as_("clara").get("/api/v1/users/giulia/absence")
    assert seen.status_code == 200 and seen.json["substitute"] == "paolo"
    assert [a["user"] for a in api.as_("paolo").get("/api/v1/absences").json["items"]] == ["giulia"]

    ended = api.as_("giulia").delete("/api/v1/users/giulia/absence")
    assert (ended.status_code, ended.json["status"]) == (200, "ended")
    [back] = api.as_("giulia").get("/api/v1/tasks?assignee=me").json["items"]
    assert (back["id"], back["substitute_for"]) == (task_id, None)
    problem_of(api.as_("giulia").get("/api/v1/me/absence"), 404)


def test_the_api_refuses_a_substitute_without_the_roles_with_what_is_missing(api: Api) -> None:
    held_by_giulia(api)
    body = {"from": today(api), "to": later(api, 5), "substitute": "clara"}

    refused = problem_of(api.as_("giulia").put("/api/v1/me/absence", json=body), 422)

    assert refused["detail"].startswith(
        "clara lacks the roles of giulia's open tasks: case_manager in comune_cremona"
    )
    assert refused["errors"][0]["field"] == "substitute"
    assert refused["errors"][0]["code"] == "missing_roles"
    problem_of(api.as_("marco").put("/api/v1/users/giulia/absence", json=body), 403)
    problem_of(api.as_("marco").get("/api/v1/users/giulia/absence"), 403)
    bad = problem_of(
        api.as_("giulia").put("/api/v1/me/absence", json={**body, "from": "domani"}), 422
    )
    assert bad["errors"][0]["field"] == "from"


@pytest.fixture
def cli(api: Api, percorsi: Callable[..., Result]) -> Callable[..., Result]:
    """`percorsi ARGS` over the API tests' people and model."""
    return percorsi


def test_percorsi_absence_set_list_end(api: Api, cli: Any) -> None:
    task_id = held_by_giulia(api)
    real_today = datetime.now(UTC).date()  # the command line's engine runs on the real clock
    start, end = str(real_today + timedelta(days=2)), str(real_today + timedelta(days=9))

    result = cli("absence", "set", "giulia", "--from", start, "--to", end, "--substitute", "paolo")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["giulia", start, "-", end, "planned", "substitute", "paolo"]
    [row] = json.loads(cli("absence", "list", "--json").stdout)
    assert (row["user"], row["status"]) == ("giulia", "planned")
    assert Driver(api.engine).task(api_case(api, task_id), "intake").assignee == "giulia"
    ended = cli("absence", "end", "giulia")
    assert "cancelled" in ended.stdout
    assert cli("absence", "list").stdout.strip() == "no running or planned absence"

    refused = cli("absence", "set", "giulia", "--from", start, "--to", end, "--substitute", "ugo")
    assert refused.exit_code == 2
    assert "ugo lacks the roles of giulia's open tasks" in refused.stderr
    wrong = cli("absence", "set", "giulia", "--from", "1/7", "--to", end, "--substitute", "paolo")
    assert wrong.stderr == "error: --from '1/7' is not a date such as 2026-07-01\n"


def api_case(api: Api, task_id: int) -> str:
    found = [t for t in Driver(api.engine).tasks() if t.id == task_id]
    return found[0].case_reference
