"""The `percorsi` command line contract: output, --json, and clean errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from engine import Engine
from tests.support import FIXTURES
from web.cli import main

THREE = str(FIXTURES / "three_tasks.bpmn")
FORM = str(FIXTURES / "forms" / "intake.json")
INTAKE = '{"resident": true, "urgency": "low"}'


@pytest.fixture
def cli(network: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `percorsi ARGS` against the test database."""
    monkeypatch.setenv("PERCORSI_DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def ok(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.lstrip().startswith(("[", "{")) else None


def refused(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr


def test_init_deploy_start_claim_complete_and_show(cli: Any) -> None:
    assert "database ready" in cli("init").stdout
    [deployed] = ok(cli("deploy", THREE, FORM, "--json"))
    assert (deployed["process_id"], deployed["number"], deployed["created"]) == (
        "three_tasks",
        1,
        True,
    )
    assert cli("deploy", THREE, FORM).stdout.strip() == "three_tasks v1 (unchanged)"

    started = ok(cli("start", "three_tasks", "--data", '{"target_group": "giovani"}', "--json"))
    ref = started["reference"]
    assert (ref, started["status"]) == ("CR-2026-000001", "running")

    [task] = ok(cli("tasks", "--case", ref, "--json"))
    assert (task["element_id"], task["candidate_groups"]) == ("intake", ["case_manager"])
    assert ok(cli("tasks", "--group", "cpi_operator", "--json")) == []

    assert "claimed by giulia" in cli("claim", str(task["id"]), "--as", "giulia").stdout
    done = ok(cli("complete", str(task["id"]), "--data", INTAKE, "--as", "giulia", "--json"))
    assert (done["case"], done["status"], done["incident"]) == (ref, "running", None)
    assert [e["element_id"] for e in done["emitted"]] == ["assess"]

    view = ok(cli("case", ref, "--json"))
    assert view["status"] == "running"
    assert [t["element_id"] for t in view["open_tasks"]] == ["assess"]
    assert "task_completed" in [h["kind"] for h in view["history"]]
    text = cli("case", ref).stdout
    assert ref in text and "assess" in text.lower()


def test_dry_run_only_validates(cli: Any) -> None:
    assert cli("deploy", "--dry-run", THREE, FORM).stdout.strip() == "three_tasks: valid"
    refused(cli("start", "three_tasks"), "three_tasks")


def test_fire_timers_at_a_given_time(cli: Any) -> None:
    ok(cli("deploy", str(FIXTURES / "boundary_timer.bpmn")))
    ref = ok(cli("start", "boundary_timer", "--json"))["reference"]
    started = datetime.fromisoformat(ok(cli("case", ref, "--json"))["opened_at"])
    early = (started + timedelta(days=9)).isoformat()
    late = (started + timedelta(days=10, minutes=1)).replace(tzinfo=None).isoformat()  # naive=UTC
    assert cli("fire-timers", "--now", early).stdout.strip() == "0 case(s) woken"
    assert cli("fire-timers", "--now", late).stdout.strip() == "1 case(s) woken"
    [task] = ok(cli("tasks", "--case", ref, "--json"))
    assert task["element_id"] == "escalate"


def test_bad_input_is_reported_without_a_traceback(cli: Any, tmp_path: Path) -> None:
    refused(cli("deploy", str(tmp_path / "missing.bpmn")), "missing.bpmn", "no such file")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(Path(THREE).read_text().replace("</bpmn:process>", "", 1))
    refused(cli("deploy", str(broken)), "broken.bpmn", "line")
    refused(cli("deploy"), "at least one")
    refused(cli("start", "nope"), "'nope'")
    ok(cli("deploy", THREE, FORM))
    refused(cli("start", "three_tasks", "--data", "{oops"), "--data is not valid JSON")
    refused(cli("start", "three_tasks", "--data", "[1]"), "JSON object")
    refused(cli("start", "three_tasks", "--as", "nobody"), "nobody")
    refused(cli("complete", "999", "--data", INTAKE), "999")
    refused(cli("claim", "999", "--as", "giulia"), "999")
    ref = ok(cli("start", "three_tasks", "--json"))["reference"]
    [task] = ok(cli("tasks", "--case", ref, "--json"))
    refused(cli("complete", str(task["id"]), "--data", '{"resident": "yes"}'), "resident")
    refused(cli("complete", str(task["id"]), "--as", "clara", "--data", INTAKE), "clara")
    refused(
        cli("complete", str(task["id"]), "--as", "marco", "--data", INTAKE), f"no task {task['id']}"
    )
    refused(cli("case", "CR-1999-000001"), "CR-1999-000001")
    refused(cli("fire-timers", "--now", "tomorrow"), "ISO 8601")


def test_the_installed_command_runs(database_url: str, tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "percorsi"
    env = {"PERCORSI_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [str(command), "deploy", str(FIXTURES / "boundary_timer.bpmn"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)[0]["process_id"] == "boundary_timer"
    bad = subprocess.run(
        [str(command), "start", "nope"], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
