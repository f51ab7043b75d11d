"""Structured logs: one JSON line per request and per command, tied by the request id, and no
trace of a restricted case's person in any line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engine.scheduling.scheduler import Scheduler
from tests.web.conftest import Api
from web.logs import JsonFormatter

NAME, SURNAME, TAX_CODE = "Mariangela", "Zanardelli", "ZNRMNG80A41D150X"


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[str]]]:
    """The log lines written so far in the test, formatted as the server writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_restricted_case_leaves_no_personal_data_in_any_log_line(
    api: Api, log_lines: Callable[[], list[str]]
) -> None:
    giulia = api.as_("giulia")
    subject = {"given_name": NAME, "family_name": SURNAME, "tax_code": TAX_CODE}
    started = giulia.post(
        "/api/v1/cases",
        json={"process_id": "three_tasks", "data": {"restricted": True, "subject": subject}},
        headers={"X-Request-ID": "req-start-0001"},
    )
    assert started.status_code == 201, started.json
    assert started.headers["X-Request-ID"] == "req-start-0001"
    ref = started.json["reference"]
    shown = giulia.get(f"/api/v1/cases/{ref}")
    # Her identity reaches only the named CAV operator (and the case manager, with her consent).
    assert shown.json["restricted"] is True and shown.json["identity"] is None
    task = f"/api/v1/tasks/{api.task_id(ref)}"
    refused = giulia.post(f"{task}/complete", json={"data": {"resident": f"{NAME} {SURNAME}"}})
    assert refused.status_code == 422 and SURNAME in refused.text  # she typed it: it comes back
    done = giulia.post(f"{task}/complete", json={"data": {"resident": True, "urgency": "low"}})
    assert done.status_code == 200, done.json
    assert giulia.get(f"/api/v1/cases/{ref}/events").status_code == 200
    Scheduler(api.engine).run_once()
    try:
        raise ValueError(f"cannot send to {NAME} {SURNAME} ({TAX_CODE})")
    except ValueError:
        logging.getLogger("percorsi.test").exception("delivery failed")

    lines = log_lines()
    entries = _entries(lines)
    assert not [line for line in lines if SURNAME in line or NAME in line or TAX_CODE in line]
    requests = [e for e in entries if e.get("event") == "request"]
    assert [(r["method"], r["status"]) for r in requests] == [
        ("POST", 201),
        ("GET", 200),
        ("POST", 422),
        ("POST", 200),
        ("GET", 200),
    ]
    assert all(len(r["request_id"]) >= 8 and r["duration_ms"] >= 0 for r in requests)
    assert requests[0]["request_id"] == "req-start-0001"
    assert requests[0]["path"] == "/api/v1/cases" and requests[0]["user_id"] is not None
    commands = [e for e in entries if e.get("event") == "command"]
    started_line = next(c for c in commands if c["command"] == "start_case")
    assert (started_line["outcome"], started_line["request_id"]) == ("ok", "req-start-0001")
    outcomes = [(c["command"], c["outcome"]) for c in commands]
    assert ("complete_task", "invalid") in outcomes and ("complete_task", "ok") in outcomes
    [failure] = [e for e in entries if e["msg"] == "delivery failed"]
    assert failure["error"]["type"] == "builtins.ValueError"
    assert failure["error"]["at"] and "test_logs.py" in failure["error"]["at"][-1]


def _entries(lines: list[str]) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert entries and all({"ts", "level", "logger", "msg"} <= set(e) for e in entries)
    return entries


def test_a_malformed_request_id_is_replaced(api: Api, log_lines: Callable[[], list[str]]) -> None:
    response = api.as_("giulia").get("/api/v1/me", headers={"X-Request-ID": "bad id <script>"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] != "bad id <script>"
    assert len(response.headers["X-Request-ID"]) == 32
