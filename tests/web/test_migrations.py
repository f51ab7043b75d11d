"""Moving running cases from the API (POST /api/v1/models/{id}/migrations) and the command line
(`percorsi migrate`): the same report; a case shows its version everywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from click.testing import Result

from engine import Engine
from tests.engine import migration_models as models
from tests.support import Driver, open_ui_session
from tests.web.conftest import Api, problem_of

INTAKE = {"resident": True, "urgency": "low"}


def two_versions(api: Api) -> tuple[str, str]:
    """A case at intake and one at assess on version 1; version 2 renames assess."""
    drive = Driver(api.engine)
    at_intake = api.start()
    at_assess = api.start()
    drive.complete(at_assess, "intake", INTAKE, as_user="giulia")
    drive.deploy(files=models.three_tasks(assess_id="valutazione"))
    return at_intake, at_assess


def test_the_api_dry_runs_then_moves_and_the_case_shows_its_version(api: Api) -> None:
    at_intake, at_assess = two_versions(api)
    coordinator = api.as_("clara")

    checked = coordinator.post(
        "/api/v1/models/three_tasks/migrations", json={"to": 2, "dry_run": True}
    )
    assert checked.status_code == 200, checked.json
    body = checked.json
    assert (body["dry_run"], body["counts"]) == (True, {"can_migrate": 1, "refused": 1})
    by_ref = {c["reference"]: c for c in body["cases"]}
    assert by_ref[at_intake]["moves"][0] == {
        "from": "intake",
        "from_name": "Intake",
        "to": "intake",
        "to_name": "Intake",
        "kind": "human task",
        "state": "ready",
    }
    assert by_ref[at_assess]["reasons"] == [
        "«Assess» (ready): the target version has no counterpart; "
        "name an element of the target version for it"
    ]
    assert api.as_("giulia").get(f"/api/v1/cases/{at_intake}").json["version"] == 1

    moved = coordinator.post(
        "/api/v1/models/three_tasks/migrations",
        json={"to": 2, "from": 1, "dry_run": False, "mapping": {"assess": "valutazione"}},
    )
    assert moved.json["counts"] == {"migrated": 2}
    case = api.as_("giulia").get(f"/api/v1/cases/{at_assess}").json
    assert case["version"] == 2
    assert [t["element_id"] for t in case["open_tasks"]] == ["valutazione"]


def test_the_api_refuses_operators_bad_plans_and_unknown_models(api: Api) -> None:
    two_versions(api)
    path = "/api/v1/models/three_tasks/migrations"
    problem_of(api.as_("giulia").post(path, json={"to": 2, "dry_run": True}), 403)
    bad = problem_of(
        api.as_("clara").post(path, json={"to": 2, "dry_run": False, "mapping": {"a": "zzz"}}),
        422,
    )
    assert bad["errors"] == [{"field": "mapping.a", "message": "version 2 has no element 'zzz'"}]
    missing = problem_of(api.as_("clara").post(path, json={"to": 2}), 422)
    assert "dry_run" in json.dumps(missing["errors"])
    problem_of(
        api.as_("clara").post("/api/v1/models/nothing/migrations", json={"to": 1, "dry_run": True}),
        404,
    )


@pytest.fixture
def cli(api: Api, percorsi: Callable[..., Result]) -> Callable[..., Result]:
    """`percorsi ARGS` over the API tests' people and model."""
    return percorsi


def test_percorsi_migrate_dry_run_then_run(api: Api, cli: Any) -> None:
    at_intake, at_assess = two_versions(api)

    dry = cli("migrate", "three_tasks", "--to", "2", "--dry-run", "--as", "clara")
    assert dry.exit_code == 1  # a case was refused
    lines = dry.stdout.splitlines()
    assert lines[0] == "three_tasks: every other version -> version 2 (dry run: nothing changes)"
    assert f"{at_intake:<16} v1   can move   at Intake" in lines
    assert any(line.startswith(f"{at_assess:<16} v1   refused") for line in lines)
    assert lines[-1] == "1 can move, 1 refused"
    assert json.loads(cli("case", at_intake, "--json").stdout)["version"] == 1

    run = cli("migrate", "three_tasks", "--to", "2", "--map", "assess=valutazione", "--json")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["counts"] == {"migrated": 2}
    assert json.loads(cli("case", at_assess, "--json").stdout)["version"] == 2
    assert f"{at_assess}  three_tasks v2  running" in cli("case", at_assess).stdout

    again = cli("migrate", "three_tasks", "--to", "2", "--case", at_assess, "--case", "CR-0")
    assert again.exit_code == 0
    assert f"{at_assess:<16} v2   unchanged  the case is already on version 2" in again.stdout
    assert f"{'CR-0':<16} -    skipped    no such case" in again.stdout


def test_percorsi_migrate_names_a_bad_option(network: Engine, cli: Any) -> None:
    result = cli("migrate", "three_tasks", "--to", "9", "--map", "nothing")
    assert result.exit_code == 2
    assert result.stderr == "error: --map 'nothing': write NAME=VALUE\n"
    result = cli("migrate", "three_tasks", "--to", "9")
    assert result.exit_code == 2
    assert "to: process model 'three_tasks' has no version 9" in result.stderr


JOIN = (
    "the unnamed parallel gateway after «Social contribution», «CPI contribution» and "
    "«ASST contribution»"
)
JOIN_IT = (
    "Gateway parallelo senza nome dopo «Social contribution», «CPI contribution» e "
    "«ASST contribution»"
)


def visible(html: str) -> str:
    """What a reader sees of a page: its text, without tags and attributes."""
    return " ".join(unescape(re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)).split())


def waiting_at_a_redrawn_join(api: Api) -> str:
    """A case whose first branch reached the unnamed join; version 2 draws the join again."""
    drive = Driver(api.engine)
    drive.deploy("parallel.bpmn")
    reference = str(drive.start("parallel", as_user="giulia"))
    drive.complete(reference, "social", {}, as_user="giulia")
    drive.deploy(files=models.parallel(join_id="Gateway_1x7f2k"))
    return reference


def test_an_unnamed_gateway_is_said_in_words_by_the_api(api: Api) -> None:
    reference = waiting_at_a_redrawn_join(api)
    path = "/api/v1/models/parallel/migrations"
    coordinator = api.as_("clara")

    refused = coordinator.post(path, json={"to": 2, "dry_run": True}).json["cases"]
    mapping = {"join": "Gateway_1x7f2k"}
    mapped = coordinator.post(path, json={"to": 2, "dry_run": True, "mapping": mapping})

    [case] = [c for c in refused if c["reference"] == reference]
    assert case["reasons"] == [
        f"{JOIN} (waiting): the target version has no counterpart; "
        "name an element of the target version for it"
    ]
    [moved] = [c for c in mapped.json["cases"] if c["reference"] == reference]
    [join] = [m for m in moved["moves"] if m["from"] == "join"]
    assert (join["from_name"], join["to"], join["to_name"]) == (JOIN, "Gateway_1x7f2k", JOIN)


def test_an_unnamed_gateway_is_said_in_words_on_the_migration_pages(api: Api) -> None:
    waiting_at_a_redrawn_join(api)
    client = api.client
    open_ui_session(client, api.engine, "clara")
    with client.session_transaction() as session:
        session["csrf_token"] = "token"
    choices = client.get("/models/parallel?to=2")
    assert f"{JOIN_IT} Gateway parallelo" in visible(choices.get_data(as_text=True))

    for mapping in ({}, {"map.join": "Gateway_1x7f2k"}):
        form = {"to": "2", "from": "", "timers": "keep", "csrf_token": "token", **mapping}
        started = client.post("/models/parallel/migrations", data=form)
        assert started.status_code == 302, started.get_data(as_text=True)
        for _ in range(20):
            advanced = client.post(f"{started.location}/advance", data={"csrf_token": "token"})
            if advanced.json is not None and advanced.json.get("done"):
                break
        page = visible(client.get(started.location).get_data(as_text=True))
        assert "Gateway_1x7f2k" not in page and " join " not in page
        if not mapping:
            assert f"{JOIN_IT} (in attesa) non ha un elemento corrispondente" in page
        else:
            assert f"Corrispondenze {JOIN_IT} → {JOIN_IT}" in page
            assert f"{JOIN_IT} (in attesa) → {JOIN_IT}" in page


def test_the_version_diff_says_an_unnamed_gateway_in_words(api: Api) -> None:
    waiting_at_a_redrawn_join(api)
    open_ui_session(api.client, api.engine, "clara")

    page = visible(api.client.get("/models/parallel/diff").get_data(as_text=True))

    assert f"Elementi aggiunti 1 {JOIN_IT} Gateway parallelo" in page
    assert f"Elementi rimossi 1 {JOIN_IT} Gateway parallelo" in page
    assert "Gateway_1x7f2k" not in page and " join " not in page
    assert "Flusso senza nome da «Social contribution» a «Synthesis»" in page
