"""GET /api/v1/cases/{reference}/events: the audit trail page by page, with or without the
audited reads of a restricted case, each request itself an audited read."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.support import Driver
from tests.web.conftest import Api, problem_of
from tests.web.test_api_tasks import INTAKE


def _read_many_then_complete(api: Api, reads: int) -> str:
    """A restricted case of the CAV, read `reads` times by its operator, then its intake done."""
    body = {"process_id": "three_tasks", "data": {"restricted": True}, "organization": "cav_aida"}
    reference: str = api.as_("anna").post("/api/v1/cases", json=body).json["reference"]
    for _ in range(reads):
        assert api.as_("anna").get(f"/api/v1/cases/{reference}").status_code == 200
    Driver(api.engine).complete(reference, "intake", INTAKE, as_user="root")
    return reference


def _pages(api: Api, path: str) -> list[dict[str, Any]]:
    """Every page of `path`, following next_cursor from the first to the last."""
    pages = [api.as_("ada").get(path).json]
    while pages[-1]["next_cursor"]:
        pages.append(api.as_("ada").get(f"{path}&cursor={pages[-1]['next_cursor']}").json)
    return pages


def test_the_trail_comes_page_by_page_in_the_cases_order(api: Api) -> None:
    reference = _read_many_then_complete(api, 6)
    path = f"/api/v1/cases/{reference}/events?limit=4"
    pages = _pages(api, path)
    # started, named, task emitted, read at the start, 6 reads, completed, next task emitted:
    # 12 events, and the DPO's read of each page recorded after it, seen by the next pages
    assert [len(p["items"]) for p in pages] == [4, 4, 4, 3]
    assert [p["next_cursor"] is None for p in pages] == [False, False, False, True]
    seqs = [e["seq"] for p in pages for e in p["items"]]
    assert seqs == list(range(1, 16))
    kinds = [e["kind"] for p in pages for e in p["items"]]
    assert kinds[:3] == ["case_started", "case_manager_named", "task_emitted"]
    assert kinds.count("restricted_case_read") == 7 + 3  # anna's 7, the DPO's first 3 pages
    assert kinds.index("task_completed") == 10
    assert pages[0]["items"][3]["actor"] == "anna" and pages[0]["items"][3]["actor_name"] == "anna"
    everything = api.as_("ada").get(f"/api/v1/cases/{reference}/events").json
    assert everything["next_cursor"] is None and len(everything["items"]) == 16


def test_reads_may_be_left_out_or_listed_alone(api: Api) -> None:
    reference = _read_many_then_complete(api, 5)
    ada = api.as_("ada")
    steps = ada.get(f"/api/v1/cases/{reference}/events?reads=exclude&limit=2").json
    assert [e["kind"] for e in steps["items"]] == ["case_started", "case_manager_named"]
    rest = ada.get(
        f"/api/v1/cases/{reference}/events?reads=exclude&limit=2&cursor={steps['next_cursor']}"
    ).json
    assert [e["kind"] for e in rest["items"]] == ["task_emitted", "task_completed"]
    last = ada.get(
        f"/api/v1/cases/{reference}/events?reads=exclude&limit=2&cursor={rest['next_cursor']}"
    ).json
    assert [e["kind"] for e in last["items"]] == ["task_emitted"] and last["next_cursor"] is None
    reads = ada.get(f"/api/v1/cases/{reference}/events?reads=only&limit=200").json["items"]
    assert [(e["actor"], e["payload"]) for e in reads] == [
        ("anna", {"identity_shown": False})
    ] * 6 + [("ada", {"what": "events"})] * 3


def test_each_request_for_the_trail_is_one_audited_read(api: Api) -> None:
    reference = _read_many_then_complete(api, 0)
    path = f"/api/v1/cases/{reference}/events?reads=only"
    before = api.as_("ada").get(path).json["items"]
    after = api.as_("ada").get(path).json["items"]
    assert after[len(before) :] == [after[-1]] and len(after) == len(before) + 1
    assert after[-1]["actor"] == "ada" and after[-1]["payload"] == {"what": "events"}
    plain = api.start()
    assert api.as_("ada").get(f"/api/v1/cases/{plain}/events?reads=only").json["items"] == []


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_bad_cursor_limit_or_reads_get_422_naming_the_parameter(api: Api) -> None:
    reference = _read_many_then_complete(api, 1)
    ada = api.as_("ada")
    path = f"/api/v1/cases/{reference}/events"
    for cursor in ("not-a-cursor", _cursor(["x", "y"]), _cursor([0, 2**70]), _cursor([0])):
        problem = problem_of(ada.get(f"{path}?cursor={cursor}"), 422)
        assert problem["errors"][0]["field"] == "cursor" and problem["detail"] == "invalid cursor"
    for limit in ("0", "201", "ten"):
        problem = problem_of(ada.get(f"{path}?limit={limit}"), 422)
        assert [e["field"] for e in problem["errors"]] == ["limit"]
    problem = problem_of(ada.get(f"{path}?reads=some"), 422)
    assert [e["field"] for e in problem["errors"]] == ["reads"]
    assert ada.get(f"{path}?limit=200").status_code == 200
    problem_of(api.as_("marco").get(f"{path}?limit=1"), 404)  # not his network's case
    problem_of(api.as_("ugo").get(f"{path}?limit=1"), 403)  # aggregates only
