"""`percorsi tick`, `escalations`, `outbox` and `scheduler` as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Engine
from engine.scheduling.lease import current_lease
from engine.store.tables import utcnow
from tests.support import FIXTURES, PG_URL, Driver
from web.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(database_url: str, network: Engine) -> CliRunner:
    return CliRunner(env={"PERCORSI_DATABASE_URL": database_url})


def test_tick_with_now_in_the_future_escalates_and_lists_overdue(
    run: CliRunner, network: Engine
) -> None:
    files = [str(FIXTURES / "three_tasks.bpmn"), str(FIXTURES / "forms" / "intake.json")]
    assert run.invoke(main, ["deploy", *files]).exit_code == 0
    ref = run.invoke(main, ["start", "three_tasks", "--as", "giulia"]).output.strip()
    assert json.loads(run.invoke(main, ["escalations", "--json"]).output) == []

    later = (utcnow() + timedelta(days=13, hours=1)).isoformat()
    result = run.invoke(main, ["tick", "--now", later, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["escalations"] == 2  # due in 10 days: overdue, then coordinators (+3 days)

    text = run.invoke(main, ["escalations", "--now", later]).output
    assert ref in text and "2/3" in text and "review_task" in text
    assert "no failed notifications" in run.invoke(main, ["outbox", "--failed"]).output
    rows = json.loads(run.invoke(main, ["outbox", "--json"]).output)
    assert rows == []  # in-app only (no SMTP configured), delivered in the same pass


def test_tick_rejects_a_malformed_time(run: CliRunner) -> None:
    result = run.invoke(main, ["tick", "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "--now 'next tuesday' is not an ISO 8601 date-time" in result.output


@pytest.mark.skipif(bool(PG_URL), reason="the scheduler lease is for SQLite")
def test_a_second_scheduler_on_sqlite_refuses_to_start(database_url: str, network: Engine) -> None:
    env = {**os.environ, "PERCORSI_DATABASE_URL": database_url}
    first = subprocess.Popen(
        [sys.executable, "-m", "web", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while (lease := _lease(network)) is None:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        assert lease.holder.endswith(f":{first.pid}")
        second = subprocess.run(
            [sys.executable, "-m", "web", "scheduler"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert f"already running in {lease.holder}" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert first.returncode == 0
    assert _lease(network) is None  # a clean stop gives the lease back


def _lease(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.uow(write=False) as uow:
        return current_lease(uow)


def test_review_task_is_completed_through_the_cli(run: CliRunner, network: Engine) -> None:
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    later = (utcnow() + timedelta(days=30)).isoformat()
    assert run.invoke(main, ["tick", "--now", later]).exit_code == 0
    review = drive.task(ref, "review_intake")
    decision = '{"decision": "nessuna_azione"}'
    result = run.invoke(main, ["complete", str(review.id), "--data", decision, "--as", "clara"])
    assert result.exit_code == 0, result.output
    assert drive.open_elements(ref) == ["intake"]
